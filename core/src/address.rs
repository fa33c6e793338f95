//! RFC 5321 §4.1.2 paths and mailboxes.
//!
//! OWNER: helper "command" (parsing + encoding + tests). The types below are
//! the agreed public API; keep their shape, add methods freely.

use alloc::string::String;
use core::net::{Ipv4Addr, Ipv6Addr};

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
