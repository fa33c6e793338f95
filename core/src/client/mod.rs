//! The client side of SMTP, ESMTP and LMTP as one sans-IO machine.
//!
//! [`ClientConnection`] never touches a socket or a clock: the caller feeds
//! it bytes, EOF, the time and the end of a TLS handshake, and drains
//! events, bytes to write and the next deadline. Every protocol decision
//! (which reply means what, when to RSET, what may be pipelined) is made
//! here once, for every binding.
//!
//! # Run loop
//!
//! ```no_run
//! use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event};
//! use smtp_core::{Domain, ForwardPath, ReversePath, Timestamp};
//! # fn socket_read(_buf: &mut [u8], _deadline: Option<Timestamp>) -> Option<usize> { None }
//! # fn socket_write(_b: &[u8]) -> usize { 0 }
//! # fn clock() -> Timestamp { Timestamp(0) }
//! # fn run(from: ReversePath, to: ForwardPath, message: &[u8]) {
//! let config = ClientConfig::new(Domain::Name("client.example".into()));
//! let mut conn = ClientConnection::new(config, clock()).expect("valid hello domain");
//! let mut sent = false;
//! let mut buf = [0u8; 4096];
//! loop {
//!     // 1. Drain every output after every input or call.
//!     while let Some(event) = conn.poll_event() {
//!         match event {
//!             Event::EhloAccepted { .. } | Event::HeloAccepted { .. } if !sent => {
//!                 sent = true;
//!                 conn.send_mail(&Envelope::new(from.clone(), [to.clone()])).unwrap();
//!             }
//!             Event::ReadyForBody => {
//!                 conn.send_body(message).unwrap();
//!                 conn.finish_body().unwrap();
//!             }
//!             Event::TransactionFinished { .. } | Event::TransactionFailed { .. } => {
//!                 conn.quit().unwrap();
//!             }
//!             Event::Closed { .. } | Event::Failed(_) | Event::TimedOut { .. } => return,
//!             _ => {}
//!         }
//!     }
//!     while !conn.pending_transmit().is_empty() {
//!         let n = socket_write(conn.pending_transmit());
//!         conn.consume_transmit(n);
//!     }
//!     // 2. Wait for bytes or the deadline, then feed what happened.
//!     match socket_read(&mut buf, conn.poll_timeout()) {
//!         Some(0) => conn.receive_eof(clock()),
//!         Some(n) => conn.receive_data(&buf[..n], clock()),
//!         None => conn.handle_timeout(clock()),
//!     }
//! }
//! # }
//! ```

