//! The byte buffer behind a machine's input and transmit queues: a vector
//! with a read cursor and rare compaction.
//!
//! Taking octets from the front only moves the cursor. The taken prefix is
//! dropped when the buffer empties (the usual case: a cleared vector keeps
//! its capacity, so a steady session allocates nothing), or once it
//! outweighs what is left, so a buffer that never empties does not grow
//! forever. Each octet moves at most once per halving: amortised O(1),
//! never a `drain` of the front per line or per write.

use alloc::vec::Vec;

/// Octets appended at the back and taken from the front.
#[derive(Debug, Default)]
pub(crate) struct CursorBuffer {
    bytes: Vec<u8>,
    /// Octets at the front already taken.
    start: usize,
}

impl CursorBuffer {
    /// The octets not taken yet.
    pub(crate) fn pending(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }

    /// How many octets are not taken yet.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() - self.start
    }

    /// Appends at the back.
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// The back of the buffer, to append to in place (e.g. a reply being
    /// encoded). Octets pushed there become pending.
    pub(crate) fn back(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Takes `n` octets from the front (at most what is pending).
    pub(crate) fn consume(&mut self, n: usize) {
        self.start += n.min(self.len());
        if self.start == self.bytes.len() {
            self.bytes.clear();
            self.start = 0;
        } else if self.start >= self.bytes.len() - self.start {
            self.bytes.drain(..self.start);
            self.start = 0;
        }
    }

    /// Drops everything pending.
    pub(crate) fn clear(&mut self) {
        self.bytes.clear();
        self.start = 0;
    }

    /// Drops everything and gives the memory back.
    pub(crate) fn release(&mut self) {
        self.bytes = Vec::new();
        self.start = 0;
    }
}

#[cfg(test)]
mod tests;
