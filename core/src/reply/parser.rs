//! Incremental reply parser (RFC 5321 §4.2).

use alloc::vec::Vec;
use core::fmt;

use super::{Reply, ReplyCode, MAX_REPLY_LINE};
use crate::framing::{Frame, LineEndings, LineFramer};

/// Default cap on the lines of one reply. RFC 5321 §4.2.1 sets no limit on
/// multi-line replies; real EHLO replies have about 10-30 lines and HELP a
/// few dozen, so 256 is generous while bounding memory against a peer that
/// never sends the last line.
pub const DEFAULT_MAX_REPLY_LINES: usize = 256;

/// Default cap on the octets of one reply, CRLFs included: 64 KiB, well
/// above 256 typical lines, and well below what would hurt. RFC 5321
/// §4.5.3.1 bounds only each line (§4.5.3.1.5), so the total is ours.
pub const DEFAULT_MAX_REPLY_OCTETS: usize = 64 * 1024;

/// Limits and leniency of a [`ReplyParser`].
///
/// Build it from [`Default`] and set fields:
/// `let mut c = ReplyParserConfig::default(); c.max_lines = 32;`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ReplyParserConfig {
    /// Longest reply line in octets, CRLF included. Default
    /// [`MAX_REPLY_LINE`] = 512 (RFC 5321 §4.5.3.1.5). Values below 5 are
    /// treated as 5 (the shortest line, `NNN\r\n`).
    pub max_line: usize,
    /// Most lines in one reply. Default [`DEFAULT_MAX_REPLY_LINES`].
    pub max_lines: usize,
    /// Most octets in one reply, line endings included. Default
    /// [`DEFAULT_MAX_REPLY_OCTETS`].
    pub max_octets: usize,
    /// Accept a bare LF as a line ending (default `true`). RFC 5321 §2.3.8
    /// requires CRLF, but servers that send bare LF exist and clients talk
    /// to them (Python's smtplib splits replies on LF): refusing them would
    /// fail where other clients work. A reply cannot
    /// smuggle anything through a bare LF (unlike a DATA terminator), so
    /// leniency costs nothing here (a bare CR inside a line is then kept as
    /// text). With `false`, a line holding a bare CR or LF is
    /// [`ReplyError::Malformed`].
    pub allow_bare_lf: bool,
}

impl Default for ReplyParserConfig {
    fn default() -> Self {
        ReplyParserConfig {
            max_line: MAX_REPLY_LINE,
            max_lines: DEFAULT_MAX_REPLY_LINES,
            max_octets: DEFAULT_MAX_REPLY_OCTETS,
            allow_bare_lf: true,
        }
    }
}

/// Why a reply stream broke RFC 5321 §4.2 or a limit of the
/// [`ReplyParserConfig`]. A client ends the session on any of them (see
/// [`RemoteError`](crate::RemoteError), which they convert into).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReplyError {
    /// A line longer than [`ReplyParserConfig::max_line`]
    /// (RFC 5321 §4.5.3.1.5).
    LineTooLong {
        /// The limit in octets, line ending included.
        limit: usize,
    },
    /// A reply with more lines than [`ReplyParserConfig::max_lines`].
    TooManyLines {
        /// The limit in lines.
        limit: usize,
    },
    /// A reply with more octets than [`ReplyParserConfig::max_octets`].
    TooManyOctets {
        /// The limit in octets, line endings included.
        limit: usize,
    },
    /// A line that is not `NNN`, `NNN-text` or `NNN text`, a multi-line
    /// reply whose lines disagree on the code (RFC 5321 §4.2.1), or a bare
    /// LF when the config refuses it.
    Malformed {
        /// What was wrong.
        reason: &'static str,
    },
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::LineTooLong { limit } => {
                write!(f, "reply line longer than {limit} octets")
            }
            ReplyError::TooManyLines { limit } => write!(f, "reply longer than {limit} lines"),
            ReplyError::TooManyOctets { limit } => {
                write!(f, "reply longer than {limit} octets")
            }
            ReplyError::Malformed { reason } => write!(f, "malformed reply: {reason}"),
        }
    }
}

