//! Message bodies: DATA through the [`DotUnstuffer`] (only `CR LF . CR LF`
//! ends it), BDAT chunks counted off by the [`BdatReader`]. Data streams to
//! the application as it arrives; nothing keeps the message.

use alloc::vec::Vec;

use crate::body::{BdatReader, DotUnstuffer, UnstufferConfig};

use super::config::{BareLineEndings, LongLines, ServerConfig};
use super::events::{Event, MessageProblem, Refusal};
use super::state::{Machine, Mode};

/// A DATA body in progress.
#[derive(Debug)]
pub(crate) struct DataState {
    unstuffer: DotUnstuffer,
    limit: Option<u64>,
    refuse_bare: bool,
    refuse_long: bool,
}

impl DataState {
    pub(super) fn new(cfg: &ServerConfig) -> Self {
        let config = UnstufferConfig {
            normalize_bare: cfg.bare_line_endings == BareLineEndings::Normalize,
            text_line_limit: cfg.max_text_line,
        };
        DataState {
            unstuffer: DotUnstuffer::with_config(config),
            limit: cfg.max_message_size,
            refuse_bare: cfg.bare_line_endings == BareLineEndings::Refuse,
            refuse_long: cfg.long_lines == LongLines::Refuse,
        }
    }

    /// Message octets decoded so far.
    pub(super) fn octets(&self) -> u64 {
        self.unstuffer.stats().octets
    }

    fn over_limit(&self) -> bool {
        self.limit.is_some_and(|l| self.octets() > l)
    }

    /// What is wrong with the finished message, worst first.
    fn problem(&self) -> Option<MessageProblem> {
        if let (true, Some(limit)) = (self.over_limit(), self.limit) {
            Some(MessageProblem::TooLarge { limit })
        } else if self.refuse_bare && self.unstuffer.saw_bare_line_ending() {
            Some(MessageProblem::BareLineEnding)
        } else if self.refuse_long && self.unstuffer.line_too_long() {
            Some(MessageProblem::LineTooLong)
        } else {
            None
        }
    }
}

/// Why a BDAT chunk is read only to be thrown away (RFC 3030 §2: the
/// data of a refused BDAT is still read off the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Drain {
    /// CHUNKING not offered: 502 after the data.
    NotImplemented,
    /// No transaction with a recipient (or it failed): 503 after the data.
    BadSequence,
}

/// A BDAT chunk in progress.
#[derive(Debug)]
pub(crate) struct ChunkState {
    reader: BdatReader,
    size: u64,
    last: bool,
    /// Set when the chunk is only drained, then refused.
    problem: Option<Drain>,
}

impl ChunkState {
    pub(super) fn new(size: u64, last: bool, problem: Option<Drain>) -> Self {
        ChunkState {
            reader: BdatReader::new(size),
            size,
            last,
            problem,
        }
    }

    /// Whether the chunk is read only to be thrown away.
    pub(super) fn is_drain(&self) -> bool {
        self.problem.is_some()
    }
}

impl Machine {
    /// Decodes DATA input. Returns whether input was used.
    pub(super) fn step_data(&mut self) -> bool {
        let Mode::Data(state) = &mut self.mode else {
            return false;
        };
        if self.input.is_empty() {
            return false;
        }
        let before = state.octets();
        let mut body = Vec::new();
        let decoded = state.unstuffer.decode(&self.input, &mut body);
        // RFC 1870 §6: past the limit, drain without keeping. What fits
        // under the limit is handed over whatever the read boundaries, so
        // the events do not depend on how the input was split.
        if let Some(limit) = state.limit {
            let room = usize::try_from(limit.saturating_sub(before)).unwrap_or(usize::MAX);
            body.truncate(room);
        }
        let problem = decoded.finished.then(|| state.problem());
        let octets = state.octets();
        self.drop_input(decoded.consumed);
        if !body.is_empty() {
            self.events.push_back(Event::MessageData(body));
        }
        if let Some(problem) = problem {
            if let Some(txn) = self.txn.as_mut() {
                txn.octets = octets;
            }
            self.finish_message(problem, true);
        }
        decoded.consumed > 0 || decoded.finished
    }

    /// Reads BDAT chunk input. Returns whether anything happened.
    pub(super) fn step_chunk(&mut self) -> bool {
        let Mode::Chunk(chunk) = &mut self.mode else {
            return false;
        };
        if !chunk.reader.is_done() {
            if self.input.is_empty() {
                return false;
            }
            let drain = chunk.problem.is_some() || self.txn.as_ref().is_none_or(|t| t.oversize);
            if drain {
                let (n, _) = chunk.reader.take(self.input.len());
                self.drop_input(n);
            } else {
                let mut data = Vec::new();
                let (n, _) = chunk.reader.read(&self.input, &mut data);
                self.drop_input(n);
                if let Some(txn) = self.txn.as_mut() {
                    txn.octets = txn.octets.saturating_add(data.len() as u64);
                    if self.cfg.max_message_size.is_some_and(|l| txn.octets > l) {
                        txn.oversize = true;
                    } else if !data.is_empty() {
                        self.events.push_back(Event::MessageData(data));
                    }
                }
            }
            if let Mode::Chunk(chunk) = &self.mode {
                if !chunk.reader.is_done() {
                    return true;
                }
            }
        }
        self.finish_chunk();
        true
    }

    fn finish_chunk(&mut self) {
        let Mode::Chunk(chunk) = &self.mode else {
            return;
        };
        let (size, last, problem) = (chunk.size, chunk.last, chunk.problem);
        self.mode = Mode::Command;
        match problem {
            Some(Drain::NotImplemented) => {
                let reply = self.defaults().not_implemented();
                self.refuse(Refusal::NotImplemented, reply, true);
            }
            Some(Drain::BadSequence) => {
                let reply = self.defaults().bad_sequence("Bad sequence of commands");
                self.refuse(Refusal::BadSequence, reply, true);
            }
            None => {
                let oversize = self.txn.as_ref().is_some_and(|t| t.oversize);
                if oversize {
                    let limit = self.cfg.max_message_size.unwrap_or_default();
                    self.finish_message(Some(MessageProblem::TooLarge { limit }), last);
                } else if last {
                    self.finish_message(None, true);
                } else {
                    self.ask(
                        Event::ChunkEnd { size },
                        super::state::Awaiting::Chunk { size },
                    );
                }
            }
        }
    }
}
