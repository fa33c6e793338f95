//! Capabilities from an EHLO/LHLO reply (RFC 5321 §4.1.1.1, §2.2.2):
//! [`Capabilities`] keeps every keyword line as sent and derives the
//! [`Extensions`] this crate knows, the SIZE limit and the AUTH mechanisms.

use alloc::borrow::Cow;
use alloc::string::String;

use crate::reply::{Reply, ReplyCode};
use crate::scan;

mod extensions;
#[cfg(test)]
mod tests;

pub use extensions::Extensions;

/// What a server advertised in its EHLO/LHLO reply.
///
/// Kept compact: the reply's text in one string (greeting line, then one
/// line per keyword, verbatim) plus what this crate derives from it. The
/// keyword lines are read back verbatim with [`keywords`](Self::keywords),
/// so a caller can rebuild any view of them (Python smtplib's
/// `esmtp_features` map is one).
///
/// Everything but the text is derived from it, so two values are equal
/// (and hash alike) exactly when their texts are.
#[derive(Clone, Debug, Default)]
pub struct Capabilities {
    /// Greeting line, then `name[ params]` per keyword, joined by `\n`.
    text: String,
    extensions: Extensions,
    max_size: Option<u64>,
    auth: AuthList,
}

/// Where the AUTH mechanisms are: upper case, separated by single spaces,
/// in the order advertised, duplicates included (skipped when read).
#[derive(Clone, Debug, Default)]
enum AuthList {
    #[default]
    None,
    /// The parameters of the only AUTH line, `text[start..end]`, already
    /// in that form (RFC 4954 §3 `sasl-mech` is upper case): most replies,
    /// and no copy.
    InText { start: usize, end: usize },
    /// Anything else: mechanisms in lower case, several AUTH lines, the
    /// old `AUTH=` form.
    Owned(String),
}

impl PartialEq for Capabilities {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for Capabilities {}

impl core::hash::Hash for Capabilities {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.text.hash(state);
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

impl Capabilities {
    /// Empty capabilities with a greeting line (server side: then
    /// [`add_keyword`](Self::add_keyword) and [`to_reply`](Self::to_reply)).
    /// A CR or LF in `greeting` is dropped.
    pub fn new(greeting: &str) -> Capabilities {
        let mut caps = Capabilities::default();
        push_clean(&mut caps.text, greeting);
        caps
    }

    /// Reads an EHLO/LHLO reply (RFC 5321 §4.1.1.1): the first line is the
    /// greeting, each later line one keyword. The caller checks the code
    /// (250) first; this never fails. Non-UTF-8 bytes become U+FFFD.
    pub fn from_reply(reply: &Reply) -> Capabilities {
        let text = line_str(reply.joined_lines()).into_owned();
        let mut caps = Capabilities::default();
        // The lines after the first are the keyword lines. Most are one
        // short keyword: one search finds where the keyword ends, at a
        // space or at the LF, and only a line with parameters needs a
        // second one for its LF.
        let bytes = text.as_bytes();
        let mut start = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |lf| lf + 1);
        while start < bytes.len() {
            let rest = bytes.get(start..).unwrap_or_default();
            let name_len = scan::find2(b' ', b'\n', rest).unwrap_or(rest.len());
            let line_len = match rest.get(name_len) {
                Some(b' ') => rest
                    .get(name_len..)
                    .and_then(|params| scan::find(b'\n', params))
                    .map_or(rest.len(), |lf| name_len + lf),
                _ => name_len,
            };
            caps.record(&text, start, start + name_len, start + line_len);
            start += line_len + 1;
        }
        caps.text = text;
        caps
    }

