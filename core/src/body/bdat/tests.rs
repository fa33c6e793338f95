//! BDAT chunk counting.

use std::vec::Vec;

use super::*;

#[test]
fn reads_a_chunk_and_leaves_the_next_command() {
    let mut r = BdatReader::new(5);
    let mut data = Vec::new();
    assert_eq!(r.read(b"ab", &mut data), (2, false));
    assert_eq!(r.read(b"c\r\nQUIT\r\n", &mut data), (3, true));
    assert_eq!(data, b"abc\r\n");
    // Zero-copy: the first `n` octets of the caller's buffer are chunk data.
    let mut r = BdatReader::new(3);
    assert_eq!(r.take(10), (3, true));
}

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
