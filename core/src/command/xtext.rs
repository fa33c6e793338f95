//! xtext (RFC 3461 §4): the encoding of ENVID, ORCPT and AUTH= values.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

/// Whether `b` is an `xchar`: printable ASCII except `+` and `=`
/// (RFC 3461 §4).
fn is_xchar(b: u8) -> bool {
    (33..=126).contains(&b) && b != b'+' && b != b'='
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends the xtext form of `value` to `out` (RFC 3461 §4): every octet
/// that is not an `xchar` becomes `+HH` with upper-case hex digits. UTF-8
/// text is encoded octet by octet.
pub(crate) fn xtext_encode_into(value: &[u8], out: &mut Vec<u8>) {
    for &b in value {
        if is_xchar(b) {
            out.push(b);
        } else {
            out.push(b'+');
            out.extend(HEX.get(usize::from(b >> 4)));
            out.extend(HEX.get(usize::from(b & 0xF)));
        }
    }
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        // RFC 3461 §4 says upper-case; lower-case is accepted (robustness).
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// Decodes xtext (RFC 3461 §4), borrowing `value` when nothing is escaped.
/// `None` when `value` holds an octet that is neither an `xchar` nor a
/// `+HH` escape, or when the decoded octets are not UTF-8.
pub(crate) fn xtext_decode_cow(value: &str) -> Option<Cow<'_, str>> {
    if value.bytes().all(is_xchar) {
        // Common case: nothing escaped.
        return Some(Cow::Borrowed(value));
    }
    let mut out = Vec::with_capacity(value.len());
    let mut it = value.as_bytes().iter();
    while let Some(&b) = it.next() {
        if b == b'+' {
            let hi = hex_digit(*it.next()?)?;
            let lo = hex_digit(*it.next()?)?;
            out.push((hi << 4) | lo);
        } else if is_xchar(b) {
            out.push(b);
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests;
