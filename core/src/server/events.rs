//! What a [`ServerConnection`](super::ServerConnection) reports.

use crate::auth::{Mechanism, Verification};
use crate::command::CommandError;
use crate::error::RemoteError;
use crate::reply::Reply;

/// One thing that happened, from [`ServerConnection::poll_event`].
///
/// Events marked **answer** leave the machine waiting: it reads no further
/// input until the application calls
/// [`accept`](super::ServerConnection::accept) (the RFC default reply) or
/// [`reply`](super::ServerConnection::reply) (its own). The others are
/// information: the machine has already acted on them.
///
/// Events are small and owned; what they are about is lent by the machine,
/// so reading it copies nothing: the command being answered from
/// [`command`](super::ServerConnection::command) (a [`CommandRef`]), the
/// octets of [`Event::MessageData`] from
/// [`message_data`](super::ServerConnection::message_data), the accepted
/// recipients from [`recipients`](super::ServerConnection::recipients).
///
/// [`ServerConnection::poll_event`]: super::ServerConnection::poll_event
/// [`CommandRef`]: crate::command::CommandRef
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// **answer** `EHLO domain` (RFC 5321 §4.1.1.1); the domain is in
    /// [`command`](super::ServerConnection::command). `accept` sends the
    /// capabilities built from the configuration; a positive reply clears
    /// any transaction (§4.1.4).
    Ehlo,
    /// **answer** `HELO domain`. A positive reply clears any transaction.
    Helo,
    /// **answer** `LHLO domain` (LMTP, RFC 2033 §4.1), like EHLO.
    Lhlo,
    /// **answer** `MAIL FROM:` (RFC 5321 §4.1.1.2); the reverse path and
    /// its parameters are in [`command`](super::ServerConnection::command).
    /// Sequencing, SIZE and parameter checks are done; a positive reply
    /// starts the transaction.
    MailFrom,
    /// **answer** `RCPT TO:` (RFC 5321 §4.1.1.3); the forward path and its
    /// parameters are in [`command`](super::ServerConnection::command). A
    /// positive reply adds the recipient to the transaction (the machine
    /// keeps a copy: [`recipients`](super::ServerConnection::recipients)).
    RcptTo,
    /// **answer** `DATA` with at least one accepted recipient. `accept`
    /// sends 354; the body then streams as [`Event::MessageData`].
    Data,
    /// `BDAT size [LAST]` (RFC 3030 §2), information only: `size` octets
    /// follow as [`Event::MessageData`], then comes
    /// [`Event::ChunkEnd`] (or [`Event::MessageEnd`] when `last`), which
    /// is the one to answer, since the reply to BDAT follows its data.
    Bdat {
        /// Octets in this chunk.
        size: u64,
        /// Whether this is the last chunk.
        last: bool,
    },
    /// `len` message octets arrived (unstuffed DATA, or BDAT chunk data):
    /// read them with
    /// [`message_data`](super::ServerConnection::message_data) before the
    /// next [`poll_event`](super::ServerConnection::poll_event).
    MessageData {
        /// How many octets.
        len: usize,
    },
    /// **answer** A BDAT chunk that was not the last is complete. `accept`
    /// sends `250`; a negative reply fails the transaction (RFC 3030 §2).
    ChunkEnd {
        /// Octets in this chunk.
        size: u64,
    },
    /// **answer** The message is complete (`CR LF . CR LF`, or the last
    /// BDAT chunk). In SMTP answer once. In LMTP answer once per accepted
    /// recipient, in the order of
    /// [`recipients`](super::ServerConnection::recipients) (RFC 2033 §4.2);
    /// each `accept`/`reply` answers the next one. The transaction then
    /// ends.
    MessageEnd {
        /// Message octets handed over in [`Event::MessageData`].
        size: u64,
    },
    /// The message ended but the machine refused it by itself and already
    /// queued `reply` (once, or once per recipient in LMTP); the data
    /// streamed so far must be dropped. The transaction ends. With
    /// [`ServerConfig::worded_refusals`] nothing is queued yet: **answer**
    /// it (`accept()` sends `reply`; `reply()` words it, same code class).
    ///
    /// [`ServerConfig::worded_refusals`]: super::ServerConfig::worded_refusals
    MessageRefused {
        /// Why.
        reason: MessageProblem,
        /// The reply sent.
        reply: Reply,
    },
    /// **answer** A command whose verb is one of
    /// [`ServerConfig::application_verbs`](super::ServerConfig::application_verbs):
    /// read it in [`command_line`](super::ServerConnection::command_line).
    /// `accept` sends `250 OK`; the answer has no effect on the session,
    /// and cannot be a 3xx (the machine would not know what follows).
    Command,
    /// **answer** `RSET` (RFC 5321 §4.1.1.5). A positive reply clears the
    /// transaction.
    Rset,
    /// **answer** `NOOP` (RFC 5321 §4.1.1.9).
    Noop,
    /// **answer** `VRFY` (RFC 5321 §4.1.1.6), only when VRFY is enabled;
    /// the argument is in [`command`](super::ServerConnection::command).
    /// `accept` sends 252 (§3.5.3: cannot verify, will try delivery).
    Vrfy,
    /// **answer** `EXPN` (RFC 5321 §4.1.1.7), only when EXPN is enabled.
    Expn,
    /// **answer** `HELP` (RFC 5321 §4.1.1.8), only when HELP is enabled.
    Help,
    /// **answer** `QUIT` (RFC 5321 §4.1.1.10). After the reply the session
    /// is over: [`Event::Closed`] with `clean: true` follows.
    Quit,
    /// **answer** `STARTTLS` (RFC 3207 §4). `accept` sends 220 and
    /// [`Event::TlsHandshake`] follows; a 4xx/5xx reply refuses.
    StartTls,
    /// Run the TLS handshake now, with the bytes that follow on the socket,
    /// then call [`tls_established`](super::ServerConnection::tls_established).
    /// Send the pending transmit bytes (the 220) first.
    TlsHandshake,
    /// Input that arrived after STARTTLS and before the handshake was
    /// thrown away unread (RFC 3207 §5, CVE-2011-0411 class). The client
    /// machine treats the same thing from a server as
    /// [`RemoteError::DataAfterStartTls`].
    DataAfterStartTls {
        /// Octets discarded.
        discarded: usize,
    },
    /// **answer** The SASL exchange reached the point where the application
    /// must decide: `accept` sends 235, `reply` its own (e.g. 535 or 454).
    /// For SCRAM, first answer with
    /// [`provide_scram_credentials`](super::ServerConnection::provide_scram_credentials).
    Auth(AuthRequest),
    /// **answer** A step of an AUTH exchange whose mechanism the
    /// application runs
    /// ([`ServerConfig::application_mechanisms`](super::ServerConfig::application_mechanisms)):
    /// first the AUTH command itself (`first`), then the client's answer to
    /// each 334 the application sent. The client's data, base64-decoded,
    /// is in [`sasl_data`](super::ServerConnection::sasl_data) (`None` for
    /// AUTH without an initial response). Answer with
    /// [`sasl_challenge`](super::ServerConnection::sasl_challenge) (or a
    /// one-line 334 `reply`, its text sent as given) to ask for more;
    /// `accept()` (235) or a 235 `reply` when the client is authenticated;
    /// a 4xx/5xx `reply` when not. The machine frames the exchange (RFC
    /// 4954 §4): a `*` from the client, base64 that does not decode and an
    /// over-long line end it with 501 ([`Event::CommandRefused`] with
    /// [`Refusal::SaslFailed`]), without a step.
    SaslStep {
        /// The mechanism, as configured.
        mechanism: Mechanism,
        /// Whether this is the AUTH command (the initial response, if any).
        first: bool,
    },
    /// A command the machine answered by itself (syntax error, bad
    /// sequence, disabled command...). For logging; nothing to do. With
    /// [`ServerConfig::worded_refusals`] the reply is not sent yet:
    /// **answer** it, `accept()` to send `reply`, or `reply()` with your
    /// own text and a code of the same class (first digit); the command's
    /// line is then in [`command_line`](super::ServerConnection::command_line)
    /// (when the line could be read), and the refusal's effect is the
    /// machine's either way.
    ///
    /// [`ServerConfig::worded_refusals`]: super::ServerConfig::worded_refusals
    CommandRefused {
        /// Why.
        reason: Refusal,
        /// The reply sent.
        reply: Reply,
    },
    /// No input for the idle timeout (RFC 5321 §4.5.3.2.7): a 421 was
    /// queued. Final.
    TimedOut {
        /// What was in progress and is now dropped.
        lost: Option<Lost>,
    },
    /// The session is over. Final. `clean` when QUIT ended it (RFC 5321
    /// §4.1.1.10); otherwise the client closed its side, or the
    /// application answered with 421 (RFC 5321 §3.8).
    Closed {
        /// Whether QUIT ended the session.
        clean: bool,
        /// What was in progress and is now dropped (an open transaction or
        /// a message in the middle of its data).
        lost: Option<Lost>,
    },
    /// The client broke the protocol beyond recovery; a 421 was queued.
    /// Final.
    Failed(RemoteError),
}