    /// Appends one keyword line and records what it means: the extension
    /// bit, the SIZE limit, AUTH mechanisms (also from the pre-RFC 4954
    /// `AUTH=MECH ...` form some servers still send). A space in `name` or
    /// a CR/LF anywhere would break the line structure: CR and LF are
    /// dropped, and a name is cut at its first space (the rest joins the
    /// parameters, as a peer would read it).
    pub fn add_keyword(&mut self, name: &str, params: &str) {
        self.text.push('\n');
        let start = self.text.len();
        push_clean(&mut self.text, name);
        if !params.is_empty() {
            self.text.push(' ');
            push_clean(&mut self.text, params);
        }
        // Derived from the line as written, as `from_reply` will read it.
        let text = core::mem::take(&mut self.text);
        let end = text.len();
        let name_end = start + split_keyword(text.get(start..).unwrap_or_default()).0.len();
        self.record(&text, start, name_end, end);
        self.text = text;
    }

    /// The first line: the server's domain and greeting text.
    pub fn greeting(&self) -> &str {
        self.text.split('\n').next().unwrap_or_default()
    }

    /// Known extensions present.
    pub fn extensions(&self) -> Extensions {
        self.extensions
    }

    /// `SIZE n`: the limit. `None` with SIZE set means no fixed limit was
    /// announced (`SIZE`, `SIZE 0`, RFC 1870 §4) or the number was invalid;
    /// never `Some(0)`.
    pub fn max_size(&self) -> Option<u64> {
        self.max_size
    }

    /// AUTH mechanisms, upper-cased, in the order advertised, from both the
    /// `AUTH` and the old `AUTH=` forms, without duplicates.
    pub fn auth_mechanisms(&self) -> impl Iterator<Item = &str> + '_ {
        let all = match &self.auth {
            AuthList::None => "",
            AuthList::InText { start, end } => self.text.get(*start..*end).unwrap_or_default(),
            AuthList::Owned(list) => list,
        };
        // Single spaces separate the stored (upper-case) mechanisms: skip
        // one that appeared before.
        let mut seen = 0;
        all.split(' ').filter(move |mech| {
            let earlier = all.get(..seen).unwrap_or_default();
            seen += mech.len() + 1;
            !mech.is_empty() && !earlier.split(' ').any(|m| m == *mech)
        })
    }

    /// Every keyword line after the greeting, in order, as
    /// `(keyword as sent, parameters verbatim)`; parameters are `""` when
    /// the line has none.
    pub fn keywords(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        keyword_lines(&self.text).map(split_keyword)
    }

    /// Whether any keyword line has this keyword (case-insensitive). `AUTH`
    /// is also found in the old `AUTH=` form, as smtplib does.
    pub fn has(&self, keyword: &str) -> bool {
        self.keyword_params(keyword).is_some()
            || (keyword.eq_ignore_ascii_case("AUTH") && self.extensions.contains(Extensions::AUTH))
    }

    /// The parameters of the first line with this keyword
    /// (case-insensitive), verbatim; `Some("")` when it has none.
    pub fn keyword_params(&self, keyword: &str) -> Option<&str> {
        self.keywords()
            .find(|(name, _)| name.eq_ignore_ascii_case(keyword))
            .map(|(_, params)| params)
    }

    /// Whether every extension in `ext` was advertised.
    pub fn supports(&self, ext: Extensions) -> bool {
        self.extensions.contains(ext)
    }

    /// The EHLO reply a server sends (RFC 5321 §4.1.1.1): 250, the greeting,
    /// then `name[ params]` per keyword, so `from_reply(&c.to_reply()) == c`.
    pub fn to_reply(&self) -> Reply {
        Reply::from_joined(ReplyCode::OK, self.text.as_bytes().to_vec())
    }
}

