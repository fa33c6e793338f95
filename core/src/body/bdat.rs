//! Server side: one BDAT chunk (RFC 3030 §2).

use alloc::vec::Vec;

/// Counts off the `size` octets that follow `BDAT size [LAST]`. The data is
/// opaque (RFC 3030 §2: no dot-stuffing, no line-ending rules), so this only
/// counts; whatever follows the chunk is the next command. The server
/// machine's; applications see BDAT data as message data events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BdatReader {
    remaining: u64,
}

impl BdatReader {
    /// A reader for a chunk of `size` octets (RFC 3030 §2 chunk-size).
    #[must_use]
    pub(crate) fn new(size: u64) -> Self {
        BdatReader { remaining: size }
    }

    /// Appends the chunk's octets at the front of `input` to `out`. Returns
    /// how many were used and whether the chunk is complete.
    pub(crate) fn read(&mut self, input: &[u8], out: &mut Vec<u8>) -> (usize, bool) {
        let (n, done) = self.take(input.len());
        out.extend_from_slice(input.get(..n).unwrap_or_default());
        (n, done)
    }

    /// Counts `available` octets at the front of the caller's buffer: the
    /// first `n` returned belong to the chunk and must be consumed by the
    /// caller. Returns `n` and whether the chunk is complete.
    pub(crate) fn take(&mut self, available: usize) -> (usize, bool) {
        let n = usize::try_from(self.remaining).map_or(available, |r| r.min(available));
        self.remaining -= n as u64;
        (n, self.remaining == 0)
    }

    /// Octets still expected (the tests' view of the count).
    #[cfg(test)]
    pub(crate) fn remaining(&self) -> u64 {
        self.remaining
    }

    /// True once all `size` octets were read.
    #[must_use]
    pub(crate) fn is_done(&self) -> bool {
        self.remaining == 0
    }
}

#[cfg(test)]
mod tests;
