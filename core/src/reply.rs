//! Replies: `Reply { code, enhanced status, lines }`, an incremental parser
//! for single and multi-line replies (RFC 5321 §4.2), and an encoder.
//!
//! * [`Reply`] holds each line's text verbatim; [`Reply::trimmed_text`]
//!   gives it for display, each line trimmed (Python's smtplib's format).
//! * [`Reply::encode`] writes the wire form, wrapping over-long lines so
//!   that no line exceeds [`MAX_REPLY_LINE`].
//! * [`ReplyParser`] reads replies incrementally from the caller's buffer
//!   (see its docs for the consumed-bytes contract).
//!
//! Invariant of every `Reply` built by a constructor: at least one line and
//! no CR or LF inside a line. Lines read by the parser are verbatim and may
//! hold a stray CR (what the peer sent); [`Reply::encode`] drops CR and LF
//! bytes so a reply can never inject a line on the wire.

mod enhanced;
mod parser;

#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use core::fmt;

pub use crate::framing::MAX_REPLY_LINE;
pub use enhanced::InvalidEnhancedStatus;
pub use parser::{
    ReplyError, ReplyParser, ReplyParserConfig, DEFAULT_MAX_REPLY_LINES, DEFAULT_MAX_REPLY_OCTETS,
};

/// A three-digit reply code, 200..=599 (RFC 5321 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

impl ReplyCode {
    /// 211 System status (RFC 5321 §4.2.2).
    pub const SYSTEM_STATUS: ReplyCode = ReplyCode(211);
    /// 214 Help message.
    pub const HELP_MESSAGE: ReplyCode = ReplyCode(214);
    /// 220 Service ready (the greeting).
    pub const SERVICE_READY: ReplyCode = ReplyCode(220);
    /// 221 Service closing transmission channel (QUIT).
    pub const CLOSING: ReplyCode = ReplyCode(221);
    /// 235 Authentication succeeded (RFC 4954 §6).
    pub const AUTH_SUCCESSFUL: ReplyCode = ReplyCode(235);
    /// 250 Requested mail action okay, completed.
    pub const OK: ReplyCode = ReplyCode(250);
    /// 251 User not local; will forward.
    pub const USER_NOT_LOCAL: ReplyCode = ReplyCode(251);
    /// 252 Cannot VRFY user, but will accept message.
    pub const CANNOT_VRFY: ReplyCode = ReplyCode(252);
    /// 334 Server challenge (RFC 4954 §4).
    pub const AUTH_CONTINUE: ReplyCode = ReplyCode(334);
    /// 354 Start mail input; end with `<CRLF>.<CRLF>`.
    pub const START_MAIL_INPUT: ReplyCode = ReplyCode(354);
    /// 421 Service not available, closing transmission channel.
    pub const SERVICE_UNAVAILABLE: ReplyCode = ReplyCode(421);
    /// 450 Mailbox unavailable (transient).
    pub const MAILBOX_BUSY: ReplyCode = ReplyCode(450);
    /// 451 Local error in processing.
    pub const LOCAL_ERROR: ReplyCode = ReplyCode(451);
    /// 452 Insufficient system storage.
    pub const INSUFFICIENT_STORAGE: ReplyCode = ReplyCode(452);
    /// 454 TLS not available / temporary authentication failure.
    pub const TEMPORARY_FAILURE: ReplyCode = ReplyCode(454);
    /// 500 Syntax error, command unrecognized (also "line too long").
    pub const SYNTAX_ERROR: ReplyCode = ReplyCode(500);
    /// 501 Syntax error in parameters or arguments.
    pub const PARAMETER_ERROR: ReplyCode = ReplyCode(501);
    /// 502 Command not implemented.
    pub const NOT_IMPLEMENTED: ReplyCode = ReplyCode(502);
    /// 503 Bad sequence of commands.
    pub const BAD_SEQUENCE: ReplyCode = ReplyCode(503);
    /// 504 Command parameter not implemented.
    pub const PARAMETER_NOT_IMPLEMENTED: ReplyCode = ReplyCode(504);
    /// 530 Authentication required (RFC 4954 §6).
    pub const AUTH_REQUIRED: ReplyCode = ReplyCode(530);
    /// 535 Authentication credentials invalid (RFC 4954 §6).
    pub const AUTH_FAILED: ReplyCode = ReplyCode(535);
    /// 550 Mailbox unavailable (permanent).
    pub const MAILBOX_UNAVAILABLE: ReplyCode = ReplyCode(550);
    /// 552 Exceeded storage allocation.
    pub const EXCEEDED_STORAGE: ReplyCode = ReplyCode(552);
    /// 553 Mailbox name not allowed.
    pub const MAILBOX_NAME_NOT_ALLOWED: ReplyCode = ReplyCode(553);
    /// 554 Transaction failed.
    pub const TRANSACTION_FAILED: ReplyCode = ReplyCode(554);

