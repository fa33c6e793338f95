//! nom parsers for the RFC 5321 §4.1.2 / §4.1.3 address grammar, shared by
//! the command parser and the public `parse` helpers.
//!
//! The parsers accept non-ASCII octets wherever RFC 6531 §3.3 allows UTF-8
//! (atext, qtextSMTP, sub-domain); whether UTF-8 is permitted is decided by
//! the caller once it knows (MAIL may enable it with a later parameter).

use alloc::string::String;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use nom::bytes::complete::{tag, take_while1};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use super::{Domain, ForwardPath, Mailbox, ReversePath};
use crate::command::CommandError;

/// The nom error type: a [`CommandError`] whose `Syntax` rule is filled in by
/// the innermost [`rule`] wrapper.
#[derive(Debug)]
pub(crate) struct PErr(pub(crate) CommandError);

/// Placeholder rule name that [`rule`] replaces.
const UNNAMED: &str = "";

impl<I> ParseError<I> for PErr {
    fn from_error_kind(_: I, _: ErrorKind) -> Self {
        PErr(CommandError::Syntax { rule: UNNAMED })
    }
    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type Res<'a, T> = IResult<&'a [u8], T, PErr>;

/// A syntax error for `name`, as a recoverable nom error.
pub(crate) fn fail<T>(name: &'static str) -> Result<T, nom::Err<PErr>> {
    Err(nom::Err::Error(PErr(CommandError::Syntax { rule: name })))
}

/// Names the ABNF rule `p` implements, unless an inner rule already did.
pub(crate) fn rule<'a, O>(
    name: &'static str,
    mut p: impl Parser<&'a [u8], Output = O, Error = PErr>,
) -> impl FnMut(&'a [u8]) -> Res<'a, O> {
    move |i| {
        p.parse(i).map_err(|e| {
            e.map(|PErr(err)| match err {
                CommandError::Syntax { rule: UNNAMED } => PErr(CommandError::Syntax { rule: name }),
                other => PErr(other),
            })
        })
    }
}

/// Turns the outcome of a whole-input parse into the public error.
pub(crate) fn finish<T>(r: Res<'_, T>, top: &'static str) -> Result<T, CommandError> {
    match r {
        Ok(([], v)) => Ok(v),
        Ok(_) => Err(CommandError::Syntax { rule: top }),
        Err(nom::Err::Error(PErr(e)) | nom::Err::Failure(PErr(e))) => Err(match e {
            CommandError::Syntax { rule: UNNAMED } => CommandError::Syntax { rule: top },
            other => other,
        }),
        Err(nom::Err::Incomplete(_)) => Err(CommandError::Syntax { rule: top }),
    }
}

/// Like [`finish`] for a parse that may leave input behind.
pub(crate) fn partial<'a, T>(
    r: Res<'a, T>,
    top: &'static str,
) -> Result<(&'a [u8], T), CommandError> {
    r.map_err(|e| match e {
        nom::Err::Error(PErr(CommandError::Syntax { rule: UNNAMED }))
        | nom::Err::Failure(PErr(CommandError::Syntax { rule: UNNAMED }))
        | nom::Err::Incomplete(_) => CommandError::Syntax { rule: top },
        nom::Err::Error(PErr(e)) | nom::Err::Failure(PErr(e)) => e,
    })
}

/// RFC 5322 §3.2.3 `atext`, plus UTF-8 octets (RFC 6531 §3.3).
pub(crate) fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b) || b >= 0x80
}

/// RFC 5321 §4.1.2 `qtextSMTP`, plus UTF-8 octets (RFC 6531 §3.3).
pub(crate) fn is_qtext(b: u8) -> bool {
    matches!(b, 32 | 33 | 35..=91 | 93..=126) || b >= 0x80
}

/// The octets `quoted-pairSMTP` may escape (RFC 5321 §4.1.2).
pub(crate) fn is_quotable(b: u8) -> bool {
    (32..=126).contains(&b)
}

