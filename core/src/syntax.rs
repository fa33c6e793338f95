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

/// Adapts a byte buffer to `fmt::Write` so `Display` impls can share the
/// encoders.
pub(crate) struct VecWriter<'a>(pub(crate) &'a mut Vec<u8>);

impl fmt::Write for VecWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

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

pub(crate) type Res<'a, T> = IResult<&'a str, T, PErr>;

/// A syntax error for `name`, as a recoverable nom error.
pub(crate) fn fail<T>(name: &'static str) -> Result<T, nom::Err<PErr>> {
    Err(nom::Err::Error(PErr(CommandError::Syntax { rule: name })))
}

/// Names the ABNF rule `p` implements, unless an inner rule already did.
pub(crate) fn rule<'a, O>(
    name: &'static str,
    mut p: impl Parser<&'a str, Output = O, Error = PErr>,
) -> impl FnMut(&'a str) -> Res<'a, O> {
    move |i| {
        p.parse(i).map_err(|e| {
            e.map(|PErr(err)| match err {
                CommandError::Syntax { rule: UNNAMED } => PErr(CommandError::Syntax { rule: name }),
                other => PErr(other),
            })
        })
    }
}

/// Names an unnamed error (what [`rule`] does, for the hot path).
pub(crate) fn name(e: nom::Err<PErr>, rule: &'static str) -> nom::Err<PErr> {
    e.map(|PErr(err)| match err {
        CommandError::Syntax { rule: UNNAMED } => PErr(CommandError::Syntax { rule }),
        other => PErr(other),
    })
}

/// Turns the outcome of a whole-input parse into the public error.
pub(crate) fn finish<T>(r: Res<'_, T>, top: &'static str) -> Result<T, CommandError> {
    match r {
        Ok(("", v)) => Ok(v),
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
) -> Result<(&'a str, T), CommandError> {
    r.map_err(|e| match e {
        nom::Err::Error(PErr(CommandError::Syntax { rule: UNNAMED }))
        | nom::Err::Failure(PErr(CommandError::Syntax { rule: UNNAMED }))
        | nom::Err::Incomplete(_) => CommandError::Syntax { rule: top },
        nom::Err::Error(PErr(e)) | nom::Err::Failure(PErr(e)) => e,
    })
}
