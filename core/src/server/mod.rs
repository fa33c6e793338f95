//! The server side of SMTP, ESMTP and LMTP, without I/O.
//!
//! [`ServerConnection`] turns the client's bytes into [`Event`]s and the
//! application's answers into reply bytes. See its documentation for the
//! run loop.
//!
//! # Who answers what
//!
//! The command behind an event is lent by
//! [`ServerConnection::command`], the message octets by
//! [`ServerConnection::message_data`], the accepted recipients by
//! [`ServerConnection::recipients`]: events stay small, and reading what
//! they are about copies nothing.
//!
//! | client sends | event | `accept()` sends | a positive answer means |
//! |---|---|---|---|
//! | greeting (at start) | none | `220 host text` (or `554`, [`Greeting`]) | |
//! | `EHLO`/`LHLO` | [`Event::Ehlo`]/[`Event::Lhlo`] | `250` + capabilities | extensions on, transaction cleared |
//! | `HELO` | [`Event::Helo`] | `250 host Hello domain` | no extensions, transaction cleared |
//! | `MAIL FROM` | [`Event::MailFrom`] | `250 2.1.0 Sender OK` | transaction open |
//! | `RCPT TO` | [`Event::RcptTo`] | `250 2.1.5 Recipient OK` | recipient added |
//! | `DATA` | [`Event::Data`] | `354 Start mail input...` | body streams as [`Event::MessageData`] |
//! | `.` after the body | [`Event::MessageEnd`] | `250 2.0.0 Message accepted...` (LMTP: `250 2.1.5 <rcpt> delivered` each) | transaction closed either way |
//! | `BDAT n` + data | [`Event::Bdat`], data, [`Event::ChunkEnd`] | `250 2.0.0 n octets received` | a negative one fails the transaction |
//! | `BDAT n LAST` + data | [`Event::Bdat`], data, [`Event::MessageEnd`] | as after `.` | |
//! | `RSET` / `NOOP` | [`Event::Rset`] / [`Event::Noop`] | `250 2.0.0 OK` | RSET: transaction cleared |
//! | `VRFY`/`EXPN`/`HELP` (when enabled) | [`Event::Vrfy`]... | `252` / `252` / `214` | |
//! | `STARTTLS` | [`Event::StartTls`] | `220 2.0.0 Ready to start TLS` | [`Event::TlsHandshake`] follows |
//! | `AUTH` + SASL lines | [`Event::Auth`] when a decision is due | `235 2.7.0 Authentication successful` | authenticated |
//! | `QUIT` | [`Event::Quit`] | `221 2.0.0 host closing connection` | [`Event::Closed`] `{ clean: true }` follows |
//!
//! The machine answers by itself, with [`Event::CommandRefused`]: unknown
//! verbs (500), bad syntax (501), over-long or bare-LF command lines
//! (500), commands out of sequence (503, RFC 5321 §4.1.4), disabled
//! commands (502), MAIL/RCPT parameters of extensions not offered (555),
//! `SIZE=` over the limit (552), too many recipients (452), MAIL before
//! STARTTLS or AUTH when required (530), AUTH on a plain connection (538)
//! or with an unknown mechanism (504), and a failed SASL exchange (501,
//! 535...). Enhanced status codes (RFC 3463) are added when
//! ENHANCEDSTATUSCODES is offered. A message with bare CR/LF, an over-long
//! line or over the SIZE limit is refused after its end with
//! [`Event::MessageRefused`].

mod answers;
mod auth;
mod commands;
mod config;
mod events;
mod limits;
mod machine;
mod message;
mod recipients;
mod replies;
mod session;

pub use config::{
    BareLineEndings, Greeting, LongLines, ServerConfig, DEFAULT_MAX_BAD_COMMANDS,
    DEFAULT_MAX_BUFFERED_INPUT, DEFAULT_MAX_RECIPIENTS,
};
pub use events::{AuthRequest, Event, Lost, MessageProblem, Refusal};
pub use limits::CallLimits;
pub use recipients::Recipients;

use crate::command::CommandRef;
use crate::error::LocalError;
use crate::reply::Reply;
use crate::timer::Timestamp;

use machine::Machine;

