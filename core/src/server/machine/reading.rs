//! Reading the client's input: one step per phase (a command line, a SASL
//! line, DATA, a BDAT chunk), each over the caller's slice or the buffer,
//! returning how many octets it used.

use crate::auth::{encode_challenge, AuthFailure};
use crate::command::CommandError;
use crate::error::RemoteError;
use crate::framing::Frame;
use crate::reply::Reply;

use super::super::answers::Awaiting;
use super::super::auth::{AuthExchange, AuthStep, AUTH_LINE_LIMIT};
use super::super::commands::{self, Decision};
use super::super::events::{Event, MessageProblem, Refusal};
use super::super::limits::{self, Verdict};
use super::super::message::{ChunkReader, Drain};
use super::super::replies::Canned;
use super::{Kept, Machine, Mode};

impl Machine {
    /// Reads `input` until something needs the application, the session
    /// ends, or input runs out. Returns the octets used; the line of a
    /// command awaiting its answer is not among them (it is kept).
    pub(super) fn run(&mut self, input: &[u8]) -> usize {
        let mut used = 0;
        while !self.is_closed() && self.awaiting.is_none() {
            let rest = input.get(used..).unwrap_or_default();
            let step = match self.mode {
                Mode::Command => self.step_command(rest),
                Mode::Sasl(_) => self.step_sasl(rest),
                Mode::Data(_) => self.step_data(rest),
                Mode::Chunk(_) => self.step_chunk(rest),
                Mode::TlsPending | Mode::Closed => None,
            };
            match step {
                Some(n) => used += n,
                None => break,
            }
        }
        used
    }

    /// One command line, if complete: `None` when nothing happened.
    fn step_command(&mut self, input: &[u8]) -> Option<usize> {
        if !self.framer.is_skipping() {
            self.framer
                .set_limit(commands::line_limit(input, &self.session, &self.cfg));
        }
        let frame = self.framer.next_line(input);
        let (reason, reply) = match frame {
            Frame::Line { len, consumed } => {
                let line = input.get(..len).unwrap_or_default();
                let kept = Kept { len, consumed };
                if let Verdict::TooManyCalls = self.counts.call(line, &self.cfg) {
                    let verb = core::str::from_utf8(limits::verb(line)).unwrap_or_default();
                    let (reason, reply) = (Refusal::TooManyCalls, Canned::TooManyCalls(verb));
                    let error = RemoteError::TooManyCommands;
                    return Some(self.refuse_and_end(reason, &reply, error, kept));
                }
                let decision = match commands::application_verb(line, &self.session, &self.cfg) {
                    Some(decision) => decision,
                    None => {
                        let parsed = self.parse(line);
                        let unknown = matches!(parsed, Err(CommandError::UnknownCommand));
                        if unknown {
                            if let Verdict::TooManyUnknown = self.counts.unknown(&self.cfg) {
                                let reason = Refusal::TooManyUnknownCommands;
                                let error = RemoteError::TooManyErrors;
                                let reply = Canned::TooManyUnknown;
                                return Some(self.refuse_and_end(reason, &reply, error, kept));
                            }
                        }
                        commands::decide(parsed, &self.session, &self.cfg)
                    }
                };
                return Some(self.carry_out(decision, kept));
            }
            Frame::TooLong { .. } => (Refusal::LineTooLong, Canned::LineTooLong),
            Frame::BareLineEnding { .. } => (Refusal::BareLineEnding, Canned::BareLineEnding),
            _ => {
                let consumed = frame.consumed();
                return (consumed > 0).then_some(consumed);
            }
        };
        self.refuse(reason, reply, true);
        Some(frame.consumed())
    }