/// Whether `s` is a `Dot-string` (RFC 5321 §4.1.2): non-empty atoms
/// separated by single dots.
pub(crate) fn is_dot_string(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(|&b| is_atext(b)))
}

/// A domain-name octet. RFC 5321 §4.1.2 allows letters, digits and `-`; the
/// underscore is accepted too because many real hosts carry one in their
/// name (e.g. Windows machine names), and it cannot be confused with
/// anything else in a command line.
fn is_domain_octet(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80
}

/// Whether `s` is `sub-domain *("." sub-domain)` (RFC 5321 §4.1.2), with the
/// underscore tolerance above and U-labels (RFC 6531 §3.3) as octets.
pub(crate) fn is_domain_name(s: &[u8]) -> bool {
    !s.is_empty()
        && s.split(|&b| b == b'.').all(|label| {
            // Ldh-str ends with a Let-dig; sub-domain starts with one.
            matches!((label.first(), label.last()), (Some(&f), Some(&l)) if f != b'-' && l != b'-')
                && label.iter().all(|&b| is_domain_octet(b))
        })
}

fn utf8(bytes: &[u8], name: &'static str) -> Result<String, nom::Err<PErr>> {
    match core::str::from_utf8(bytes) {
        Ok(s) => Ok(String::from(s)),
        Err(_) => fail(name),
    }
}

/// `Dot-string` (RFC 5321 §4.1.2).
fn dot_string(i: &[u8]) -> Res<'_, &[u8]> {
    let (rest, s) = rule("Dot-string", take_while1(|b| is_atext(b) || b == b'.')).parse(i)?;
    if is_dot_string(s) {
        Ok((rest, s))
    } else {
        fail("Dot-string")
    }
}

/// `Quoted-string` (RFC 5321 §4.1.2), decoded.
fn quoted_string(i: &[u8]) -> Res<'_, String> {
    let Some(body) = i.strip_prefix(b"\"") else {
        return fail("Quoted-string");
    };
    let mut out = Vec::new();
    let mut it = body.iter().enumerate();
    while let Some((n, &b)) = it.next() {
        match b {
            b'"' => {
                let rest = body.get(n + 1..).unwrap_or_default();
                return Ok((rest, utf8(&out, "Quoted-string")?));
            }
            b'\\' => match it.next() {
                Some((_, &q)) if is_quotable(q) => out.push(q),
                _ => return fail("quoted-pairSMTP"),
            },
            b if is_qtext(b) => out.push(b),
            _ => return fail("Quoted-string"),
        }
    }
    fail("Quoted-string")
}

/// `Local-part` (RFC 5321 §4.1.2), decoded.
fn local_part(i: &[u8]) -> Res<'_, String> {
    if i.first() == Some(&b'"') {
        quoted_string(i)
    } else {
        let (rest, s) = dot_string(i)?;
        Ok((rest, utf8(s, "Local-part")?))
    }
}

/// `Domain` (RFC 5321 §4.1.2) as a name.
fn domain_name(i: &[u8]) -> Res<'_, Domain> {
    let (rest, s) = rule("Domain", take_while1(|b| is_domain_octet(b) || b == b'.')).parse(i)?;
    if !is_domain_name(s) {
        return fail("Domain");
    }
    Ok((rest, Domain::Name(utf8(s, "Domain")?)))
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
fn address_literal(i: &[u8]) -> Res<'_, Domain> {
    let Some(body) = i.strip_prefix(b"[") else {
        return fail("address-literal");
    };
    let Some(end) = memchr::memchr(b']', body) else {
        return fail("address-literal");
    };
    let (inner, rest) = body.split_at_checked(end).unwrap_or_default();
    let rest = rest.get(1..).unwrap_or_default();
    let Ok(text) = core::str::from_utf8(inner) else {
        return fail("address-literal");
    };
    let domain = match text.split_once(':') {
        None => match text.parse::<Ipv4Addr>() {
            Ok(a) => Domain::Ipv4(a),
            Err(_) => return fail("IPv4-address-literal"),
        },
        // The tag is a quoted ABNF string, hence case-insensitive.
        Some((t, addr)) if t.eq_ignore_ascii_case("IPv6") => match addr.parse::<Ipv6Addr>() {
            Ok(a) => Domain::Ipv6(a),
            Err(_) => return fail("IPv6-address-literal"),
        },
        Some((t, content)) => {
            if !is_ldh_str(t.as_bytes()) || content.is_empty() || !content.bytes().all(is_dcontent)
            {
                return fail("General-address-literal");
            }
            Domain::General {
                tag: String::from(t),
                content: String::from(content),
            }
        }
    };
    Ok((rest, domain))
}