/// One server-side SMTP/LMTP session, sans I/O.
///
/// The caller owns the socket and the clock. After **every** input or
/// answer, drain [`poll_event`](Self::poll_event) until `None`, then write
/// out [`pending_transmit`](Self::pending_transmit), then sleep until input
/// or [`poll_timeout`](Self::poll_timeout).
///
/// Each command becomes one event, and the machine reads nothing further
/// until the application answers it with [`accept`](Self::accept) (the RFC
/// default reply) or [`reply`](Self::reply) (its own). Syntax errors,
/// sequencing errors (RFC 5321 §4.1.4) and disabled commands are answered
/// by the machine itself and reported as [`Event::CommandRefused`].
/// Replies to pipelined commands accumulate in one transmit buffer, so a
/// caller that answers every event before writing sends a whole group's
/// replies in one write (RFC 2920 §3.2).
///
/// Methods, by kind:
/// * getters (`&self`): [`pending_transmit`](Self::pending_transmit),
///   [`poll_timeout`](Self::poll_timeout),
///   [`wants_input`](Self::wants_input),
///   [`awaiting_answer`](Self::awaiting_answer),
///   [`is_closed`](Self::is_closed), [`is_tls`](Self::is_tls),
///   [`config`](Self::config);
/// * inputs: [`receive_data`](Self::receive_data),
///   [`receive_eof`](Self::receive_eof),
///   [`handle_timeout`](Self::handle_timeout),
///   [`tls_established`](Self::tls_established),
///   [`consume_transmit`](Self::consume_transmit);
/// * the application's answers: [`accept`](Self::accept),
///   [`reply`](Self::reply),
///   [`provide_scram_credentials`](Self::provide_scram_credentials);
/// * setup: [`set_nonce`](Self::set_nonce) (for CRAM-MD5 and SCRAM);
/// * outputs: [`poll_event`](Self::poll_event), and what the machine lends
///   about an event: [`command`](Self::command),
///   [`message_data`](Self::message_data),
///   [`recipients`](Self::recipients).
///
/// ```
/// use smtp_core::command::CommandRef;
/// use smtp_core::server::{Event, ServerConfig, ServerConnection};
/// use smtp_core::Timestamp;
///
/// let mut server = ServerConnection::new(ServerConfig::new("mx.example"), Timestamp(0));
/// assert!(server.pending_transmit().starts_with(b"220 mx.example"));
/// let n = server.pending_transmit().len();
/// server.consume_transmit(n);
///
/// server.receive_data(b"EHLO client.example\r\nNOOP\r\n", Timestamp(10));
/// while let Some(event) = server.poll_event() {
///     match event {
///         Event::Ehlo => {
///             let Some(CommandRef::Ehlo { domain }) = server.command() else { unreachable!() };
///             assert_eq!(domain.to_string(), "client.example");
///             server.accept().unwrap()
///         }
///         Event::Noop => server.accept().unwrap(),
///         _ => {}
///     }
/// }
/// let out = server.pending_transmit();
/// assert!(out.starts_with(b"250-mx.example Hello client.example\r\n"));
/// assert!(out.ends_with(b"250 2.0.0 OK\r\n"));
/// ```
#[derive(Debug)]
pub struct ServerConnection {
    m: Machine,
}

impl ServerConnection {
    /// Starts a session: the greeting is queued in
    /// [`pending_transmit`](Self::pending_transmit) and the idle timer
    /// starts at `now`. Call it when the connection is accepted (for
    /// implicit TLS, once its handshake is done, with
    /// [`ServerConfig::implicit_tls`] set).
    pub fn new(config: ServerConfig, now: Timestamp) -> Self {
        ServerConnection {
            m: Machine::new(config, now),
        }
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServerConfig {
        self.m.config()
    }

    // ---- getters ----

    /// Reply bytes not yet written. Write them, then call
    /// [`consume_transmit`](Self::consume_transmit) with how many the
    /// socket took.
    pub fn pending_transmit(&self) -> &[u8] {
        self.m.pending_transmit()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout): the idle
    /// deadline (RFC 5321 §4.5.3.2.7) while the machine waits for the
    /// client; `None` while it waits for the application or once closed.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.m.poll_timeout()
    }

    /// Whether to read from the socket now. False while an answer is
    /// awaited (the machine would only buffer, up to
    /// [`ServerConfig::max_buffered_input`], beyond which the client is
    /// disconnected), during the TLS handshake, and once closed.
    pub fn wants_input(&self) -> bool {
        self.m.wants_input()
    }

    /// Whether an event is waiting for [`accept`](Self::accept) or
    /// [`reply`](Self::reply).
    pub fn awaiting_answer(&self) -> bool {
        self.m.awaiting_answer()
    }

    /// Whether the session is over (after its final event:
    /// [`Event::Closed`], [`Event::TimedOut`] or [`Event::Failed`]).
    pub fn is_closed(&self) -> bool {
        self.m.is_closed()
    }

    /// Whether the connection is encrypted (implicit TLS or STARTTLS done).
    pub fn is_tls(&self) -> bool {
        self.m.is_tls()
    }

