//! Client side: message bytes to DATA wire format.

use alloc::vec::Vec;
use core::fmt;
use memchr::memchr2;

/// What a [`DotStuffer`] does with a bare CR or bare LF in the message.
/// RFC 5321 §2.3.8 forbids sending them; the only choice is how to avoid it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BareLineEndingPolicy {
    /// Send each bare CR and each bare LF as CRLF (what smtplib does for
    /// bare LF).
    #[default]
    Normalize,
    /// Refuse the chunk with [`StuffError::BareLineEnding`].
    Refuse,
}

/// Why a [`DotStuffer`] refused a call. Neither is fatal: nothing was
/// written and the stuffer is as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StuffError {
    /// A bare CR or bare LF under [`BareLineEndingPolicy::Refuse`]
    /// (RFC 5321 §2.3.8).
    BareLineEnding {
        /// Where in the chunk; 0 may also mean the CR that ended the
        /// previous chunk.
        offset: usize,
    },
    /// [`DotStuffer::push`] or [`DotStuffer::finish`] after
    /// [`DotStuffer::finish`]: the message is complete.
    Finished,
}

impl fmt::Display for StuffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StuffError::BareLineEnding { offset } => {
                write!(f, "bare CR or LF at offset {offset} of the body chunk")
            }
            StuffError::Finished => f.write_str("the message was already finished"),
        }
    }
}

impl core::error::Error for StuffError {}

/// Turns message bytes, pushed in chunks of any size, into the DATA wire
/// format: CRLF line endings, a '.' doubled at the start of every line
/// (RFC 5321 §4.5.2), including the first, and the `CRLF . CRLF`
/// terminator (RFC 5321 §4.1.1.4).
///
/// A chunk ending in CR is held (one flag) until the next byte says
/// whether it starts a CRLF.
///
/// ```
/// use smtp_core::body::{BareLineEndingPolicy, DotStuffer};
///
/// let mut s = DotStuffer::new(BareLineEndingPolicy::Normalize);
/// let mut wire = Vec::new();
/// s.push(b".a\nb", &mut wire)?;
/// s.finish(&mut wire)?;
/// assert_eq!(wire, b"..a\r\nb\r\n.\r\n");
/// assert_eq!(s.message_octets(), 7); // RFC 1870 size of ".a\r\nb\r\n"
/// assert_eq!(s.wire_octets(), 11);
/// # Ok::<(), smtp_core::body::StuffError>(())
/// ```
#[derive(Clone, Debug)]
pub struct DotStuffer {
    policy: BareLineEndingPolicy,
    /// Nothing written yet, or the last thing written was CRLF.
    line_start: bool,
    /// The last chunk ended with a CR not yet written.
    pending_cr: bool,
    finished: bool,
    wire: u64,
    dots: u64,
}

/// Octets in `.\r\n`, the end of the terminator.
const TERMINATOR_TAIL: u64 = 3;

impl DotStuffer {
    /// A stuffer for one message.
    #[must_use]
    pub fn new(policy: BareLineEndingPolicy) -> Self {
        DotStuffer {
            policy,
            line_start: true,
            pending_cr: false,
            finished: false,
            wire: 0,
            dots: 0,
        }
    }

    /// Appends the wire form of `chunk` to `out`.
    ///
    /// Errors (not fatal; the stuffer and `out` are left as they were):
    /// [`StuffError::BareLineEnding`] under [`BareLineEndingPolicy::Refuse`],
    /// with the offset of the bare CR or LF in `chunk` (offset 0 may also
    /// mean the CR that ended the previous chunk); [`StuffError::Finished`]
    /// after [`DotStuffer::finish`].
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), StuffError> {
        if self.finished {
            return Err(StuffError::Finished);
        }
        // Validate while copying; on refusal roll back, so nothing is written.
        let saved = self.clone();
        let mark = out.len();
        match self.stuff(chunk, out) {
            Ok(()) => {
                self.wire += (out.len() - mark) as u64;
                Ok(())
            }
            Err(e) => {
                *self = saved;
                out.truncate(mark);
                Err(e)
            }
        }
    }

    /// Ends the message: a CRLF if it did not end with one, then `.\r\n`.
    /// Call once, after the last [`DotStuffer::push`].
    ///
    /// Errors (not fatal, nothing written): [`StuffError::BareLineEnding`]
    /// (offset 0) if the message ended with a bare CR under
    /// [`BareLineEndingPolicy::Refuse`]; [`StuffError::Finished`] if
    /// already finished.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<(), StuffError> {
        if self.finished {
            return Err(StuffError::Finished);
        }
        if self.pending_cr {
            self.check_bare(0)?;
        }
        let mark = out.len();
        if self.pending_cr || !self.line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.wire += (out.len() - mark) as u64;
        self.pending_cr = false;
        self.line_start = true;
        self.finished = true;
        Ok(())
    }

    /// Octets written so far, everything included.
    #[must_use]
    pub fn wire_octets(&self) -> u64 {
        self.wire
    }

    /// The message size as RFC 1870 §3 defines it for SIZE: octets written
    /// with CRLF pairs, without the doubled dots and without the terminating
    /// `.\r\n`.
    #[must_use]
    pub fn message_octets(&self) -> u64 {
        let tail = if self.finished { TERMINATOR_TAIL } else { 0 };
        self.wire.saturating_sub(self.dots).saturating_sub(tail)
    }

    /// True once [`DotStuffer::finish`] succeeded.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    fn check_bare(&self, offset: usize) -> Result<(), StuffError> {
        match self.policy {
            BareLineEndingPolicy::Refuse => Err(StuffError::BareLineEnding { offset }),
            BareLineEndingPolicy::Normalize => Ok(()),
        }
    }

    fn stuff(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<(), StuffError> {
        let mut rest = chunk;
        if self.pending_cr {
            let Some((&first, more)) = rest.split_first() else {
                return Ok(());
            };
            self.pending_cr = false;
            if first == b'\n' {
                rest = more;
            } else {
                self.check_bare(0)?;
            }
            out.extend_from_slice(b"\r\n");
            self.line_start = true;
        }
        loop {
            if self.line_start {
                match rest.first() {
                    None => return Ok(()),
                    // RFC 5321 §4.5.2: double a leading period.
                    Some(b'.') => {
                        out.push(b'.');
                        self.dots += 1;
                    }
                    Some(_) => {}
                }
                self.line_start = false;
            }
            let Some(pos) = memchr2(b'\r', b'\n', rest) else {
                out.extend_from_slice(rest);
                return Ok(());
            };
            let (run, tail) = rest.split_at(pos);
            out.extend_from_slice(run);
            let offset = chunk.len() - tail.len();
            rest = match tail {
                [b'\r', b'\n', more @ ..] => more,
                [b'\r'] => {
                    self.pending_cr = true;
                    return Ok(());
                }
                // A bare CR, or a bare LF.
                [_, more @ ..] => {
                    self.check_bare(offset)?;
                    more
                }
                [] => return Ok(()),
            };
            out.extend_from_slice(b"\r\n");
            self.line_start = true;
        }
    }
}

#[cfg(test)]
pub(super) mod tests;
