//! Server side: DATA wire format to message bytes.
//!
//! Unlike the smtp-proto crate's `DataReceiver`, this starts in the
//! "just saw CRLF" state, so a '.' on the very first line is unstuffed and
//! `.\r\n` right after the 354 is an empty message; it keeps only a state
//! (at most the 4 octets `CR LF . CR` seen), never the message; and only
//! `CR LF . CR LF` ends the data: `CR LF . CR CR LF`, bare LFs and bare CRs
//! are message text, which closes the SMTP smuggling hole.

use alloc::vec::Vec;
use memchr::memchr2;

use crate::framing::MAX_TEXT_LINE;

/// Longest run [`DotUnstuffer`] scans before it copies it out: short
/// enough that the copy reads octets the scan has just brought into the
/// cache, long enough that the copy's set-up is paid rarely.
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
    /// the unread input; stops at a line start that begins with `.` CR (or
    /// at the end of input) so `step` can decide about the terminator.
    fn scan_text<'a>(&mut self, input: &'a [u8], out: &mut Vec<u8>) -> &'a [u8] {
        // memchr's `memchr2` picks its AVX2 or SSE2 routine anew at every
        // call, through a function pointer, and sets up its needles; a
        // searcher made once here calls the routine directly. With one
        // call per ~80-octet line, that is about a tenth of the scan.
        #[cfg(target_arch = "x86_64")]
        if let Some(ends) = memchr::arch::x86_64::avx2::memchr::Two::new(b'\r', b'\n') {
            return self.scan_lines(input, out, |hay| ends.find(hay));
        }
        self.scan_lines(input, out, |hay| memchr2(b'\r', b'\n', hay))
    }

    /// [`scan_text`](Self::scan_text) with `find` giving the first CR or LF
    /// of a haystack. One search per line: it stops at the CR of the line's
    /// CRLF, and the search goes on after the LF, so only a bare CR or LF
    /// costs a search of its own (and is caught exactly where it is). No
    /// second pass over the text: runs are copied as they end, at a `.`
    /// to drop or after [`SCAN_BLOCK`] octets (still in the cache).
    #[inline(always)]
    fn scan_lines<'a>(
        &mut self,
        input: &'a [u8],
        out: &mut Vec<u8>,
        find: impl Fn(&[u8]) -> Option<usize>,
    ) -> &'a [u8] {
        let normalize = self.config.normalize_bare;
        let mut run = 0; // start of the octets not yet copied
        let mut line = 0; // start of the current line in `input`, dot skipped
        let mut at = 0; // where to search from
                        // Kept in locals for the loop, which runs once per line. The first
                        // line's length counts what earlier input held of it.
        let mut longest = self.stats.longest_line;
        let mut line_base = self.line_len;
        let (mut bare_cr, mut bare_lf) = (false, false);
        let rest = loop {
            let Some(found) = find(input.get(at..).unwrap_or_default()) else {
                out.extend_from_slice(input.get(run..).unwrap_or_default());
                line_base += input.len() - line;
                break &[][..];
            };
            let pos = at + found;
            match input.get(pos..).unwrap_or_default() {
                [b'\r', b'\n', next @ ..] => {
                    let end = pos + 2;
                    longest = longest.max(line_base + end - line);
                    line_base = 0;
                    line = end;
                    at = end;
                    match next {
                        // An ordinary line follows.
                        [first, ..] if *first != b'.' => {
                            if end - run >= SCAN_BLOCK {
                                out.extend_from_slice(input.get(run..end).unwrap_or_default());
                                run = end;
                            }
                        }
                        // RFC 5321 §4.5.2: a stuffing dot with more text
                        // after it (not CR, which may begin the
                        // terminator): drop it here.
                        [b'.', after, ..] if *after != b'\r' => {
                            out.extend_from_slice(input.get(run..end).unwrap_or_default());
                            run = end + 1;
                            line = end + 1;
                            at = end + 1;
                        }
                        // The end of the input, `.` CR (maybe the
                        // terminator) or a lone `.` at the end: `step`
                        // decides, octet by octet.
                        _ => {
                            out.extend_from_slice(input.get(run..end).unwrap_or_default());
                            self.state = State::LineStart;
                            break next;
                        }
                    }
                }
                [b'\r'] => {
                    // A CR ending the input: `step` learns with the next
                    // octet whether it starts a CRLF.
                    out.extend_from_slice(input.get(run..pos).unwrap_or_default());
                    line_base += input.len() - line;
                    self.state = State::Cr;
                    break &[][..];
                }
                // A bare CR or LF (the search skips the LF of a CRLF): text,
                // and the line goes on (RFC 5321 §2.3.8).
                [first, ..] => {
                    if *first == b'\r' {
                        bare_cr = true;
                    } else {
                        bare_lf = true;
                    }
                    if normalize {
                        out.extend_from_slice(input.get(run..pos).unwrap_or_default());
                        out.extend_from_slice(b"\r\n");
                        run = pos + 1;
                    }
                    at = pos + 1;
                }
                // Not reachable: `find` found an octet at `pos`.
                [] => {
                    out.extend_from_slice(input.get(run..).unwrap_or_default());
                    break &[][..];
                }
            }
        };
        self.stats.longest_line = longest;
        self.line_len = line_base;
        self.stats.bare_cr |= bare_cr;
        self.stats.bare_lf |= bare_lf;
        rest
    }
}

#[cfg(test)]
pub(super) mod tests;
