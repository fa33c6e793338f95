use alloc::vec::Vec;

use super::*;
use crate::body::BareLineEndingPolicy;

fn text(chunk: usize) -> BdatBody {
    BdatBody::new(chunk, Some(LineFixer::new(BareLineEndingPolicy::Normalize)))
}

/// Cuts every chunk that may go, as the machine would with no window.
fn cut(body: &mut BdatBody, ended: bool) -> Vec<(usize, bool, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some((n, last)) = body.next_chunk(ended) {
        let mut data = Vec::new();
        body.send(n, last, &mut data);
        out.push((n, last, data));
    }
    out
}

#[test]
fn full_chunks_go_and_the_rest_waits_for_the_end() {
    let mut b = text(4);
    assert_eq!(b.push(b"hello wo", |_| Ok(())), Ok(8));
    let chunks = cut(&mut b, false);
    assert_eq!(
        chunks,
        [(4, false, b"hell".to_vec()), (4, false, b"o wo".to_vec())]
    );
    assert_eq!(b.push(b"rld", |_| Ok(())), Ok(3));
    assert_eq!(b.next_chunk(false), None, "a partial chunk waits");
    b.finish().unwrap();
    assert_eq!(cut(&mut b, true), [(3, true, b"rld".to_vec())]);
    assert_eq!(b.next_chunk(true), None, "nothing after LAST");
    assert!(!b.has_room());
}

#[test]
fn an_empty_or_exact_body_ends_with_its_own_last_chunk() {
    let mut b = text(4);
    assert_eq!(cut(&mut b, true), [(0, true, Vec::new())]);
    let mut b = text(4);
    b.push(b"abcd", |_| Ok(())).unwrap();
    // The full chunk is the last one once the body ended.
    assert_eq!(cut(&mut b, true), [(4, true, b"abcd".to_vec())]);
}

#[test]
fn a_refused_piece_changes_nothing() {
    let mut b = text(100);
    b.push(b"ab\r", |_| Ok(())).unwrap();
    // The held CR and the new octets are counted, then refused (SIZE).
    let refused = b.push(b"\ncd\n", |added| {
        assert_eq!(added, 6, "CRLF, c, d, and the bare LF as CRLF");
        Err(LocalError::MessageTooLarge { size: 9, limit: 5 })
    });
    assert!(refused.is_err());
    assert_eq!(b.waiting(), 2);
    b.push(b"\n", |_| Ok(())).unwrap();
    b.finish().unwrap();
    assert_eq!(cut(&mut b, true), [(4, true, b"ab\r\n".to_vec())]);
}

#[test]
fn binary_bodies_go_untouched() {
    let mut b = BdatBody::new(3, None);
    b.push(b"\n\r\0\r", |_| Ok(())).unwrap();
    b.finish().unwrap();
    assert_eq!(
        cut(&mut b, true),
        [(3, false, b"\n\r\0".to_vec()), (1, true, b"\r".to_vec())]
    );
}

#[test]
fn room_is_one_chunk_and_sent_octets_are_dropped() {
    let mut b = text(4);
    assert!(b.has_room());
    b.push(&[b'x'; 10], |_| Ok(())).unwrap();
    assert!(!b.has_room(), "a whole chunk waits: no more pieces");
    let mut out = Vec::new();
    b.send(4, false, &mut out);
    b.send(4, false, &mut out);
    assert_eq!(b.waiting(), 2);
    assert!(b.has_room());
    // The sent front is gone, not kept behind a cursor.
    assert!(
        b.staged.back().len() <= 4,
        "staged {} octets",
        b.staged.back().len()
    );
}
