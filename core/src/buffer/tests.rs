use super::CursorBuffer;

#[test]
fn taking_moves_the_cursor_and_an_empty_buffer_restarts() {
    let mut b = CursorBuffer::default();
    b.extend(b"EHLO x\r\nNOOP\r\n");
    b.consume(3);
    assert_eq!(b.pending(), b"O x\r\nNOOP\r\n");
    b.consume(100);
    assert_eq!(b.len(), 0);
    assert_eq!(b.pending(), b"");
    // The vector was cleared, not reallocated: the next octets start at 0.
    b.extend(b"QUIT\r\n");
    assert_eq!(b.pending(), b"QUIT\r\n");
    assert_eq!(b.len(), 6);
}

#[test]
fn a_buffer_that_never_empties_stays_bounded() {
    let mut b = CursorBuffer::default();
    // Append 10 octets, take 9, a thousand times: only the untaken octets
    // (and at most as many taken ones) are ever kept.
    for i in 0..1000u32 {
        b.extend(&[i as u8; 10]);
        b.consume(9);
        assert!(
            b.bytes.len() <= 2 * b.len() + 10,
            "grew to {}",
            b.bytes.len()
        );
    }
    assert_eq!(b.len(), 1000);
    assert_eq!(b.pending().last(), Some(&(999u32 as u8)));
}

#[test]
fn octets_appended_at_the_back_are_pending() {
    let mut b = CursorBuffer::default();
    b.extend(b"ab");
    b.consume(1);
    b.back().extend_from_slice(b"cd");
    assert_eq!(b.pending(), b"bcd");
    b.clear();
    assert_eq!(b.len(), 0);
    b.extend(b"x");
    b.release();
    assert_eq!(b.len(), 0);
}