//!
//! # From smtplib's calls to the machine
//!
//! | smtplib | machine | outcome |
//! |---|---|---|
//! | `SMTP(host)` / `connect()` | [`ClientConnection::new`] (`auto_hello: false`) | [`Event::Greeting`], or [`Event::GreetingRefused`] (`SMTPConnectError`) |
//! | `ehlo()` / `helo()` | [`ehlo`](ClientConnection::ehlo) / [`helo`](ClientConnection::helo) | [`Event::EhloAccepted`] / [`Event::EhloRefused`], [`Event::HeloAccepted`] / [`Event::HeloRefused`] |
//! | `ehlo_or_helo_if_needed()` | [`hello`](ClientConnection::hello) | EHLO, HELO on 5yz |
//! | `starttls()` | [`starttls`](ClientConnection::starttls), then [`tls_established`](ClientConnection::tls_established) | [`Event::TlsHandshake`] / [`Event::StartTlsRefused`]; `ExtensionNotOffered` is `SMTPNotSupportedError` |
//! | `login()` | [`authenticate_with`](ClientConnection::authenticate_with) per mechanism | [`Event::AuthSucceeded`] / [`Event::AuthFailed`] (`SMTPAuthenticationError`) |
//! | `auth(mech, authobject)` | [`auth_custom`](ClientConnection::auth_custom) + [`auth_respond`](ClientConnection::auth_respond) | [`Event::AuthChallenge`] per 334 |
//! | `sendmail()` | [`send_mail`](ClientConnection::send_mail), [`send_body`](ClientConnection::send_body), [`finish_body`](ClientConnection::finish_body) | [`Event::TransactionFinished`] ([`MailResult::refused`] is the returned dict); [`Event::TransactionFailed`] with [`Stage::Mail`] `SMTPSenderRefused`, [`Stage::Recipients`] `SMTPRecipientsRefused`, [`Stage::Data`] / [`Stage::DataEnd`] `SMTPDataError` |
//! | `mail()`, `rcpt()`, `data()`, `docmd()`, `putcmd()` + `getreply()` | [`send_command`](ClientConnection::send_command) / [`send_raw`](ClientConnection::send_raw) (+ body calls after a 354) | [`Event::Reply`] with the id |
//! | `verify()`, `expn()`, `help()`, `noop()`, `rset()` | [`vrfy`](ClientConnection::vrfy), [`expn`](ClientConnection::expn), [`help`](ClientConnection::help), [`noop`](ClientConnection::noop), [`rset`](ClientConnection::rset) | [`Event::Reply`] |
//! | `quit()` | [`quit`](ClientConnection::quit) | [`Event::Reply`], then [`Event::Closed`] |
//! | `SMTPServerDisconnected` | EOF, 421 | [`Event::Closed`] `{ clean: false }`, [`Event::ServiceClosing`] |
//! | `SMTP_SSL` | [`ClientConfig::implicit_tls`] | |
//! | `LMTP` | [`ClientConfig::lmtp`] | [`Event::DeliveryReply`] per recipient |
//!
//! A session that smtplib's own code greeted can be handed over with
//! [`ClientConnection::resume`]. A caller that sends MAIL, RCPT and DATA
//! itself, one at a time, keeps a [`TransactionLedger`]: the machine's own
//! bookkeeping, so it reaches the same outcome from the same replies; and
//! [`reply_meaning`] judges any other reply as the machine does.

mod auth_exchange;
mod bdat;
mod config;
mod envelope;
mod events;
mod first_bytes;
mod ledger;
mod sequences;
mod state;
mod transaction;
mod wire;

pub use config::{
    ClientConfig, ResetPolicy, DEFAULT_BDAT_CHUNK_SIZE, DEFAULT_MAX_AUTH_CHALLENGES,
    DEFAULT_MAX_IN_FLIGHT, DEFAULT_TRANSMIT_HIGH_WATER, MAX_PIPELINED_CHUNKS,
};
pub use envelope::{BodyMode, Envelope, Recipient};
pub use events::{CommandId, Event, MailResult, Phase, RecipientStatus, Stage};
pub use first_bytes::{
    classify_first_bytes, is_implicit_tls_port, FirstBytes, IMPLICIT_TLS_GREETING_WAIT_MS,
    IMPLICIT_TLS_PORTS,
};
pub use ledger::{Expect, LedgerEntry, TransactionLedger};
pub use sequences::{reply_meaning, Exchange, ReplyMeaning};

use crate::auth::{Credentials, Mechanism};
use crate::command::Command;
use crate::ehlo::Capabilities;
use crate::error::LocalError;
use crate::reply::Reply;
use crate::session::{HelloKind, Security};
use crate::timer::Timestamp;

