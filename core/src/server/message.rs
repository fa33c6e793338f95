//! The message phase: a DATA body through the [`DotUnstuffer`] (only
//! `CR LF . CR LF` ends it) or a BDAT chunk counted off by the
//! [`BdatReader`]. Data streams to the application as it arrives; nothing
//! keeps the message. These readers only decode: the machine reports.

use alloc::vec::Vec;

use crate::body::{BdatReader, DotUnstuffer, UnstufferConfig};

use super::config::{BareLineEndings, LongLines, ServerConfig};
use super::events::MessageProblem;

/// What one call to [`DataReader::read`] did.
pub(super) struct DataProgress {
    /// Input octets used.
    pub(super) consumed: usize,
    /// The body ended: what is wrong with it, if anything.
    pub(super) finished: Option<Option<MessageProblem>>,
}

/// A DATA body in progress (RFC 5321 §4.1.1.4).
#[derive(Debug)]
pub(super) struct DataReader {
    unstuffer: DotUnstuffer,
    limit: Option<u64>,
    refuse_bare: bool,
    refuse_long: bool,
}

impl DataReader {
    pub(super) fn new(cfg: &ServerConfig) -> Self {
        let config = UnstufferConfig {
            normalize_bare: cfg.bare_line_endings == BareLineEndings::Normalize,
            text_line_limit: cfg.max_text_line,
        };
        DataReader {
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

    /// Decodes `input` into `out`, appending only the octets under the
    /// SIZE limit: past it the body is drained without keeping
    /// (RFC 1870 §6). Where the limit falls does not depend on how the
    /// input was split into reads.
    pub(super) fn read(&mut self, input: &[u8], out: &mut Vec<u8>) -> DataProgress {
        let before = self.octets();
        let start = out.len();
        let decoded = self.unstuffer.decode(input, out);
        // RFC 1870 §6: past the limit, drain without keeping. What fits
        // under the limit is handed over whatever the read boundaries, so
        // the events do not depend on how the input was split.
        out.truncate(start.saturating_add(room(self.limit, before)));
        DataProgress {
            consumed: decoded.consumed,
            finished: decoded.finished.then(|| self.problem()),
        }
    }

    /// What is wrong with the finished message, worst first.
    fn problem(&self) -> Option<MessageProblem> {
        match self.limit {
            Some(limit) if self.over_limit() => Some(MessageProblem::TooLarge { limit }),
            _ if self.refuse_bare && self.unstuffer.saw_bare_line_ending() => {
                Some(MessageProblem::BareLineEnding)
            }
            _ if self.refuse_long && self.unstuffer.line_too_long() => {
                Some(MessageProblem::LineTooLong)
            }
            _ => None,
        }
    }
}

/// Octets that still fit under `limit` after `so_far`.
pub(super) fn room(limit: Option<u64>, so_far: u64) -> usize {
    match limit {
        Some(limit) => usize::try_from(limit.saturating_sub(so_far)).unwrap_or(usize::MAX),
        None => usize::MAX,
    }
}

/// Why a BDAT chunk is read only to be thrown away (RFC 3030 §2: the
/// data of a refused BDAT is still read off the wire).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Drain {
    /// CHUNKING not offered: 502 after the data.
    NotImplemented,
    /// No transaction with a recipient (or it failed): 503 after the data.
    BadSequence,
}

/// A BDAT chunk in progress (RFC 3030 §2).
#[derive(Debug)]
pub(super) struct ChunkReader {
    reader: BdatReader,
    size: u64,
    last: bool,
    /// Set when the chunk is only drained, then refused.
    drain: Option<Drain>,
}

impl ChunkReader {
    pub(super) fn new(size: u64, last: bool, drain: Option<Drain>) -> Self {
        ChunkReader {
            reader: BdatReader::new(size),
            size,
            last,
            drain,
        }
    }

    pub(super) fn size(&self) -> u64 {
        self.size
    }
    pub(super) fn is_last(&self) -> bool {
        self.last
    }
    /// Why the chunk is refused once read, if it is.
    pub(super) fn drain(&self) -> Option<Drain> {
        self.drain
    }
    pub(super) fn is_done(&self) -> bool {
        self.reader.is_done()
    }

    /// Copies the chunk's octets at the front of `input` to `out`, or
    /// skips them when `keep` is false. Returns the octets used.
    pub(super) fn read(&mut self, input: &[u8], out: &mut Vec<u8>, keep: bool) -> usize {
        if keep && self.drain.is_none() {
            self.reader.read(input, out).0
        } else {
            self.reader.take(input.len()).0
        }
    }
}
