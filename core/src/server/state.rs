//! Every transition of the server machine. The public face is in `mod.rs`;
//! command checks are in `commands.rs`, the application's answers in
//! `answers.rs`, the message body in `data.rs`, the
//! SASL exchange in `auth.rs`.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use crate::address::ForwardPath;
use crate::command::BodyType;
use crate::error::{LocalError, RemoteError, SessionState};
use crate::framing::{LineEndings, LineFramer};
use crate::reply::Reply;
use crate::session::HelloKind;
use crate::timer::Timestamp;

use super::auth::AuthExchange;
use super::config::{Greeting, ServerConfig};
use super::data::{ChunkState, DataState};
use super::defaults::Defaults;
use super::events::{Event, Lost, MessageProblem, Refusal};

/// What the machine is reading.
#[derive(Debug)]
pub(super) enum Mode {
    /// Command lines.
    Command,
    /// DATA body, after 354.
    Data(DataState),
    /// A BDAT chunk's octets.
    Chunk(ChunkState),
    /// A SASL response line, after a 334.
    Sasl(AuthExchange),
    /// After 220 to STARTTLS, until `tls_established`: input is discarded.
    TlsPending,
    /// The session is over.
    Closed,
}

/// The open mail transaction (RFC 5321 §3.3).
#[derive(Debug)]
pub(super) struct Transaction {
    /// MAIL carried SMTPUTF8: UTF-8 is allowed in RCPT (RFC 6531 §3.4).
    pub(super) smtputf8: bool,
    /// MAIL's BODY= value.
    pub(super) body: Option<BodyType>,
    /// Accepted recipients, in order.
    pub(super) rcpts: Vec<ForwardPath>,
    /// A BDAT chunk was received: DATA is then a 503 (RFC 3030 §2).
    pub(super) bdat_used: bool,
    /// Message octets handed over so far.
    pub(super) octets: u64,
    /// The message passed the SIZE limit: the rest is drained.
    pub(super) oversize: bool,
}

/// The command or message end the application must answer.
#[derive(Debug)]
pub(super) enum Awaiting {
    Hello {
        kind: HelloKind,
        client: String,
    },
    Mail {
        smtputf8: bool,
        body: Option<BodyType>,
    },
    Rcpt(ForwardPath),
    Data,
    Chunk {
        size: u64,
    },
    /// `next` of `total` answers given (LMTP: one per recipient).
    MessageEnd {
        next: usize,
        total: usize,
    },
    Rset,
    Noop,
    Vrfy,
    Expn,
    Help,
    Quit,
    StartTls,
    Auth,
}

/// The server machine.
#[derive(Debug)]
pub(super) struct Machine {
    pub(super) cfg: ServerConfig,
    pub(super) out: Vec<u8>,
    pub(super) events: VecDeque<Event>,
    pub(super) input: Vec<u8>,
    pub(super) framer: LineFramer,
    pub(super) mode: Mode,
    pub(super) hello: Option<HelloKind>,
    pub(super) tls: bool,
    pub(super) authenticated: bool,
    pub(super) txn: Option<Transaction>,
    pub(super) awaiting: Option<Awaiting>,
    /// The caller's per-connection nonce for CRAM-MD5 and SCRAM.
    pub(super) nonce: Option<String>,
    /// AUTH exchanges started, to make each nonce unique.
    pub(super) auth_count: u32,
    bad_commands: u32,
    eof: bool,
    deadline: Option<Timestamp>,
    /// The application answered since the timer was last armed: the
    /// deadline may be stale, so an expiry re-arms instead of firing.
    pub(super) answered: bool,
}

