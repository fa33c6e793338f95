//! The kept message handed to Python as one `bytes` object, built without
//! ever holding the message twice.
//!
//! pyo3's safe constructors zero-fill a new `bytes` before it is written
//! (`PyBytes::new_with`), or, under the limited API this module is built
//! for, collect into a `Vec` and copy it (`PyBytes::new_with_writer`):
//! either way every page of the message is touched twice, and the peak
//! is the kept blocks plus a full copy. Here the object is allocated
//! uninitialised, so its pages become resident only as they are written,
//! and each kept block is freed as soon as it is copied, the last block
//! first (the most recently allocated memory goes back first). The peak
//! stays near one message plus one block.
#![allow(unsafe_code)]

use pyo3::exceptions::PyValueError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// One `bytes` of `total` octets from `blocks`, whose lengths add up to
/// `total`; the blocks are consumed (freed one by one while copying).
pub(super) fn bytes_from_blocks(
    py: Python<'_>,
    total: usize,
    mut blocks: Vec<Vec<u8>>,
) -> PyResult<Bound<'_, PyBytes>> {
    // Every octet of the object is written below, or it is not returned.
    if blocks.iter().map(Vec::len).sum::<usize>() != total {
        return Err(PyValueError::new_err("kept message blocks do not add up"));
    }
    let len = ffi::Py_ssize_t::try_from(total)
        .map_err(|_| PyValueError::new_err("message too large for a bytes object"))?;
    // SAFETY: PyBytes_FromStringAndSize(NULL, len) returns a new reference
    // to a bytes object of `len` uninitialised octets (or NULL with an
    // exception set, which from_owned_ptr_or_err turns into Err); it is a
    // bytes object, so the unchecked cast holds. PyBytes_AsString gives
    // its buffer of `len` octets (plus the trailing NUL CPython keeps),
    // valid while `bytes` lives. The loop writes exactly `len` octets:
    // the block lengths add up to `total` (checked above), each block is
    // copied to `[end - block.len(), end)`, and `end` goes from `total`
    // down to 0 without underflow. Nothing reads the buffer before it is
    // filled, and no Python code runs meanwhile (the GIL is held).
    unsafe {
        let ptr = ffi::PyBytes_FromStringAndSize(std::ptr::null(), len);
        let bytes = Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked::<PyBytes>();
        let buffer = ffi::PyBytes_AsString(ptr).cast::<u8>();
        if buffer.is_null() {
            return Err(PyErr::fetch(py));
        }
        let mut end = total;
        while let Some(block) = blocks.pop() {
            end -= block.len();
            std::ptr::copy_nonoverlapping(block.as_ptr(), buffer.add(end), block.len());
            // Freed before the next copy touches new pages.
            drop(block);
        }
        Ok(bytes)
    }
}
