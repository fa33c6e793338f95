//! Bounded, CRLF-strict line framing: the one line framer of the crate.
//! The server reads command lines with it, and the client's
//! [`ReplyParser`](crate::reply::ReplyParser) reads reply lines with it.
//!
//! The framer owns no buffer and never looks behind the slice it is
//! given: the caller keeps its unconsumed input, asks
//! [`LineFramer::next_line`] what the front of it holds, and moves a cursor
//! past [`Frame::consumed`] bytes (no bytes need to move per line; compact
//! the buffer when convenient). The caller never needs to keep more than
//! [`LineFramer::limit`] octets of an unfinished line: past the limit the
//! framer tells it to drop them.
//!
//! Every LF ends one *unit*, and each unit is reported exactly once:
//!
//! | unit (ends at an LF)                          | strict                  | lenient               |
//! |-----------------------------------------------|-------------------------|-----------------------|
//! | `text CR LF`, no other CR, within the limit   | [`Frame::Line`]         | [`Frame::Line`]       |
//! | `text LF` (bare LF), within the limit         | [`Frame::BareLineEnding`] | [`Frame::Line`]     |
//! | `te CR xt CR LF` (bare CR), within the limit  | [`Frame::BareLineEnding`] | [`Frame::Line`] (CR kept) |
//! | longer than the limit, any ending             | [`Frame::TooLong`]      | [`Frame::TooLong`]    |
//!
//! In strict mode a bare LF therefore ends no line: nothing before it is
//! ever handed out as a command, it is reported at once (so a server can
//! answer, e.g. with 500 or Postfix's 521 `bare <LF> received`, and usually
//! close), and framing resumes after it.
//!
//! ```
//! use smtp_core::framing::{Frame, LineEndings, LineFramer, MAX_COMMAND_LINE};
//!
//! let mut framer = LineFramer::new(MAX_COMMAND_LINE, LineEndings::Strict);
//! let mut buf: Vec<u8> = b"NOOP\r\nQUIT\r\nRS".to_vec();
//! let mut pos = 0; // the cursor: bytes before it are done with
//! let mut lines = Vec::new();
//! loop {
//!     let rest = &buf[pos..];
//!     let frame = framer.next_line(rest);
//!     pos += frame.consumed();
//!     match frame {
//!         Frame::Line { .. } => lines.push(frame.line(rest).unwrap_or_default()),
//!         Frame::TooLong { .. } => { /* answer 500 5.5.6, line too long */ }
//!         Frame::BareLineEnding { .. } => { /* answer 500 5.5.2, bare CR or LF */ }
//!         Frame::Incomplete { .. } => break,
//!         _ => {}
//!     }
//! }
//! assert_eq!(lines, [b"NOOP", b"QUIT"]);
//! buf.drain(..pos); // compact once per read, not once per line
//! assert_eq!(buf, b"RS"); // kept for the next read
//! ```
//!
//! Over-long lines are never stored:
//!
//! ```
//! use smtp_core::framing::{Frame, LineEndings, LineFramer};
//!
//! let mut framer = LineFramer::new(8, LineEndings::Strict);
//! // 8 octets and still no LF: drop them, the framer now skips to the next LF.
//! assert_eq!(framer.next_line(b"ABCDEFGH"), Frame::Incomplete { consumed: 8 });
//! assert!(framer.is_skipping());
//! assert_eq!(framer.next_line(b"IJK"), Frame::Incomplete { consumed: 3 });
//! // The long line ends: reported once, then framing goes on normally.
//! assert_eq!(framer.next_line(b"L\r\nQUIT\r\n"), Frame::TooLong { consumed: 3 });
//! assert_eq!(framer.next_line(b"QUIT\r\n"), Frame::Line { len: 4, consumed: 6 });
//! ```

use memchr::{memchr, memchr2};

/// Command line, CRLF included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Reply line, CRLF included (RFC 5321 §4.5.3.1.5).
pub const MAX_REPLY_LINE: usize = 512;
/// Text line of message content, CRLF included (RFC 5321 §4.5.3.1.6).
pub const MAX_TEXT_LINE: usize = 1000;

/// How strictly line endings are read. RFC 5321 §2.3.8: lines end with
/// CRLF only, and a bare CR or LF must not be treated as one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LineEndings {
    /// Only CRLF ends a line; a unit with a bare CR or bare LF is reported
    /// as [`Frame::BareLineEnding`].
    #[default]
    Strict,
    /// A bare LF also ends a line (robustness for hand-typed sessions);
    /// a bare CR is kept as data.
    Lenient,
}