impl core::error::Error for ReplyError {}

/// Octets reserved for a multi-line reply before the buffer regrows.
const INITIAL_MULTILINE_CAPACITY: usize = 512;

/// Shortest possible reply line, `NNN\r\n` (`NNN\n` when lenient).
const MIN_LINE_LIMIT: usize = 5;

/// Reads replies from a byte stream, one complete line at a time. Lines are
/// found by [`LineFramer`], the framer the server reads commands with
/// (lenient or strict as [`ReplyParserConfig::allow_bare_lf`] says).
///
/// Contract (what the client machine relies on):
///
/// * Call [`parse`](Self::parse) with all unprocessed bytes the caller
///   holds. It returns how many bytes it consumed, which are always whole
///   lines, and stops right after the last line of a reply, so bytes of
///   the next reply (pipelining) are left to the caller. The caller moves
///   its cursor past the consumed bytes (nothing needs to be moved: the
///   parser never looks back) and calls again with the rest.
/// * The parser keeps the lines of a partial multi-line reply between
///   calls, never a partial line: it holds at most one reply, bounded by
///   the config, and the caller holds at most one partial line
///   ([`ReplyParserConfig::max_line`] octets: beyond that, `parse` reports
///   [`ReplyError::LineTooLong`] without waiting for the LF).
/// * `(n, None)`: need more input (`n` may be non-zero: lines of a
///   multi-line reply were consumed). `(n, Some(Ok(reply)))`: a reply
///   ended at `n`; call again with the rest to read the next one.
///   `(n, Some(Err(e)))`: the peer broke RFC 5321 §4.2; the partial reply
///   is discarded and the parser is reset. Errors are fatal for the
///   session: the machine makes them sticky.
#[derive(Clone, Debug)]
pub struct ReplyParser {
    config: ReplyParserConfig,
    /// Finds the lines: the same framer the server reads commands with.
    framer: LineFramer,
    code: Option<ReplyCode>,
    /// Lines of the reply so far, joined by `\n` (see [`Reply`]).
    joined: Vec<u8>,
    line_count: usize,
    octets: usize,
}

/// What a line's separator says (RFC 5321 §4.2.1).
enum Sep {
    More,
    Last,
}

impl Default for ReplyParser {
    fn default() -> Self {
        ReplyParser::with_config(ReplyParserConfig::default())
    }
}

impl ReplyParser {
    /// A parser with the default config.
    pub fn new() -> ReplyParser {
        ReplyParser::default()
    }

    /// A parser with `config`.
    pub fn with_config(config: ReplyParserConfig) -> ReplyParser {
        let endings = if config.allow_bare_lf {
            LineEndings::Lenient
        } else {
            LineEndings::Strict
        };
        ReplyParser {
            config,
            framer: LineFramer::new(config.max_line.max(MIN_LINE_LIMIT), endings),
            code: None,
            joined: Vec::new(),
            line_count: 0,
            octets: 0,
        }
    }

    /// The config in force.
    pub fn config(&self) -> &ReplyParserConfig {
        &self.config
    }

    /// Whether lines of an unfinished multi-line reply are held.
    pub fn in_progress(&self) -> bool {
        self.line_count > 0
    }

    /// Forgets any partial reply (e.g. after STARTTLS, RFC 3207 §4.2).
    pub fn reset(&mut self) {
        self.framer = LineFramer::new(self.framer.limit(), self.framer.endings());
        self.code = None;
        self.joined.clear();
        self.line_count = 0;
        self.octets = 0;
    }

    fn fail(
        &mut self,
        consumed: usize,
        e: ReplyError,
    ) -> (usize, Option<Result<Reply, ReplyError>>) {
        self.reset();
        (consumed, Some(Err(e)))
    }

