//! The two kinds of failure (the crate docs' "sans-IO contract").
//!
//! * [`LocalError`]: the caller asked for something the machine cannot do
//!   now (wrong state, an extension the server did not offer, CR/LF inside an
//!   argument...). It is returned from the method, and the machine is left
//!   exactly as it was: validate first, then mutate.
//! * [`RemoteError`]: the peer broke the protocol in a way the session
//!   cannot recover from. It is sticky: the machine reports it as an event,
//!   may still hand out its last bytes (a 421, say), and accepts no further
//!   input.
//!
//! A recoverable syntax error from the peer is neither: SMTP carries on after
//! a 500/501, so it is an ordinary event.

use alloc::string::String;
use core::fmt;

/// Caller misuse. Returned; the machine's state is unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LocalError {
    /// The call is not valid in the machine's current state; `state` says
    /// what the machine is doing instead (match on it, it is an enum).
    InvalidState {
        /// The method that was called, e.g. `"send_mail"`.
        call: &'static str,
        /// What the machine is doing instead.
        state: SessionState,
    },
    /// A second command while one is in flight, and the server did not offer
    /// PIPELINING (RFC 2920 §3) or the command in flight ends a group.
    PipeliningNotOffered,
    /// An argument contained CR, LF or NUL: sending it would inject commands.
    CommandInjection {
        /// Which argument.
        field: &'static str,
    },
    /// The request needs an extension the server did not advertise.
    ExtensionNotOffered {
        /// The EHLO keyword, e.g. `"SMTPUTF8"`.
        extension: &'static str,
    },
    /// The message is larger than the server's SIZE (RFC 1870 §6).
    MessageTooLarge {
        /// The declared or actual size.
        size: u64,
        /// The server's limit.
        limit: u64,
    },
    /// An address is not valid SMTP syntax.
    InvalidAddress {
        /// The address as given.
        address: String,
        /// The grammar rule that failed.
        rule: &'static str,
    },
    /// A command field that would not encode to a valid command line
    /// (see `Command::validate`), or a command that cannot be sent that
    /// way (BDAT through `send_command`: it carries data).
    InvalidArgument {
        /// The command verb, e.g. `"MAIL"`.
        field: &'static str,
        /// The grammar rule the encoded line broke.
        rule: &'static str,
    },
    /// A body chunk held a bare CR or LF and the configuration refuses them
    /// (RFC 5321 §2.3.8).
    BareLineEnding {
        /// Offset of the offending byte in the chunk.
        offset: usize,
    },
    /// A body sent with DATA was longer than a declared BDAT size, or a
    /// similar count mismatch.
    LengthMismatch,
    /// No AUTH mechanism acceptable to both sides.
    NoCommonMechanism,
    /// Too many octets wait to be written: drain `pending_transmit` (and
    /// read replies) before pushing more body.
    BufferFull {
        /// Octets waiting.
        pending: usize,
        /// The configured high-water mark.
        limit: usize,
    },
    /// The envelope cannot be sent as given (no recipient, BINARYMIME
    /// without BDAT...).
    InvalidEnvelope {
        /// What is wrong.
        reason: &'static str,
    },
    /// The credentials do not fit the SASL mechanism (a token for PLAIN,
    /// a missing SCRAM nonce...).
    InvalidCredentials {
        /// What does not fit.
        reason: &'static str,
    },
    /// The connection already ended (QUIT done, EOF, or a fatal error).
    Closed,
    /// The reply code cannot answer what the server machine awaits (e.g.
    /// 354 to anything but DATA), or a refused hello reply was given to
    /// `ClientConnection::resume`.
    UnsuitableReply {
        /// The codes that would fit.
        expected: &'static str,
    },
}