impl Machine {
    pub(super) fn new(cfg: ServerConfig, now: Timestamp) -> Machine {
        let endings = if cfg.lenient_command_lines {
            LineEndings::Lenient
        } else {
            LineEndings::Strict
        };
        let mut m = Machine {
            framer: LineFramer::new(cfg.max_command_line, endings),
            tls: cfg.implicit_tls,
            cfg,
            out: Vec::new(),
            events: VecDeque::new(),
            input: Vec::new(),
            mode: Mode::Command,
            hello: None,
            authenticated: false,
            txn: None,
            awaiting: None,
            nonce: None,
            auth_count: 0,
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

    pub(super) fn defaults(&self) -> Defaults<'_> {
        Defaults::new(&self.cfg)
    }

    pub(super) fn is_closed(&self) -> bool {
        matches!(self.mode, Mode::Closed)
    }

    pub(super) fn no_service(&self) -> bool {
        matches!(self.cfg.greeting, Greeting::NoService(_))
    }

    pub(super) fn send(&mut self, reply: &Reply) {
        reply.encode(&mut self.out);
    }

    /// Drops `n` octets from the front of the input, never more than held.
    pub(super) fn drop_input(&mut self, n: usize) {
        let n = n.min(self.input.len());
        self.input.drain(..n);
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
        self.input.extend_from_slice(bytes);
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
        self.tls = true;
        self.hello = None;
        self.txn = None;
        self.authenticated = false;
        self.input.clear();
        self.framer = LineFramer::new(self.cfg.max_command_line, self.framer.endings());
        self.mode = Mode::Command;
        self.arm(now);
        self.advance();
        Ok(())
    }

    /// The error for `call` made at the wrong moment: what the machine is
    /// doing instead ([`LocalError::Closed`] once closed).
    pub(super) fn state_error(&self, call: &'static str) -> LocalError {
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

    // ---- the loop ----

    /// Reads input until something needs the application or input runs out.
    pub(super) fn advance(&mut self) {
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

    /// What ending the session now would lose.
    fn lost(&self) -> Option<Lost> {
        let recipients = self.txn.as_ref().map_or(0, |t| t.rcpts.len());
        match &self.mode {
            Mode::Data(d) => Some(Lost::Message {
                recipients,
                octets: d.octets(),
            }),
            Mode::Chunk(c) if !c.is_drain() => Some(Lost::Message {
                recipients,
                octets: self.txn.as_ref().map_or(0, |t| t.octets),
            }),
            _ => self.txn.as_ref().map(|_| Lost::Transaction { recipients }),
        }
    }

    /// Ends the session: `clean` when QUIT ended it (RFC 5321 §4.1.1.10),
    /// not when the client went away or a 421 did.
    pub(super) fn close(&mut self, clean: bool) {
        let lost = self.lost();
        self.finish(Event::Closed { clean, lost });
    }

    /// A fatal peer error: last words, then the end.
    pub(super) fn fail(&mut self, error: RemoteError, reply: &Reply) {
        self.send(reply);
        self.finish(Event::Failed(error));
    }

    /// The session's one final event: nothing is read or reported after it.
    fn finish(&mut self, event: Event) {
        self.mode = Mode::Closed;
        self.awaiting = None;
        self.input = Vec::new();
        self.deadline = None;
        self.events.push_back(event);
    }

    /// Emits a command event and waits for the application.
    pub(super) fn ask(&mut self, event: Event, awaiting: Awaiting) {
        self.events.push_back(event);
        self.awaiting = Some(awaiting);
    }

    /// Answers a command by itself. Bad commands count toward the limit;
    /// past it the session ends with 421 instead (RFC 5321 §4.3.2 leaves
    /// the number to the server).
    pub(super) fn refuse(&mut self, reason: Refusal, reply: Reply, bad: bool) {
        if bad {
            self.bad_commands = self.bad_commands.saturating_add(1);
            if self.bad_commands > self.cfg.max_bad_commands {
                let last = self.defaults().too_many_errors();
                self.fail(RemoteError::TooManyErrors, &last);
                return;
            }
        }
        self.send(&reply);
        self.events
            .push_back(Event::CommandRefused { reason, reply });
    }

    /// The message is complete: hand it to the application, or refuse it.
    /// `at_end` is false for a BDAT chunk before LAST, which gets a single
    /// reply even in LMTP (RFC 2033 §4.3: one reply per recipient only
    /// after the end of the data).
    pub(super) fn finish_message(&mut self, problem: Option<MessageProblem>, at_end: bool) {
        self.mode = Mode::Command;
        let Some(txn) = self.txn.as_ref() else {
            return;
        };
        let total = if self.cfg.lmtp && at_end {
            txn.rcpts.len().max(1)
        } else {
            1
        };
        match problem {
            Some(reason) => {
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
                self.txn = None;
                self.events
                    .push_back(Event::MessageRefused { reason, reply });
            }
            None => {
                let event = Event::MessageEnd {
                    size: txn.octets,
                    recipients: txn.rcpts.clone(),
                };
                self.ask(event, Awaiting::MessageEnd { next: 0, total });
            }
        }
    }
}