    /// `Some` when `code` fits RFC 5321 §4.2's `Reply-code = %x32-35
    /// %x30-35 %x30-39`: first digit 2-5, second 0-5, so that every code
    /// this type holds is one [`ReplyParser`] reads back.
    pub const fn new(code: u16) -> Option<ReplyCode> {
        if code >= 200 && code <= 599 && code / 10 % 10 <= 5 {
            Some(ReplyCode(code))
        } else {
            None
        }
    }
    /// The code as a number.
    pub const fn get(self) -> u16 {
        self.0
    }
    /// 2yz: positive completion.
    pub const fn is_positive(self) -> bool {
        self.0 / 100 == 2
    }
    /// 3yz: positive intermediate (354, 334).
    pub const fn is_intermediate(self) -> bool {
        self.0 / 100 == 3
    }
    /// 4yz: transient negative.
    pub const fn is_transient(self) -> bool {
        self.0 / 100 == 4
    }
    /// 5yz: permanent negative.
    pub const fn is_permanent(self) -> bool {
        self.0 / 100 == 5
    }
    /// The three ASCII digits.
    pub const fn digits(self) -> [u8; 3] {
        let c = self.0;
        [
            b'0' + (c / 100 % 10) as u8,
            b'0' + (c / 10 % 10) as u8,
            b'0' + (c % 10) as u8,
        ]
    }
}

impl fmt::Display for ReplyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// An enhanced status code `class.subject.detail` (RFC 3463 §2, RFC 2034).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    /// 2, 4 or 5.
    pub class: u8,
    /// 0..=999.
    pub subject: u16,
    /// 0..=999.
    pub detail: u16,
}

/// One reply, possibly multi-line.
///
/// Each line's text is kept exactly as sent after the `NNN-`/`NNN `
/// separator (enhanced status included), so nothing the peer sent is lost;
/// `enhanced` is parsed from the first line when it starts with one.
///
/// The lines live in one buffer, joined by `\n` (a line never holds LF):
/// one allocation per reply however many lines it has, which is what makes
/// reading a pipelined reply stream cheap.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Reply {
    code: ReplyCode,
    enhanced: Option<EnhancedStatus>,
    joined: Vec<u8>,
}

impl fmt::Debug for Reply {
    /// `Reply(250 ["2.1.0 Sender OK"])`: the code and each line as text
    /// (invalid UTF-8 shown as U+FFFD), readable in logs and test failures.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Reply({} ", self.code)?;
        f.debug_list()
            .entries(self.lines().map(alloc::string::String::from_utf8_lossy))
            .finish()?;
        f.write_str(")")
    }
}

/// The lines of a [`Reply`], as returned by [`Reply::lines`].
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b'\n', rest) {
            Some(lf) => {
                self.rest = rest.get(lf + 1..);
                rest.get(..lf)
            }
            None => self.rest.take(),
        }
    }
}

/// Octets a reply line spends outside its text: `NNN-` and CRLF.
const LINE_OVERHEAD: usize = 6;

