//! Capabilities from an EHLO/LHLO reply (RFC 5321 §4.1.1.1, §2.2.2).
//!
//! OWNER: helper "reply". The types below are the agreed public API; keep
//! their shape, add methods freely.

use alloc::string::String;
use alloc::vec::Vec;

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
    /// `SIZE n`: the limit; `Some(0)` or `None` with SIZE set means no
    /// fixed limit was announced (RFC 1870 §4).
    pub max_size: Option<u64>,
    /// AUTH mechanisms, upper-cased, in the order advertised, from both the
    /// `AUTH` and the old `AUTH=` forms, without duplicates.
    pub auth_mechanisms: Vec<String>,
    /// Every keyword line after the first, in order, verbatim.
    pub keywords: Vec<Keyword>,
}