impl Event {
    /// Whether this is the session's last event ([`Event::Closed`],
    /// [`Event::TimedOut`] or [`Event::Failed`]): nothing follows it, and
    /// [`is_closed`](super::ServerConnection::is_closed) is now true. Send
    /// what [`pending_transmit`](super::ServerConnection::pending_transmit)
    /// still holds (a 221 or 421), then close the connection.
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Event::Closed { .. } | Event::TimedOut { .. } | Event::Failed(_)
        )
    }

    /// Whether this event leaves the machine waiting for
    /// [`accept`](super::ServerConnection::accept) or
    /// [`reply`](super::ServerConnection::reply) (the **answer** events;
    /// [`Event::MessageEnd`] in LMTP wants one answer per recipient).
    /// Decide on the event itself, not on
    /// [`awaiting_answer`](super::ServerConnection::awaiting_answer), which
    /// already reflects the last queued event.
    ///
    /// [`Event::CommandRefused`] and [`Event::MessageRefused`] need one only
    /// under [`ServerConfig::worded_refusals`](super::ServerConfig::worded_refusals),
    /// which this method does not know: there, ask
    /// [`awaiting_answer`](super::ServerConnection::awaiting_answer).
    pub fn needs_answer(&self) -> bool {
        matches!(
            self,
            Event::Ehlo
                | Event::Helo
                | Event::Lhlo
                | Event::MailFrom
                | Event::RcptTo
                | Event::Data
                | Event::ChunkEnd { .. }
                | Event::MessageEnd { .. }
                | Event::Command
                | Event::Rset
                | Event::Noop
                | Event::Vrfy
                | Event::Expn
                | Event::Help
                | Event::Quit
                | Event::StartTls
                | Event::Auth(_)
                | Event::SaslStep { .. }
        )
    }
}

