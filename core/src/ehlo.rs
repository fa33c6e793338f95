//! Capabilities from an EHLO/LHLO reply (RFC 5321 §4.1.1.1, §2.2.2).
//!
//! OWNER: helper "reply". The types below are the agreed public API; keep
//! their shape, add methods freely.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::reply::{Reply, ReplyCode};

#[cfg(test)]
mod tests;

/// A typed bitset of the extensions this crate knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Extensions(u32);

impl Extensions {
    /// No extension.
    pub const NONE: Extensions = Extensions(0);
    /// SIZE (RFC 1870).
    pub const SIZE: Extensions = Extensions(1 << 0);
    /// 8BITMIME (RFC 6152).
    pub const EIGHT_BIT_MIME: Extensions = Extensions(1 << 1);
    /// PIPELINING (RFC 2920).
    pub const PIPELINING: Extensions = Extensions(1 << 2);
    /// CHUNKING (RFC 3030).
    pub const CHUNKING: Extensions = Extensions(1 << 3);
    /// BINARYMIME (RFC 3030).
    pub const BINARY_MIME: Extensions = Extensions(1 << 4);
    /// SMTPUTF8 (RFC 6531).
    pub const SMTPUTF8: Extensions = Extensions(1 << 5);
    /// DSN (RFC 3461).
    pub const DSN: Extensions = Extensions(1 << 6);
    /// ENHANCEDSTATUSCODES (RFC 2034).
    pub const ENHANCED_STATUS_CODES: Extensions = Extensions(1 << 7);
    /// STARTTLS (RFC 3207).
    pub const STARTTLS: Extensions = Extensions(1 << 8);
    /// AUTH (RFC 4954), with mechanisms in [`Capabilities::auth_mechanisms`].
    pub const AUTH: Extensions = Extensions(1 << 9);
    /// REQUIRETLS (RFC 8689).
    pub const REQUIRETLS: Extensions = Extensions(1 << 10);
    /// VRFY (RFC 5321 §3.5.2 lets servers advertise it).
    pub const VRFY: Extensions = Extensions(1 << 11);
    /// EXPN (RFC 5321 §3.5.2).
    pub const EXPN: Extensions = Extensions(1 << 12);
    /// HELP (RFC 5321 §4.1.1.8).
    pub const HELP: Extensions = Extensions(1 << 13);
    /// DELIVERBY (RFC 2852).
    pub const DELIVERBY: Extensions = Extensions(1 << 14);
    /// MT-PRIORITY (RFC 6710).
    pub const MT_PRIORITY: Extensions = Extensions(1 << 15);
    /// FUTURERELEASE (RFC 4865).
    pub const FUTURERELEASE: Extensions = Extensions(1 << 16);

    /// Whether every bit of `other` is set.
    pub const fn contains(self, other: Extensions) -> bool {
        self.0 & other.0 == other.0
    }
    /// The union of both sets.
    pub const fn union(self, other: Extensions) -> Extensions {
        Extensions(self.0 | other.0)
    }
    /// Raw bits.
    pub const fn bits(self) -> u32 {
        self.0
    }
}

impl core::ops::BitOr for Extensions {
    type Output = Extensions;
    fn bitor(self, rhs: Extensions) -> Extensions {
        self.union(rhs)
    }
}

impl core::ops::BitOrAssign for Extensions {
    fn bitor_assign(&mut self, rhs: Extensions) {
        *self = self.union(rhs);
    }
}

/// One EHLO keyword line: the keyword and its raw parameter string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Keyword {
    /// The ehlo-keyword exactly as sent (smtplib lower-cases it itself).
    pub name: String,
    /// Everything after the first space, verbatim (may be empty).
    pub params: String,
}

/// What a server advertised in its EHLO/LHLO reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// The first line: the server's domain and greeting text.
    pub greeting: String,
    /// Known extensions present.
    pub extensions: Extensions,
    /// `SIZE n`: the limit. `None` with SIZE set means no fixed limit was
    /// announced (`SIZE`, `SIZE 0`, RFC 1870 §4) or the number was invalid;
    /// never `Some(0)`.
    pub max_size: Option<u64>,
    /// AUTH mechanisms, upper-cased, in the order advertised, from both the
    /// `AUTH` and the old `AUTH=` forms, without duplicates.
    pub auth_mechanisms: Vec<String>,
    /// Every keyword line after the first, in order, verbatim.
    pub keywords: Vec<Keyword>,
}

/// Longest keyword this crate knows (`ENHANCEDSTATUSCODES`).
const LONGEST_KNOWN: usize = 19;

impl Extensions {
    /// The extension a keyword names, if this crate knows it. Keywords are
    /// case-insensitive (RFC 5321 §2.4).
    pub fn from_keyword(name: &str) -> Option<Extensions> {
        let mut upper = [0u8; LONGEST_KNOWN];
        let buf = upper.get_mut(..name.len())?;
        buf.copy_from_slice(name.as_bytes());
        buf.make_ascii_uppercase();
        Some(match &*buf {
            b"SIZE" => Extensions::SIZE,
            b"8BITMIME" => Extensions::EIGHT_BIT_MIME,
            b"PIPELINING" => Extensions::PIPELINING,
            b"CHUNKING" => Extensions::CHUNKING,
            b"BINARYMIME" => Extensions::BINARY_MIME,
            b"SMTPUTF8" => Extensions::SMTPUTF8,
            b"DSN" => Extensions::DSN,
            b"ENHANCEDSTATUSCODES" => Extensions::ENHANCED_STATUS_CODES,
            b"STARTTLS" => Extensions::STARTTLS,
            b"AUTH" => Extensions::AUTH,
            b"REQUIRETLS" => Extensions::REQUIRETLS,
            b"VRFY" => Extensions::VRFY,
            b"EXPN" => Extensions::EXPN,
            b"HELP" => Extensions::HELP,
            b"DELIVERBY" => Extensions::DELIVERBY,
            b"MT-PRIORITY" => Extensions::MT_PRIORITY,
            b"FUTURERELEASE" => Extensions::FUTURERELEASE,
            _ => return None,
        })
    }
}

