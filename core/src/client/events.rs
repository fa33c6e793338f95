//! What the client machine reports: [`Event`] and the types it carries.
//!
//! Events speak protocol: each says which command got which reply, in the
//! words of RFC 5321. Bindings translate them (smtplib's exceptions, a JS
//! promise) without deciding anything themselves.

use alloc::string::String;
use alloc::vec::Vec;

use crate::address::ForwardPath;
use crate::ehlo::Capabilities;
use crate::error::RemoteError;
use crate::reply::Reply;

use super::sequences::{succeeded, Exchange};

/// Names a low-level command sent with
/// [`send_command`](crate::ClientConnection::send_command) or
/// [`send_raw`](crate::ClientConnection::send_raw); its reply comes back in
/// [`Event::Reply`] with the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CommandId(pub(crate) u64);

impl CommandId {
    /// The id as a number (ids grow by one per command, from 0).
    pub const fn get(self) -> u64 {
        self.0
    }
}

/// What the machine was waiting for: named by [`Event::TimedOut`],
/// [`Event::Closed`] and [`Event::ServiceClosing`], and returned by
/// [`phase`](crate::ClientConnection::phase).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Waiting for the 220 greeting (RFC 5321 §3.1). A server on an
    /// implicit-TLS port (465, RFC 8314 §3.3) usually says nothing and waits
    /// for a TLS handshake, so a greeting timeout there means "connect with
    /// TLS"; one that sends a TLS record gives
    /// [`RemoteError::ImplicitTlsDetected`] at once.
    Greeting,
    /// Waiting for the reply to EHLO, HELO or LHLO.
    Hello,
    /// Waiting for the reply to STARTTLS.
    StartTls,
    /// Waiting for the caller's TLS handshake
    /// ([`tls_established`](crate::ClientConnection::tls_established)).
    TlsHandshake,
    /// Inside an AUTH exchange.
    Auth,
    /// Waiting for the reply to MAIL FROM.
    Mail,
    /// Waiting for the reply to a RCPT TO.
    Rcpt,
    /// Waiting for the 354 after DATA.
    Data,
    /// Sending the message body (the caller's turn, or bytes not yet
    /// written).
    Body,
    /// Waiting for the reply to a BDAT chunk that is not the last.
    Bdat,
    /// Waiting for the reply(ies) after the end of the message data.
    DataEnd,
    /// Waiting for the reply to RSET.
    Rset,
    /// Waiting for the reply to QUIT.
    Quit,
    /// Waiting for the reply to a low-level command.
    Command,
    /// Nothing in flight.
    Idle,
}

/// The step of a mail transaction that failed ([`Event::TransactionFailed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Stage {
    /// MAIL FROM was refused (smtplib: `SMTPSenderRefused`).
    Mail,
    /// Every RCPT TO was refused (smtplib: `SMTPRecipientsRefused`); no
    /// body byte was sent.
    Recipients,
    /// DATA was refused (smtplib: `SMTPDataError`).
    Data,
    /// A BDAT chunk before the last was refused (RFC 3030 §2).
    Body,
    /// The reply after the end of the data (final dot or `BDAT LAST`)
    /// was negative (smtplib: `SMTPDataError`).
    DataEnd,
}

/// One recipient of a transaction and what the server said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientStatus {
    /// Position in [`Envelope::recipients`](crate::client::Envelope::recipients).
    pub index: usize,
    /// The forward path as given in the envelope.
    pub path: ForwardPath,
    /// The reply to its RCPT TO.
    pub rcpt_reply: Reply,
    /// LMTP only: the reply for this recipient after the body
    /// (RFC 2033 §4.2). `None` in SMTP or when the RCPT was refused.
    pub delivery_reply: Option<Reply>,
}

impl RecipientStatus {
    /// Whether the RCPT was accepted (250 or 251, RFC 5321 §4.3.2) and, in
    /// LMTP, the delivery too (250).
    pub fn accepted(&self) -> bool {
        self.refusal().is_none()
    }

