//! The client's contact points with the codecs that need glue: reading
//! replies out of a byte stream and encoding commands.

use alloc::vec::Vec;

use crate::body::BareLineEndingPolicy;
use crate::command::{Command, CommandSpelling};
use crate::error::{LocalError, RemoteError};
use crate::reply::{Reply, ReplyParser, ReplyParserConfig};

/// Incremental, bounded reply reader over [`ReplyParser`], which consumes
/// whole lines only: the partial last line is held here, and it is never
/// longer than the parser's line limit (the parser fails first).
pub(crate) struct ReplyReader {
    parser: ReplyParser,
    partial: Vec<u8>,
}

impl ReplyReader {
    pub(crate) fn new(cfg: ReplyParserConfig) -> Self {
        ReplyReader {
            parser: ReplyParser::with_config(cfg),
            partial: Vec::new(),
        }
    }

    /// Consumes from `input` up to the end of the next complete reply.
    /// `None` when `input` is exhausted without completing one.
    pub(crate) fn next(&mut self, input: &mut &[u8]) -> Option<Result<Reply, RemoteError>> {
        if !self.partial.is_empty() {
            // Complete the held line first, so the parser sees whole lines.
            let take = memchr::memchr(b'\n', input).map_or(input.len(), |i| i + 1);
            let (head, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
            self.partial.extend_from_slice(head);
            *input = rest;
            let (used, out) = self.parser.parse(&self.partial);
            if let Some(out) = out {
                self.partial.clear();
                return Some(out.map_err(RemoteError::from));
            }
            self.partial.drain(..used.min(self.partial.len()));
            if !self.partial.is_empty() {
                return None;
            }
        }
        if input.is_empty() {
            return None;
        }
        let (used, out) = self.parser.parse(input);
        *input = input.get(used..).unwrap_or(&[]);
        if out.is_none() {
            self.partial.extend_from_slice(input);
            *input = &[];
        }
        out.map(|r| r.map_err(RemoteError::from))
    }

    /// Whether part of a reply is held.
    pub(crate) fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.parser.in_progress()
    }
}

/// The command and its CRLF, in `spelling`.
pub(crate) fn encode(cmd: &Command, spelling: CommandSpelling) -> Vec<u8> {
    let mut out = Vec::new();
    cmd.encode_spelled(spelling, &mut out);
    out
}

/// Refuses CR, LF and NUL in a caller-supplied line (command injection).
pub(crate) fn check_line(field: &'static str, line: &[u8]) -> Result<(), LocalError> {
    if line.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
        Err(LocalError::CommandInjection { field })
    } else {
        Ok(())
    }
}

/// A line of base64 (or `*`) and its CRLF.
pub(crate) fn line(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(b"\r\n");
    out
}

/// Line endings of a BDAT body that is not BINARYMIME: the same rule as
/// the dot-stuffer's without the dots (RFC 5321 §2.3.8: no bare CR or LF
/// on the wire). A CR ending a chunk waits for the next byte.
#[derive(Clone, Debug)]
pub(crate) struct LineFixer {
    policy: BareLineEndingPolicy,
    pending_cr: bool,
}

impl LineFixer {
    pub(crate) fn new(policy: BareLineEndingPolicy) -> Self {
        LineFixer {
            policy,
            pending_cr: false,
        }
    }

    fn bare(&self, offset: usize, out: &mut Vec<u8>) -> Result<(), LocalError> {
        match self.policy {
            BareLineEndingPolicy::Refuse => Err(LocalError::BareLineEnding { offset }),
            _ => {
                out.extend_from_slice(b"\r\n");
                Ok(())
            }
        }
    }

    /// Appends `chunk` with fixed line endings; on error `out` and `self`
    /// are left as they were.
    pub(crate) fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), LocalError> {
        let (saved, mark) = (self.pending_cr, out.len());
        let res = self.fix(chunk, out);
        if res.is_err() {
            self.pending_cr = saved;
            out.truncate(mark);
        }
        res
    }

    /// Copies runs between line endings whole (memchr), as the dot-stuffer
    /// does: a body is mostly text between CRLFs.
    fn fix(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), LocalError> {
        let mut rest = chunk;
        if core::mem::take(&mut self.pending_cr) {
            match rest.split_first() {
                None => {
                    self.pending_cr = true;
                    return Ok(());
                }
                Some((b'\n', more)) => {
                    out.extend_from_slice(b"\r\n");
                    rest = more;
                }
                // The CR that ended the last piece is bare.
                Some(_) => self.bare(0, out)?,
            }
        }
        while let Some(pos) = memchr::memchr2(b'\r', b'\n', rest) {
            let (run, tail) = rest.split_at(pos);
            out.extend_from_slice(run);
            let offset = chunk.len() - tail.len();
            rest = match tail {
                [b'\r', b'\n', more @ ..] => {
                    out.extend_from_slice(b"\r\n");
                    more
                }
                [b'\r'] => {
                    self.pending_cr = true;
                    return Ok(());
                }
                // A bare CR, or a bare LF.
                [_, more @ ..] => {
                    self.bare(offset, out)?;
                    more
                }
                [] => return Ok(()),
            };
        }
        out.extend_from_slice(rest);
        Ok(())
    }

    /// Ends the body: a CR still held is bare.
    pub(crate) fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), LocalError> {
        if self.pending_cr {
            self.bare(0, out)?;
            self.pending_cr = false;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
