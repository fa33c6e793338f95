//! nom parsers for the RFC 5321 §4.1.2 / §4.1.3 address grammar, shared by
//! the command parser and the public `parse` helpers.
//!
//! The parsers accept non-ASCII octets wherever RFC 6531 §3.3 allows UTF-8
//! (atext, qtextSMTP, sub-domain); whether UTF-8 is permitted is decided by
//! the caller once it knows (MAIL may enable it with a later parameter).

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use nom::Parser;

use super::{DomainRef, ForwardPathRef, MailboxRef, ReversePathRef};
use crate::syntax::class::{is, is_qtext, is_quotable, ATEXT, DOMAIN};
use crate::syntax::{fail, name, rule, Res};

/// Length of the longest prefix of `s` made of atext and dots, if that
/// prefix is a `Dot-string` (RFC 5321 §4.1.2: non-empty atoms separated by
/// single dots). Atom by atom, each a tight scan: this runs on every MAIL
/// and RCPT, and measured faster than one scan with the dot rules checked
/// per octet.
#[inline]
fn dot_string_len(s: &[u8]) -> Option<usize> {
    let mut n = 0;
    loop {
        let atom = s.get(n..).unwrap_or_default();
        let len = atom
            .iter()
            .position(|&b| !is(b, ATEXT))
            .unwrap_or(atom.len());
        if len == 0 {
            // Empty, a leading dot, or two dots in a row.
            return None;
        }
        n += len;
        match s.get(n) {
            Some(b'.') => n += 1,
            _ => return Some(n),
        }
    }
}

/// Whether `s` is exactly a `Dot-string`.
pub(crate) fn is_dot_string(s: &[u8]) -> bool {
    dot_string_len(s) == Some(s.len())
}

/// Length of the longest prefix of `s` made of domain octets and dots, if
/// that prefix is `sub-domain *("." sub-domain)` (RFC 5321 §4.1.2: labels
/// are non-empty and neither start nor end with `-`). Label by label, as
/// [`dot_string_len`].
#[inline]
fn domain_name_len(s: &[u8]) -> Option<usize> {
    let mut n = 0;
    loop {
        let label = s.get(n..).unwrap_or_default();
        let len = label
            .iter()
            .position(|&b| !is(b, DOMAIN))
            .unwrap_or(label.len());
        let last = len.checked_sub(1).and_then(|l| label.get(l));
        match (label.first(), last) {
            (Some(first), Some(last)) if *first != b'-' && *last != b'-' => {}
            // Empty (a leading, trailing or doubled dot), or `-` at an edge.
            _ => return None,
        }
        n += len;
        match s.get(n) {
            // A dot: another label must follow.
            Some(b'.') => n += 1,
            _ => return Some(n),
        }
    }
}

/// `Dot-string` (RFC 5321 §4.1.2).
#[inline(always)]
fn dot_string(i: &str) -> Res<'_, &str> {
    match dot_string_len(i.as_bytes()).and_then(|n| i.split_at_checked(n)) {
        Some((s, rest)) => Ok((rest, s)),
        None => fail("Dot-string"),
    }
}

/// `Quoted-string` (RFC 5321 §4.1.2), decoded: borrowed from the input
/// unless it holds a backslash escape.
// Rare shapes: kept out of the inlined hot path.
#[inline(never)]
fn quoted_string(i: &str) -> Res<'_, Cow<'_, str>> {
    let Some(body) = i.strip_prefix('"') else {
        return fail("Quoted-string");
    };
    // The common case: plain qtext up to the closing quote (neither the
    // quote nor the backslash is qtext).
    let plain = body.bytes().position(|b| !is_qtext(b));
    if let Some(end) = plain.filter(|&n| body.as_bytes().get(n) == Some(&b'"')) {
        let text = body.get(..end).unwrap_or_default();
        let rest = body.get(end + 1..).unwrap_or_default();
        return Ok((rest, Cow::Borrowed(text)));
    }
    let mut out = Vec::new();
    let mut it = body.bytes().enumerate();
    while let Some((n, b)) = it.next() {
        match b {
            b'"' => {
                let rest = body.get(n + 1..).unwrap_or_default();
                // Only ASCII backslashes were removed from valid UTF-8.
                return match String::from_utf8(out) {
                    Ok(s) => Ok((rest, Cow::Owned(s))),
                    Err(_) => fail("Quoted-string"),
                };
            }
            b'\\' => match it.next() {
                Some((_, q)) if is_quotable(q) => out.push(q),
                _ => return fail("quoted-pairSMTP"),
            },
            b if is_qtext(b) => out.push(b),
            _ => return fail("Quoted-string"),
        }
    }
    fail("Quoted-string")
}

/// `Local-part` (RFC 5321 §4.1.2), decoded.
#[inline(always)]
fn local_part(i: &str) -> Res<'_, Cow<'_, str>> {
    if i.starts_with('"') {
        quoted_string(i)
    } else {
        let (rest, s) = dot_string(i)?;
        Ok((rest, Cow::Borrowed(s)))
    }
}

/// `Domain` (RFC 5321 §4.1.2) as a name.
#[inline(always)]
fn domain_name(i: &str) -> Res<'_, DomainRef<'_>> {
    match domain_name_len(i.as_bytes()).and_then(|n| i.split_at_checked(n)) {
        Some((s, rest)) => Ok((rest, DomainRef::Name(s))),
        None => fail("Domain"),
    }
}