/// What a machine (or one of its engines: a SASL exchange, a body
/// encoder) is doing when a call comes at the wrong moment; carried by
/// [`LocalError::InvalidState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SessionState {
    /// Client: waiting for the server's greeting.
    Greeting,
    /// Client: the greeting refused service (RFC 5321 §3.1); only QUIT is
    /// possible.
    GreetingRefused,
    /// Client: greeted, but no EHLO/LHLO/HELO has succeeded yet.
    NotIntroduced,
    /// Nothing in progress: the client is greeted and idle; the server
    /// reads commands and nothing awaits an answer; a SASL exchange has not
    /// started.
    Idle,
    /// Client: a mail transaction is open (before its body).
    Transaction,
    /// A message body is being transferred.
    MessageBody,
    /// An AUTH exchange waits for the peer's next line.
    Auth,
    /// Server: [`Event::Auth`](crate::server::Event::Auth) waits for the
    /// application's verdict (`accept` or `reply`).
    AwaitingAuthVerdict,
    /// Server: [`Event::Auth`](crate::server::Event::Auth) waits for
    /// `provide_scram_credentials` (or a negative `reply`).
    AwaitingScramCredentials,
    /// Server: an event waits for `accept` or `reply`.
    AwaitingAnswer,
    /// Waiting for the caller's TLS handshake (after STARTTLS got 220).
    TlsHandshake,
    /// Client: the connection already runs over TLS.
    TlsActive,
    /// The message or exchange is complete: nothing more can be added.
    Finished,
}

impl fmt::Display for SessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SessionState::Greeting => "waiting for the greeting",
            SessionState::GreetingRefused => "refused at the greeting (only QUIT is possible)",
            SessionState::NotIntroduced => "not introduced yet (send EHLO or HELO first)",
            SessionState::Idle => "idle (nothing in progress)",
            SessionState::Transaction => "in a mail transaction",
            SessionState::MessageBody => "transferring a message body",
            SessionState::Auth => "in an AUTH exchange, waiting for the peer",
            SessionState::AwaitingAuthVerdict => "waiting for the AUTH verdict (accept or reply)",
            SessionState::AwaitingScramCredentials => {
                "waiting for SCRAM credentials (provide_scram_credentials)"
            }
            SessionState::AwaitingAnswer => "waiting for the answer to an event (accept or reply)",
            SessionState::TlsHandshake => "waiting for the TLS handshake",
            SessionState::TlsActive => "already using TLS",
            SessionState::Finished => "finished",
        })
    }
}

/// A peer's protocol violation. Sticky: the session is over.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemoteError {
    /// A reply line longer than the limit (RFC 5321 §4.5.3.1.5).
    ReplyLineTooLong {
        /// The configured limit in octets, CRLF included.
        limit: usize,
    },
    /// A multi-line reply with more lines or octets than allowed.
    ReplyTooLong {
        /// The configured limit.
        limit: usize,
    },
    /// A line that is not `NNN`, `NNN-text` or `NNN text`, or a multi-line
    /// reply whose lines disagree on the code (RFC 5321 §4.2.1).
    MalformedReply {
        /// What was wrong.
        reason: &'static str,
    },
    /// A reply arrived when no command was waiting for one.
    UnexpectedReply,
    /// Bytes arrived after the STARTTLS reply/command and before the TLS
    /// handshake (RFC 3207 §5, CVE-2011-0411 class).
    DataAfterStartTls {
        /// How many octets were discarded.
        discarded: usize,
    },
    /// The first bytes look like a TLS record: this port expects TLS from the
    /// first byte (implicit TLS, RFC 8314 §3.3), not plain SMTP.
    ImplicitTlsDetected,
    /// The peer sent more than the configured input bound allows while the
    /// machine waited (e.g. pipelined input while paused).
    InputLimitExceeded {
        /// The configured limit in octets.
        limit: usize,
    },
    /// The peer closed the connection when it should not have.
    UnexpectedEof,
    /// A SASL exchange broke its mechanism's rules or exceeded the allowed
    /// number of challenges.
    Auth {
        /// What was wrong.
        reason: &'static str,
    },
    /// Too many bad commands (server side, RFC 5321 §4.3.2 leaves the number
    /// to the server).
    TooManyErrors,
    /// One command used more often than the server allows (server side:
    /// `ServerConfig::call_limits`).
    TooManyCommands,
}