impl Capabilities {
    /// Records what the keyword line `text[start..end]` means (`text` is
    /// what `self.text` will be; the keyword is `text[start..name_end]`,
    /// then a space and the parameters, if any): the extension bit, the
    /// SIZE limit, AUTH mechanisms (also from the pre-RFC 4954
    /// `AUTH=MECH ...` form some servers still send).
    #[inline]
    fn record(&mut self, text: &str, start: usize, name_end: usize, end: usize) {
        let name = text.get(start..name_end).unwrap_or_default();
        let params = text.get(name_end + 1..end).unwrap_or_default();
        if let Some(ext) = Extensions::from_keyword(name) {
            self.extensions |= ext;
            if ext == Extensions::SIZE {
                // RFC 1870 §4: `SIZE 0` or no number means no fixed limit.
                self.max_size = params.trim_ascii().parse::<u64>().ok().filter(|&n| n > 0);
            } else if ext == Extensions::AUTH {
                if matches!(self.auth, AuthList::None) && is_mechanism_list(params) {
                    let start = end - params.len();
                    self.auth = AuthList::InText { start, end };
                } else {
                    self.add_mechanisms(text, params);
                }
            }
        } else if let Some(first) = strip_prefix_ignore_case(name, "AUTH=") {
            self.extensions |= Extensions::AUTH;
            self.add_mechanisms(text, first);
            self.add_mechanisms(text, params);
        }
    }

    /// Appends each mechanism of a whitespace-separated `list`,
    /// upper-cased.
    fn add_mechanisms(&mut self, text: &str, list: &str) {
        let mut owned = match core::mem::take(&mut self.auth) {
            AuthList::None => String::new(),
            AuthList::InText { start, end } => {
                String::from(text.get(start..end).unwrap_or_default())
            }
            AuthList::Owned(owned) => owned,
        };
        owned.reserve(list.len() + 1);
        for mech in list.split_ascii_whitespace() {
            if !owned.is_empty() {
                owned.push(' ');
            }
            let start = owned.len();
            owned.push_str(mech);
            if let Some(added) = owned.get_mut(start..) {
                added.make_ascii_uppercase();
            }
        }
        self.auth = AuthList::Owned(owned);
    }
}

/// Whether `list` is already upper-case mechanism names separated by
/// single spaces (RFC 4954 §3: `sasl-mech` is `[A-Z0-9-_]`), so it can be
/// read in place.
#[inline]
fn is_mechanism_list(list: &str) -> bool {
    // Independent tests of each octet and of each pair of neighbours, so
    // that the compiler vectorises both folds (a 50-octet AUTH line is the
    // longest of most EHLO replies).
    let b = list.as_bytes();
    let names_and_spaces = b.iter().fold(true, |ok, &c| {
        ok & (c.is_ascii_uppercase() | c.is_ascii_digit() | (c == b'-') | (c == b'_') | (c == b' '))
    });
    let no_double_space = b
        .iter()
        .zip(b.iter().skip(1))
        .fold(true, |ok, (&x, &y)| ok & !((x == b' ') & (y == b' ')));
    names_and_spaces
        && no_double_space
        && matches!((b.first(), b.last()), (Some(&f), Some(&l)) if f != b' ' && l != b' ')
}

/// The lines after the greeting. memchr's search beats `str::split` here:
/// this is the hot loop of reading an EHLO reply.
fn keyword_lines(text: &str) -> impl Iterator<Item = &str> + '_ {
    let mut starts = memchr::memchr_iter(b'\n', text.as_bytes()).map(|lf| lf + 1);
    let mut next_start = starts.next();
    core::iter::from_fn(move || {
        let start = next_start?;
        next_start = starts.next();
        // `start` and `end` sit just after / on an ASCII LF: char boundaries.
        let end = next_start.map_or(text.len(), |s| s - 1);
        text.get(start..end)
    })
}

/// `keyword[ params]`: split at the first space (RFC 5321 §4.1.1.1
/// `ehlo-line`); params verbatim.
#[inline]
fn split_keyword(line: &str) -> (&str, &str) {
    match line.as_bytes().iter().position(|&b| b == b' ') {
        Some(sp) => (
            line.get(..sp).unwrap_or_default(),
            line.get(sp + 1..).unwrap_or_default(),
        ),
        None => (line, ""),
    }
}

/// Appends `s` without CR or LF, which would split a line.
fn push_clean(out: &mut String, s: &str) {
    if memchr::memchr2(b'\r', b'\n', s.as_bytes()).is_none() {
        out.push_str(s);
    } else {
        out.extend(s.chars().filter(|&c| c != '\r' && c != '\n'));
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
