//! Borrowed paths and mailboxes: what the parser reads straight out of the
//! caller's line, and what the owned types lend out for encoding.
//!
//! A field is `&'a str` when it is always a slice of the input, and
//! `Cow<'a, str>` when decoding may change it (a quoted local part with
//! backslash escapes). `into_owned()` gives the owned type; the owned
//! types' `as_borrowed()` goes the other way without allocating.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::{grammar, Domain, ForwardPath, Mailbox, ReversePath};
use crate::syntax::VecWriter;

/// A [`Domain`] borrowed from a command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DomainRef<'a> {
    /// A domain name, as written.
    Name(&'a str),
    /// `[192.0.2.1]`.
    Ipv4(Ipv4Addr),
    /// `[IPv6:2001:db8::1]`.
    Ipv6(Ipv6Addr),
    /// `[tag:content]`.
    General {
        /// The Standardized-tag.
        tag: &'a str,
        /// The dcontent after the colon.
        content: &'a str,
    },
}

/// A [`Mailbox`] borrowed from a command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MailboxRef<'a> {
    /// The local part, decoded: borrowed unless a quoted string held
    /// backslash escapes.
    pub local_part: Cow<'a, str>,
    /// The domain or address literal.
    pub domain: DomainRef<'a>,
}

/// A [`ReversePath`] borrowed from a command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReversePathRef<'a> {
    /// `<>`.
    Null,
    /// A mailbox (source route, if any, dropped).
    Mailbox(MailboxRef<'a>),
}

/// A [`ForwardPath`] borrowed from a command line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ForwardPathRef<'a> {
    /// `<Postmaster>`.
    Postmaster,
    /// A mailbox (source route, if any, dropped).
    Mailbox(MailboxRef<'a>),
}

impl DomainRef<'_> {
    /// The owned domain.
    pub fn into_owned(self) -> Domain {
        match self {
            DomainRef::Name(n) => Domain::Name(String::from(n)),
            DomainRef::Ipv4(a) => Domain::Ipv4(a),
            DomainRef::Ipv6(a) => Domain::Ipv6(a),
            DomainRef::General { tag, content } => Domain::General {
                tag: String::from(tag),
                content: String::from(content),
            },
        }
    }

    /// Whether the domain is all ASCII (a U-label needs SMTPUTF8).
    pub fn is_ascii(&self) -> bool {
        match self {
            DomainRef::Name(n) => n.is_ascii(),
            DomainRef::General { tag, content } => tag.is_ascii() && content.is_ascii(),
            DomainRef::Ipv4(_) | DomainRef::Ipv6(_) => true,
        }
    }

    /// Appends the on-wire form.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            DomainRef::Name(n) => out.extend_from_slice(n.as_bytes()),
            DomainRef::Ipv4(a) => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("[{a}]"));
            }
            DomainRef::Ipv6(a) => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("[IPv6:{a}]"));
            }
            DomainRef::General { tag, content } => {
                out.push(b'[');
                out.extend_from_slice(tag.as_bytes());
                out.push(b':');
                out.extend_from_slice(content.as_bytes());
                out.push(b']');
            }
        }
    }
}

impl MailboxRef<'_> {
    /// The owned mailbox.
    pub fn into_owned(self) -> Mailbox {
        Mailbox {
            local_part: self.local_part.into_owned(),
            domain: self.domain.into_owned(),
        }
    }

    /// Whether both parts are ASCII (RFC 6531 §3.2).
    pub fn is_ascii(&self) -> bool {
        self.local_part.is_ascii() && self.domain.is_ascii()
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

impl ReversePathRef<'_> {
    /// The owned path.
    pub fn into_owned(self) -> ReversePath {
        match self {
            ReversePathRef::Null => ReversePath::Null,
            ReversePathRef::Mailbox(m) => ReversePath::Mailbox(m.into_owned()),
        }
    }

    /// Whether the path is ASCII (the null path is).
    pub fn is_ascii(&self) -> bool {
        match self {
            ReversePathRef::Null => true,
            ReversePathRef::Mailbox(m) => m.is_ascii(),
        }
    }

    /// Appends `<>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ReversePathRef::Null => out.extend_from_slice(b"<>"),
            ReversePathRef::Mailbox(m) => {
                out.push(b'<');
                m.encode(out);
                out.push(b'>');
            }
        }
    }
}

impl ForwardPathRef<'_> {
    /// The owned path.
    pub fn into_owned(self) -> ForwardPath {
        match self {
            ForwardPathRef::Postmaster => ForwardPath::Postmaster,
            ForwardPathRef::Mailbox(m) => ForwardPath::Mailbox(m.into_owned()),
        }
    }

    /// Whether the path is ASCII.
    pub fn is_ascii(&self) -> bool {
        match self {
            ForwardPathRef::Postmaster => true,
            ForwardPathRef::Mailbox(m) => m.is_ascii(),
        }
    }

    /// Appends `<Postmaster>` or `<mailbox>`.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        match self {
            ForwardPathRef::Postmaster => out.extend_from_slice(b"<Postmaster>"),
            ForwardPathRef::Mailbox(m) => {
                out.push(b'<');
                m.encode(out);
                out.push(b'>');
            }
        }
    }
}

impl Domain {
    /// This domain as a [`DomainRef`], without copying.
    pub fn as_borrowed(&self) -> DomainRef<'_> {
        match self {
            Domain::Name(n) => DomainRef::Name(n),
            Domain::Ipv4(a) => DomainRef::Ipv4(*a),
            Domain::Ipv6(a) => DomainRef::Ipv6(*a),
            Domain::General { tag, content } => DomainRef::General { tag, content },
        }
    }
}

impl Mailbox {
    /// This mailbox as a [`MailboxRef`], without copying.
    pub fn as_borrowed(&self) -> MailboxRef<'_> {
        MailboxRef {
            local_part: Cow::Borrowed(&self.local_part),
            domain: self.domain.as_borrowed(),
        }
    }
}

impl ReversePath {
    /// This path as a [`ReversePathRef`], without copying.
    pub fn as_borrowed(&self) -> ReversePathRef<'_> {
        match self {
            ReversePath::Null => ReversePathRef::Null,
            ReversePath::Mailbox(m) => ReversePathRef::Mailbox(m.as_borrowed()),
        }
    }
}

impl ForwardPath {
    /// This path as a [`ForwardPathRef`], without copying.
    pub fn as_borrowed(&self) -> ForwardPathRef<'_> {
        match self {
            ForwardPath::Postmaster => ForwardPathRef::Postmaster,
            ForwardPath::Mailbox(m) => ForwardPathRef::Mailbox(m.as_borrowed()),
        }
    }
}

/// Writes what `encode` produced; the encoders only copy UTF-8 strings and
/// ASCII, so the conversion cannot fail in practice.
pub(super) fn display_with(
    f: &mut fmt::Formatter<'_>,
    encode: impl FnOnce(&mut Vec<u8>),
) -> fmt::Result {
    let mut buf = Vec::new();
    encode(&mut buf);
    f.write_str(core::str::from_utf8(&buf).map_err(|_| fmt::Error)?)
}

/// The on-wire form, as [`Domain`]'s.
impl fmt::Display for DomainRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// `local@domain`, as [`Mailbox`]'s.
impl fmt::Display for MailboxRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// `<>` or `<local@domain>`, as [`ReversePath`]'s.
impl fmt::Display for ReversePathRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}

/// `<Postmaster>` or `<local@domain>`, as [`ForwardPath`]'s.
impl fmt::Display for ForwardPathRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        display_with(f, |b| self.encode(b))
    }
}
