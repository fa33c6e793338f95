//! MAIL and RCPT parameters (RFC 5321 §4.1.2 `esmtp-param`), typed for the
//! extensions this crate knows, the rest kept verbatim.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::borrowed::{
    MailParametersRef, OriginalRecipientRef, OtherParameterRef, OtherParameters, RcptParametersRef,
};
use super::xtext::{xtext_decode_cow, xtext_encode_into};
use super::{BodyType, CommandError, CommandSpelling, Notify, Ret};
use crate::syntax::class::{is_atext, span, ESMTP_VALUE, KEYWORD};
use crate::syntax::{eq_upper, VecWriter};

/// Longest SIZE value: RFC 1870 §6 `size-value ::= 1*20DIGIT`.
const MAX_SIZE_DIGITS: usize = 20;

fn syntax(rule: &'static str) -> CommandError {
    CommandError::Syntax { rule }
}

fn invalid(keyword: &str) -> CommandError {
    CommandError::InvalidParameter {
        keyword: keyword.to_ascii_uppercase(),
    }
}

/// A raw `keyword[=value]`, syntax checked.
struct Param<'a> {
    keyword: &'a str,
    value: Option<&'a str>,
}

/// Splits `rest` (what follows the path) into parameters. `rest` is empty
/// or starts with a space; several spaces between parameters are tolerated
/// (RFC 5321 §4.1.1: be liberal in what is accepted), and trailing spaces
/// were trimmed by the caller.
#[inline]
fn for_each_param<'a>(
    rest: &'a str,
    list_rule: &'static str,
    mut f: impl FnMut(Param<'a>) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    let b = rest.as_bytes();
    if b.is_empty() {
        return Ok(());
    }
    if b.first() != Some(&b' ') {
        return Err(syntax(list_rule));
    }
    let mut pos = 0;
    loop {
        pos += b
            .get(pos..)
            .and_then(|r| r.iter().position(|&c| c != b' '))
            .unwrap_or(b.len() - pos);
        let Some(&first) = b.get(pos) else {
            return Ok(());
        };
        // Byte scans, then `str::get` at ASCII positions (always char
        // boundaries): this loop is the hot path of RCPT.
        let start = pos;
        // esmtp-keyword: the first octet is not `-`, the rest is KEYWORD.
        let klen = b.get(pos..).map_or(0, |r| span(r, KEYWORD));
        if klen == 0 || first == b'-' {
            return Err(syntax("esmtp-keyword"));
        }
        pos += klen;
        let keyword = rest.get(start..pos).unwrap_or_default();
        let value = match b.get(pos) {
            None | Some(b' ') => None,
            Some(b'=') => {
                pos += 1;
                let vstart = pos;
                pos += b.get(pos..).map_or(0, |r| span(r, ESMTP_VALUE));
                let v = rest.get(vstart..pos).unwrap_or_default();
                if v.is_empty() || !matches!(b.get(pos), None | Some(b' ')) {
                    return Err(syntax("esmtp-value"));
                }
                Some(v)
            }
            Some(_) => return Err(syntax("esmtp-keyword")),
        };
        f(Param { keyword, value })?;
    }
}

/// Which command's parameters: they type different keywords.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParamsOf {
    Mail,
    Rcpt,
}

/// The parameter keywords this crate types.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Keyword {
    Size,
    Body,
    SmtpUtf8,
    Ret,
    Envid,
    Auth,
    RequireTls,
    Notify,
    Orcpt,
}

/// The typed keyword `k` names, if any. Dispatches on the length and the
/// first letter, then compares once: this runs for every parameter of
/// every MAIL and RCPT.
fn keyword(k: &str) -> Option<Keyword> {
    let k = k.as_bytes();
    let first = k.first().map_or(0, u8::to_ascii_uppercase);
    let (name, kw): (&[u8], _) = match (k.len(), first) {
        (3, b'R') => (b"RET", Keyword::Ret),
        (4, b'S') => (b"SIZE", Keyword::Size),
        (4, b'B') => (b"BODY", Keyword::Body),
        (4, b'A') => (b"AUTH", Keyword::Auth),
        (5, b'E') => (b"ENVID", Keyword::Envid),
        (5, b'O') => (b"ORCPT", Keyword::Orcpt),
        (6, b'N') => (b"NOTIFY", Keyword::Notify),
        (8, b'S') => (b"SMTPUTF8", Keyword::SmtpUtf8),
        (10, b'R') => (b"REQUIRETLS", Keyword::RequireTls),
        _ => return None,
    };
    eq_upper(k, name).then_some(kw)
}