    /// Whether AUTH succeeded in this session.
    pub fn is_authenticated(&self) -> bool {
        self.m.is_authenticated()
    }

    // ---- what the machine lends ----

    /// The command awaiting an answer ([`Event::Ehlo`], [`Event::MailFrom`],
    /// [`Event::RcptTo`], [`Event::Vrfy`]...), borrowed from its line: the
    /// machine keeps the line until it is answered, so reading it copies
    /// nothing. `None` when no command awaits an answer (nor for
    /// [`Event::ChunkEnd`], [`Event::MessageEnd`] and [`Event::Auth`],
    /// which answer no single line). Keep what you need with
    /// [`CommandRef::into_owned`] or `to_string()`.
    ///
    /// ```
    /// use smtp_core::command::CommandRef;
    /// use smtp_core::server::{Event, ServerConfig, ServerConnection};
    /// use smtp_core::Timestamp;
    ///
    /// let mut server = ServerConnection::new(ServerConfig::new("mx.example"), Timestamp(0));
    /// server.receive_data(b"EHLO c.example\r\nMAIL FROM:<a@c.example> SIZE=10\r\n", Timestamp(1));
    /// assert_eq!(server.poll_event(), Some(Event::Ehlo));
    /// server.accept().unwrap();
    /// assert_eq!(server.poll_event(), Some(Event::MailFrom));
    /// let Some(CommandRef::Mail { from, params }) = server.command() else { panic!() };
    /// assert_eq!(from.to_string(), "<a@c.example>");
    /// assert_eq!(params.size, Some(10));
    /// ```
    #[must_use]
    pub fn command(&self) -> Option<CommandRef<'_>> {
        self.m.command()
    }

    /// The line (without CRLF) of the command awaiting an answer, as the
    /// client sent it; under [`ServerConfig::worded_refusals`] also the
    /// line of a refused command awaiting its wording (e.g. to name the
    /// unknown verb). `None` when no line awaits an answer.
    #[must_use]
    pub fn command_line(&self) -> Option<&[u8]> {
        self.m.kept_line()
    }

    /// The octets of the [`Event::MessageData`] last returned by
    /// [`poll_event`](Self::poll_event); empty after any other event. Read
    /// them before the next `poll_event`, which lets them go.
    #[must_use]
    pub fn message_data(&self) -> &[u8] {
        self.m.message_data()
    }

    /// The client's data, base64-decoded, for the awaited
    /// [`Event::SaslStep`]: the AUTH command's initial response (`None`
    /// when it had none; empty for `=`), then the client's line after each
    /// 334. `None` when no step is awaited.
    #[must_use]
    pub fn sasl_data(&self) -> Option<&[u8]> {
        self.m.sasl_data()
    }

    /// The recipients accepted in the open transaction, in order: at
    /// [`Event::MessageEnd`], the ones the message goes to (in LMTP, one
    /// answer each, in this order). Empty without a transaction.
    #[must_use]
    pub fn recipients(&self) -> Recipients<'_> {
        self.m.recipients()
    }

    // ---- inputs ----

    /// Bytes read from the client (after decryption, under TLS). Any
    /// split is fine. Then drain [`poll_event`](Self::poll_event) and send
    /// [`pending_transmit`](Self::pending_transmit). Ignored once closed.
    ///
    /// Bytes are buffered while an answer is awaited. A read made while
    /// [`wants_input`](Self::wants_input) was true is kept whole; input fed
    /// while it was false counts against
    /// [`ServerConfig::max_buffered_input`], past which the session ends
    /// with 421 and [`Event::Failed`]. During the TLS handshake (after
    /// [`Event::TlsHandshake`]) bytes are discarded and reported as
    /// [`Event::DataAfterStartTls`].
    pub fn receive_data(&mut self, bytes: &[u8], now: Timestamp) {
        self.m.receive_data(bytes, now);
    }

    /// The client closed its side. Commands already received are still
    /// answered; then [`Event::Closed`] says what was lost.
    pub fn receive_eof(&mut self, now: Timestamp) {
        let _ = now;
        self.m.receive_eof();
    }

    /// The clock reached [`poll_timeout`](Self::poll_timeout). When the
    /// client really was idle that long, a 421 is queued and
    /// [`Event::TimedOut`] follows.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.m.handle_timeout(now);
    }

    /// The TLS handshake asked for by [`Event::TlsHandshake`] succeeded.
    /// The session is back before EHLO (RFC 3207 §4.2): greeting,
    /// transaction and authentication are forgotten.
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no handshake was asked for; the
    /// state is unchanged.
    pub fn tls_established(&mut self, now: Timestamp) -> Result<(), LocalError> {
        self.m.tls_established(now)
    }

    /// `n` octets of [`pending_transmit`](Self::pending_transmit) were
    /// written. More than is pending counts as all of it.
    pub fn consume_transmit(&mut self, n: usize) {
        self.m.consume_transmit(n);
    }

    // ---- answers ----

    /// Answers the awaited event with the RFC default reply (see each
    /// [`Event`]): 250 for most commands, the capabilities for EHLO/LHLO,
    /// 354 for DATA, 221 for QUIT, 220 for STARTTLS, 235 for AUTH. Then
    /// drain [`poll_event`](Self::poll_event): the machine reads on.
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when nothing awaits an answer (for LMTP
    /// [`Event::MessageEnd`], after the last recipient's answer), and
    /// [`LocalError::Closed`] once closed; the state is unchanged.
    pub fn accept(&mut self) -> Result<(), LocalError> {
        self.m.answer(None, "accept")
    }

    /// Answers the awaited event with `reply`. A command takes effect only
    /// when the reply is positive; a 421 ends the session (RFC 5321 §3.8).
    /// Then drain [`poll_event`](Self::poll_event).
    ///
    /// # Errors
    /// As [`accept`](Self::accept), plus [`LocalError::UnsuitableReply`]
    /// when the code cannot answer what is awaited (354 only for DATA, 220
    /// only for STARTTLS, 221 or 421 for QUIT, no other 3xx); the state is
    /// unchanged.
    pub fn reply(&mut self, reply: Reply) -> Result<(), LocalError> {
        self.m.answer(Some(reply), "reply")
    }

    /// Answers [`Event::Auth`] carrying
    /// [`Verification::NeedCredentials`](crate::auth::Verification::NeedCredentials)
    /// (SCRAM-SHA-256) with the user's stored credentials; the machine then
    /// checks the client's proof itself. For an unknown user, `reply` a
    /// 535 instead (or provide made-up credentials to hide which users
    /// exist, RFC 5802 §9). Then drain [`poll_event`](Self::poll_event).
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no credentials are asked for; the
    /// state is unchanged.
    pub fn provide_scram_credentials(
        &mut self,
        credentials: crate::auth::ScramCredentials,
    ) -> Result<(), LocalError> {
        self.m.provide_scram_credentials(credentials)
    }

    /// Answers the awaited [`Event::SaslStep`] with a challenge:
    /// `334 <base64 of challenge>` (RFC 4954 §4). The client's answer
    /// comes as the next [`Event::SaslStep`].
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no step is awaited; the state is
    /// unchanged.
    pub fn sasl_challenge(&mut self, challenge: &[u8]) -> Result<(), LocalError> {
        self.m.sasl_challenge(challenge)
    }

    /// Changes the message size limit ([`ServerConfig::max_message_size`])
    /// during the session: a later EHLO advertises it, a later MAIL checks
    /// `SIZE=` against it, and a later DATA or BDAT enforces it; a message
    /// already being read keeps the limit it started with. (Python's smtpd
    /// lets `channel.data_size_limit` change at any time.)
    pub fn set_max_message_size(&mut self, limit: Option<u64>) {
        self.m.set_max_message_size(limit);
    }

    /// Changes the local part limit ([`ServerConfig::max_local_part`])
    /// during the session, from the next MAIL or RCPT on (aiosmtpd lets
    /// `SMTP.local_part_limit` change at any time).
    pub fn set_max_local_part(&mut self, limit: Option<usize>) {
        self.m.set_max_local_part(limit);
    }

    /// Refuses every later command but QUIT with 503 (as after a 554
    /// greeting, RFC 5321 §3.1) and drops any open transaction: e.g. once
    /// the application judged the TLS handshake's result insufficient.
    pub fn refuse_service(&mut self) {
        self.m.refuse_service();
    }

    /// Supplies the random input of the next AUTH exchange, needed before
    /// CRAM-MD5 or SCRAM-SHA-256 can run (without it they get 454): the
    /// machine draws no randomness (it has no source of it). For CRAM-MD5 it is the
    /// whole challenge (RFC 2195 §2 suggests `<random.timestamp@host>`);
    /// for SCRAM the server's part of the nonce (at least 16 random
    /// printable ASCII characters without `,`, RFC 5802 §7). It is used as
    /// given once; later exchanges on this connection add a counter, so
    /// each challenge stays unique. Calling it again starts over with the
    /// new value.
    pub fn set_nonce(&mut self, nonce: &str) {
        self.m.set_nonce(nonce);
    }

    // ---- outputs ----

    /// The next event, oldest first. Drain until `None` after every input
    /// and answer.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.m.poll_event()
    }
}
