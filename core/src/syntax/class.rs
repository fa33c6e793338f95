//! Octet classes of the RFC 5321 §4.1.2 grammar, one bit each, looked up
//! in one 256-entry table so a scan tests one class per octet.

/// Character classes, one bit each, looked up in [`CLASS`].
pub(crate) const ATEXT: u8 = 1;
/// Domain-name octets. RFC 5321 §4.1.2 allows letters, digits and `-`; the
/// underscore is accepted too because many real hosts carry one in their
/// name (e.g. Windows machine names), and it cannot be confused with
/// anything else in a command line. UTF-8 octets stand for U-labels.
pub(crate) const DOMAIN: u8 = 2;
/// `esmtp-value` octets (RFC 5321 §4.1.2), plus UTF-8 (RFC 6531 §3.3).
pub(crate) const ESMTP_VALUE: u8 = 4;
/// `esmtp-keyword` octets after the first (RFC 5321 §4.1.2).
pub(crate) const KEYWORD: u8 = 8;
/// `.`, so that one lookup tests "class or dot".
pub(crate) const DOT: u8 = 16;

const fn class_of(b: u8) -> u8 {
    let alnum = b.is_ascii_alphanumeric();
    let utf8 = b >= 0x80;
    let mut c = 0;
    if alnum
        || utf8
        || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?' | b'^'..=b'`' | b'{'..=b'~')
    {
        c |= ATEXT;
    }
    if alnum || utf8 || b == b'-' || b == b'_' {
        c |= DOMAIN;
    }
    if matches!(b, 33..=60 | 62..=126) || utf8 {
        c |= ESMTP_VALUE;
    }
    if alnum || b == b'-' {
        c |= KEYWORD;
    }
    if b == b'.' {
        c |= DOT;
    }
    c
}

/// The class bits of every octet.
// Evaluated at compile time, where an out-of-range index is a build error,
// and `b` (a u8) cannot exceed 255 anyway.
#[allow(clippy::indexing_slicing)]
pub(crate) static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0u8;
    loop {
        t[b as usize] = class_of(b);
        if b == 255 {
            break;
        }
        b += 1;
    }
    t
};

/// Whether `b` has any of the class bits in `mask`.
#[inline]
pub(crate) fn is(b: u8, mask: u8) -> bool {
    // A u8 index into a 256-entry table: `get` never fails and the bounds
    // check compiles away.
    CLASS.get(usize::from(b)).is_some_and(|c| c & mask != 0)
}

/// Length of the prefix of `s` whose octets are all in `mask`.
#[inline]
pub(crate) fn span(s: &[u8], mask: u8) -> usize {
    s.iter().position(|&b| !is(b, mask)).unwrap_or(s.len())
}

/// RFC 5322 §3.2.3 `atext`, plus UTF-8 octets (RFC 6531 §3.3).
pub(crate) fn is_atext(b: u8) -> bool {
    is(b, ATEXT)
}

/// RFC 5321 §4.1.2 `qtextSMTP`, plus UTF-8 octets (RFC 6531 §3.3).
pub(crate) fn is_qtext(b: u8) -> bool {
    matches!(b, 32 | 33 | 35..=91 | 93..=126) || b >= 0x80
}

/// The octets `quoted-pairSMTP` may escape (RFC 5321 §4.1.2).
pub(crate) fn is_quotable(b: u8) -> bool {
    (32..=126).contains(&b)
}
