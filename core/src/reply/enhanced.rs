//! Enhanced status codes `class.subject.detail` (RFC 3463 §2).

use core::fmt;
use core::str::FromStr;

use super::EnhancedStatus;

/// Most digits in the subject or detail field (RFC 3463 §2: 1*3digit).
const MAX_FIELD_DIGITS: usize = 3;

/// Octets [`EnhancedStatus::parse_prefix`] can look at: `c.` and two
/// fields of at most one digit too many, a `.` between them (the octet
/// after a field of three digits is read to refuse a fourth).
pub(crate) const PREFIX_WINDOW: usize = 1 + 1 + (MAX_FIELD_DIGITS + 1) + 1 + (MAX_FIELD_DIGITS + 1);

/// Parses `1*3DIGIT` at the start of `s`; returns the value and the length.
fn field(s: &[u8]) -> Option<(u16, usize)> {
    let mut value: u16 = 0;
    let mut len = 0;
    for &b in s.iter().take(MAX_FIELD_DIGITS + 1) {
        if !b.is_ascii_digit() {
            break;
        }
        value = value * 10 + u16::from(b - b'0');
        len += 1;
    }
    if len == 0 || len > MAX_FIELD_DIGITS {
        return None;
    }
    Some((value, len))
}

impl EnhancedStatus {
    /// A status if `class` is 2, 4 or 5 and both fields are at most 999
    /// (RFC 3463 §2).
    pub const fn new(class: u8, subject: u16, detail: u16) -> Option<EnhancedStatus> {
        if matches!(class, 2 | 4 | 5) && subject <= 999 && detail <= 999 {
            Some(EnhancedStatus {
                class,
                subject,
                detail,
            })
        } else {
            None
        }
    }

    /// Parses exactly `class.subject.detail` (`"2.1.0"`), nothing around it.
    pub fn parse(s: &[u8]) -> Option<EnhancedStatus> {
        let (status, len) = Self::parse_at_start(s)?;
        (len == s.len()).then_some(status)
    }

    /// The status at the start of a reply line's text, when it is followed
    /// by a space or the end of the line (RFC 2034 §4: `status SP text`).
    pub fn parse_prefix(line: &[u8]) -> Option<EnhancedStatus> {
        let (status, len) = Self::parse_at_start(line)?;
        matches!(line.get(len), None | Some(b' ')).then_some(status)
    }

    /// The length of the status [`parse_prefix`](Self::parse_prefix) finds.
    pub(crate) fn prefix_len(line: &[u8]) -> Option<usize> {
        let (_, len) = Self::parse_at_start(line)?;
        matches!(line.get(len), None | Some(b' ')).then_some(len)
    }

    fn parse_at_start(s: &[u8]) -> Option<(EnhancedStatus, usize)> {
        let (&class, rest) = s.split_first()?;
        if !matches!(class, b'2' | b'4' | b'5') {
            return None;
        }
        let rest = rest.strip_prefix(b".")?;
        let (subject, n1) = field(rest)?;
        let rest = rest.get(n1..)?.strip_prefix(b".")?;
        let (detail, n2) = field(rest)?;
        let status = EnhancedStatus {
            class: class - b'0',
            subject,
            detail,
        };
        Some((status, 1 + 1 + n1 + 1 + n2))
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

/// The error of parsing an [`EnhancedStatus`] from a string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidEnhancedStatus;

impl fmt::Display for InvalidEnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not an enhanced status code class.subject.detail (RFC 3463 §2)")
    }
}

impl core::error::Error for InvalidEnhancedStatus {}

impl FromStr for EnhancedStatus {
    type Err = InvalidEnhancedStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EnhancedStatus::parse(s.as_bytes()).ok_or(InvalidEnhancedStatus)
    }
}
