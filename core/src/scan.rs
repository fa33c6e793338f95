//! Byte searches tuned for short distances: the first [`SHORT`] octets are
//! tested eight at a time in a plain `u64`, the rest is left to memchr.
//!
//! memchr's vector routines win over long distances, but each call pays a
//! set-up and a dispatch through a function pointer that cost more than
//! the search itself when the octet is a few words away, as it is in reply
//! lines and EHLO keywords (10-30 octets).

/// Octets tested a word at a time before memchr takes over.
const SHORT: usize = 32;

const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const LOW7: u64 = ONES * 0x7f;

/// The high bit of each octet of `word` that equals `byte`, and of no
/// other: `x & 0x7f.. + 0x7f..` cannot carry from one octet into the next,
/// so unlike the classic `(x - 0x01..) & !x` test there are no false
/// positives after a match.
#[inline(always)]
fn octets_equal(word: u64, byte: u8) -> u64 {
    let x = word ^ (ONES * u64::from(byte));
    !(((x & LOW7) + LOW7) | x | LOW7)
}

/// The offset of the first octet of `hay`'s first [`SHORT`] octets that
/// `matches` marks in its word (`Ok`), or else where the word-wise part
/// ended (`Err`: the caller searches on from there).
#[inline(always)]
fn first_match(hay: &[u8], mut matches: impl FnMut(u64) -> u64) -> Result<usize, usize> {
    let head = hay.get(..SHORT).unwrap_or(hay);
    let mut at = 0;
    for word in head.chunks_exact(8) {
        let w = u64::from_le_bytes(word.try_into().unwrap_or_default());
        let m = matches(w);
        if m != 0 {
            return Ok(at + (m.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    Err(at)
}

/// The offset of the first `needle` in `hay`, like `memchr::memchr`.
#[inline]
pub(crate) fn find(needle: u8, hay: &[u8]) -> Option<usize> {
    match first_match(hay, |w| octets_equal(w, needle)) {
        Ok(at) => Some(at),
        Err(at) => memchr::memchr(needle, hay.get(at..).unwrap_or_default()).map(|n| at + n),
    }
}

/// The offset of the first `a` or `b` in `hay`, like `memchr::memchr2`.
#[inline]
pub(crate) fn find2(a: u8, b: u8, hay: &[u8]) -> Option<usize> {
    match first_match(hay, |w| octets_equal(w, a) | octets_equal(w, b)) {
        Ok(at) => Some(at),
        Err(at) => memchr::memchr2(a, b, hay.get(at..).unwrap_or_default()).map(|n| at + n),
    }
}

#[cfg(test)]
mod tests;
