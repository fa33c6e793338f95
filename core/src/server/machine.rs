//! The server machine: one loop that reads the client's bytes phase by
//! phase and carries out what each phase decides. The phases know nothing
//! of the machine: `commands.rs` decides about a command line, `message.rs`
//! reads DATA and BDAT, `auth.rs` runs the SASL exchange, `answers.rs`
//! checks and applies the application's answers, `session.rs` holds what
//! the session established, `replies.rs` writes the machine's replies.
//! Here: the state, the inputs, the timer and the end; `machine/reading.rs`
//! reads input, `machine/answering.rs` takes the application's answers.
//! The facade (`mod.rs`) only calls methods.
//!
//! # Buffers
//!
//! Input is parsed straight from the caller's slice when nothing is
//! buffered; only what is left when the machine stops (an incomplete line,
//! or the command awaiting an answer and what follows it) is copied into
//! `input`. The awaited command's line stays at the front of `input` until
//! it is answered, so `command()` can lend it. Message data is decoded into
//! `data` and lent by `message_data()`. Every buffer is a
//! [`CursorBuffer`]: a cursor and rare compaction, memory reused.

use alloc::collections::VecDeque;

use crate::buffer::CursorBuffer;
use crate::command::{CommandError, CommandRef};
use crate::error::{LocalError, RemoteError, SessionState};
use crate::framing::{LineEndings, LineFramer};
use crate::reply::Reply;
use crate::timer::Timestamp;

use super::answers::Awaiting;
use super::auth::{AuthExchange, Nonces};
use super::config::{Greeting, ServerConfig};
use super::events::{Event, Lost};
use super::limits::Counts;
use super::message::{ChunkReader, DataReader};
use super::recipients::Recipients;
use super::replies::{Canned, ReplyWriter};
use super::session::Session;

mod answering;
mod reading;

/// What the machine is reading.
#[derive(Debug)]
enum Mode {
    /// Command lines.
    Command,
    /// DATA body, after 354.
    Data(DataReader),
    /// A BDAT chunk's octets.
    Chunk(ChunkReader),
    /// A SASL response line, after a 334.
    Sasl(AuthExchange),
    /// After 220 to STARTTLS, until `tls_established`: input is discarded.
    TlsPending,
    /// The session is over.
    Closed,
}

/// The awaited command's line, at the front of `input` until answered.
#[derive(Clone, Copy, Debug)]
struct Kept {
    /// The line's text, without its CRLF.
    len: usize,
    /// The line with its CRLF: what is dropped once it is answered.
    consumed: usize,
}

/// The server machine.
#[derive(Debug)]
pub(super) struct Machine {
    cfg: ServerConfig,
    session: Session,
    mode: Mode,
    /// What the application must answer before the machine reads on.
    awaiting: Option<Awaiting>,
    /// The line of the command in `awaiting`, if it is a command.
    kept: Option<Kept>,
    input: CursorBuffer,
    framer: LineFramer,
    transmit: CursorBuffer,
    replies: ReplyWriter,
    events: VecDeque<Event>,
    /// Message octets of the queued `MessageData` events, oldest first.
    data: CursorBuffer,
    /// Octets at the front of `data` that belong to the `MessageData`
    /// event last polled.
    data_lent: usize,
    nonces: Nonces,
    bad_commands: u32,
    /// Uses of each verb and unknown verbs (`ServerConfig::call_limits`,
    /// `max_unknown_commands`).
    counts: Counts,
    eof: bool,
    /// The idle deadline (RFC 5321 §4.5.3.2.7).
    deadline: Option<Timestamp>,
    /// The application answered since the timer was last armed: the
    /// deadline may be stale, so an expiry re-arms instead of firing.
    answered: bool,
}

/// The kept line in `input`.
fn kept_line(kept: Option<Kept>, input: &CursorBuffer) -> Option<&[u8]> {
    input.pending().get(..kept?.len)
}

fn framer(cfg: &ServerConfig) -> LineFramer {
    let endings = if cfg.lenient_command_lines {
        LineEndings::Lenient
    } else {
        LineEndings::Strict
    };
    LineFramer::new(cfg.max_command_line, endings)
}

impl Machine {
    pub(super) fn new(cfg: ServerConfig, now: Timestamp) -> Machine {
        let mut m = Machine {
            framer: framer(&cfg),
            session: Session::new(cfg.implicit_tls),
            cfg,
            mode: Mode::Command,
            awaiting: None,
            kept: None,
            input: CursorBuffer::default(),
            transmit: CursorBuffer::default(),
            replies: ReplyWriter::default(),
            events: VecDeque::new(),
            data: CursorBuffer::default(),
            data_lent: 0,
            nonces: Nonces::default(),
            bad_commands: 0,
            counts: Counts::default(),
            eof: false,
            deadline: None,
            answered: false,
        };
        m.say(Canned::Greeting);
        m.arm(now);
        if matches!(m.cfg.greeting, Greeting::Unavailable(_)) {
            // RFC 5321 §3.1: a 421 greeting, then the connection closes.
            m.close(false);
        }
        m
    }