impl fmt::Display for LocalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LocalError::InvalidState { call, state } => {
                write!(f, "{call} is not valid now: {state}")
            }
            LocalError::PipeliningNotOffered => f.write_str(
                "a command is already in flight and the server did not offer PIPELINING",
            ),
            LocalError::CommandInjection { field } => {
                write!(f, "{field} contains CR, LF or NUL")
            }
            LocalError::ExtensionNotOffered { extension } => {
                write!(f, "the server did not advertise {extension}")
            }
            LocalError::MessageTooLarge { size, limit } => write!(
                f,
                "message of {size} octets exceeds the server's SIZE limit of {limit}"
            ),
            LocalError::InvalidAddress { address, rule } => {
                write!(f, "invalid address {address:?}: bad {rule}")
            }
            LocalError::InvalidArgument { field, rule } => {
                write!(f, "invalid {field} command: bad {rule}")
            }
            LocalError::BareLineEnding { offset } => write!(
                f,
                "bare CR or LF at offset {offset} in the message body (RFC 5321 §2.3.8)"
            ),
            LocalError::LengthMismatch => {
                f.write_str("body length does not match what was declared")
            }
            LocalError::NoCommonMechanism => {
                f.write_str("no AUTH mechanism supported by both client and server")
            }
            LocalError::BufferFull { pending, limit } => write!(
                f,
                "{pending} octets wait to be sent (limit {limit}): write them out before sending more"
            ),
            LocalError::InvalidEnvelope { reason } => write!(f, "invalid envelope: {reason}"),
            LocalError::InvalidCredentials { reason } => {
                write!(f, "credentials do not fit the mechanism: {reason}")
            }
            LocalError::Closed => f.write_str("the connection is closed"),
            LocalError::UnsuitableReply { expected } => {
                write!(f, "this reply code does not fit here: expected {expected}")
            }
        }
    }
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemoteError::ReplyLineTooLong { limit } => {
                write!(f, "reply line longer than {limit} octets")
            }
            RemoteError::ReplyTooLong { limit } => write!(f, "reply longer than {limit}"),
            RemoteError::MalformedReply { reason } => write!(f, "malformed reply: {reason}"),
            RemoteError::UnexpectedReply => f.write_str("reply received with no command pending"),
            RemoteError::DataAfterStartTls { discarded } => write!(
                f,
                "peer sent {discarded} octets after STARTTLS before the TLS handshake (injection attempt)"
            ),
            RemoteError::ImplicitTlsDetected => f.write_str(
                "the server sent a TLS record: this port expects TLS from the first byte (implicit TLS); use SMTP_SSL / a TLS connection",
            ),
            RemoteError::InputLimitExceeded { limit } => {
                write!(f, "peer sent more than {limit} octets of unprocessed input")
            }
            RemoteError::UnexpectedEof => f.write_str("connection closed by peer"),
            RemoteError::Auth { reason } => write!(f, "SASL exchange failed: {reason}"),
            RemoteError::TooManyErrors => f.write_str("too many bad commands"),
            RemoteError::TooManyCommands => f.write_str("one command sent too many times"),
        }
    }
}

impl core::error::Error for LocalError {}
impl core::error::Error for RemoteError {}

/// A broken reply stream ends the client's session.
impl From<crate::reply::ReplyError> for RemoteError {
    fn from(e: crate::reply::ReplyError) -> Self {
        use crate::reply::ReplyError;
        match e {
            ReplyError::LineTooLong { limit } => RemoteError::ReplyLineTooLong { limit },
            ReplyError::TooManyLines { limit } | ReplyError::TooManyOctets { limit } => {
                RemoteError::ReplyTooLong { limit }
            }
            ReplyError::Malformed { reason } => RemoteError::MalformedReply { reason },
        }
    }
}

/// A body chunk the stuffer refused is the caller's to fix.
impl From<crate::body::StuffError> for LocalError {
    fn from(e: crate::body::StuffError) -> Self {
        use crate::body::StuffError;
        match e {
            StuffError::BareLineEnding { offset } => LocalError::BareLineEnding { offset },
            StuffError::Finished => LocalError::InvalidState {
                call: "send_body",
                state: SessionState::Finished,
            },
        }
    }
}

/// A command the caller built that cannot be sent as given.
impl From<crate::command::InvalidCommand> for LocalError {
    fn from(e: crate::command::InvalidCommand) -> Self {
        use crate::command::InvalidCommand;
        match e {
            InvalidCommand::Injection { field } => LocalError::CommandInjection { field },
            InvalidCommand::InvalidAddress { address, rule } => {
                LocalError::InvalidAddress { address, rule }
            }
            InvalidCommand::InvalidArgument { field, rule } => {
                LocalError::InvalidArgument { field, rule }
            }
        }
    }
}
