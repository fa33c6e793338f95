//! RFC 5321 §4.1.2 paths and mailboxes.
//!
//! Parsing follows the ABNF with two tolerances real clients need: `_` in
//! domain labels, and (in the public `parse` helpers) addresses without
//! angle brackets. Encoding is canonical: a local part is quoted only when
//! it is not a Dot-string, and address literals use `[IPv6:...]`.
//!
//! No length limit is applied here: RFC 5321 §4.5.3.1 gives minimums an
//! implementation must accept and asks for no limits where possible; the
//! line framer's 512-octet bound (§4.5.3.1.4) caps everything.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use nom::Parser;

use crate::syntax::{finish, rule, CommandError, VecWriter};

pub(crate) mod grammar;
#[cfg(test)]
mod tests;

/// The part of a mailbox after `@`, or the argument of EHLO/HELO/LHLO.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// A domain name (`sub-domain *("." sub-domain)`), or with SMTPUTF8 a
    /// U-label domain. Stored as written.
    Name(String),
    /// `[192.0.2.1]` (RFC 5321 §4.1.3).
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
    Ipv6(Ipv6Addr),
    /// `[tag:content]`, a General-address-literal (RFC 5321 §4.1.3).
    General {
        /// The Standardized-tag, e.g. a future address family.
        tag: String,
        /// The dcontent after the colon.
        content: String,
    },
}

/// `Local-part "@" ( Domain / address-literal )` (RFC 5321 §4.1.2).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mailbox {
    /// The local part, decoded: a quoted-string's quotes and backslash
    /// escapes are removed here and put back by the encoder when needed.
    pub local_part: String,
    /// The domain or address literal.
    pub domain: Domain,
}

/// The argument of `MAIL FROM:`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReversePath {
    /// `<>`, the null reverse path used by bounces (RFC 5321 §4.5.5).
    Null,
    /// A mailbox. A source route in front of it is accepted and dropped
    /// (RFC 5321 §4.1.2, Appendix C).
    Mailbox(Mailbox),
}

/// The argument of `RCPT TO:`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForwardPath {
    /// `<Postmaster>` without a domain, matched case-insensitively
    /// (RFC 5321 §4.1.1.3).
    Postmaster,
    /// A mailbox (source route, if any, dropped).
    Mailbox(Mailbox),
}

impl Domain {
    /// Whether the domain is all ASCII (a U-label needs SMTPUTF8).
    pub fn is_ascii(&self) -> bool {
        match self {
            Domain::Name(n) => n.is_ascii(),
            Domain::General { tag, content } => tag.is_ascii() && content.is_ascii(),
            Domain::Ipv4(_) | Domain::Ipv6(_) => true,
        }
    }

    /// Parses `Domain / address-literal` (RFC 5321 §4.1.2, §4.1.3), as sent
    /// after EHLO or `@`. A U-label needs `smtputf8`.
    pub fn parse(s: &str, smtputf8: bool) -> Result<Domain, CommandError> {
        let d = finish(rule("Domain", grammar::domain).parse(s), "Domain")?;
        utf8_allowed(d.is_ascii(), smtputf8)?;
        Ok(d)
    }

    /// Appends the on-wire form.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Domain::Name(n) => out.extend_from_slice(n.as_bytes()),
            Domain::Ipv4(a) => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("[{a}]"));
            }
            Domain::Ipv6(a) => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("[IPv6:{a}]"));
            }
            Domain::General { tag, content } => {
                out.push(b'[');
                out.extend_from_slice(tag.as_bytes());
                out.push(b':');
                out.extend_from_slice(content.as_bytes());
                out.push(b']');
            }
        }
    }
}

impl Mailbox {
    /// Whether both parts are ASCII; if not, the mailbox needs SMTPUTF8
    /// (RFC 6531 §3.2).
    pub fn is_ascii(&self) -> bool {
        self.local_part.is_ascii() && self.domain.is_ascii()
    }

    /// Parses a bare address, `user@example.com` (no angle brackets), as
    /// an application hands it over. The local part may be a quoted string.
    /// Non-ASCII is allowed only when `smtputf8` is true.
    pub fn parse(s: &str, smtputf8: bool) -> Result<Mailbox, CommandError> {
        let m = finish(grammar::mailbox(s), "Mailbox")?;
        utf8_allowed(m.is_ascii(), smtputf8)?;
        Ok(m)
    }