    /// The reply that refused this recipient: at RCPT, or in LMTP at
    /// delivery.
    pub fn refusal(&self) -> Option<&Reply> {
        if !succeeded(Exchange::Rcpt, self.rcpt_reply.code()) {
            return Some(&self.rcpt_reply);
        }
        self.delivery_reply
            .as_ref()
            .filter(|r| !succeeded(Exchange::DataEnd, r.code()))
    }
}

/// Everything the server said during one mail transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailResult {
    /// The reply to MAIL FROM.
    pub mail_reply: Option<Reply>,
    /// One entry per recipient whose RCPT got a reply, in envelope order.
    /// Empty when MAIL was refused (no RCPT counts then, pipelined or not).
    pub recipients: Vec<RecipientStatus>,
    /// SMTP: the reply after the end of data. LMTP: `None` (see
    /// [`RecipientStatus::delivery_reply`]).
    pub data_reply: Option<Reply>,
}

impl MailResult {
    /// How many recipients were accepted (RCPT 2yz and, in LMTP, delivered).
    pub fn accepted(&self) -> usize {
        self.recipients.iter().filter(|r| r.accepted()).count()
    }

    /// The recipients that were refused at RCPT or (LMTP) at delivery,
    /// with the refusing reply: smtplib's `sendmail` return value.
    pub fn refused(&self) -> impl Iterator<Item = (&RecipientStatus, &Reply)> {
        self.recipients
            .iter()
            .filter_map(|r| r.refusal().map(|reply| (r, reply)))
    }
}