/// Text of a line; invalid UTF-8 becomes U+FFFD. Checks validity first
/// because nearly every line is ASCII.
fn line_str(line: &[u8]) -> Cow<'_, str> {
    match core::str::from_utf8(line) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(line),
    }
}

/// Room for AUTH mechanisms before the vector regrows (servers list 2-8).
const INITIAL_MECHANISMS: usize = 8;

impl Capabilities {
    /// Empty capabilities with a greeting line (server side: then
    /// [`add_keyword`](Self::add_keyword) and [`to_reply`](Self::to_reply)).
    pub fn new(greeting: &str) -> Capabilities {
        Capabilities {
            greeting: String::from(greeting),
            ..Capabilities::default()
        }
    }

    /// Reads an EHLO/LHLO reply (RFC 5321 §4.1.1.1): the first line is the
    /// greeting, each later line one keyword. The caller checks the code
    /// (250) first; this never fails. Non-UTF-8 bytes become U+FFFD.
    pub fn from_reply(reply: &Reply) -> Capabilities {
        let mut lines = reply.lines().iter();
        let greeting = lines
            .next()
            .map(|l| line_str(l).into_owned())
            .unwrap_or_default();
        let mut caps = Capabilities {
            greeting,
            keywords: Vec::with_capacity(reply.lines().len().saturating_sub(1)),
            ..Capabilities::default()
        };
        for line in lines {
            let line = line_str(line);
            let (name, params) = line.split_once(' ').unwrap_or((&line, ""));
            caps.add_keyword(name, params);
        }
        caps
    }

    /// Appends one keyword line and records what it means: the extension
    /// bit, the SIZE limit, AUTH mechanisms (also from the pre-RFC 4954
    /// `AUTH=MECH ...` form some servers still send).
    pub fn add_keyword(&mut self, name: &str, params: &str) {
        if let Some(ext) = Extensions::from_keyword(name) {
            self.extensions |= ext;
            if ext == Extensions::SIZE {
                // RFC 1870 §4: `SIZE 0` or no number means no fixed limit.
                self.max_size = params.trim().parse::<u64>().ok().filter(|&n| n > 0);
            } else if ext == Extensions::AUTH {
                self.add_mechanisms(params);
            }
        } else if let Some(first) = strip_prefix_ignore_case(name, "AUTH=") {
            self.extensions |= Extensions::AUTH;
            self.add_mechanisms(first);
            self.add_mechanisms(params);
        }
        self.keywords.push(Keyword {
            name: String::from(name),
            params: String::from(params),
        });
    }

    fn add_mechanisms(&mut self, list: &str) {
        for mech in list.split_ascii_whitespace() {
            if self.auth_mechanisms.is_empty() {
                self.auth_mechanisms.reserve(INITIAL_MECHANISMS);
            }
            if !self
                .auth_mechanisms
                .iter()
                .any(|m| m.eq_ignore_ascii_case(mech))
            {
                self.auth_mechanisms.push(mech.to_ascii_uppercase());
            }
        }
    }

    /// Whether any keyword line has this keyword (case-insensitive). `AUTH`
    /// is also found in the old `AUTH=` form, as smtplib does.
    pub fn has(&self, keyword: &str) -> bool {
        self.keywords
            .iter()
            .any(|k| k.name.eq_ignore_ascii_case(keyword))
            || (keyword.eq_ignore_ascii_case("AUTH") && self.extensions.contains(Extensions::AUTH))
    }

    /// The parameters of the first line with this keyword
    /// (case-insensitive), verbatim; `Some("")` when it has none.
    pub fn keyword_params(&self, keyword: &str) -> Option<&str> {
        self.keywords
            .iter()
            .find(|k| k.name.eq_ignore_ascii_case(keyword))
            .map(|k| k.params.as_str())
    }

    /// Whether every extension in `ext` was advertised.
    pub fn supports(&self, ext: Extensions) -> bool {
        self.extensions.contains(ext)
    }

    /// The EHLO reply a server sends (RFC 5321 §4.1.1.1): 250, the greeting,
    /// then `name[ params]` per keyword. Only `greeting` and `keywords` are
    /// rendered; the other fields are derived from them, so
    /// `from_reply(&c.to_reply()) == c` for capabilities built with
    /// [`new`](Self::new)/[`add_keyword`](Self::add_keyword) or
    /// [`from_reply`](Self::from_reply), whose names hold no space and no
    /// line holds CR/LF or exceeds the reply line limit.
    pub fn to_reply(&self) -> Reply {
        let mut lines = Vec::with_capacity(self.keywords.len() + 1);
        lines.push(self.greeting.as_bytes().to_vec());
        for k in &self.keywords {
            let mut line = Vec::with_capacity(k.name.len() + 1 + k.params.len());
            line.extend_from_slice(k.name.as_bytes());
            if !k.params.is_empty() {
                line.push(b' ');
                line.extend_from_slice(k.params.as_bytes());
            }
            lines.push(line);
        }
        Reply::from_lines(ReplyCode::OK, lines)
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}
