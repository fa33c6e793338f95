//! Server side: DATA wire format to message bytes.
//!
//! Unlike smtp-proto's `DataReceiver` (STYLE.md), this starts in the
//! "just saw CRLF" state, so a '.' on the very first line is unstuffed and
//! `.\r\n` right after the 354 is an empty message; it keeps only a state
//! (at most the 4 octets `CR LF . CR` seen), never the message; and only
//! `CR LF . CR LF` ends the data: `CR LF . CR CR LF`, bare LFs and bare CRs
//! are message text, which closes the SMTP smuggling hole.

use alloc::vec::Vec;
use memchr::memchr2;

use crate::framing::MAX_TEXT_LINE;

/// Octets [`DotUnstuffer`] scans before it counts their CRs: small enough
/// to still be in the cache for the count, large enough that the count's
/// set-up is paid rarely.
const SCAN_BLOCK: usize = 16 * 1024;

/// How a [`DotUnstuffer`] treats what RFC 5321 forbids but cannot stop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnstufferConfig {
    /// Write each bare CR and bare LF as CRLF instead of as is. Either way
    /// it is reported in [`BodyStats`] and never ends the data.
    pub normalize_bare: bool,
    /// Longest text line, CRLF included, before
    /// [`DotUnstuffer::line_too_long`] says so (RFC 5321 §4.5.3.1.6).
    pub text_line_limit: usize,
}

impl Default for UnstufferConfig {
    fn default() -> Self {
        UnstufferConfig {
            normalize_bare: false,
            text_line_limit: MAX_TEXT_LINE,
        }
    }
}

/// What the server needs to judge the message (RFC 5321 §2.3.8, §4.5.3.1.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct BodyStats {
    /// Message octets written to the output.
    pub octets: u64,
    /// Wire octets consumed, terminator included.
    pub wire_octets: u64,
    /// Longest line so far in wire octets, CRLF included, the stuffing dot
    /// not counted (RFC 5321 §4.5.3.1.6). Lines are delimited by CRLF only;
    /// a line still in progress counts with what has arrived.
    pub longest_line: usize,
    /// A CR not followed by LF was seen.
    pub bare_cr: bool,
    /// An LF not preceded by CR was seen.
    pub bare_lf: bool,
}

/// The result of one [`DotUnstuffer::decode`] call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Input octets used. Equal to the input length unless `finished`; then
    /// just past the terminator: the rest belongs to the next command.
    pub consumed: usize,
    /// The `CR LF . CR LF` terminator was reached.
    pub finished: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Inside a line.
    Text,
    /// Inside a line, after a CR that ended the last input.
    Cr,
    /// After CRLF, or at the very start (RFC 5321 §4.1.1.4: the 354 reply
    /// ends a line, so the data starts at a line start).
    LineStart,
    /// After CRLF '.'.
    Dot,
    /// After CRLF '.' CR.
    DotCr,
    /// After CRLF '.' CRLF.
    Done,
}

/// Streams DATA wire bytes to message bytes: removes the transparency dot
/// (RFC 5321 §4.5.2) and stops after `CR LF . CR LF`. Input may be split
/// anywhere; memory is a few flags whatever the message size.
///
/// ```
/// use smtp_core::body::DotUnstuffer;
///
/// let mut u = DotUnstuffer::new();
/// let mut body = Vec::new();
/// let d = u.decode(b"..first\r\nbare\nLF\r\n.", &mut body);
/// assert_eq!((d.consumed, d.finished), (19, false));
/// let d = u.decode(b"\r\nQUIT\r\n", &mut body);
/// assert_eq!((d.consumed, d.finished), (2, true));
/// assert_eq!(body, b".first\r\nbare\nLF\r\n");
/// assert!(u.stats().bare_lf); // the server refuses with 550 by default
/// ```
#[derive(Clone, Debug)]
pub struct DotUnstuffer {
    config: UnstufferConfig,
    state: State,
    /// Octets of the current line so far (wire, dot not counted).
    line_len: usize,
    stats: BodyStats,
}

impl Default for DotUnstuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotUnstuffer {
    /// An unstuffer with the default configuration, at the start of the data
    /// (call it once the 354 reply is sent).
    #[must_use]
    pub fn new() -> Self {
        Self::with_config(UnstufferConfig::default())
    }

    /// An unstuffer with `config`.
    #[must_use]
    pub fn with_config(config: UnstufferConfig) -> Self {
        DotUnstuffer {
            config,
            state: State::LineStart,
            line_len: 0,
            stats: BodyStats::default(),
        }
    }