/// `Domain / address-literal`.
pub(crate) fn domain(i: &[u8]) -> Res<'_, Domain> {
    if i.first() == Some(&b'[') {
        address_literal(i)
    } else {
        domain_name(i)
    }
}

/// `Mailbox = Local-part "@" ( Domain / address-literal )`.
pub(crate) fn mailbox(i: &[u8]) -> Res<'_, Mailbox> {
    let (i, local_part) = local_part(i)?;
    let (i, _) = rule("Mailbox", tag(&b"@"[..])).parse(i)?;
    let (i, domain) = domain(i)?;
    Ok((i, Mailbox { local_part, domain }))
}

/// `A-d-l ":"`, a source route, parsed and dropped (RFC 5321 §4.1.2 and
/// Appendix C: servers MUST accept and SHOULD ignore it).
fn source_route(mut i: &[u8]) -> Res<'_, ()> {
    loop {
        let Some(after_at) = i.strip_prefix(b"@") else {
            return fail("A-d-l");
        };
        let (rest, _) = rule("A-d-l", domain).parse(after_at)?;
        match rest.split_first() {
            Some((b',', r)) => i = r,
            Some((b':', r)) => return Ok((r, ())),
            _ => return fail("A-d-l"),
        }
    }
}

/// `Path = "<" [ A-d-l ":" ] Mailbox ">"`.
pub(crate) fn path(i: &[u8]) -> Res<'_, Mailbox> {
    let Some(mut i) = i.strip_prefix(b"<") else {
        return fail("Path");
    };
    if i.first() == Some(&b'@') {
        i = source_route(i)?.0;
    }
    let (i, m) = mailbox(i)?;
    match i.strip_prefix(b">") {
        Some(rest) => Ok((rest, m)),
        None => fail("Path"),
    }
}

/// `Reverse-path = Path / "<>"`.
pub(crate) fn reverse_path(i: &[u8]) -> Res<'_, ReversePath> {
    if let Some(rest) = i.strip_prefix(b"<>") {
        return Ok((rest, ReversePath::Null));
    }
    let (rest, m) = rule("Reverse-path", path).parse(i)?;
    Ok((rest, ReversePath::Mailbox(m)))
}

/// `Forward-path = Path`, or `"<Postmaster>"` (RFC 5321 §4.1.1.3).
pub(crate) fn forward_path(i: &[u8]) -> Res<'_, ForwardPath> {
    if let Some((head, rest)) = i.split_at_checked(POSTMASTER_PATH.len()) {
        if head.eq_ignore_ascii_case(POSTMASTER_PATH) {
            return Ok((rest, ForwardPath::Postmaster));
        }
    }
    if i.starts_with(b"<>") {
        // The null path is only a reverse path.
        return fail("Forward-path");
    }
    let (rest, m) = rule("Forward-path", path).parse(i)?;
    Ok((rest, ForwardPath::Mailbox(m)))
}

/// The domain-less postmaster path every server must accept (RFC 5321
/// §4.1.1.3), matched case-insensitively.
const POSTMASTER_PATH: &[u8] = b"<Postmaster>";
