//! A BDAT body on its way out (RFC 3030 §2). The caller's pieces wait
//! here, line endings fixed unless the body is BINARYMIME, until a chunk
//! is full or the body ends; the machine cuts chunks off the front when
//! its pipelining window lets them go (`state/calls.rs`).
//!
//! What waits is bounded by one chunk plus the last piece the caller gave:
//! a piece is refused while a whole chunk already waits.

use alloc::vec::Vec;

use crate::buffer::CursorBuffer;
use crate::error::LocalError;

use super::wire::LineFixer;

pub(crate) struct BdatBody {
    /// Octets per chunk (the last one may be shorter).
    chunk: usize,
    /// Octets waiting to be sent, taken from the front as chunks go.
    staged: CursorBuffer,
    /// `None` for BINARYMIME, whose octets go as they are.
    fixer: Option<LineFixer>,
    /// `BDAT n LAST` went out: nothing more will.
    last_sent: bool,
}

impl BdatBody {
    pub(crate) fn new(chunk: usize, fixer: Option<LineFixer>) -> Self {
        BdatBody {
            chunk,
            staged: CursorBuffer::default(),
            fixer,
            last_sent: false,
        }
    }

    /// Octets staged and not yet sent.
    pub(crate) fn waiting(&self) -> usize {
        self.staged.len()
    }

    /// The chunk size in use.
    pub(crate) fn chunk_size(&self) -> usize {
        self.chunk
    }

    /// Whether another piece is taken now: less than a chunk waits.
    pub(crate) fn has_room(&self) -> bool {
        !self.last_sent && self.waiting() < self.chunk
    }

    /// Stages `piece` (line endings fixed) and returns how many octets it
    /// added. `fits` sees that count and may refuse it (the SIZE limit);
    /// on any error nothing changes.
    pub(crate) fn push(
        &mut self,
        piece: &[u8],
        fits: impl FnOnce(usize) -> Result<(), LocalError>,
    ) -> Result<usize, LocalError> {
        let staged = self.staged.back();
        let mark = staged.len();
        let saved = self.fixer.clone();
        let pushed = match &mut self.fixer {
            Some(f) => f.push(piece, staged),
            None => {
                staged.extend_from_slice(piece);
                Ok(())
            }
        };
        let added = staged.len() - mark;
        if let Err(e) = pushed.and_then(|()| fits(added)) {
            staged.truncate(mark);
            self.fixer = saved;
            return Err(e);
        }
        Ok(added)
    }

    /// The body ends: a CR held back by the line fixer is bare.
    pub(crate) fn finish(&mut self) -> Result<(), LocalError> {
        match &mut self.fixer {
            Some(f) => f.finish(self.staged.back()),
            None => Ok(()),
        }
    }

    /// The next chunk to send, as `(octets, last)`: a full chunk, or once
    /// the body `ended` what is left (possibly `BDAT 0 LAST`).
    pub(crate) fn next_chunk(&self, ended: bool) -> Option<(usize, bool)> {
        if self.last_sent {
            return None;
        }
        let waiting = self.waiting();
        if ended && waiting <= self.chunk {
            Some((waiting, true))
        } else if waiting >= self.chunk {
            Some((self.chunk, false))
        } else {
            None
        }
    }

    /// Appends the next `octets` staged octets to `out` (after their BDAT
    /// line, which the machine wrote).
    pub(crate) fn send(&mut self, octets: usize, last: bool, out: &mut Vec<u8>) {
        let pending = self.staged.pending();
        out.extend_from_slice(pending.get(..octets).unwrap_or(pending));
        self.staged.consume(octets);
        self.last_sent |= last;
    }
}

#[cfg(test)]
mod tests;
