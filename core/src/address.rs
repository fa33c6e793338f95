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

use crate::syntax::{finish, rule, CommandError};

mod borrowed;
pub(crate) mod grammar;
#[cfg(test)]
mod tests;

use borrowed::display_with;
pub use borrowed::{DomainRef, ForwardPathRef, MailboxRef, ReversePathRef};

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
        self.as_borrowed().is_ascii()
    }

    /// Parses `Domain / address-literal` (RFC 5321 §4.1.2, §4.1.3), as sent
    /// after EHLO or `@`. A U-label needs `smtputf8`.
    pub fn parse(s: &str, smtputf8: bool) -> Result<Domain, CommandError> {
        let d = finish(rule("Domain", grammar::domain).parse(s), "Domain")?;
        utf8_allowed(d.is_ascii(), smtputf8)?;
        Ok(d.into_owned())
    }

    /// Appends the on-wire form.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.as_borrowed().encode(out);
    }
}

impl Mailbox {
    /// Whether both parts are ASCII; if not, the mailbox needs SMTPUTF8
    /// (RFC 6531 §3.2).
    pub fn is_ascii(&self) -> bool {
        self.as_borrowed().is_ascii()
    }

    /// Parses a bare address, `user@example.com` (no angle brackets), as
    /// an application hands it over. The local part may be a quoted string.
    /// Non-ASCII is allowed only when `smtputf8` is true.
    pub fn parse(s: &str, smtputf8: bool) -> Result<Mailbox, CommandError> {
        let m = finish(grammar::mailbox(s), "Mailbox")?;
        utf8_allowed(m.is_ascii(), smtputf8)?;
        Ok(m.into_owned())
    }

    /// Appends `local@domain`, quoting the local part when it is not a
    /// Dot-string.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.as_borrowed().encode(out);
    }
}

impl ReversePath {
    /// Parses a reverse path given either bare (`user@example.com`) or as
    /// `<...>` (source route allowed and dropped); the empty string and `<>`
    /// are the null path.
    pub fn parse(s: &str, smtputf8: bool) -> Result<ReversePath, CommandError> {
        let p = if s.is_empty() {
            ReversePathRef::Null
        } else if s.starts_with('<') {
            finish(grammar::reverse_path(s), "Reverse-path")?
        } else {
            ReversePathRef::Mailbox(finish(grammar::mailbox(s), "Mailbox")?)
        };
        utf8_allowed(p.is_ascii(), smtputf8)?;
        Ok(p.into_owned())
    }

    /// Whether the path is ASCII (the null path is).
    pub fn is_ascii(&self) -> bool {
        self.as_borrowed().is_ascii()
    }

    /// Appends `<>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.as_borrowed().encode(out);
    }
}

impl ForwardPath {
    /// Parses a forward path given either bare or as `<...>`; `Postmaster`
    /// and `<Postmaster>` (any case) are [`ForwardPath::Postmaster`].
    pub fn parse(s: &str, smtputf8: bool) -> Result<ForwardPath, CommandError> {
        let p = if s.starts_with('<') {
            finish(grammar::forward_path(s), "Forward-path")?
        } else if s.eq_ignore_ascii_case("Postmaster") {
            ForwardPathRef::Postmaster
        } else {
            ForwardPathRef::Mailbox(finish(grammar::mailbox(s), "Mailbox")?)
        };
        utf8_allowed(p.is_ascii(), smtputf8)?;
        Ok(p.into_owned())
    }

    /// Whether the path is ASCII.
    pub fn is_ascii(&self) -> bool {
        self.as_borrowed().is_ascii()
    }

    /// Appends `<Postmaster>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        self.as_borrowed().encode(out);
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