/// One SMTP, ESMTP or LMTP client session, without I/O.
///
/// The invariant: **after every input and every command, drain
/// [`poll_event`](Self::poll_event) until `None` and write out
/// [`pending_transmit`](Self::pending_transmit)**, then wait for the
/// socket or [`poll_timeout`](Self::poll_timeout).
///
/// # Methods by kind
///
/// * Constructors: [`new`](Self::new) (a fresh connection, waiting for the
///   greeting), [`resume`](Self::resume) (a session greeted elsewhere).
/// * Getters (`&self`): [`capabilities`](Self::capabilities),
///   [`greeting`](Self::greeting), [`hello_reply`](Self::hello_reply),
///   [`phase`](Self::phase), [`in_flight`](Self::in_flight),
///   [`body_ready`](Self::body_ready), [`is_tls`](Self::is_tls),
///   [`is_authenticated`](Self::is_authenticated), [`is_closed`](Self::is_closed),
///   [`config`](Self::config).
/// * Inputs from the network and the clock:
///   [`receive_data`](Self::receive_data), [`receive_eof`](Self::receive_eof),
///   [`handle_timeout`](Self::handle_timeout),
///   [`tls_established`](Self::tls_established).
/// * Session commands: [`ehlo`](Self::ehlo), [`helo`](Self::helo),
///   [`hello`](Self::hello), [`starttls`](Self::starttls),
///   [`authenticate`](Self::authenticate),
///   [`authenticate_with`](Self::authenticate_with),
///   [`auth_custom`](Self::auth_custom), [`auth_respond`](Self::auth_respond),
///   [`auth_cancel`](Self::auth_cancel), [`quit`](Self::quit).
/// * Mail transactions: [`send_mail`](Self::send_mail),
///   [`send_body`](Self::send_body), [`finish_body`](Self::finish_body).
/// * Low level (smtplib's `docmd`): [`send_command`](Self::send_command),
///   [`send_raw`](Self::send_raw), [`rset`](Self::rset), [`noop`](Self::noop),
///   [`vrfy`](Self::vrfy), [`expn`](Self::expn), [`help`](Self::help); each
///   reply comes back as [`Event::Reply`] with the returned [`CommandId`].
/// * Outputs: [`poll_event`](Self::poll_event),
///   [`pending_transmit`](Self::pending_transmit) +
///   [`consume_transmit`](Self::consume_transmit),
///   [`poll_timeout`](Self::poll_timeout).
///
/// # Errors
///
/// A command the machine cannot honour now returns a [`LocalError`] and
/// changes nothing; the session goes on. A server that breaks the protocol
/// produces one [`Event::Failed`], after which inputs are ignored and every
/// command returns [`LocalError::Closed`] (bytes already pending may still
/// be written).
///
/// # Time
///
/// The machine's clock is the latest `now` given to an input. Timers
/// started by a command count from that instant, so a caller that may
/// issue a command long after the last input calls
/// [`handle_timeout`](Self::handle_timeout) with the current time first (it
/// only advances the clock when nothing is due).
pub struct ClientConnection {
    m: state::Machine,
}