    // ---- what the facade reads ----

    pub(super) fn config(&self) -> &ServerConfig {
        &self.cfg
    }
    pub(super) fn pending_transmit(&self) -> &[u8] {
        self.transmit.pending()
    }
    pub(super) fn is_closed(&self) -> bool {
        matches!(self.mode, Mode::Closed)
    }
    pub(super) fn is_tls(&self) -> bool {
        self.session.is_tls()
    }
    pub(super) fn is_authenticated(&self) -> bool {
        self.session.is_authenticated()
    }
    pub(super) fn awaiting_answer(&self) -> bool {
        self.awaiting.is_some()
    }
    pub(super) fn wants_input(&self) -> bool {
        self.awaiting.is_none() && !matches!(self.mode, Mode::TlsPending | Mode::Closed)
    }

    /// A command line, parsed with the configured leniency.
    pub(super) fn parse<'a>(&self, line: &'a [u8]) -> Result<CommandRef<'a>, CommandError> {
        CommandRef::parse_lenient(line, self.session.utf8_allowed(), self.cfg.leniency)
    }

    /// A new local part limit, from the next MAIL and RCPT on.
    pub(super) fn set_max_local_part(&mut self, limit: Option<usize>) {
        self.cfg.max_local_part = limit;
    }

    /// A new message size limit, from the next MAIL and DATA on.
    pub(super) fn set_max_message_size(&mut self, limit: Option<u64>) {
        self.cfg.max_message_size = limit;
    }

    /// The command awaiting an answer, parsed again from its kept line.
    pub(super) fn command(&self) -> Option<CommandRef<'_>> {
        let line = self.kept_line()?;
        // The session has not changed since the line was read, so this is
        // the parse that was checked then.
        self.parse(line).ok()
    }

    pub(super) fn kept_line(&self) -> Option<&[u8]> {
        kept_line(self.kept, &self.input)
    }

    pub(super) fn refuse_service(&mut self) {
        self.session.refuse_service();
    }

    pub(super) fn recipients(&self) -> Recipients<'_> {
        self.session.recipients().iter()
    }

    pub(super) fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front();
        // The octets lent for the previous MessageData are done with.
        self.data.consume(self.data_lent);
        self.data_lent = match event {
            Some(Event::MessageData { len }) => len,
            _ => 0,
        };
        event
    }

    /// The client's data for the awaited [`Event::SaslStep`].
    pub(super) fn sasl_data(&self) -> Option<&[u8]> {
        match (&self.mode, &self.awaiting) {
            (Mode::Sasl(exchange), Some(Awaiting::SaslStep)) => exchange.application_data(),
            _ => None,
        }
    }

    pub(super) fn message_data(&self) -> &[u8] {
        self.data
            .pending()
            .get(..self.data_lent)
            .unwrap_or_default()
    }

    /// The error for `call` made at the wrong moment: what the machine is
    /// doing instead ([`LocalError::Closed`] once closed).
    fn state_error(&self, call: &'static str) -> LocalError {
        let state = match (&self.mode, &self.awaiting) {
            (Mode::Closed, _) => return LocalError::Closed,
            (Mode::Sasl(s), Some(Awaiting::Auth)) if s.needs_credentials() => {
                SessionState::AwaitingScramCredentials
            }
            (_, Some(Awaiting::Auth | Awaiting::SaslStep)) => SessionState::AwaitingAuthVerdict,
            (_, Some(_)) => SessionState::AwaitingAnswer,
            (Mode::TlsPending, None) => SessionState::TlsHandshake,
            (Mode::Data(_) | Mode::Chunk(_), None) => SessionState::MessageBody,
            (Mode::Sasl(_), None) => SessionState::Auth,
            (Mode::Command, None) => SessionState::Idle,
        };
        LocalError::InvalidState { call, state }
    }

    /// Writes one of the machine's own replies.
    fn say(&mut self, canned: Canned<'static>) {
        self.replies.write(&canned, &self.cfg, self.transmit.back());
    }

    /// Writes a reply given by the application.
    fn send(&mut self, reply: &Reply) {
        reply.encode(self.transmit.back());
    }

    pub(super) fn consume_transmit(&mut self, n: usize) {
        self.transmit.consume(n);
    }

    pub(super) fn set_nonce(&mut self, nonce: &str) {
        self.nonces.set(nonce);
    }

    // ---- timer (RFC 5321 §4.5.3.2.7) ----

    fn arm(&mut self, now: Timestamp) {
        self.deadline = self.cfg.timeout_ms.map(|ms| now.plus_millis(ms));
        self.answered = false;
    }

    pub(super) fn poll_timeout(&self) -> Option<Timestamp> {
        if self.awaiting.is_some() || matches!(self.mode, Mode::Closed | Mode::TlsPending) {
            // The client is not at fault while the application thinks, and
            // the handshake is timed by the caller's TLS layer.
            return None;
        }
        self.deadline
    }

    pub(super) fn handle_timeout(&mut self, now: Timestamp) {
        let Some(deadline) = self.poll_timeout() else {
            return;
        };
        if now < deadline {
            return;
        }
        if self.answered {
            // The deadline was armed before the application's answer; count
            // the idle time from now instead (never early, at worst late).
            self.arm(now);
            return;
        }
        self.say(Canned::Timeout);
        let lost = self.lost();
        self.finish(Event::TimedOut { lost });
    }

    // ---- inputs ----

    pub(super) fn receive_data(&mut self, bytes: &[u8], now: Timestamp) {
        if self.is_closed() || self.eof || bytes.is_empty() {
            return;
        }
        self.arm(now);
        if matches!(self.mode, Mode::TlsPending) {
            // RFC 3207 §5: nothing read before the handshake may be used.
            self.events.push_back(Event::DataAfterStartTls {
                discarded: bytes.len(),
            });
            return;
        }
        // A read the machine asked for is taken whole, however much of it
        // waits behind a command the application has to answer (a client
        // pipelining BDAT chunks may be a whole read ahead, RFC 3030 §2):
        // its size is the caller's read size. Only bytes pushed while the
        // machine said it wants no input count against the bound.
        let asked_for = self.wants_input();
        if self.input.len() == 0 {
            // Nothing buffered: read the caller's bytes in place and keep
            // only what is left.
            let used = self.run(bytes);
            if !self.is_closed() {
                self.input.extend(bytes.get(used..).unwrap_or_default());
            }
        } else {
            self.input.extend(bytes);
            self.run_buffered();
        }
        if !self.is_closed() && !asked_for && self.input.len() > self.cfg.max_buffered_input {
            let limit = self.cfg.max_buffered_input;
            self.fail(
                RemoteError::InputLimitExceeded { limit },
                Canned::InputOverflow,
            );
        }
    }

    pub(super) fn receive_eof(&mut self) {
        if self.is_closed() || self.eof {
            return;
        }
        self.eof = true;
        // Commands already received are still answered (the client may
        // have half-closed after QUIT); `advance` ends the session once the
        // input is used up.
        self.advance();
    }

    pub(super) fn tls_established(&mut self, now: Timestamp) -> Result<(), LocalError> {
        if !matches!(self.mode, Mode::TlsPending) {
            return Err(self.state_error("tls_established"));
        }
        // RFC 3207 §4.2: forget everything learnt before the handshake.
        self.session.tls_started();
        self.input.clear();
        self.framer = framer(&self.cfg);
        self.mode = Mode::Command;
        self.arm(now);
        self.advance();
        Ok(())
    }

    /// Reads on in what is buffered, then ends the session if the client
    /// closed its side and nothing awaits an answer.
    fn advance(&mut self) {
        self.run_buffered();
        if self.eof && !self.is_closed() && self.awaiting.is_none() {
            self.close(false);
        }
    }

    /// Reads the buffered input as far as it goes.
    fn run_buffered(&mut self) {
        let mut input = core::mem::take(&mut self.input);
        let used = self.run(input.pending());
        input.consume(used);
        if self.is_closed() {
            input.release();
        }
        self.input = input;
    }

    // ---- the end ----

    /// What ending the session now would lose.
    fn lost(&self) -> Option<Lost> {
        let txn = self.session.transaction()?;
        let recipients = self.session.recipients().len();
        match &self.mode {
            Mode::Data(d) => Some(Lost::Message {
                recipients,
                octets: d.octets(),
            }),
            Mode::Chunk(c) if c.drain().is_none() => Some(Lost::Message {
                recipients,
                octets: txn.octets(),
            }),
            _ => Some(Lost::Transaction { recipients }),
        }
    }

    /// Ends the session: `clean` when QUIT ended it (RFC 5321 §4.1.1.10),
    /// not when the client went away or a 421 did.
    fn close(&mut self, clean: bool) {
        let lost = self.lost();
        self.finish(Event::Closed { clean, lost });
    }

    /// A fatal peer error: last words, then the end.
    fn fail(&mut self, error: RemoteError, last_words: Canned<'static>) {
        self.say(last_words);
        self.finish(Event::Failed(error));
    }

    /// The session's one final event: nothing is read or reported after it.
    fn finish(&mut self, event: Event) {
        self.mode = Mode::Closed;
        self.awaiting = None;
        self.kept = None;
        self.input.release();
        self.deadline = None;
        self.events.push_back(event);
    }
}
