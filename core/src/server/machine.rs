//! The server machine: one loop that reads the client's bytes phase by
//! phase and carries out what each phase decides. The phases know nothing
//! of the machine: `commands.rs` decides about a command line, `message.rs`
//! reads DATA and BDAT, `auth.rs` runs the SASL exchange, `answers.rs`
//! checks and applies the application's answers, `session.rs` holds what
//! the session established. The facade (`mod.rs`) only calls methods.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::auth::{encode_challenge, AuthFailure, ScramCredentials};
use crate::buffer::CursorBuffer;
use crate::command::Command;
use crate::error::{LocalError, RemoteError, SessionState};
use crate::framing::{Frame, LineEndings, LineFramer};
use crate::reply::{Reply, ReplyCode};
use crate::timer::Timestamp;

use super::answers::{self, Awaiting, Then};
use super::auth::{AuthExchange, AuthStep, Nonces, AUTH_LINE_LIMIT};
use super::commands::{self, Decision};
use super::config::ServerConfig;
use super::defaults::Defaults;
use super::events::{Event, Lost, MessageProblem, Refusal};
use super::message::{ChunkReader, DataReader, Drain};
use super::session::Session;

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

/// The server machine.
#[derive(Debug)]
pub(super) struct Machine {
    cfg: ServerConfig,
    session: Session,
    mode: Mode,
    /// What the application must answer before the machine reads on.
    awaiting: Option<Awaiting>,
    input: CursorBuffer,
    framer: LineFramer,
    transmit: CursorBuffer,
    events: VecDeque<Event>,
    nonces: Nonces,
    bad_commands: u32,
    eof: bool,
    /// The idle deadline (RFC 5321 §4.5.3.2.7).
    deadline: Option<Timestamp>,
    /// The application answered since the timer was last armed: the
    /// deadline may be stale, so an expiry re-arms instead of firing.
    answered: bool,
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
            input: CursorBuffer::default(),
            transmit: CursorBuffer::default(),
            events: VecDeque::new(),
            nonces: Nonces::default(),
            bad_commands: 0,
            eof: false,
            deadline: None,
            answered: false,
        };
        let greeting = m.defaults().greeting();
        m.send(&greeting);
        m.arm(now);
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
    pub(super) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The error for `call` made at the wrong moment: what the machine is
    /// doing instead ([`LocalError::Closed`] once closed).
    fn state_error(&self, call: &'static str) -> LocalError {
        let state = match (&self.mode, &self.awaiting) {
            (Mode::Closed, _) => return LocalError::Closed,
            (Mode::Sasl(s), Some(Awaiting::Auth)) if s.needs_credentials() => {
                SessionState::AwaitingScramCredentials
            }
            (_, Some(Awaiting::Auth)) => SessionState::AwaitingAuthVerdict,
            (_, Some(_)) => SessionState::AwaitingAnswer,
            (Mode::TlsPending, None) => SessionState::TlsHandshake,
            (Mode::Data(_) | Mode::Chunk(_), None) => SessionState::MessageBody,
            (Mode::Sasl(_), None) => SessionState::Auth,
            (Mode::Command, None) => SessionState::Idle,
        };
        LocalError::InvalidState { call, state }
    }

    fn defaults(&self) -> Defaults<'_> {
        Defaults::new(&self.cfg)
    }

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
        let reply = self.defaults().timeout();
        self.send(&reply);
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
        self.input.extend(bytes);
        self.advance();
        if !self.is_closed() && self.input.len() > self.cfg.max_buffered_input {
            let limit = self.cfg.max_buffered_input;
            let reply = self.defaults().input_overflow();
            self.fail(RemoteError::InputLimitExceeded { limit }, &reply);
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

    // ---- the loop ----

    /// Reads input until something needs the application or input runs out.
    fn advance(&mut self) {
        loop {
            if self.is_closed() || self.awaiting.is_some() {
                return;
            }
            let progressed = match self.mode {
                Mode::Command => self.step_command(),
                Mode::Sasl(_) => self.step_sasl(),
                Mode::Data(_) => self.step_data(),
                Mode::Chunk(_) => self.step_chunk(),
                Mode::TlsPending | Mode::Closed => false,
            };
            if !progressed {
                break;
            }
        }
        if self.eof && !self.is_closed() && self.awaiting.is_none() {
            self.close(false);
        }
    }

    /// Reads one command line, if complete. Returns whether input was used.
    fn step_command(&mut self) -> bool {
        let input = self.input.pending();
        if !self.framer.is_skipping() {
            self.framer
                .set_limit(commands::line_limit(input, &self.cfg));
        }
        let frame = self.framer.next_line(input);
        let decision = match frame {
            Frame::Line { .. } => {
                let line = frame.line(input).unwrap_or_default();
                let parsed = Command::parse(line, self.session.utf8_allowed());
                commands::decide(parsed, &self.session, &self.cfg)
            }
            Frame::TooLong { .. } => Decision::Refuse {
                reason: Refusal::LineTooLong,
                reply: self.defaults().line_too_long(),
                bad: true,
            },
            Frame::BareLineEnding { .. } => Decision::Refuse {
                reason: Refusal::BareLineEnding,
                reply: self.defaults().bare_line_ending(),
                bad: true,
            },
            _ => {
                let consumed = frame.consumed();
                self.input.consume(consumed);
                return consumed > 0;
            }
        };
        self.input.consume(frame.consumed());
        self.carry_out(decision);
        true
    }

    fn carry_out(&mut self, decision: Decision) {
        match decision {
            Decision::Ask(event, awaiting) => self.ask(event, awaiting),
            Decision::Refuse { reason, reply, bad } => self.refuse(reason, reply, bad),
            Decision::Chunk { size, last, drain } => {
                if drain.is_none() {
                    if let Some(t) = self.session.transaction_mut() {
                        t.use_bdat();
                    }
                    self.events.push_back(Event::Bdat { size, last });
                }
                self.mode = Mode::Chunk(ChunkReader::new(size, last, drain));
            }
            Decision::Auth {
                mechanism,
                initial_response,
            } => {
                let oauth_error = self.cfg.oauth_error.as_deref();
                let start = AuthExchange::start(
                    mechanism,
                    &mut self.nonces,
                    oauth_error,
                    initial_response.as_deref(),
                );
                match start {
                    Some((exchange, step)) => self.auth_step(exchange, step),
                    None => {
                        // No nonce was provided: a temporary server-side
                        // problem.
                        let reply = self.defaults().with_status(
                            454,
                            "4.7.0",
                            "Temporary authentication failure",
                        );
                        self.refuse(Refusal::AuthFailed, reply, false);
                    }
                }
            }
        }
    }

    /// Reads one SASL response line. Returns whether input was used.
    fn step_sasl(&mut self) -> bool {
        if !self.framer.is_skipping() {
            self.framer.set_limit(AUTH_LINE_LIMIT);
        }
        let input = self.input.pending();
        let frame = self.framer.next_line(input);
        let Mode::Sasl(exchange) = &mut self.mode else {
            return false;
        };
        let step = match frame {
            Frame::Line { .. } => exchange.respond(frame.line(input).unwrap_or_default()),
            Frame::TooLong { .. } => exchange.unreadable(AuthFailure::TooLong),
            Frame::BareLineEnding { .. } => exchange.unreadable(AuthFailure::Malformed {
                reason: "line must end with CRLF",
            }),
            _ => {
                let consumed = frame.consumed();
                self.input.consume(consumed);
                return consumed > 0;
            }
        };
        self.input.consume(frame.consumed());
        if let Mode::Sasl(exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
            self.auth_step(exchange, step);
        }
        true
    }

    /// Carries out what the SASL exchange wants next.
    fn auth_step(&mut self, exchange: AuthExchange, step: AuthStep) {
        match step {
            AuthStep::Challenge(bytes) => {
                // RFC 4954 §4: `334 SP [base64] CRLF`; no enhanced code on
                // a 3xx (RFC 2034 §3).
                let out = self.transmit.back();
                out.extend_from_slice(b"334 ");
                out.extend_from_slice(encode_challenge(&bytes).as_bytes());
                out.extend_from_slice(b"\r\n");
                self.mode = Mode::Sasl(exchange);
            }
            AuthStep::Ask(request) => {
                self.mode = Mode::Sasl(exchange);
                self.ask(Event::Auth(request), Awaiting::Auth);
            }
            AuthStep::Success(reply) => {
                let reply = reply.unwrap_or_else(|| self.defaults().auth_ok());
                self.send(&reply);
                self.session.authenticated();
                self.mode = Mode::Command;
            }
            AuthStep::Failure { failure, app_reply } => {
                self.mode = Mode::Command;
                self.auth_failed(failure, app_reply);
            }
        }
    }

    /// Ends the exchange with the application's reply, or the one RFC 4954
    /// §6 gives for `failure`.
    fn auth_failed(&mut self, failure: AuthFailure, app_reply: Option<Reply>) {
        if let Some(reply) = app_reply {
            return self.send(&reply);
        }
        let d = self.defaults();
        let reply = match failure {
            AuthFailure::Rejected | AuthFailure::BadProof => d.auth_invalid(),
            AuthFailure::Cancelled => d.with_status(501, "5.7.0", "Authentication cancelled"),
            ref f => d.with_status(f.reply_code(), f.enhanced_status(), &alloc::format!("{f}")),
        };
        // Protocol breakage counts as a bad command; a wrong password or a
        // cancel does not.
        let bad = !matches!(
            failure,
            AuthFailure::Rejected | AuthFailure::BadProof | AuthFailure::Cancelled
        );
        self.refuse(Refusal::AuthFailed, reply, bad);
    }

    /// Decodes DATA input. Returns whether input was used.
    fn step_data(&mut self) -> bool {
        let Mode::Data(reader) = &mut self.mode else {
            return false;
        };
        let input = self.input.pending();
        if input.is_empty() {
            return false;
        }
        let mut body = Vec::new();
        let progress = reader.read(input, &mut body);
        let octets = reader.octets();
        self.input.consume(progress.consumed);
        if !body.is_empty() && !progress.over_limit {
            self.events.push_back(Event::MessageData(body));
        }
        if let Some(problem) = progress.finished {
            if let Some(t) = self.session.transaction_mut() {
                t.set_octets(octets);
            }
            self.finish_message(problem, true);
            return true;
        }
        progress.consumed > 0
    }

    /// Reads BDAT chunk input. Returns whether anything happened.
    fn step_chunk(&mut self) -> bool {
        let Mode::Chunk(chunk) = &mut self.mode else {
            return false;
        };
        if !chunk.is_done() {
            let input = self.input.pending();
            if input.is_empty() {
                return false;
            }
            // RFC 1870 §6: past the limit the rest is drained, not kept.
            let keep = chunk.drain().is_none()
                && self.session.transaction().is_some_and(|t| !t.is_oversize());
            let mut data = Vec::new();
            let n = chunk.read(input, &mut data, keep);
            let done = chunk.is_done();
            self.input.consume(n);
            let limit = self.cfg.max_message_size;
            if let (true, Some(t)) = (keep, self.session.transaction_mut()) {
                if !t.add_octets(data.len(), limit) && !data.is_empty() {
                    self.events.push_back(Event::MessageData(data));
                }
            }
            if !done {
                return true;
            }
        }
        self.finish_chunk();
        true
    }

    fn finish_chunk(&mut self) {
        let Mode::Chunk(chunk) = core::mem::replace(&mut self.mode, Mode::Command) else {
            return;
        };
        match chunk.drain() {
            Some(Drain::NotImplemented) => {
                let reply = self.defaults().not_implemented();
                self.refuse(Refusal::NotImplemented, reply, true);
            }
            Some(Drain::BadSequence) => {
                let reply = self.defaults().bad_sequence("Bad sequence of commands");
                self.refuse(Refusal::BadSequence, reply, true);
            }
            None => {
                let oversize = self.session.transaction().is_some_and(|t| t.is_oversize());
                if oversize {
                    let limit = self.cfg.max_message_size.unwrap_or_default();
                    let problem = MessageProblem::TooLarge { limit };
                    self.finish_message(Some(problem), chunk.is_last());
                } else if chunk.is_last() {
                    self.finish_message(None, true);
                } else {
                    let size = chunk.size();
                    self.ask(Event::ChunkEnd { size }, Awaiting::Chunk { size });
                }
            }
        }
    }

    /// The message is complete: hand it to the application, or refuse it.
    /// `at_end` is false for a BDAT chunk before LAST, which gets a single
    /// reply even in LMTP (RFC 2033 §4.3: one reply per recipient only
    /// after the end of the data).
    fn finish_message(&mut self, problem: Option<MessageProblem>, at_end: bool) {
        self.mode = Mode::Command;
        let Some(txn) = self.session.transaction() else {
            return;
        };
        let total = if self.cfg.lmtp && at_end {
            txn.recipients().len().max(1)
        } else {
            1
        };
        let Some(reason) = problem else {
            let event = Event::MessageEnd {
                size: txn.octets(),
                recipients: txn.recipients().to_vec(),
            };
            return self.ask(event, Awaiting::MessageEnd { next: 0, total });
        };
        let d = self.defaults();
        let reply = match reason {
            MessageProblem::TooLarge { .. } => d.size_exceeded(),
            MessageProblem::BareLineEnding => {
                d.bad_message("Message contains a bare CR or LF (RFC 5321 section 2.3.8)")
            }
            MessageProblem::LineTooLong => d.bad_message(&alloc::format!(
                "Message contains a line longer than {} octets",
                self.cfg.max_text_line
            )),
        };
        for _ in 0..total {
            self.send(&reply);
        }
        self.session.end_transaction();
        self.events
            .push_back(Event::MessageRefused { reason, reply });
    }

    // ---- reporting ----

    /// Emits a command event and waits for the application.
    fn ask(&mut self, event: Event, awaiting: Awaiting) {
        self.events.push_back(event);
        self.awaiting = Some(awaiting);
    }

    /// Answers a command by itself. Bad commands count toward the limit;
    /// past it the session ends with 421 instead (RFC 5321 §4.3.2 leaves
    /// the number to the server).
    fn refuse(&mut self, reason: Refusal, reply: Reply, bad: bool) {
        if bad {
            self.bad_commands = self.bad_commands.saturating_add(1);
            if self.bad_commands > self.cfg.max_bad_commands {
                let last = self.defaults().too_many_errors();
                return self.fail(RemoteError::TooManyErrors, &last);
            }
        }
        self.send(&reply);
        self.events
            .push_back(Event::CommandRefused { reason, reply });
    }

    // ---- the application's answers ----

    /// `accept()` (`custom` is `None`) or `reply(custom)`.
    pub(super) fn answer(
        &mut self,
        custom: Option<Reply>,
        call: &'static str,
    ) -> Result<(), LocalError> {
        let Some(awaiting) = self.awaiting.as_ref() else {
            return Err(self.state_error(call));
        };
        if let Some(r) = &custom {
            answers::check_reply(awaiting, r.code())?;
        }
        let positive = custom.as_ref().is_none_or(|r| r.code().is_positive());
        let credentials_due = matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials());
        if matches!(awaiting, Awaiting::Auth) && positive && credentials_due {
            // SCRAM: only the machine can accept, once it checked the proof.
            return Err(self.state_error(call));
        }
        let Some(awaiting) = self.awaiting.take() else {
            return Ok(());
        };
        self.answered = true;
        let code = custom.as_ref().map(Reply::code);
        let code = if let Awaiting::Auth = awaiting {
            if let Mode::Sasl(mut exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
                let step = exchange.verdict(custom);
                self.auth_step(exchange, step);
            }
            code
        } else {
            let reply = custom
                .unwrap_or_else(|| answers::default_reply(&awaiting, &self.session, &self.cfg));
            self.send(&reply);
            let then = answers::apply(awaiting, reply.code(), &mut self.session);
            self.then(then);
            Some(reply.code())
        };
        if code == Some(ReplyCode::SERVICE_UNAVAILABLE) && !self.is_closed() {
            // RFC 5321 §3.8: 421 announces the end of the session.
            self.close(false);
        }
        self.advance();
        Ok(())
    }

    fn then(&mut self, then: Then) {
        match then {
            Then::ReadOn => {}
            Then::ReadData => self.mode = Mode::Data(DataReader::new(&self.cfg)),
            Then::StartTls => {
                self.mode = Mode::TlsPending;
                self.events.push_back(Event::TlsHandshake);
                let discarded = self.input.len();
                self.input.clear();
                if discarded > 0 {
                    // RFC 3207 §5 / CVE-2011-0411: bytes pipelined behind
                    // STARTTLS are never parsed. Reported after
                    // TlsHandshake, as bytes arriving later would be.
                    self.events
                        .push_back(Event::DataAfterStartTls { discarded });
                }
            }
            Then::Close => self.close(true),
            Then::Await(next) => self.awaiting = Some(next),
        }
    }

    pub(super) fn provide_scram_credentials(
        &mut self,
        credentials: ScramCredentials,
    ) -> Result<(), LocalError> {
        let due = matches!(self.awaiting, Some(Awaiting::Auth))
            && matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials());
        if !due {
            return Err(self.state_error("provide_scram_credentials"));
        }
        self.awaiting = None;
        self.answered = true;
        if let Mode::Sasl(mut exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
            let step = exchange.provide_credentials(credentials);
            self.auth_step(exchange, step);
        }
        self.advance();
        Ok(())
    }

    // ---- the end ----

    /// What ending the session now would lose.
    fn lost(&self) -> Option<Lost> {
        let txn = self.session.transaction()?;
        let recipients = txn.recipients().len();
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
    fn fail(&mut self, error: RemoteError, reply: &Reply) {
        self.send(reply);
        self.finish(Event::Failed(error));
    }

    /// The session's one final event: nothing is read or reported after it.
    fn finish(&mut self, event: Event) {
        self.mode = Mode::Closed;
        self.awaiting = None;
        self.input.release();
        self.deadline = None;
        self.events.push_back(event);
    }
}
