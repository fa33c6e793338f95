//! The face's wording of the machine's refusals
//! (`ServerConfig::worded_refusals`), answered here in Rust: a table of
//! status templates keyed by what was refused, looked up from the most
//! specific key to the least.
//!
//! Keys: `Reason`, `Reason:VERB`, `Reason:qualifier`,
//! `Reason:VERB:qualifier`, tried in the order `R:V:q`, `R:q`, `R:V`, `R`
//! (a session state outranks a verb: "send HELO first" for any command),
//! first for the most specific reason (`Syntax/<rule>` for a grammar rule,
//! e.g. `Syntax/Mailbox`; `ParameterNotImplemented/<keyword>` for a
//! MAIL/RCPT parameter of an extension not offered, e.g.
//! `ParameterNotImplemented/SMTPUTF8`), then for the general one.
//! The verb is the refused line's first word, upper-cased ("" for an
//! empty or non-ASCII one); the qualifiers are `authenticated` once AUTH
//! succeeded (or `unauthenticated` while the configuration requires it),
//! then `nohello` before HELO/EHLO, else `esmtp` after
//! EHLO/LHLO and `smtp` after HELO, then `plain` before TLS, tried in
//! that order. Templates may say
//! `{verb}` and `{host}`.

use std::collections::HashMap;

use smtp_core::auth::AuthFailure;
use smtp_core::command::CommandError;
use smtp_core::server::{MessageProblem, Refusal};

/// The reason parts of a command refusal's keys, most specific first.
pub(crate) fn command_reason(r: &Refusal) -> Vec<String> {
    let one = |s: &str| vec![String::from(s)];
    match r {
        Refusal::Syntax(CommandError::UnknownCommand) => one("Unrecognized"),
        Refusal::Syntax(CommandError::Utf8NotAllowed) => one("Utf8NotAllowed"),
        Refusal::Syntax(CommandError::InvalidParameter { keyword }) => {
            vec![
                format!("InvalidParameter:{keyword}"),
                String::from("InvalidParameter"),
            ]
        }
        Refusal::Syntax(CommandError::Syntax { rule }) => {
            vec![format!("Syntax/{rule}"), String::from("Syntax")]
        }
        Refusal::Syntax(_) => one("Syntax"),
        Refusal::SaslFailed(f) => one(&format!(
            "SaslFailed:{}",
            match f {
                AuthFailure::Malformed { .. } => "Malformed",
                AuthFailure::InvalidBase64 => "InvalidBase64",
                AuthFailure::TooLong => "TooLong",
                AuthFailure::Cancelled => "Cancelled",
                AuthFailure::Rejected | AuthFailure::BadProof => "Rejected",
                _ => "Other",
            }
        )),
        other => one(&format!("{other:?}")),
    }
}

/// The reason part of a message refusal's key.
pub(crate) fn message_reason(p: &MessageProblem) -> &'static str {
    match p {
        MessageProblem::TooLarge { .. } => "Message:TooLarge",
        MessageProblem::BareLineEnding => "Message:BareLineEnding",
        _ => "Message:LineTooLong",
    }
}

/// The refused line's verb: its first word, upper-cased, or "" when it
/// is empty or not printable ASCII.
pub(crate) fn verb(line: Option<&[u8]>) -> String {
    let Some(line) = line else {
        return String::new();
    };
    let word = line.split(|&b| b == b' ').next().unwrap_or_default();
    if word.iter().all(|b| b.is_ascii_graphic()) {
        String::from_utf8_lossy(word).to_ascii_uppercase()
    } else {
        String::new()
    }
}

/// The template for `reasons` (most specific first), `verb` and
/// `qualifier`, with `{verb}` and `{host}` filled in; None when the face
/// has no wording for it.
pub(crate) fn word(
    table: &HashMap<String, String>,
    reasons: &[String],
    verb: &str,
    qualifiers: &[&str],
    host: &str,
) -> Option<String> {
    let template = reasons.iter().find_map(|reason| {
        let mut keys: Vec<String> = Vec::with_capacity(2 * qualifiers.len() + 2);
        keys.extend(qualifiers.iter().map(|q| format!("{reason}:{verb}:{q}")));
        keys.extend(qualifiers.iter().map(|q| format!("{reason}:{q}")));
        keys.push(format!("{reason}:{verb}"));
        keys.push(reason.clone());
        keys.iter().find_map(|k| table.get(k))
    })?;
    Some(template.replace("{verb}", verb).replace("{host}", host))
}