    /// Appends the message bytes in `input` to `out`. Call with each read
    /// after the 354 reply; until `finished`, all input is consumed (a
    /// trailing `CR`, `CRLF .` or `CRLF . CR` is kept as state, not
    /// output). Once finished, `input[consumed..]` is the next command's and
    /// later calls consume nothing. Never fails: what RFC 5321 forbids but a
    /// server must decide about (bare CR/LF, long lines) is in
    /// [`DotUnstuffer::stats`].
    #[must_use]
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Decoded {
        let before = out.len();
        let mut rest = input;
        while let Some((&byte, after)) = rest.split_first() {
            match self.state {
                State::Done => break,
                State::Text => rest = self.scan_text(rest, out),
                _ => {
                    if self.step(byte, out) {
                        rest = after;
                    }
                }
            }
        }
        self.stats.longest_line = self.stats.longest_line.max(self.line_len);
        let consumed = input.len() - rest.len();
        self.stats.octets += (out.len() - before) as u64;
        self.stats.wire_octets += consumed as u64;
        Decoded {
            consumed,
            finished: self.state == State::Done,
        }
    }

    /// True once the terminator was consumed.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// What was seen so far.
    #[must_use]
    pub fn stats(&self) -> BodyStats {
        self.stats
    }

    /// True if a bare CR or bare LF was seen (RFC 5321 §2.3.8).
    #[must_use]
    pub fn saw_bare_line_ending(&self) -> bool {
        self.stats.bare_cr || self.stats.bare_lf
    }

    /// True if a line exceeded the configured text-line limit.
    #[must_use]
    pub fn line_too_long(&self) -> bool {
        self.stats.longest_line > self.config.text_line_limit
    }

    fn end_line(&mut self, tail: usize) {
        let len = self.line_len + tail;
        self.stats.longest_line = self.stats.longest_line.max(len);
        self.line_len = 0;
    }

    fn bare_cr(&mut self, out: &mut Vec<u8>) {
        self.stats.bare_cr = true;
        out.extend_from_slice(if self.config.normalize_bare {
            b"\r\n"
        } else {
            b"\r"
        });
    }

    /// One byte in a state other than `Text`. Returns whether it was used;
    /// if not, the state is now `Text`, which reads it.
    fn step(&mut self, byte: u8, out: &mut Vec<u8>) -> bool {
        match (self.state, byte) {
            (State::LineStart, b'.') => self.state = State::Dot,
            (State::Dot, b'\r') => {
                self.line_len += 1;
                self.state = State::DotCr;
            }
            // RFC 5321 §4.5.2: a leading '.' with more on the line is deleted.
            (State::Dot, _) | (State::LineStart, _) => {
                self.state = State::Text;
                return false;
            }
            (State::DotCr, b'\n') => self.state = State::Done,
            (State::Cr, b'\n') => {
                out.extend_from_slice(b"\r\n");
                self.end_line(1);
                self.state = State::LineStart;
            }
            // The held CR was bare: it is text, and a line start only ever
            // follows a real CRLF, whatever the output looks like.
            (State::DotCr | State::Cr, _) => {
                self.bare_cr(out);
                self.state = State::Text;
                return false;
            }
            (State::Text | State::Done, _) => return false,
        }
        true
    }