/// Appends `text` with every CR dropped: LF stays as the line separator, so
/// a constructed reply never carries a line break inside a line.
fn push_clean(text: &[u8], out: &mut Vec<u8>) {
    out.extend(text.iter().copied().filter(|&b| b != b'\r'));
}

impl Reply {
    /// A reply whose `text` is split on `\n` into lines (CR dropped). The
    /// enhanced status is taken from the first line when it starts with one
    /// (`"2.1.0 Ok"`). An empty text gives one empty line (`250\r\n`); a
    /// trailing `\n` gives a trailing empty line, as splitting says.
    pub fn new(code: ReplyCode, text: &str) -> Reply {
        let mut joined = Vec::with_capacity(text.len());
        push_clean(text.as_bytes(), &mut joined);
        Reply::from_joined(code, joined)
    }

    /// A reply with `status` in front of every line: RFC 2034 §3 says each
    /// line of a multi-line reply carries the enhanced code.
    pub fn with_enhanced(code: ReplyCode, status: EnhancedStatus, text: &str) -> Reply {
        let prefix = alloc::format!("{status}");
        let mut joined = Vec::with_capacity(text.len() + prefix.len() + 1);
        for (i, line) in text.as_bytes().split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                joined.push(b'\n');
            }
            joined.extend_from_slice(prefix.as_bytes());
            if !line.is_empty() {
                joined.push(b' ');
                push_clean(line, &mut joined);
            }
        }
        Reply::from_joined(code, joined)
    }

    /// A reply from line texts (after the separator). Sanitised, never
    /// rejected: a line holding LF becomes several lines, CR is dropped, and
    /// no lines at all become one empty line.
    pub fn from_lines<L: AsRef<[u8]>>(code: ReplyCode, lines: &[L]) -> Reply {
        let mut joined = Vec::with_capacity(lines.iter().map(|l| l.as_ref().len() + 1).sum());
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                joined.push(b'\n');
            }
            push_clean(line.as_ref(), &mut joined);
        }
        Reply::from_joined(code, joined)
    }

    /// Builds a reply from lines already joined by `\n` (parser output and
    /// the constructors above). An empty buffer is one empty line.
    pub(crate) fn from_joined(code: ReplyCode, joined: Vec<u8>) -> Reply {
        // Only the start of the first line can hold the status: cut there
        // rather than scan a long first line (an EHLO greeting) for its end.
        let head = joined.get(..enhanced::PREFIX_WINDOW).unwrap_or(&joined);
        let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
        let enhanced = EnhancedStatus::parse_prefix(first);
        Reply {
            code,
            enhanced,
            joined,
        }
    }

    /// The reply code.
    pub fn code(&self) -> ReplyCode {
        self.code
    }
    /// The enhanced status of the first line, if it carries one.
    pub fn enhanced(&self) -> Option<EnhancedStatus> {
        self.enhanced
    }
    /// Each line's text after the separator, verbatim. There is always at
    /// least one line.
    pub fn lines(&self) -> Lines<'_> {
        Lines {
            rest: Some(&self.joined),
        }
    }
    /// How many lines the reply has (at least one).
    pub fn line_count(&self) -> usize {
        memchr::memchr_iter(b'\n', &self.joined).count() + 1
    }
    /// Whether the reply has more than one line.
    pub fn is_multiline(&self) -> bool {
        memchr::memchr(b'\n', &self.joined).is_some()
    }
    /// Every line's text, verbatim, joined by `\n`.
    pub fn joined_lines(&self) -> &[u8] {
        &self.joined
    }

    /// The text for display: each line with leading and trailing SP, HT,
    /// CR and LF removed, joined by `\n` (the enhanced status code, part of
    /// the text, stays). Python's smtplib returns reply messages in this
    /// format (`SMTP.getreply()`), so a binding that stands in for it uses
    /// this.
    pub fn trimmed_text(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.joined.len());
        for (i, line) in self.lines().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(strip_ws(line));
        }
        out
    }

    /// Appends the wire form: `NNN-text\r\n` for every line but the last,
    /// `NNN text\r\n` for the last, `NNN\r\n` when the last is empty
    /// (RFC 5321 §4.2). A line that would exceed [`MAX_REPLY_LINE`]
    /// (RFC 5321 §4.5.3.1.5) is wrapped into continuation lines with the
    /// same code, at a space when there is one, repeating the line's
    /// enhanced status prefix (RFC 2034 §3). CR and LF bytes are dropped.
    pub fn encode(&self, out: &mut Vec<u8>) {
        encode_joined(self.code, &self.joined, out);
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.joined.len() + 6 * self.line_count());
        self.encode(&mut out);
        out
    }
}