/// What the front of the caller's buffer holds. After each call, move
/// past [`Frame::consumed`] octets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Frame {
    /// A complete line: its text is `input[..len]` (line ending excluded).
    Line {
        /// Length of the text, without the CRLF (or bare LF when lenient).
        len: usize,
        /// Octets to drop, line ending included.
        consumed: usize,
    },
    /// No complete unit yet: read more and call again. `consumed` is 0
    /// unless the line is over the limit (or already being skipped), in
    /// which case it is what the caller must drop now.
    Incomplete {
        /// Octets to drop.
        consumed: usize,
    },
    /// The line that just ended (at an LF) was longer than the limit. Its
    /// start was already dropped; reported once, when it ends, so that the
    /// answer (500, RFC 5321 §4.5.3.1.10) comes in order.
    TooLong {
        /// Octets to drop, through the LF.
        consumed: usize,
    },
    /// Strict mode only: the unit ending at an LF held a bare CR, or the LF
    /// itself was bare (RFC 5321 §2.3.8). Nothing in it is a line.
    BareLineEnding {
        /// Offset in the input of the first offending CR or LF.
        offset: usize,
        /// Octets to drop, through the LF.
        consumed: usize,
    },
}

impl Frame {
    /// Octets the caller is done with: move its cursor past them.
    #[must_use]
    pub fn consumed(&self) -> usize {
        match *self {
            Frame::Line { consumed, .. }
            | Frame::Incomplete { consumed }
            | Frame::TooLong { consumed }
            | Frame::BareLineEnding { consumed, .. } => consumed,
        }
    }

    /// The line's text in `input` (the same buffer given to
    /// [`LineFramer::next_line`]); `None` unless this is a [`Frame::Line`].
    #[must_use]
    pub fn line<'a>(&self, input: &'a [u8]) -> Option<&'a [u8]> {
        match *self {
            Frame::Line { len, .. } => input.get(..len),
            _ => None,
        }
    }
}

/// Finds lines in the caller's buffer; remembers only whether it is
/// skipping an over-long line. Never allocates, never panics.
#[derive(Clone, Debug)]
pub struct LineFramer {
    limit: usize,
    endings: LineEndings,
    skipping: bool,
}

impl LineFramer {
    /// A framer for lines of at most `limit` octets, line ending included
    /// (e.g. [`MAX_COMMAND_LINE`]).
    #[must_use]
    pub fn new(limit: usize, endings: LineEndings) -> Self {
        LineFramer {
            limit,
            endings,
            skipping: false,
        }
    }

    /// The configured limit, line ending included.
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Changes the limit (e.g. a server raising it after BDAT or AUTH); takes
    /// effect from the next unit.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
    }

    /// The line-ending mode.
    #[must_use]
    pub fn endings(&self) -> LineEndings {
        self.endings
    }

    /// True while dropping the rest of an over-long line.
    #[must_use]
    pub fn is_skipping(&self) -> bool {
        self.skipping
    }

    /// Classifies the front of `input`, the caller's unconsumed bytes.
    /// Call again on what follows [`Frame::consumed`] octets until it
    /// returns [`Frame::Incomplete`]; then read more input.
    #[must_use]
    #[inline]
    pub fn next_line(&mut self, input: &[u8]) -> Frame {
        if self.skipping {
            return match memchr(b'\n', input) {
                Some(lf) => {
                    self.skipping = false;
                    Frame::TooLong { consumed: lf + 1 }
                }
                None => Frame::Incomplete {
                    consumed: input.len(),
                },
            };
        }
        // A unit fits iff its LF lies within the first `limit` octets.
        let window = input.get(..self.limit).unwrap_or(input);
        if self.endings == LineEndings::Lenient {
            // Reply lines are mostly short: see `scan`.
            return match crate::scan::find(b'\n', window) {
                Some(lf) => {
                    let unit = window.get(..lf).unwrap_or_default();
                    let text = unit.strip_suffix(b"\r").unwrap_or(unit);
                    Frame::Line {
                        len: text.len(),
                        consumed: lf + 1,
                    }
                }
                None => self.no_line_end(input),
            };
        }
        // Strict: the first CR or LF decides, in one scan. RFC 5321 §2.3.8:
        // a CR must be followed by LF, an LF preceded by CR.
        let Some(at) = memchr2(b'\r', b'\n', window) else {
            return self.no_line_end(input);
        };
        let tail = window.get(at..).unwrap_or_default();
        if tail.starts_with(b"\r\n") {
            return Frame::Line {
                len: at,
                consumed: at + 2,
            };
        }
        // A bare CR or LF at `at`: the unit still ends at the next LF.
        match memchr(b'\n', tail) {
            Some(lf) => Frame::BareLineEnding {
                offset: at,
                consumed: at + lf + 1,
            },
            None => self.no_line_end(input),
        }
    }

    /// No LF within the limit: wait for more, or the line is too long.
    fn no_line_end(&mut self, input: &[u8]) -> Frame {
        if input.len() < self.limit {
            return Frame::Incomplete { consumed: 0 };
        }
        // Over the limit. The rest of `input` may already end it.
        let rest = input.get(self.limit..).unwrap_or_default();
        match memchr(b'\n', rest) {
            Some(lf) => Frame::TooLong {
                consumed: self.limit + lf + 1,
            },
            None => {
                self.skipping = true;
                Frame::Incomplete {
                    consumed: input.len(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
