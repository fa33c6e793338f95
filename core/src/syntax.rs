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

/// Whether `s` equals `lower` ignoring ASCII case, where `lower` is a
/// lower-case name of letters, digits and `-`, and `s` holds no control
/// character (every keyword and parameter value the grammar lets through).
/// OR-ing 0x20 maps only a letter's two cases onto the lower one; a digit
/// or `-` already has that bit, and its only other preimage is a control
/// character. One OR and one comparison per octet, where
/// `eq_ignore_ascii_case` lower-cases both sides.
pub(crate) fn eq_name(s: &[u8], lower: &[u8]) -> bool {
    s.len() == lower.len() && s.iter().zip(lower).all(|(&a, &b)| a | 0x20 == b)
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