/// Strips `' \t\r\n'` at both ends, like Python's `bytes.strip(b' \t\r\n')`.
fn strip_ws(line: &[u8]) -> &[u8] {
    let ws = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let start = line.iter().position(|b| !ws(b)).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !ws(b)).map_or(start, |p| p + 1);
    line.get(start..end).unwrap_or_default()
}

/// The wire form of a reply whose lines are `joined` by `\n`, as
/// [`Reply::encode`] writes it: for replies built straight into a transmit
/// buffer, without a `Reply` in between.
pub(crate) fn encode_joined(code: ReplyCode, joined: &[u8], out: &mut Vec<u8>) {
    let digits = code.digits();
    let max_text = MAX_REPLY_LINE - LINE_OVERHEAD;
    let mut lines = Lines { rest: Some(joined) }.peekable();
    while let Some(line) = lines.next() {
        let last_line = lines.peek().is_none();
        if line.len() <= max_text && !line.contains(&b'\r') {
            emit(out, digits, &[], line, last_line);
            continue;
        }
        let clean: Vec<u8> = line.iter().copied().filter(|&b| b != b'\r').collect();
        wrap_line(out, digits, &clean, max_text, last_line);
    }
}

/// One wire line; `last` selects the final separator. The last line keeps
/// its SP even without text: RFC 5321 §4.2.1 says it begins with "the reply
/// code, followed immediately by <SP>, optionally some text" (the ABNF also
/// allows the bare code; `250 \r\n` is what every parser accepts).
fn emit(out: &mut Vec<u8>, digits: [u8; 3], prefix: &[u8], text: &[u8], last: bool) {
    out.extend_from_slice(&digits);
    out.push(if last { b' ' } else { b'-' });
    out.extend_from_slice(prefix);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

/// Emits `line` (clean) as continuation lines of at most `max_text` octets
/// of text each.
fn wrap_line(out: &mut Vec<u8>, digits: [u8; 3], line: &[u8], max_text: usize, last_line: bool) {
    if line.len() <= max_text {
        emit(out, digits, &[], line, last_line);
        return;
    }
    // Continuations repeat the enhanced status and its space (RFC 2034 §3);
    // a status is at most 11 octets, far below `max_text`.
    let prefix_len = EnhancedStatus::prefix_len(line).map_or(0, |n| n + 1);
    let (prefix, mut rest) = line.split_at_checked(prefix_len).unwrap_or((&[], line));
    let room = max_text.saturating_sub(prefix.len()).max(1);
    loop {
        if rest.len() <= room {
            emit(out, digits, prefix, rest, last_line);
            return;
        }
        let window = rest.get(..=room).unwrap_or(rest);
        // Break at the last space within reach, dropping it; else hard-cut.
        let (chunk, tail) = match window.iter().rposition(|&b| b == b' ') {
            Some(sp) if sp > 0 => (
                rest.get(..sp).unwrap_or_default(),
                rest.get(sp + 1..).unwrap_or_default(),
            ),
            _ => rest.split_at_checked(room).unwrap_or((rest, &[])),
        };
        emit(out, digits, prefix, chunk, false);
        rest = tail;
    }
}