/// What the application must decide before AUTH succeeds
/// ([`Event::Auth`]).
///
/// Answer [`Verification::NeedCredentials`] (SCRAM-SHA-256) with
/// [`provide_scram_credentials`](super::ServerConnection::provide_scram_credentials)
/// (or a negative `reply` for an unknown user); every other kind with
/// `accept()` (credentials good: 235) or a negative `reply` (e.g. 535).
/// For CRAM-MD5 check the digest with [`crate::auth::verify_cram_md5`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthRequest {
    /// The mechanism in use.
    pub mechanism: Mechanism,
    /// What to check.
    pub verification: Verification,
}

/// Why the machine answered a command by itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The line did not parse (500, 501 or 553).
    Syntax(CommandError),
    /// The command line was longer than the limit (RFC 5321 §4.5.3.1.4).
    LineTooLong,
    /// The command line held a bare CR or LF (RFC 5321 §2.3.8).
    BareLineEnding,
    /// Out of sequence (RFC 5321 §4.1.4): 503.
    BadSequence,
    /// DATA in a transaction whose every RCPT was refused: 554
    /// (RFC 5321 §3.3, RFC 2920 §4).
    NoValidRecipients,
    /// A command this configuration does not offer: 502 (500 for
    /// HELO/EHLO in LMTP and LHLO in SMTP, RFC 2033 §4.1).
    NotImplemented,
    /// A MAIL/RCPT parameter of an extension not offered, or unknown: 555
    /// (RFC 5321 §4.1.1.11).
    ParameterNotImplemented,
    /// MAIL `SIZE=` over the limit: 552 (RFC 1870 §6).
    MessageTooLarge,
    /// More recipients than the limit: 452 (RFC 5321 §4.5.3.1.10).
    TooManyRecipients,
    /// A MAIL/RCPT path whose local part is longer than
    /// [`ServerConfig::max_local_part`](super::ServerConfig::max_local_part):
    /// 501 (RFC 5321 §4.5.3.1.10).
    LocalPartTooLong,
    /// A command other than NOOP, EHLO, STARTTLS or QUIT before STARTTLS
    /// while TLS is required: 530 (RFC 3207 §4).
    TlsRequired,
    /// MAIL before AUTH while authentication is required: 530
    /// (RFC 4954 §6).
    AuthRequired,
    /// AUTH on a plain connection: 538 (RFC 4954 §6).
    EncryptionRequired,
    /// AUTH with a mechanism not offered: 504 (RFC 4954 §4).
    UnknownMechanism,
    /// AUTH could not start: no nonce was supplied for CRAM-MD5 or
    /// SCRAM-SHA-256 (454).
    AuthFailed,
    /// The SASL exchange failed, and why (cancelled with `*`, bad base64,
    /// broken grammar, line too long, wrong proof).
    SaslFailed(crate::auth::AuthFailure),
    /// Every command but QUIT is refused since
    /// [`refuse_service`](super::ServerConnection::refuse_service) (503).
    ServiceRefused,
    /// The greeting was 554: only QUIT is served (RFC 5321 §3.1).
    NoService,
    /// The verb was used more often than
    /// [`ServerConfig::call_limits`](super::ServerConfig::call_limits)
    /// allows: 421, then the session ends with
    /// [`RemoteError::TooManyCommands`].
    TooManyCalls,
    /// One unknown verb more than
    /// [`ServerConfig::max_unknown_commands`](super::ServerConfig::max_unknown_commands):
    /// 421, then the session ends with [`RemoteError::TooManyErrors`].
    TooManyUnknownCommands,
}

/// Why the machine refused a message after its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageProblem {
    /// More octets than the SIZE limit (RFC 1870 §6): 552. The excess was
    /// drained and not handed over.
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// A bare CR or LF (RFC 5321 §2.3.8): 550.
    BareLineEnding,
    /// A text line over the limit (RFC 5321 §4.5.3.1.6): 550.
    LineTooLong,
}

/// What the end of a session interrupted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lost {
    /// A transaction with its envelope, before any message data.
    Transaction {
        /// Accepted recipients.
        recipients: usize,
    },
    /// A message in the middle of its data.
    Message {
        /// Accepted recipients.
        recipients: usize,
        /// Message octets received so far.
        octets: u64,
    },
}