/// Something the client machine has to tell its caller; drained with
/// [`poll_event`](crate::ClientConnection::poll_event).
///
/// Final events: [`Event::Closed`], [`Event::Failed`] and
/// [`Event::TimedOut`]. After one of them the machine ignores every input
/// and returns [`LocalError::Closed`](crate::LocalError::Closed) to every
/// command.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The server's 220 greeting (RFC 5321 §3.1). With
    /// [`ClientConfig::auto_hello`](crate::client::ClientConfig::auto_hello)
    /// the machine has already queued EHLO/LHLO.
    Greeting {
        /// The greeting.
        reply: Reply,
    },
    /// The greeting was not 220 (typically 554, RFC 5321 §3.1, or 421).
    /// smtplib raises `SMTPConnectError`. Only
    /// [`quit`](crate::ClientConnection::quit) is accepted afterwards.
    GreetingRefused {
        /// The greeting.
        reply: Reply,
    },
    /// EHLO (or LHLO) succeeded; the capabilities are also available from
    /// [`capabilities`](crate::ClientConnection::capabilities).
    EhloAccepted {
        /// The reply.
        reply: Reply,
        /// What the server advertised.
        capabilities: Capabilities,
    },
    /// EHLO (or LHLO) was refused. `falling_back` is true when the machine
    /// sent HELO in its place (a 5yz to an automatic EHLO, RFC 5321 §4.1.4).
    EhloRefused {
        /// The reply.
        reply: Reply,
        /// Whether HELO was sent automatically.
        falling_back: bool,
    },
    /// HELO succeeded: plain SMTP, no extensions.
    HeloAccepted {
        /// The reply.
        reply: Reply,
    },
    /// HELO was refused.
    HeloRefused {
        /// The reply.
        reply: Reply,
    },
    /// The server said 220 to STARTTLS (RFC 3207 §4): run the TLS
    /// handshake on the socket now, then call
    /// [`tls_established`](crate::ClientConnection::tls_established).
    /// Nothing is sent or accepted until then.
    TlsHandshake {
        /// The reply.
        reply: Reply,
    },
    /// STARTTLS was refused; the session goes on in the clear (the caller
    /// decides whether that is acceptable).
    StartTlsRefused {
        /// The reply.
        reply: Reply,
    },
    /// A custom AUTH mechanism got a 334 challenge: answer with
    /// [`auth_respond`](crate::ClientConnection::auth_respond) or
    /// [`auth_cancel`](crate::ClientConnection::auth_cancel).
    AuthChallenge {
        /// The challenge, base64-decoded.
        challenge: Vec<u8>,
    },
    /// AUTH succeeded (235, RFC 4954 §6).
    AuthSucceeded {
        /// The mechanism used.
        mechanism: String,
        /// The reply.
        reply: Reply,
    },
    /// AUTH failed (smtplib: `SMTPAuthenticationError`); the session goes on
    /// unauthenticated.
    AuthFailed {
        /// The mechanism tried.
        mechanism: String,
        /// The server's reply (535, 534, 501 after a cancel, 503...).
        reply: Reply,
    },
    /// The reply to one RCPT TO of the current transaction, as it arrives.
    RecipientReply {
        /// Position in the envelope.
        index: usize,
        /// The reply.
        reply: Reply,
    },
    /// Send the body now: call [`send_body`](crate::ClientConnection::send_body)
    /// then [`finish_body`](crate::ClientConnection::finish_body). At least
    /// one recipient was accepted and the server waits for the body (after
    /// the 354 to DATA); or, with BDAT pipelined (PIPELINING offered and
    /// [`ClientConfig::max_in_flight`](crate::ClientConfig::max_in_flight)
    /// above 0), right after [`send_mail`](crate::ClientConnection::send_mail),
    /// before the envelope's replies.
    ReadyForBody,
    /// LMTP: the reply for one accepted recipient after the body
    /// (RFC 2033 §4.2), as it arrives.
    DeliveryReply {
        /// Position in the envelope.
        index: usize,
        /// The reply.
        reply: Reply,
    },
    /// The transaction completed: the end of data was accepted (SMTP), or
    /// every accepted recipient got its delivery reply (LMTP). Some
    /// recipients may have been refused: see [`MailResult::refused`].
    TransactionFinished {
        /// Every reply of the transaction.
        result: MailResult,
    },
    /// The transaction failed at `stage` with `reply`. The machine has
    /// queued RSET (unless the server is closing) and stays usable.
    TransactionFailed {
        /// Which step failed.
        stage: Stage,
        /// The reply that decided it (for [`Stage::Recipients`], the last
        /// RCPT reply).
        reply: Reply,
        /// Every reply of the transaction so far.
        result: MailResult,
    },
    /// The reply to a low-level command. A low-level DATA gets two: the
    /// 354, then the reply after [`finish_body`](crate::ClientConnection::finish_body).
    Reply {
        /// The id returned when the command was sent.
        id: CommandId,
        /// The reply.
        reply: Reply,
    },
    /// The server sent 421 (RFC 5321 §3.8): it is closing the connection.
    /// The command it answered was reported first with that reply; other
    /// commands in flight are dropped. Only EOF is expected now.
    ServiceClosing {
        /// The 421 reply.
        reply: Reply,
        /// What the machine was waiting for when it came.
        in_flight: Phase,
    },
    /// A timer of [`ClientTimeouts`](crate::ClientTimeouts) expired
    /// (RFC 5321 §4.5.3.2). Final: close the connection.
    TimedOut {
        /// What the machine was waiting for.
        phase: Phase,
    },
    /// The server closed the connection. Final. `clean` when QUIT got 221
    /// first (RFC 5321 §4.1.1.10).
    Closed {
        /// Whether the session ended as the protocol says it should.
        clean: bool,
        /// What the machine was waiting for ([`Phase::Idle`] if nothing).
        in_flight: Phase,
    },
    /// The server broke the protocol. Final: the connection cannot be
    /// trusted further. Bytes still in
    /// [`pending_transmit`](crate::ClientConnection::pending_transmit) may be
    /// sent.
    Failed(RemoteError),
}

impl Event {
    /// Whether this is the session's last event ([`Event::Closed`],
    /// [`Event::TimedOut`] or [`Event::Failed`]): nothing follows it, and
    /// [`is_closed`](crate::ClientConnection::is_closed) is now true. Write
    /// what [`pending_transmit`](crate::ClientConnection::pending_transmit)
    /// still holds, then close the socket.
    #[must_use]
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Event::Closed { .. } | Event::TimedOut { .. } | Event::Failed(_)
        )
    }
}
