//! Server side: one BDAT chunk (RFC 3030 §2).

use alloc::vec::Vec;

/// Counts off the `size` octets that follow `BDAT size [LAST]`. The data is
/// opaque (RFC 3030 §2: no dot-stuffing, no line-ending rules), so this only
/// counts; whatever follows the chunk is the next command.
///
/// ```
/// use smtp_core::body::BdatReader;
///
/// let mut r = BdatReader::new(5);
/// let mut data = Vec::new();
/// assert_eq!(r.read(b"ab", &mut data), (2, false));
/// assert_eq!(r.read(b"c\r\nQUIT\r\n", &mut data), (3, true));
/// assert_eq!(data, b"abc\r\n");
///
/// // Zero-copy: the first `n` octets of your buffer are chunk data.
/// let mut r = BdatReader::new(3);
/// assert_eq!(r.take(10), (3, true));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BdatReader {
    remaining: u64,
}

impl BdatReader {
    /// A reader for a chunk of `size` octets (RFC 3030 §2 chunk-size).
    #[must_use]
    pub fn new(size: u64) -> Self {
        BdatReader { remaining: size }
    }

    /// Appends the chunk's octets at the front of `input` to `out`. Returns
    /// how many were used and whether the chunk is complete.
    pub fn read(&mut self, input: &[u8], out: &mut Vec<u8>) -> (usize, bool) {
        let (n, done) = self.take(input.len());
        out.extend_from_slice(input.get(..n).unwrap_or_default());
        (n, done)
    }

    /// Counts `available` octets at the front of the caller's buffer: the
    /// first `n` returned belong to the chunk and must be consumed by the
    /// caller. Returns `n` and whether the chunk is complete.
    pub fn take(&mut self, available: usize) -> (usize, bool) {
        let n = usize::try_from(self.remaining).map_or(available, |r| r.min(available));
        self.remaining -= n as u64;
        (n, self.remaining == 0)
    }

    /// Octets still expected.
    #[must_use]
    pub fn remaining(&self) -> u64 {
        self.remaining
    }

    /// True once all `size` octets were read.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn counts_across_inputs() {
        let mut r = BdatReader::new(7);
        let mut out = Vec::new();
        assert_eq!(r.read(b"", &mut out), (0, false));
        assert_eq!(r.read(b"\r\n.\r", &mut out), (4, false));
        assert_eq!(r.remaining(), 3);
        assert_eq!(r.read(b"\n\x00zBDAT 0 LAST\r\n", &mut out), (3, true));
        assert_eq!(out, b"\r\n.\r\n\x00z");
        assert!(r.is_done());
        assert_eq!(r.read(b"more", &mut out), (0, true));
    }

    #[test]
    fn empty_chunk_is_done_at_once() {
        let mut r = BdatReader::new(0);
        assert!(r.is_done());
        assert_eq!(r.take(5), (0, true));
    }

    #[test]
    fn huge_chunk() {
        let mut r = BdatReader::new(u64::MAX);
        assert_eq!(r.take(1000), (1000, false));
        assert_eq!(r.remaining(), u64::MAX - 1000);
    }
}
