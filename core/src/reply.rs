//! Replies: `Reply { code, enhanced status, lines }`, an incremental parser
//! for single and multi-line replies (RFC 5321 §4.2), and an encoder.
//!
//! * [`Reply`] holds each line's text verbatim; [`Reply::text`] gives the
//!   message exactly as Python's `smtplib.getreply()` returns it.
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
    ReplyParser, ReplyParserConfig, DEFAULT_MAX_REPLY_LINES, DEFAULT_MAX_REPLY_OCTETS,
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

    /// `Some` when `code` is in 200..=599 (RFC 5321 §4.2: first digit 2-5).
    pub const fn new(code: u16) -> Option<ReplyCode> {
        if code >= 200 && code <= 599 {
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
/// `lines` hold each line's text exactly as sent after the `NNN-`/`NNN `
/// separator (enhanced status included), so nothing the peer sent is lost;
/// `enhanced` is parsed from the first line when it starts with one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reply {
    code: ReplyCode,
    enhanced: Option<EnhancedStatus>,
    lines: Vec<Vec<u8>>,
}

/// Octets a reply line spends outside its text: `NNN-` and CRLF.
const LINE_OVERHEAD: usize = 6;

/// Splits `text` on LF into lines and drops every CR, so a constructed
/// reply never carries a line break inside a line.
fn split_clean(text: &[u8], out: &mut Vec<Vec<u8>>) {
    for line in text.split(|&b| b == b'\n') {
        out.push(line.iter().copied().filter(|&b| b != b'\r').collect());
    }
}

impl Reply {
    /// A reply whose `text` is split on `\n` into lines (CR dropped). The
    /// enhanced status is taken from the first line when it starts with one
    /// (`"2.1.0 Ok"`). An empty text gives one empty line (`250\r\n`); a
    /// trailing `\n` gives a trailing empty line, as splitting says.
    pub fn new(code: ReplyCode, text: &str) -> Reply {
        let mut lines = Vec::new();
        split_clean(text.as_bytes(), &mut lines);
        Reply::from_clean_lines(code, lines)
    }

    /// A reply with `status` in front of every line: RFC 2034 §3 says each
    /// line of a multi-line reply carries the enhanced code.
    pub fn with_enhanced(code: ReplyCode, status: EnhancedStatus, text: &str) -> Reply {
        let mut raw = Vec::new();
        split_clean(text.as_bytes(), &mut raw);
        let prefix = alloc::format!("{status}");
        let lines = raw
            .into_iter()
            .map(|line| {
                let mut l = Vec::with_capacity(prefix.len() + 1 + line.len());
                l.extend_from_slice(prefix.as_bytes());
                if !line.is_empty() {
                    l.push(b' ');
                    l.extend_from_slice(&line);
                }
                l
            })
            .collect();
        Reply::from_clean_lines(code, lines)
    }

    /// A reply from line texts (after the separator). Sanitised, never
    /// rejected: a line holding LF becomes several lines, CR is dropped, and
    /// no lines at all become one empty line.
    pub fn from_lines(code: ReplyCode, lines: Vec<Vec<u8>>) -> Reply {
        let clean = if lines.iter().flatten().any(|&b| b == b'\r' || b == b'\n') {
            let mut out = Vec::with_capacity(lines.len());
            for line in &lines {
                split_clean(line, &mut out);
            }
            out
        } else {
            lines
        };
        Reply::from_clean_lines(code, clean)
    }

    fn from_clean_lines(code: ReplyCode, mut lines: Vec<Vec<u8>>) -> Reply {
        if lines.is_empty() {
            lines.push(Vec::new());
        }
        Reply::from_parts(code, lines)
    }

    /// Builds a reply from parts already known clean (parser output).
    pub(crate) fn from_parts(code: ReplyCode, lines: Vec<Vec<u8>>) -> Reply {
        let enhanced = lines.first().and_then(|l| EnhancedStatus::parse_prefix(l));
        Reply {
            code,
            enhanced,
            lines,
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
    /// Each line's text after the separator, verbatim.
    pub fn lines(&self) -> &[Vec<u8>] {
        &self.lines
    }
    /// Whether the reply has more than one line.
    pub fn is_multiline(&self) -> bool {
        self.lines.len() > 1
    }

    /// The message as Python's `smtplib.SMTP.getreply()` returns it: each
    /// line stripped of leading and trailing `' \t\r\n'`, joined by `\n`.
    pub fn text(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(|l| l.len() + 1).sum());
        for (i, line) in self.lines.iter().enumerate() {
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
        let digits = self.code.digits();
        let max_text = MAX_REPLY_LINE - LINE_OVERHEAD;
        let count = self.lines.len();
        for (i, line) in self.lines.iter().enumerate() {
            let last_line = i + 1 == count;
            if line.len() <= max_text && !line.iter().any(|&b| b == b'\r' || b == b'\n') {
                emit(out, digits, &[], line, last_line);
                continue;
            }
            let clean: Vec<u8> = line
                .iter()
                .copied()
                .filter(|&b| b != b'\r' && b != b'\n')
                .collect();
            wrap_line(out, digits, &clean, max_text, last_line);
        }
    }

    /// The wire form as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(|l| l.len() + 6).sum());
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

/// One wire line; `last` selects the final separator.
fn emit(out: &mut Vec<u8>, digits: [u8; 3], prefix: &[u8], text: &[u8], last: bool) {
    out.extend_from_slice(&digits);
    if last && prefix.is_empty() && text.is_empty() {
        out.extend_from_slice(b"\r\n");
        return;
    }
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
