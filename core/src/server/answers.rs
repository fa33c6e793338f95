//! The answers phase: what the application may answer to what the machine
//! awaits ([`check_reply`]), the RFC default reply for `accept()`
//! ([`default_reply`]), and what a reply changes ([`apply`]).

use crate::address::DomainRef;
use crate::command::BodyType;
use crate::error::{LocalError, RemoteError};
use crate::reply::{Reply, ReplyCode};
use crate::session::HelloKind;

use super::config::ServerConfig;
use super::replies::Canned;
use super::session::Session;

/// The command or message end the application must answer.
#[derive(Debug)]
pub(super) enum Awaiting {
    Hello {
        kind: HelloKind,
    },
    Mail {
        smtputf8: bool,
        body: Option<BodyType>,
    },
    /// The recipient is kept tentatively in the session.
    Rcpt,
    Data,
    Chunk {
        size: u64,
    },
    /// `next` of `total` answers given (LMTP: one per recipient).
    MessageEnd {
        next: usize,
        total: usize,
    },
    /// A verb the application serves ([`Event::Command`]).
    Command,
    Rset,
    Noop,
    Vrfy,
    Expn,
    Help,
    Quit,
    StartTls,
    Auth,
    /// A step of a mechanism the application runs ([`Event::SaslStep`]).
    ///
    /// [`Event::SaslStep`]: super::Event::SaslStep
    SaslStep,
    /// A refusal the application words (`ServerConfig::worded_refusals`):
    /// `proposed` is the machine's reply, sent `times` times (LMTP: once
    /// per recipient after a refused message); with `then_fail` the
    /// session ends after it.
    Refused {
        proposed: Reply,
        times: usize,
        then_fail: Option<RemoteError>,
    },
}

/// What the machine does after an answer, beyond what [`apply`] changed
/// in the session.
#[derive(Debug)]
pub(super) enum Then {
    /// Read the next command.
    ReadOn,
    /// 354: read the message body (RFC 5321 §4.1.1.4).
    ReadData,
    /// 220 to STARTTLS: wait for the handshake (RFC 3207 §4).
    StartTls,
    /// 221 to QUIT: the session is over.
    Close,
    /// LMTP: the next recipient's answer is due (RFC 2033 §4.2).
    Await(Awaiting),
}

/// Which reply codes make sense for what is awaited.
pub(super) fn check_reply(awaiting: &Awaiting, code: ReplyCode) -> Result<(), LocalError> {
    let negative = code.is_transient() || code.is_permanent();
    let (ok, expected) = match awaiting {
        Awaiting::Data => (
            code == ReplyCode::START_MAIL_INPUT || negative,
            "354, 4xx or 5xx",
        ),
        Awaiting::StartTls => (
            code == ReplyCode::SERVICE_READY || negative,
            "220, 4xx or 5xx",
        ),
        // RFC 5321 §3.8: 421 may answer any command.
        Awaiting::Quit => (
            code == ReplyCode::CLOSING || code == ReplyCode::SERVICE_UNAVAILABLE,
            "221 or 421",
        ),
        Awaiting::Auth => (
            code == ReplyCode::AUTH_SUCCESSFUL || negative,
            "235, 4xx or 5xx",
        ),
        // RFC 4954 §4: a challenge, success, or failure.
        Awaiting::SaslStep => (
            code == ReplyCode::AUTH_CONTINUE || code == ReplyCode::AUTH_SUCCESSFUL || negative,
            "334, 235, 4xx or 5xx",
        ),
        // The machine decided to refuse; only the words are free.
        Awaiting::Refused { proposed, .. } => (
            code.get() / 100 == proposed.code().get() / 100,
            "a code of the refusal's class",
        ),
        _ => (code.is_positive() || negative, "2xx, 4xx or 5xx"),
    };
    if ok {
        Ok(())
    } else {
        Err(LocalError::UnsuitableReply { expected })
    }
}

/// The reply `accept()` sends (AUTH's comes from the SASL exchange).
/// `client` is the domain of the EHLO/HELO/LHLO being answered.
pub(super) fn default_reply<'a>(
    awaiting: &Awaiting,
    client: DomainRef<'a>,
    session: &'a Session,
    cfg: &ServerConfig,
) -> Canned<'a> {
    match awaiting {
        Awaiting::Hello {
            kind: HelloKind::Helo,
        } => Canned::Helo { client },
        Awaiting::Hello { .. } => Canned::Ehlo {
            client,
            tls: session.is_tls(),
        },
        Awaiting::Mail { .. } => Canned::SenderOk,
        Awaiting::Rcpt => Canned::RecipientOk,
        Awaiting::Data => Canned::StartData,
        Awaiting::Chunk { size } => Canned::ChunkOk(*size),
        Awaiting::MessageEnd { next, .. } => match session.recipients().iter().get(*next) {
            Some(rcpt) if cfg.lmtp => Canned::Delivered(rcpt),
            _ => Canned::MessageAccepted,
        },
        Awaiting::Rset | Awaiting::Noop | Awaiting::Command => Canned::Ok,
        Awaiting::Vrfy => Canned::Vrfy,
        Awaiting::Expn => Canned::Expn,
        Awaiting::Help => Canned::Help,
        Awaiting::Quit => Canned::Bye,
        Awaiting::StartTls => Canned::StartTls,
        // Neither is answered through a canned reply (see `answer`).
        Awaiting::Auth | Awaiting::SaslStep | Awaiting::Refused { .. } => Canned::AuthOk,
    }
}

/// The effect of an answer with `code`: a command takes effect only when
/// its reply is positive (RFC 5321 §4.2.1).
pub(super) fn apply(awaiting: Awaiting, code: ReplyCode, session: &mut Session) -> Then {
    let positive = code.is_positive() || code.is_intermediate();
    match awaiting {
        // RFC 5321 §4.1.4: EHLO/HELO reset the transaction.
        Awaiting::Hello { kind, .. } if positive => session.greeted(kind),
        Awaiting::Mail { smtputf8, body } if positive => session.open_transaction(smtputf8, body),
        Awaiting::Rcpt => session.recipient_answered(positive),
        Awaiting::Data if positive => return Then::ReadData,
        // RFC 3030 §2: a failed chunk fails the transaction.
        Awaiting::Chunk { .. } if !positive => session.end_transaction(),
        Awaiting::MessageEnd { next, total } => {
            if next + 1 < total {
                return Then::Await(Awaiting::MessageEnd {
                    next: next + 1,
                    total,
                });
            }
            session.end_transaction();
        }
        Awaiting::Rset if positive => session.end_transaction(),
        Awaiting::Quit => return Then::Close,
        Awaiting::StartTls if positive => return Then::StartTls,
        _ => {}
    }
    Then::ReadOn
}