    /// Carries out a command's decision; returns the octets of its line to
    /// drop now (none when the line is kept for the answer).
    fn carry_out(&mut self, decision: Decision<'_>, line: Kept) -> usize {
        match decision {
            Decision::Ask(event, awaiting) => {
                self.ask(event, awaiting);
                self.kept = Some(line);
                return 0;
            }
            Decision::Rcpt(to) => {
                self.session.propose_recipient(&to);
                self.ask(Event::RcptTo, Awaiting::Rcpt);
                self.kept = Some(line);
                return 0;
            }
            Decision::Refuse { reason, reply, bad } => {
                self.refuse(reason, reply, bad);
                if self.awaiting.is_some() {
                    // Worded refusal: the line stays for `command_line()`.
                    self.kept = Some(line);
                    return 0;
                }
            }
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
                by_application: true,
            } => {
                let (exchange, step) = AuthExchange::start_application(mechanism, initial_response);
                self.auth_step(exchange, step);
            }
            Decision::Auth {
                mechanism,
                initial_response,
                by_application: false,
            } => {
                let started =
                    AuthExchange::start(mechanism, &mut self.nonces, &self.cfg, initial_response);
                match started {
                    Some((exchange, step)) => self.auth_step(exchange, step),
                    // No nonce was provided: a temporary server-side problem.
                    None => self.refuse(Refusal::AuthFailed, Canned::AuthUnavailable, false),
                }
            }
        }
        line.consumed
    }

    /// One SASL response line: `None` when nothing happened.
    fn step_sasl(&mut self, input: &[u8]) -> Option<usize> {
        if !self.framer.is_skipping() {
            self.framer.set_limit(AUTH_LINE_LIMIT);
        }
        let frame = self.framer.next_line(input);
        let Mode::Sasl(exchange) = &mut self.mode else {
            return None;
        };
        let step = match frame {
            Frame::Line { .. } => exchange.respond(frame.line(input).unwrap_or_default()),
            Frame::TooLong { .. } => exchange.unreadable(AuthFailure::TooLong),
            Frame::BareLineEnding { .. } => exchange.unreadable(AuthFailure::Malformed {
                reason: "line must end with CRLF",
            }),
            _ => {
                let consumed = frame.consumed();
                return (consumed > 0).then_some(consumed);
            }
        };
        if let Mode::Sasl(exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
            self.auth_step(exchange, step);
        }
        Some(frame.consumed())
    }

    /// Carries out what the SASL exchange wants next.
    pub(super) fn auth_step(&mut self, exchange: AuthExchange, step: AuthStep) {
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
            AuthStep::Relay { first } => {
                let mechanism = exchange.application_mechanism().cloned();
                self.mode = Mode::Sasl(exchange);
                if let Some(mechanism) = mechanism {
                    self.ask(Event::SaslStep { mechanism, first }, Awaiting::SaslStep);
                }
            }
            AuthStep::Prompt(reply) => {
                // The application's 334, as it gave it; the client's line
                // comes back as the next step.
                self.send(&reply);
                self.mode = Mode::Sasl(exchange);
            }
            AuthStep::Success(reply) => {
                match reply {
                    Some(reply) => self.send(&reply),
                    None => self.say(Canned::AuthOk),
                }
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
        // Protocol breakage counts as a bad command; a wrong password or a
        // cancel does not.
        let bad = !matches!(
            failure,
            AuthFailure::Rejected | AuthFailure::BadProof | AuthFailure::Cancelled
        );
        self.refuse(
            Refusal::SaslFailed(failure.clone()),
            Canned::AuthFailed(failure),
            bad,
        );
    }

    /// DATA input: `None` when nothing happened.
    fn step_data(&mut self, input: &[u8]) -> Option<usize> {
        let Mode::Data(reader) = &mut self.mode else {
            return None;
        };
        if input.is_empty() {
            return None;
        }
        let before = self.data.back().len();
        let progress = reader.read(input, self.data.back());
        let octets = reader.octets();
        let len = self.data.back().len() - before;
        if len > 0 {
            self.events.push_back(Event::MessageData { len });
        }
        if let Some(problem) = progress.finished {
            if let Some(t) = self.session.transaction_mut() {
                t.set_octets(octets);
            }
            self.finish_message(problem, true);
            return Some(progress.consumed);
        }
        (progress.consumed > 0).then_some(progress.consumed)
    }

    /// BDAT chunk input: `None` when nothing happened.
    fn step_chunk(&mut self, input: &[u8]) -> Option<usize> {
        let Mode::Chunk(chunk) = &mut self.mode else {
            return None;
        };
        let mut used = 0;
        if !chunk.is_done() {
            if input.is_empty() {
                return None;
            }
            // RFC 1870 §6: past the limit the rest is drained, not kept.
            let keep = self.session.transaction().is_some_and(|t| !t.is_oversize());
            let before = self.data.back().len();
            used = chunk.read(input, self.data.back(), keep);
            let len = self.data.back().len() - before;
            let done = chunk.is_done();
            let limit = self.cfg.max_message_size;
            if let (true, Some(t)) = (
                keep && chunk.drain().is_none(),
                self.session.transaction_mut(),
            ) {
                // RFC 1870 §6: only the octets under the limit are handed
                // over, whatever the read boundaries.
                let len = t.add_octets(len, limit);
                self.data.back().truncate(before + len);
                if len > 0 {
                    self.events.push_back(Event::MessageData { len });
                }
            }
            if !done {
                return Some(used);
            }
        }
        self.finish_chunk();
        Some(used)
    }

    fn finish_chunk(&mut self) {
        let Mode::Chunk(chunk) = core::mem::replace(&mut self.mode, Mode::Command) else {
            return;
        };
        match chunk.drain() {
            Some(Drain::NotImplemented) => {
                self.refuse(Refusal::NotImplemented, Canned::NotImplemented, true);
            }
            Some(Drain::BadSequence) => {
                // RFC 3030 §2: a pipelining client's chunks that follow a
                // failed one are to be accepted and discarded, so they do
                // not count as bad commands (their data is drained either
                // way; nothing is kept).
                let reply = Canned::BadSequence("Bad sequence of commands");
                self.refuse(Refusal::BadSequence, reply, false);
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
            self.session.recipients().len().max(1)
        } else {
            1
        };
        let Some(reason) = problem else {
            let size = txn.octets();
            return self.ask(
                Event::MessageEnd { size },
                Awaiting::MessageEnd { next: 0, total },
            );
        };
        let canned = match reason {
            MessageProblem::TooLarge { .. } => Canned::SizeExceeded,
            MessageProblem::BareLineEnding => Canned::BareLineInMessage,
            MessageProblem::LineTooLong => Canned::LongLineInMessage,
        };
        let reply = self.replies.reply(&canned, &self.cfg);
        self.session.end_transaction();
        if self.cfg.worded_refusals {
            let awaiting = Awaiting::Refused {
                proposed: reply.clone(),
                times: total,
                then_fail: None,
            };
            return self.ask(Event::MessageRefused { reason, reply }, awaiting);
        }
        for _ in 0..total {
            self.send(&reply);
        }
        self.events
            .push_back(Event::MessageRefused { reason, reply });
    }

    // ---- reporting ----

    /// Emits an event and waits for the application.
    pub(super) fn ask(&mut self, event: Event, awaiting: Awaiting) {
        self.events.push_back(event);
        self.awaiting = Some(awaiting);
    }

    /// Refuses a command, then ends the session with `error` (a limit was
    /// passed); under worded refusals the application words it first, and
    /// the line stays for `command_line()`. Returns the octets to drop.
    fn refuse_and_end(
        &mut self,
        reason: Refusal,
        canned: &Canned<'_>,
        error: RemoteError,
        line: Kept,
    ) -> usize {
        let reply = self.replies.reply(canned, &self.cfg);
        if self.cfg.worded_refusals {
            let awaiting = Awaiting::Refused {
                proposed: reply.clone(),
                times: 1,
                then_fail: Some(error),
            };
            self.ask(Event::CommandRefused { reason, reply }, awaiting);
            self.kept = Some(line);
            return 0;
        }
        self.send(&reply);
        self.events
            .push_back(Event::CommandRefused { reason, reply });
        self.finish(Event::Failed(error));
        line.consumed
    }

    /// Answers a command by itself. Bad commands count toward the limit;
    /// past it the session ends with 421 instead (RFC 5321 §4.3.2 leaves
    /// the number to the server).
    fn refuse(&mut self, reason: Refusal, canned: Canned<'static>, bad: bool) {
        if bad {
            self.bad_commands = self.bad_commands.saturating_add(1);
            if self.bad_commands > self.cfg.max_bad_commands {
                return self.fail(
                    crate::error::RemoteError::TooManyErrors,
                    Canned::TooManyErrors,
                );
            }
        }
        let reply = self.replies.reply(&canned, &self.cfg);
        if self.cfg.worded_refusals {
            let awaiting = Awaiting::Refused {
                proposed: reply.clone(),
                times: 1,
                then_fail: None,
            };
            return self.ask(Event::CommandRefused { reason, reply }, awaiting);
        }
        self.send(&reply);
        self.events
            .push_back(Event::CommandRefused { reason, reply });
    }
}
