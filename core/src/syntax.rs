//! What the command and address codecs share: the error a command line
//! gets ([`CommandError`]), the nom error plumbing that names the ABNF rule
//! that failed, the octet classes of the RFC 5321 grammar, and a `Vec<u8>`
//! writer for `format_args!`.
//!
//! Imports flow one way: `syntax` ← `address` ← `command`.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

pub(crate) mod class;

/// Why a command line did not parse. Each variant maps to the reply a
/// server sends (RFC 5321 §4.2.4 and §4.3.2).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// The verb is not one this crate knows: 500.
    UnknownCommand,
    /// The line broke a grammar rule: 501. `rule` names the RFC 5321 ABNF
    /// rule (or the extension's) that failed, e.g. `"Mailbox"`.
    Syntax {
        /// The rule that failed.
        rule: &'static str,
    },
    /// A MAIL/RCPT parameter keyword was malformed or its value was invalid
    /// (e.g. `SIZE=abc`): 501 (RFC 5321 §4.1.1.11 / RFC 1870 §6).
    InvalidParameter {
        /// The parameter keyword, upper-cased.
        keyword: String,
    },
    /// A non-ASCII address without SMTPUTF8 in force: 553 (RFC 6531 §3.5).
    Utf8NotAllowed,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::UnknownCommand => f.write_str("command not recognized"),
            CommandError::Syntax { rule } => write!(f, "syntax error in {rule}"),
            CommandError::InvalidParameter { keyword } => {
                write!(f, "invalid or repeated {keyword} parameter")
            }
            CommandError::Utf8NotAllowed => f.write_str("non-ASCII address without SMTPUTF8"),
        }
    }
}

impl core::error::Error for CommandError {}

/// Whether `s` equals `upper`, an upper-case ASCII name of at most 24
/// octets, ignoring ASCII case: `eq_ignore_ascii_case` for the keywords,
/// verbs and values the codecs recognise, a word at a time. Names come in
/// every length, so a byte loop mispredicts its exit on every call; this
/// compares three overlapping words (or two halves of one) instead.
#[inline]
pub(crate) fn eq_upper(s: &[u8], upper: &[u8]) -> bool {
    let n = upper.len();
    if s.len() != n {
        return false;
    }
    if n < 8 {
        return match n {
            // Two overlapping 4-octet windows, as one word, cover 4..=7.
            4..=7 => {
                let pair = |t: &[u8]| word4(t, 0) | (word4(t, n - 4) << 32);
                to_upper8(pair(s)) == pair(upper)
            }
            _ => s
                .iter()
                .zip(upper)
                .all(|(&c, &u)| c.to_ascii_uppercase() == u),
        };
    }
    // Three overlapping 8-octet windows cover 8..=24 octets.
    let mid = (n - 8).min(8);
    [0, mid, n - 8]
        .iter()
        .all(|&at| to_upper8(word8(s, at)) == word8(upper, at))
}

/// The 8 octets at `at`, little-endian; 0 past the end (never reached by
/// [`eq_upper`], which checks the lengths first).
fn word8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|w| w.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// The 4 octets at `at`, little-endian, in the low half of a word.
fn word4(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 4)
        .and_then(|w| w.try_into().ok())
        .map_or(0, |w| u64::from(u32::from_le_bytes(w)))
}

/// Upper-cases the ASCII letters of a word, leaving every other octet
/// (non-ASCII included) as it is.
fn to_upper8(x: u64) -> u64 {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let low7 = x & !HIGHS;
    // High bit of each byte: its low 7 bits are >= 'a', and > 'z'.
    let at_least_a = low7 + ONES * u64::from(0x80 - b'a');
    let above_z = low7 + ONES * u64::from(0x80 - b'z' - 1);
    let lower = at_least_a & !above_z & !x & HIGHS;
    x - (lower >> 2)
}

/// Adapts a byte buffer to `fmt::Write` so `Display` impls can share the
/// encoders.
pub(crate) struct VecWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// The nom error type: the name of the ABNF rule that failed, filled in
/// by the innermost [`rule`] wrapper. The grammar only ever fails on
/// syntax, and a `Copy` error keeps the parsers' results small and free of
/// drop code on the hot path.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PErr(pub(crate) &'static str);

/// Placeholder rule name that [`rule`] replaces.
const UNNAMED: &str = "";

impl<I> ParseError<I> for PErr {
    fn from_error_kind(_: I, _: ErrorKind) -> Self {
        PErr(UNNAMED)
    }
    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type Res<'a, T> = IResult<&'a str, T, PErr>;

/// A syntax error for `name`, as a recoverable nom error.
pub(crate) fn fail<T>(name: &'static str) -> Result<T, nom::Err<PErr>> {
    Err(nom::Err::Error(PErr(name)))
}

/// Names the ABNF rule `p` implements, unless an inner rule already did.
pub(crate) fn rule<'a, O>(
    name: &'static str,
    mut p: impl Parser<&'a str, Output = O, Error = PErr>,
) -> impl FnMut(&'a str) -> Res<'a, O> {
    move |i| p.parse(i).map_err(|e| self::name(e, name))
}

/// Names an unnamed error (what [`rule`] does, for the hot path).
pub(crate) fn name(e: nom::Err<PErr>, rule: &'static str) -> nom::Err<PErr> {
    e.map(|PErr(r)| PErr(if r == UNNAMED { rule } else { r }))
}

/// The public error for a failed parse whose top rule is `top`.
fn syntax_error(e: nom::Err<PErr>, top: &'static str) -> CommandError {
    let rule = match e {
        nom::Err::Error(PErr(r)) | nom::Err::Failure(PErr(r)) if r != UNNAMED => r,
        _ => top,
    };
    CommandError::Syntax { rule }
}

/// Turns the outcome of a whole-input parse into the public error.
pub(crate) fn finish<T>(r: Res<'_, T>, top: &'static str) -> Result<T, CommandError> {
    match r {
        Ok(("", v)) => Ok(v),
        Ok(_) => Err(CommandError::Syntax { rule: top }),
        Err(e) => Err(syntax_error(e, top)),
    }
}

/// Like [`finish`] for a parse that may leave input behind.
pub(crate) fn partial<'a, T>(
    r: Res<'a, T>,
    top: &'static str,
) -> Result<(&'a str, T), CommandError> {
    r.map_err(|e| syntax_error(e, top))
}

#[cfg(test)]
mod tests;