/// Whether `keyword` is one the parser types for `of` (and so not kept in
/// `other`).
pub(crate) fn is_typed(of: ParamsOf, k: &str) -> bool {
    match (of, keyword(k)) {
        (_, None) => false,
        (ParamsOf::Rcpt, Some(kw)) => matches!(kw, Keyword::Notify | Keyword::Orcpt),
        (ParamsOf::Mail, Some(kw)) => !matches!(kw, Keyword::Notify | Keyword::Orcpt),
    }
}

/// Sets a typed parameter once; a second occurrence is an error.
#[inline]
fn set_once<T>(slot: &mut Option<T>, v: T, keyword: &str) -> Result<(), CommandError> {
    if slot.replace(v).is_some() {
        return Err(invalid(keyword));
    }
    Ok(())
}

fn flag_once(slot: &mut bool, p: &Param<'_>) -> Result<(), CommandError> {
    if *slot || p.value.is_some() {
        return Err(invalid(p.keyword));
    }
    *slot = true;
    Ok(())
}

/// Whether a decoded xtext value holds a control character: RFC 3461 §4
/// says ENVID and ORCPT carry printable text, and a decoded CR or LF would
/// be a header-injection hazard downstream.
fn has_ctl(s: &str) -> bool {
    s.bytes().any(|b| b < 0x20 || b == 0x7f)
}

fn xtext_value<'a>(p: &Param<'a>) -> Result<Cow<'a, str>, CommandError> {
    let v = p.value.ok_or_else(|| invalid(p.keyword))?;
    match xtext_decode_cow(v) {
        Some(s) if !has_ctl(&s) => Ok(s),
        _ => Err(invalid(p.keyword)),
    }
}

/// Whether the value is `upper`, ignoring case.
fn value_is(p: &Param<'_>, upper: &str) -> bool {
    p.value
        .is_some_and(|v| eq_upper(v.as_bytes(), upper.as_bytes()))
}

/// Parses MAIL parameters.
#[inline]
pub(crate) fn mail(rest: &str) -> Result<MailParametersRef<'_>, CommandError> {
    let mut m = MailParametersRef::default();
    for_each_param(rest, "Mail-parameters", |p| {
        let k = p.keyword;
        match keyword(k) {
            Some(Keyword::Size) => {
                // RFC 1870 §6: size-value ::= 1*20DIGIT.
                let v = p.value.filter(|v| {
                    v.len() <= MAX_SIZE_DIGITS && v.bytes().all(|b| b.is_ascii_digit())
                });
                let n = v
                    .and_then(|v| v.parse::<u64>().ok())
                    .ok_or_else(|| invalid(k))?;
                set_once(&mut m.size, n, k)
            }
            Some(Keyword::Body) => {
                let b = if value_is(&p, "8BITMIME") {
                    BodyType::EightBitMime
                } else if value_is(&p, "7BIT") {
                    BodyType::SevenBit
                } else if value_is(&p, "BINARYMIME") {
                    BodyType::BinaryMime
                } else {
                    return Err(invalid(k));
                };
                set_once(&mut m.body, b, k)
            }
            Some(Keyword::SmtpUtf8) => flag_once(&mut m.smtputf8, &p),
            Some(Keyword::Ret) => {
                let r = if value_is(&p, "FULL") {
                    Ret::Full
                } else if value_is(&p, "HDRS") {
                    Ret::Headers
                } else {
                    return Err(invalid(k));
                };
                set_once(&mut m.ret, r, k)
            }
            Some(Keyword::Envid) => {
                let v = xtext_value(&p)?;
                set_once(&mut m.envid, v, k)
            }
            Some(Keyword::Auth) => {
                // RFC 4954 §5: AUTH=<> or AUTH=xtext(addr-spec).
                let v = xtext_value(&p)?;
                set_once(&mut m.auth, v, k)
            }
            Some(Keyword::RequireTls) => flag_once(&mut m.requiretls, &p),
            // RCPT's keywords and unknown ones are kept in `other`, read
            // back from `rest` when asked for.
            Some(Keyword::Notify | Keyword::Orcpt) | None => Ok(()),
        }
    })?;
    m.other = OtherParameters::line(rest, ParamsOf::Mail);
    Ok(m)
}

/// RFC 3461 §4.2 `addr-type = atom`, ASCII only.
pub(crate) fn is_addr_type(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii() && is_atext(b))
}

