//! The client's contact points with the codecs that need glue: reading
//! replies out of a byte stream and encoding commands.

use alloc::vec::Vec;

use crate::command::Command;
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
            if out.is_some() {
                self.partial.clear();
                return out;
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
        out
    }

    /// Whether part of a reply is held.
    pub(crate) fn has_partial(&self) -> bool {
        !self.partial.is_empty() || self.parser.in_progress()
    }
}

/// The command and its CRLF.
pub(crate) fn encode(cmd: &Command) -> Vec<u8> {
    let mut out = Vec::new();
    cmd.encode(&mut out);
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