    /// Inside a line: copies whole runs, looking only at CR and LF. Returns
    /// the unread input; stops at a line start that begins with '.' (or at
    /// the end of input) so `step` can decide about the dot.
    fn scan_text<'a>(&mut self, input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        if self.config.normalize_bare {
            self.scan_text_normalizing(input, out)
        } else {
            self.scan_text_verbatim(input, out)
        }
    }

    /// [`scan_text`](Self::scan_text) when bare CR and LF are written as
    /// they came: only their presence matters, not where they are. So
    /// lines are found by their LF alone, with one memchr searcher over the
    /// whole input (one needle is faster than CR-or-LF, and a persistent
    /// searcher saves a set-up per line), and bare CRs are found by
    /// counting: every CR of a CRLF is one of the pairs, so more CRs than
    /// pairs means a bare one. The run up to the stop is copied once.
    fn scan_text_verbatim<'a>(&mut self, all: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        // A block at a time, as if it were the whole read, so that the CR
        // count reads octets the LF scan has just brought into the cache.
        let input = all.get(..SCAN_BLOCK).unwrap_or(all);
        let mut line = 0; // start of the current line in `input`, dot skipped
        let mut run = 0; // start of the octets not yet copied
        let mut pairs = 0; // CRLFs ending lines in the scanned part
        let mut stop = input.len();
        // Kept in locals for the loop, which runs once per line.
        let (mut longest, mut carried) = (self.stats.longest_line, self.line_len);
        let mut bare_lf = false;
        for lf in memchr::memchr_iter(b'\n', input) {
            // In `Text` the octet before `input` was not a CR (that would be
            // state `Cr`), so an LF at 0 is bare too.
            if lf == 0 || input.get(lf - 1) != Some(&b'\r') {
                // A bare LF: text, and the line goes on (RFC 5321 §2.3.8).
                bare_lf = true;
                continue;
            }
            pairs += 1;
            let end = lf + 1;
            longest = longest.max(carried + end - line);
            carried = 0;
            line = end;
            match input.get(end..) {
                // An ordinary line follows.
                Some([first, ..]) if *first != b'.' => {}
                // RFC 5321 §4.5.2: a stuffing dot with more text after it
                // (not CR, which may begin the terminator): drop it here.
                Some([b'.', next, ..]) if *next != b'\r' => {
                    out.extend_from_slice(input.get(run..end).unwrap_or_default());
                    run = end + 1;
                    line = end + 1;
                }
                // The end of the input, `.` CR (maybe the terminator) or a
                // lone `.` at the end: `step` decides, octet by octet.
                _ => {
                    stop = end;
                    self.state = State::LineStart;
                    break;
                }
            }
        }
        self.stats.longest_line = longest;
        self.stats.bare_lf |= bare_lf;
        self.line_len = carried;
        let scanned = input.get(..stop).unwrap_or_default();
        let mut copy_end = stop;
        let mut crs = memchr::memchr_iter(b'\r', scanned).count();
        if stop == input.len() && self.state == State::Text {
            self.line_len += input.len() - line;
            if scanned.ends_with(b"\r") {
                // A CR ending the input: `step` learns with the next octet
                // whether it starts a CRLF.
                copy_end -= 1;
                crs -= 1;
                self.state = State::Cr;
            }
        }
        if crs != pairs {
            self.stats.bare_cr = true;
        }
        out.extend_from_slice(input.get(run..copy_end).unwrap_or_default());
        all.get(stop..).unwrap_or_default()
    }

    /// [`scan_text`](Self::scan_text) when bare CR and LF become CRLF: they
    /// must be found where they are.
    fn scan_text_normalizing<'a>(&mut self, input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        let normalize = true;
        let mut run = 0; // start of the bytes not yet copied
        let mut line = 0; // start of the current line's bytes in `input`
        let mut at = 0; // where to search from
        loop {
            let hay = input.get(at..).unwrap_or_default();
            let Some(found) = memchr2(b'\r', b'\n', hay) else {
                out.extend_from_slice(input.get(run..).unwrap_or_default());
                self.line_len += input.len() - line;
                return &[];
            };
            let pos = at + found;
            match input.get(pos..).unwrap_or_default() {
                [b'\r', b'\n', next @ ..] => {
                    let end = pos + 2;
                    self.end_line(end - line);
                    line = end;
                    if next.first().is_some_and(|&b| b != b'.') {
                        // An ordinary line follows: keep the run going.
                        at = end;
                        continue;
                    }
                    out.extend_from_slice(input.get(run..end).unwrap_or_default());
                    self.state = State::LineStart;
                    return next;
                }
                [b'\r'] => {
                    out.extend_from_slice(input.get(run..pos).unwrap_or_default());
                    self.line_len += input.len() - line;
                    self.state = State::Cr;
                    return &[];
                }
                [first, ..] => {
                    // memchr2 stops at a CR before its LF, so an LF here is
                    // bare; a CR here is followed by something else.
                    if *first == b'\r' {
                        self.stats.bare_cr = true;
                    } else {
                        self.stats.bare_lf = true;
                    }
                    if normalize {
                        out.extend_from_slice(input.get(run..pos).unwrap_or_default());
                        out.extend_from_slice(b"\r\n");
                        run = pos + 1;
                    }
                    at = pos + 1;
                }
                [] => {
                    // Not reachable: memchr2 found a byte at `pos`.
                    out.extend_from_slice(input.get(run..).unwrap_or_default());
                    return &[];
                }
            }
        }
    }
}

#[cfg(test)]
pub(super) mod tests;