impl core::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("phase", &self.m.phase())
            .field("in_flight", &self.m.in_flight())
            .field("pending_transmit", &self.m.pending().len())
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    /// A connection just opened at `now`: the machine waits for the
    /// greeting (its timer starts now).
    ///
    /// # Errors
    /// [`LocalError::CommandInjection`] (or another validation error) when
    /// `config.hello_domain` cannot be sent.
    pub fn new(config: ClientConfig, now: Timestamp) -> Result<Self, LocalError> {
        Ok(ClientConnection {
            m: state::Machine::new(config, now)?,
        })
    }

    /// A connection whose greeting and `hello` (EHLO, LHLO or HELO) were
    /// done by someone else, e.g. smtplib's own session code: the machine
    /// starts idle, with the capabilities read from `hello_reply` (none
    /// after HELO). `security` says whether the session already runs over
    /// TLS (after STARTTLS, or implicit). No event is produced.
    ///
    /// ```
    /// use smtp_core::{ClientConfig, ClientConnection, Domain, Extensions, HelloKind};
    /// use smtp_core::{Reply, ReplyCode, Security, Timestamp};
    ///
    /// let reply = Reply::from_lines(ReplyCode::OK, &["mx.example", "PIPELINING"]);
    /// let config = ClientConfig::new(Domain::Name("client.example".into()));
    /// let conn =
    ///     ClientConnection::resume(config, reply, HelloKind::Ehlo, Security::Plain, Timestamp(0))
    ///         .unwrap();
    /// let caps = conn.capabilities().unwrap();
    /// assert!(caps.extensions().contains(Extensions::PIPELINING));
    /// ```
    ///
    /// # Errors
    /// [`LocalError::UnsuitableReply`] when `hello_reply` is not 2yz; as
    /// [`new`](Self::new) for the hello domain.
    pub fn resume(
        config: ClientConfig,
        hello_reply: Reply,
        hello: HelloKind,
        security: Security,
        now: Timestamp,
    ) -> Result<Self, LocalError> {
        Ok(ClientConnection {
            m: state::Machine::resume(config, hello_reply, hello, security, now)?,
        })
    }

    // ----- getters ---------------------------------------------------------

    /// The configuration in use.
    pub fn config(&self) -> &ClientConfig {
        self.m.config()
    }

    /// The server's greeting, once received (any code).
    pub fn greeting(&self) -> Option<&Reply> {
        self.m.greeting()
    }

    /// The successful EHLO/LHLO/HELO reply; `None` before, and again after
    /// a TLS handshake (RFC 3207 §4.2).
    pub fn hello_reply(&self) -> Option<&Reply> {
        self.m.hello_reply()
    }

    /// What the server advertised in its last successful EHLO/LHLO. `None`
    /// before EHLO, after HELO, and after a TLS handshake until EHLO again.
    pub fn capabilities(&self) -> Option<&Capabilities> {
        self.m.capabilities()
    }

    /// What the machine waits for now.
    pub fn phase(&self) -> Phase {
        self.m.phase()
    }

    /// Commands sent whose reply has not come yet.
    pub fn in_flight(&self) -> usize {
        self.m.in_flight()
    }

    /// Whether [`send_body`](Self::send_body) would take a chunk now (the
    /// server waits for the body and the transmit buffer is below the
    /// high-water mark).
    pub fn body_ready(&self) -> bool {
        self.m.body_ready()
    }

    /// Whether [`tls_established`](Self::tls_established) was called.
    pub fn is_tls(&self) -> bool {
        self.m.is_tls()
    }

    /// Whether AUTH succeeded on this connection (since the last TLS
    /// handshake).
    pub fn is_authenticated(&self) -> bool {
        self.m.is_authenticated()
    }

    /// Whether a final event ([`Event::Closed`], [`Event::Failed`],
    /// [`Event::TimedOut`]) was produced.
    pub fn is_closed(&self) -> bool {
        self.m.is_closed()
    }

    // ----- inputs ----------------------------------------------------------

    /// Feed bytes read from the socket (after TLS decryption). Any split is
    /// fine: an incomplete reply waits for more.
    ///
    /// Afterwards poll events, transmit and the timeout. A protocol
    /// violation (over-long reply line or reply, malformed reply, reply
    /// with nothing in flight, bytes after the 220 to STARTTLS, a TLS
    /// record instead of a greeting) becomes one [`Event::Failed`]; inputs
    /// are then ignored.
    pub fn receive_data(&mut self, bytes: &[u8], now: Timestamp) {
        self.m.receive_data(bytes, now);
    }

    /// The server closed the connection. Produces [`Event::Closed`]:
    /// `clean` only after QUIT got 221; otherwise `in_flight` names what
    /// was being waited for. Final.
    pub fn receive_eof(&mut self, now: Timestamp) {
        self.m.receive_eof(now);
    }

    /// Tell the machine the time. When the deadline of
    /// [`poll_timeout`](Self::poll_timeout) has passed this produces
    /// [`Event::TimedOut`] (final); otherwise it only advances the clock.
    /// The data-block timer (RFC 5321 §4.5.3.2.5) restarts instead when the
    /// caller took body bytes with
    /// [`consume_transmit`](Self::consume_transmit) since it started.
    pub fn handle_timeout(&mut self, now: Timestamp) {
        self.m.handle_timeout(now);
    }

    /// Call once the TLS handshake that [`Event::TlsHandshake`] asked for
    /// is done. Everything learnt before is forgotten (RFC 3207 §4.2):
    /// capabilities, hello, authentication. With
    /// [`ClientConfig::auto_hello`] EHLO (LHLO) is queued at once;
    /// otherwise call [`ehlo`](Self::ehlo) or [`hello`](Self::hello).
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no STARTTLS handshake is due
    /// (nothing changes).
    pub fn tls_established(&mut self, now: Timestamp) -> Result<(), LocalError> {
        self.m.tls_established(now)
    }

    // ----- session commands --------------------------------------------------

    /// Send EHLO (LHLO in LMTP mode) without fallback. Then poll
    /// [`Event::EhloAccepted`] or [`Event::EhloRefused`].
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] before the greeting, during a
    /// transaction, an AUTH exchange or a TLS handshake;
    /// [`LocalError::Closed`] after QUIT or a final event. Not fatal.
    pub fn ehlo(&mut self) -> Result<(), LocalError> {
        self.m.ehlo(false)
    }

    /// Send HELO. Then poll [`Event::HeloAccepted`] or [`Event::HeloRefused`].
    ///
    /// # Errors
    /// As [`ehlo`](Self::ehlo).
    pub fn helo(&mut self) -> Result<(), LocalError> {
        self.m.helo()
    }

    /// Send EHLO (LHLO), falling back to HELO when EHLO gets 5yz
    /// (smtplib's `ehlo_or_helo_if_needed`). Then poll [`Event::EhloAccepted`], or
    /// [`Event::EhloRefused`] (`falling_back: true`) followed by
    /// [`Event::HeloAccepted`] / [`Event::HeloRefused`].
    ///
    /// # Errors
    /// As [`ehlo`](Self::ehlo).
    pub fn hello(&mut self) -> Result<(), LocalError> {
        self.m.ehlo(true)
    }

    /// Send STARTTLS (RFC 3207). Then poll [`Event::TlsHandshake`] (hand-
    /// shake now, then [`tls_established`](Self::tls_established)) or
    /// [`Event::StartTlsRefused`]. Any byte the server sends after its 220
    /// and before the handshake is [`RemoteError::DataAfterStartTls`](crate::RemoteError::DataAfterStartTls).
    ///
    /// # Errors
    /// [`LocalError::ExtensionNotOffered`] when the last EHLO did not
    /// advertise STARTTLS; [`LocalError::InvalidState`] when TLS is already
    /// on or the machine is busy (see [`ehlo`](Self::ehlo)). Not fatal.
    pub fn starttls(&mut self) -> Result<(), LocalError> {
        self.m.starttls()
    }

    /// AUTH with the first mechanism of
    /// [`ClientConfig::auth_preference`] that the server offers and the
    /// credentials allow (RFC 4954). `nonce` is the SCRAM client nonce
    /// (printable ASCII without `,`, fresh and random, RFC 5802 §5.1;
    /// ignored by other mechanisms).
    ///
    /// The machine answers the challenges; then poll
    /// [`Event::AuthSucceeded`] or [`Event::AuthFailed`] (with the server's
    /// reply; the session goes on, another mechanism may be tried). A
    /// challenge the mechanism refuses, or more than
    /// [`ClientConfig::max_auth_challenges`], is cancelled with `*` and ends
    /// in [`Event::AuthFailed`] with the server's 501. Fatal
    /// [`RemoteError::Auth`](crate::RemoteError::Auth): a SCRAM server whose
    /// signature does not verify (RFC 5802 §5), or a server that challenges
    /// again after `*`.
    ///
    /// # Errors
    /// [`LocalError::ExtensionNotOffered`] without AUTH in the last EHLO;
    /// [`LocalError::NoCommonMechanism`];
    /// [`LocalError::InvalidCredentials`] (a token for a password
    /// mechanism, SCRAM without a valid nonce...); busy states as for
    /// [`ehlo`](Self::ehlo). Not fatal, nothing sent.
    pub fn authenticate(
        &mut self,
        credentials: Credentials,
        nonce: Option<&str>,
    ) -> Result<(), LocalError> {
        self.m.authenticate(None, credentials, nonce)
    }

    /// AUTH with a given mechanism (smtplib's `auth(mechanism, ...)` for
    /// the mechanisms this crate implements), whether or not the server
    /// listed it. Events and errors as [`authenticate`](Self::authenticate).
    pub fn authenticate_with(
        &mut self,
        mechanism: Mechanism,
        credentials: Credentials,
        nonce: Option<&str>,
    ) -> Result<(), LocalError> {
        self.m.authenticate(Some(mechanism), credentials, nonce)
    }

    /// AUTH with a mechanism the caller runs itself (smtplib's
    /// `auth(mechanism, authobject)`): each 334 becomes
    /// [`Event::AuthChallenge`], answered with
    /// [`auth_respond`](Self::auth_respond) or
    /// [`auth_cancel`](Self::auth_cancel); the end is
    /// [`Event::AuthSucceeded`] or [`Event::AuthFailed`].
    /// `initial_response` goes with the command when it fits (RFC 4954 §4).
    ///
    /// # Errors
    /// [`LocalError::CommandInjection`] when `mechanism` is not a SASL name;
    /// otherwise as [`authenticate`](Self::authenticate).
    pub fn auth_custom(
        &mut self,
        mechanism: &str,
        initial_response: Option<&[u8]>,
    ) -> Result<(), LocalError> {
        self.m.auth_custom(mechanism, initial_response)
    }

    /// Answer the last [`Event::AuthChallenge`] (the machine base64-encodes
    /// it).
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no challenge waits. Not fatal.
    pub fn auth_respond(&mut self, response: &[u8]) -> Result<(), LocalError> {
        self.m.auth_respond(response)
    }

    /// Cancel a custom AUTH exchange with `*` (RFC 4954 §4); the server's
    /// 501 comes as [`Event::AuthFailed`].
    ///
    /// # Errors
    /// As [`auth_respond`](Self::auth_respond).
    pub fn auth_cancel(&mut self) -> Result<(), LocalError> {
        self.m.auth_cancel()
    }

    /// Send QUIT (queued behind commands in flight). Its reply comes as
    /// [`Event::Reply`] with the returned id; the server's EOF then gives
    /// [`Event::Closed`] `{ clean: true }` when the reply was 221. Allowed
    /// after a refused greeting, right after
    /// [`finish_body`](Self::finish_body), and once a transaction is known
    /// to fail (RFC 2920 §4: QUIT may follow the final dot or a refused
    /// group); the transaction's outcome is still reported, and no RSET is
    /// sent for it.
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] during a transaction before the end of
    /// the body, during an AUTH exchange or TLS handshake;
    /// [`LocalError::Closed`] when already quitting or closed.
    pub fn quit(&mut self) -> Result<CommandId, LocalError> {
        self.m.quit()
    }

    // ----- mail transactions ---------------------------------------------------

    /// Start a mail transaction. The envelope is checked against the last
    /// EHLO first: `SIZE=` is added when offered and the size is known,
    /// `SMTPUTF8` when an address needs it. With PIPELINING, MAIL, every
    /// RCPT and DATA leave at once (RFC 2920); without, one per reply.
    ///
    /// Then poll: [`Event::RecipientReply`] per recipient, then
    /// [`Event::ReadyForBody`] (at least one recipient accepted and, with
    /// DATA, 354 received; with BDAT no command is sent for the body until
    /// then) or [`Event::TransactionFailed`] (MAIL refused, every RCPT
    /// refused, DATA refused: RSET is sent, the connection stays usable).
    ///
    /// With BDAT, PIPELINING and a [`ClientConfig::max_in_flight`] above 0,
    /// [`Event::ReadyForBody`] comes at once instead, before any reply: the
    /// body's first chunks then leave in the same write as the envelope,
    /// and a small message costs one round trip (RFC 2920 §3.1, RFC 3030
    /// §2). The outcomes are the same: a body sent to a transaction the
    /// replies then refuse is discarded by the server, and the failure is
    /// the refusal (every recipient refused is [`Stage::Recipients`],
    /// whatever the server answers to the BDAT).
    ///
    /// # Errors
    /// [`LocalError::InvalidEnvelope`] (no recipient, BINARYMIME without
    /// BDAT, REQUIRETLS outside TLS), [`LocalError::ExtensionNotOffered`] (a parameter or a
    /// non-ASCII address needing SIZE, 8BITMIME, BINARYMIME, CHUNKING,
    /// SMTPUTF8, DSN, REQUIRETLS or AUTH the server did not advertise),
    /// [`LocalError::MessageTooLarge`] (declared size over the server's
    /// SIZE), [`LocalError::CommandInjection`]; [`LocalError::InvalidState`]
    /// before EHLO/HELO or while busy. None is fatal; nothing is sent.
    pub fn send_mail(&mut self, envelope: &Envelope) -> Result<(), LocalError> {
        self.m.send_mail(envelope)
    }

    /// Append a piece of the body after [`Event::ReadyForBody`] (or after
    /// the 354 to a low-level DATA). With DATA it is dot-stuffed and its
    /// line endings fixed per [`ClientConfig::line_endings`]; with BDAT it
    /// is staged and sent in chunks, line endings fixed the same way unless
    /// the body is BINARYMIME (sent untouched).
    ///
    /// Memory stays bounded by the caller: write out
    /// [`pending_transmit`](Self::pending_transmit) between calls. The
    /// machine holds at most one BDAT chunk beyond the piece given, and
    /// never sends more than [`ClientConfig::max_in_flight`] body octets
    /// ahead of their replies; chunks held back go by themselves as the
    /// replies come in. [`body_ready`](Self::body_ready) says whether a
    /// piece is taken now.
    ///
    /// # Errors
    /// [`LocalError::BufferFull`] when more than
    /// [`ClientConfig::transmit_high_water`] octets wait to be written (or
    /// a full BDAT chunk waits for replies): write, read, retry.
    /// [`LocalError::MessageTooLarge`] past the server's SIZE;
    /// [`LocalError::BareLineEnding`] with [`BareLineEndingPolicy::Refuse`](crate::body::BareLineEndingPolicy::Refuse);
    /// [`LocalError::InvalidState`] when no body is expected, including
    /// once a reply doomed the transaction while its body was being sent
    /// (`state` [`SessionState::Transaction`](crate::SessionState::Transaction)):
    /// stop sending it, and read on; [`Event::TransactionFailed`] follows
    /// when the replies still owed are in. The piece is then not taken;
    /// not fatal.
    pub fn send_body(&mut self, chunk: &[u8]) -> Result<(), LocalError> {
        self.m.send_body(chunk)
    }

    /// End the body: the final `CRLF.CRLF` (DATA) or `BDAT n LAST`. Then
    /// poll [`Event::TransactionFinished`] or [`Event::TransactionFailed`]
    /// (`Stage::DataEnd`, RSET sent); in LMTP, one [`Event::DeliveryReply`]
    /// per accepted recipient first (RFC 2033 §4.2). After a low-level DATA
    /// the reply comes as [`Event::Reply`] with the DATA command's id.
    ///
    /// # Errors
    /// [`LocalError::InvalidState`] when no body is being sent. Not fatal.
    pub fn finish_body(&mut self) -> Result<(), LocalError> {
        self.m.finish_body()
    }

    // ----- low level -------------------------------------------------------------

    /// Send one command; its reply comes as [`Event::Reply`] with the
    /// returned id. EHLO/LHLO/HELO replies also update
    /// [`capabilities`](Self::capabilities); a 220 to STARTTLS waits for
    /// [`tls_established`](Self::tls_established); a 354 to DATA opens the
    /// body ([`send_body`](Self::send_body), [`finish_body`](Self::finish_body));
    /// QUIT ends the session.
    ///
    /// # Errors
    /// [`LocalError::PipeliningNotOffered`] when a command is in flight and
    /// the server did not offer PIPELINING, or the command in flight ends a
    /// pipelined group (RFC 2920 §3.1); [`LocalError::CommandInjection`]
    /// for CR, LF or NUL in an argument; [`LocalError::InvalidState`] for
    /// BDAT (use [`send_mail`](Self::send_mail)) or while busy. Not fatal.
    pub fn send_command(&mut self, command: Command) -> Result<CommandId, LocalError> {
        self.m.send_command(command)
    }

    /// Send one raw line (CRLF added) for private extensions or an AUTH
    /// continuation (smtplib's `docmd`/`putcmd`). Its first word decides
    /// the effects, as for [`send_command`](Self::send_command); unknown
    /// verbs end a pipelined group.
    ///
    /// # Errors
    /// [`LocalError::CommandInjection`] when `line` holds CR, LF or NUL;
    /// otherwise as [`send_command`](Self::send_command).
    pub fn send_raw(&mut self, line: &str) -> Result<CommandId, LocalError> {
        self.m.send_raw(line)
    }

    /// Low-level RSET (RFC 5321 §4.1.1.5). Errors as
    /// [`send_command`](Self::send_command).
    pub fn rset(&mut self) -> Result<CommandId, LocalError> {
        self.m.send_command(Command::Rset)
    }

    /// Low-level NOOP (RFC 5321 §4.1.1.9). Errors as
    /// [`send_command`](Self::send_command).
    pub fn noop(&mut self) -> Result<CommandId, LocalError> {
        self.m.send_command(Command::Noop { argument: None })
    }

    /// Low-level VRFY (RFC 5321 §4.1.1.6). Errors as
    /// [`send_command`](Self::send_command).
    pub fn vrfy(&mut self, argument: &str) -> Result<CommandId, LocalError> {
        self.m.send_command(Command::Vrfy {
            argument: argument.into(),
        })
    }

    /// Low-level EXPN (RFC 5321 §4.1.1.7). Errors as
    /// [`send_command`](Self::send_command).
    pub fn expn(&mut self, argument: &str) -> Result<CommandId, LocalError> {
        self.m.send_command(Command::Expn {
            argument: argument.into(),
        })
    }

    /// Low-level HELP (RFC 5321 §4.1.1.8). Errors as
    /// [`send_command`](Self::send_command).
    pub fn help(&mut self, topic: Option<&str>) -> Result<CommandId, LocalError> {
        self.m.send_command(Command::Help {
            topic: topic.map(Into::into),
        })
    }

    // ----- outputs -----------------------------------------------------------------

    /// The next event, oldest first. Drain until `None` after every input
    /// and command.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.m.poll_event()
    }

    /// Bytes to write to the socket (not removed: call
    /// [`consume_transmit`](Self::consume_transmit) with what was written).
    #[must_use]
    pub fn pending_transmit(&self) -> &[u8] {
        self.m.pending()
    }

    /// Drop the first `n` octets of [`pending_transmit`](Self::pending_transmit)
    /// (those the socket took; more than pending is clamped).
    pub fn consume_transmit(&mut self, n: usize) {
        self.m.consume(n);
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called if
    /// nothing else happens first; `None` when no timer runs.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.m.poll_timeout()
    }
}