/// Parses RCPT parameters.
#[inline]
pub(crate) fn rcpt(rest: &str) -> Result<RcptParametersRef<'_>, CommandError> {
    let mut r = RcptParametersRef::default();
    for_each_param(rest, "Rcpt-parameters", |p| {
        let k = p.keyword;
        match keyword(k) {
            Some(Keyword::Notify) => {
                let v = p.value.ok_or_else(|| invalid(k))?;
                set_once(&mut r.notify, notify(v).ok_or_else(|| invalid(k))?, k)
            }
            Some(Keyword::Orcpt) => {
                let v = p.value.ok_or_else(|| invalid(k))?;
                let (t, a) = v.split_once(';').ok_or_else(|| invalid(k))?;
                if !is_addr_type(t) {
                    return Err(invalid(k));
                }
                let address = match xtext_decode_cow(a) {
                    Some(s) if !has_ctl(&s) => s,
                    _ => return Err(invalid(k)),
                };
                let orcpt = OriginalRecipientRef {
                    addr_type: t,
                    address,
                };
                set_once(&mut r.orcpt, orcpt, k)
            }
            // MAIL's keywords and unknown ones are kept in `other`.
            _ => Ok(()),
        }
    })?;
    r.other = OtherParameters::line(rest, ParamsOf::Rcpt);
    Ok(r)
}

/// RFC 3461 §4.1: `NEVER`, or a comma list of SUCCESS, FAILURE, DELAY.
#[inline]
fn notify(v: &str) -> Option<Notify> {
    if eq_upper(v.as_bytes(), b"NEVER") {
        return Some(Notify::Never);
    }
    let (mut success, mut failure, mut delay) = (false, false, false);
    for item in v.as_bytes().split(|&b| b == b',') {
        let first = item.first().map_or(0, u8::to_ascii_uppercase);
        let (name, slot): (&[u8], _) = match (item.len(), first) {
            (7, b'S') => (b"SUCCESS", &mut success),
            (7, b'F') => (b"FAILURE", &mut failure),
            (5, b'D') => (b"DELAY", &mut delay),
            _ => return None,
        };
        if !eq_upper(item, name) {
            return None;
        }
        *slot = true;
    }
    Some(Notify::On {
        success,
        failure,
        delay,
    })
}

fn push_other(others: &OtherParameters<'_>, out: &mut Vec<u8>) {
    for OtherParameterRef { keyword, value } in others.iter() {
        out.push(b' ');
        out.extend_from_slice(keyword.as_bytes());
        if let Some(v) = value {
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
    }
}

impl MailParametersRef<'_> {
    /// Appends ` KEY=value` for each parameter, as a MAIL line carries
    /// them (RFC 5321 §4.1.2 `Mail-parameters`, values xtext-encoded where
    /// their RFC says so): typed ones first in a fixed order, then the
    /// others in their order.
    pub fn encode(&self, spelling: CommandSpelling, out: &mut Vec<u8>) {
        if let Some(n) = self.size {
            out.extend_from_slice(spelling.size_keyword());
            let _ = core::fmt::write(&mut VecWriter(out), format_args!("{n}"));
        }
        if let Some(b) = self.body {
            out.extend_from_slice(match b {
                BodyType::SevenBit => b" BODY=7BIT".as_slice(),
                BodyType::EightBitMime => b" BODY=8BITMIME",
                BodyType::BinaryMime => b" BODY=BINARYMIME",
            });
        }
        if self.smtputf8 {
            out.extend_from_slice(b" SMTPUTF8");
        }
        if let Some(r) = self.ret {
            out.extend_from_slice(match r {
                Ret::Full => b" RET=FULL".as_slice(),
                Ret::Headers => b" RET=HDRS",
            });
        }
        if let Some(e) = &self.envid {
            out.extend_from_slice(b" ENVID=");
            xtext_encode_into(e.as_bytes(), out);
        }
        if let Some(a) = &self.auth {
            out.extend_from_slice(b" AUTH=");
            xtext_encode_into(a.as_bytes(), out);
        }
        if self.requiretls {
            out.extend_from_slice(b" REQUIRETLS");
        }
        push_other(&self.other, out);
    }
}

impl RcptParametersRef<'_> {
    /// Appends ` NOTIFY=...`, ` ORCPT=...` (RFC 3461 §4), then the others
    /// in order, as a RCPT line carries them.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self.notify {
            Some(Notify::Never) => out.extend_from_slice(b" NOTIFY=NEVER"),
            Some(Notify::On {
                success,
                failure,
                delay,
            }) => {
                out.extend_from_slice(b" NOTIFY=");
                let mut first = true;
                for (on, word) in [(success, "SUCCESS"), (failure, "FAILURE"), (delay, "DELAY")] {
                    if on {
                        if !first {
                            out.push(b',');
                        }
                        first = false;
                        out.extend_from_slice(word.as_bytes());
                    }
                }
            }
            None => {}
        }
        if let Some(o) = &self.orcpt {
            out.extend_from_slice(b" ORCPT=");
            out.extend_from_slice(o.addr_type.as_bytes());
            out.push(b';');
            xtext_encode_into(o.address.as_bytes(), out);
        }
        push_other(&self.other, out);
    }
}
