//! Replies: `Reply { code, enhanced status, lines }`, an incremental parser
//! for single and multi-line replies (RFC 5321 §4.2), and an encoder.
//!
//! OWNER: helper "reply". The types below are the agreed public API; keep
//! their shape, add methods freely.

use alloc::vec::Vec;

/// A three-digit reply code, 200..=599 (RFC 5321 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReplyCode(u16);

impl ReplyCode {
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

impl Reply {
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
}