/// `Standardized-tag` is an `Ldh-str` (RFC 5321 §4.1.3).
pub(crate) fn is_ldh_str(s: &[u8]) -> bool {
    matches!(s.last(), Some(l) if l.is_ascii_alphanumeric())
        && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// `dcontent` (RFC 5321 §4.1.3).
pub(crate) fn is_dcontent(b: u8) -> bool {
    matches!(b, 33..=90 | 94..=126)
}

/// `address-literal` (RFC 5321 §4.1.3).
// Rare shapes: kept out of the inlined hot path.
#[inline(never)]
fn address_literal(i: &str) -> Res<'_, DomainRef<'_>> {
    let Some((text, rest)) = i.strip_prefix('[').and_then(|b| b.split_once(']')) else {
        return fail("address-literal");
    };
    let domain = match text.split_once(':') {
        None => match text.parse::<Ipv4Addr>() {
            Ok(a) => DomainRef::Ipv4(a),
            Err(_) => return fail("IPv4-address-literal"),
        },
        // The tag is a quoted ABNF string, hence case-insensitive.
        Some((t, addr)) if t.eq_ignore_ascii_case("IPv6") => match addr.parse::<Ipv6Addr>() {
            Ok(a) => DomainRef::Ipv6(a),
            Err(_) => return fail("IPv6-address-literal"),
        },
        Some((t, content)) => {
            if !is_ldh_str(t.as_bytes()) || content.is_empty() || !content.bytes().all(is_dcontent)
            {
                return fail("General-address-literal");
            }
            DomainRef::General { tag: t, content }
        }
    };
    Ok((rest, domain))
}

/// `Domain / address-literal`.
#[inline(always)]
pub(crate) fn domain(i: &str) -> Res<'_, DomainRef<'_>> {
    if i.starts_with('[') {
        address_literal(i)
    } else {
        domain_name(i)
    }
}

/// `Mailbox = Local-part "@" ( Domain / address-literal )`.
#[inline(always)]
pub(crate) fn mailbox(i: &str) -> Res<'_, MailboxRef<'_>> {
    let (i, local_part) = local_part(i)?;
    let Some(i) = i.strip_prefix('@') else {
        return fail("Mailbox");
    };
    let (i, domain) = domain(i)?;
    Ok((i, MailboxRef { local_part, domain }))
}

/// `A-d-l ":"`, a source route, parsed and dropped (RFC 5321 §4.1.2 and
/// Appendix C: servers MUST accept and SHOULD ignore it).
fn source_route(mut i: &str) -> Res<'_, ()> {
    loop {
        let Some(after_at) = i.strip_prefix('@') else {
            return fail("A-d-l");
        };
        let (rest, _) = rule("A-d-l", domain).parse(after_at)?;
        if let Some(r) = rest.strip_prefix(',') {
            i = r;
        } else if let Some(r) = rest.strip_prefix(':') {
            return Ok((r, ()));
        } else {
            return fail("A-d-l");
        }
    }
}

/// `Path = "<" [ A-d-l ":" ] Mailbox ">"`.
// Always inlined: its result, written by a separate function and read
// back whole, stalled store forwarding in profiles of RCPT.
#[inline(always)]
pub(crate) fn path(i: &str) -> Res<'_, MailboxRef<'_>> {
    let Some(mut i) = i.strip_prefix('<') else {
        return fail("Path");
    };
    if i.starts_with('@') {
        i = source_route(i)?.0;
    }
    let (i, m) = mailbox(i)?;
    match i.strip_prefix('>') {
        Some(rest) => Ok((rest, m)),
        None => fail("Path"),
    }
}

/// What follows a leading `<>`, if any (byte test: `str::strip_prefix`
/// calls memcmp, which shows in profiles).
fn null_path(i: &str) -> Option<&str> {
    match i.as_bytes() {
        [b'<', b'>', ..] => i.get(2..),
        _ => None,
    }
}

/// `Reverse-path = Path / "<>"`.
#[inline]
pub(crate) fn reverse_path(i: &str) -> Res<'_, ReversePathRef<'_>> {
    if let Some(rest) = null_path(i) {
        return Ok((rest, ReversePathRef::Null));
    }
    let (rest, m) = path(i).map_err(|e| name(e, "Reverse-path"))?;
    Ok((rest, ReversePathRef::Mailbox(m)))
}

/// `Forward-path = Path`, or `"<Postmaster>"` (RFC 5321 §4.1.1.3).
#[inline]
pub(crate) fn forward_path(i: &str) -> Res<'_, ForwardPathRef<'_>> {
    // Cheap first-letter test before the 12-octet comparison.
    if matches!(i.as_bytes().get(1), Some(b'P' | b'p')) {
        if let Some((head, rest)) = i.split_at_checked(POSTMASTER_PATH.len()) {
            if head.eq_ignore_ascii_case(POSTMASTER_PATH) {
                return Ok((rest, ForwardPathRef::Postmaster));
            }
        }
    }
    if null_path(i).is_some() {
        // The null path is only a reverse path.
        return fail("Forward-path");
    }
    let (rest, m) = path(i).map_err(|e| name(e, "Forward-path"))?;
    Ok((rest, ForwardPathRef::Mailbox(m)))
}

/// The domain-less postmaster path every server must accept (RFC 5321
/// §4.1.1.3), matched case-insensitively.
const POSTMASTER_PATH: &str = "<Postmaster>";