    /// Consumes complete lines of `input` until one reply ends or input
    /// runs out. See the type's docs for the contract.
    #[must_use]
    pub fn parse(&mut self, input: &[u8]) -> (usize, Option<Result<Reply, ReplyError>>) {
        let mut pos = 0;
        loop {
            let rest = input.get(pos..).unwrap_or_default();
            let frame = self.framer.next_line(rest);
            let consumed = frame.consumed();
            let line = match frame {
                Frame::Line { .. } => frame.line(rest).unwrap_or_default(),
                Frame::Incomplete { consumed: 0 } => return (pos, None),
                // RFC 5321 §4.5.3.1.5: the line is over the limit wherever
                // its LF is. Fatal, so there is no need to skip to the LF.
                Frame::Incomplete { .. } | Frame::TooLong { .. } => {
                    let limit = self.framer.limit();
                    return self.fail(pos, ReplyError::LineTooLong { limit });
                }
                Frame::BareLineEnding { .. } => {
                    let reason = "bare CR or LF in a line";
                    return self.fail(pos + consumed, ReplyError::Malformed { reason });
                }
            };
            pos += consumed;
            self.octets += consumed;
            if self.octets > self.config.max_octets {
                let limit = self.config.max_octets;
                return self.fail(pos, ReplyError::TooManyOctets { limit });
            }
            let (code, sep, text) = match split_line(line) {
                Ok(parts) => parts,
                Err(reason) => return self.fail(pos, ReplyError::Malformed { reason }),
            };
            if self.code.is_some_and(|c| c != code) {
                // RFC 5321 §4.2.1: every line of a reply has the same code.
                return self.fail(
                    pos,
                    ReplyError::Malformed {
                        reason: "lines of a multi-line reply have different codes",
                    },
                );
            }
            if self.line_count >= self.config.max_lines {
                let limit = self.config.max_lines;
                return self.fail(pos, ReplyError::TooManyLines { limit });
            }
            if self.line_count > 0 {
                self.joined.push(b'\n');
            }
            if let Sep::Last = sep {
                let joined = if self.line_count == 0 {
                    // Most replies are one line: one exact-size allocation.
                    text.to_vec()
                } else {
                    self.joined.extend_from_slice(text);
                    core::mem::take(&mut self.joined)
                };
                self.reset();
                return (pos, Some(Ok(Reply::from_joined(code, joined))));
            }
            self.code = Some(code);
            if self.line_count == 0 {
                // EHLO replies run to 10-30 lines of ~20 octets; skip the
                // first regrowths.
                self.joined.reserve(INITIAL_MULTILINE_CAPACITY);
            }
            self.joined.extend_from_slice(text);
            self.line_count += 1;
        }
    }
}

/// Splits `NNN[SP text]`, `NNN-text` or `NNN` (RFC 5321 §4.2: the code is
/// `%x32-35 %x30-35 %x30-39`).
#[inline]
fn split_line(line: &[u8]) -> Result<(ReplyCode, Sep, &[u8]), &'static str> {
    let [d0, d1, d2, rest @ ..] = line else {
        return Err("line shorter than a reply code");
    };
    if !(b'2'..=b'5').contains(d0) || !(b'0'..=b'5').contains(d1) || !d2.is_ascii_digit() {
        return Err("invalid reply code");
    }
    let n = u16::from(d0 - b'0') * 100 + u16::from(d1 - b'0') * 10 + u16::from(d2 - b'0');
    // The digits were checked against the same rule `ReplyCode::new`
    // checks with divisions, which showed in profiles of EHLO replies.
    let code = ReplyCode(n);
    match rest.split_first() {
        None => Ok((code, Sep::Last, rest)),
        Some((b' ', text)) => Ok((code, Sep::Last, text)),
        Some((b'-', text)) => Ok((code, Sep::More, text)),
        Some(_) => Err("reply code not followed by space, hyphen or end of line"),
    }
}