    /// Appends `local@domain`, quoting the local part when it is not a
    /// Dot-string (RFC 5321 §4.1.2: "SHOULD NOT" quote needlessly).
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        let lp = self.local_part.as_bytes();
        if grammar::is_dot_string(lp) {
            out.extend_from_slice(lp);
        } else {
            out.push(b'"');
            for &b in lp {
                if b == b'"' || b == b'\\' {
                    out.push(b'\\');
                }
                out.push(b);
            }
            out.push(b'"');
        }
        out.push(b'@');
        self.domain.encode(out);
    }
}

impl ReversePath {
    /// Parses a reverse path given either bare (`user@example.com`) or as
    /// `<...>` (source route allowed and dropped); the empty string and `<>`
    /// are the null path.
    pub fn parse(s: &str, smtputf8: bool) -> Result<ReversePath, CommandError> {
        let p = if s.is_empty() {
            ReversePath::Null
        } else if s.starts_with('<') {
            finish(grammar::reverse_path(s), "Reverse-path")?
        } else {
            ReversePath::Mailbox(Mailbox::parse(s, smtputf8)?)
        };
        utf8_allowed(p.is_ascii(), smtputf8)?;
        Ok(p)
    }

    /// Whether the path is ASCII (the null path is).
    pub fn is_ascii(&self) -> bool {
        match self {
            ReversePath::Null => true,
            ReversePath::Mailbox(m) => m.is_ascii(),
        }
    }

    /// Appends `<>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ReversePath::Null => out.extend_from_slice(b"<>"),
            ReversePath::Mailbox(m) => {
                out.push(b'<');
                m.encode(out);
                out.push(b'>');
            }
        }
    }
}

impl ForwardPath {
    /// Parses a forward path given either bare or as `<...>`; `Postmaster`
    /// and `<Postmaster>` (any case) are [`ForwardPath::Postmaster`].
    pub fn parse(s: &str, smtputf8: bool) -> Result<ForwardPath, CommandError> {
        let p = if s.starts_with('<') {
            finish(grammar::forward_path(s), "Forward-path")?
        } else if s.eq_ignore_ascii_case("Postmaster") {
            ForwardPath::Postmaster
        } else {
            ForwardPath::Mailbox(Mailbox::parse(s, smtputf8)?)
        };
        utf8_allowed(p.is_ascii(), smtputf8)?;
        Ok(p)
    }

    /// Whether the path is ASCII.
    pub fn is_ascii(&self) -> bool {
        match self {
            ForwardPath::Postmaster => true,
            ForwardPath::Mailbox(m) => m.is_ascii(),
        }
    }

    /// Appends `<Postmaster>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ForwardPath::Postmaster => out.extend_from_slice(b"<Postmaster>"),
            ForwardPath::Mailbox(m) => {
                out.push(b'<');
                m.encode(out);
                out.push(b'>');
            }
        }
    }
}

/// `Err(Utf8NotAllowed)` for non-ASCII without SMTPUTF8 (RFC 6531 §3.5).
pub(crate) fn utf8_allowed(ascii: bool, smtputf8: bool) -> Result<(), CommandError> {
    if ascii || smtputf8 {
        Ok(())
    } else {
        Err(CommandError::Utf8NotAllowed)
    }
}

/// Writes what `encode` produced; the encoders only copy UTF-8 strings and
/// ASCII, so the conversion cannot fail in practice.
fn display_with(f: &mut fmt::Formatter<'_>, encode: impl FnOnce(&mut Vec<u8>)) -> fmt::Result {
    let mut buf = Vec::new();
    encode(&mut buf);
    f.write_str(core::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
}

/// The on-wire form: a name as written, `[192.0.2.1]`, `[IPv6:...]` or
/// `[tag:content]`.
impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// `local@domain` without angle brackets, the local part quoted when it is
/// not a Dot-string.
impl fmt::Display for Mailbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// The on-wire form with angle brackets: `<>` or `<user@example.com>`.
impl fmt::Display for ReversePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// The on-wire form with angle brackets: `<Postmaster>` or
/// `<user@example.com>`.
impl fmt::Display for ForwardPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}
