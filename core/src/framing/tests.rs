#![allow(clippy::type_complexity)]

use super::*;
use proptest::prelude::*;
use std::vec;
use std::vec::Vec;

#[derive(Debug, PartialEq, Eq, Clone)]
enum Ev {
    Line(Vec<u8>),
    TooLong,
    Bare,
}

/// Feeds `chunks` the way a machine does: append, frame until incomplete,
/// drop what the framer says. Returns the events and what stays buffered.
fn run(framer: &mut LineFramer, chunks: &[&[u8]]) -> (Vec<Ev>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut evs = Vec::new();
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        loop {
            let frame = framer.next_line(&buf);
            match frame {
                Frame::Line { .. } => evs.push(Ev::Line(frame.line(&buf).unwrap().to_vec())),
                Frame::TooLong { .. } => evs.push(Ev::TooLong),
                Frame::BareLineEnding { .. } => evs.push(Ev::Bare),
                Frame::Incomplete { .. } => {}
            }
            assert!(frame.consumed() <= buf.len());
            buf.drain(..frame.consumed());
            if matches!(frame, Frame::Incomplete { .. }) {
                break;
            }
        }
        // The caller never holds more than the limit.
        assert!(buf.len() < framer.limit().max(1));
    }
    (evs, buf)
}

/// Independent model: split at every LF and classify each unit.
fn model(input: &[u8], limit: usize, strict: bool) -> (Vec<Ev>, Vec<u8>) {
    let mut evs = Vec::new();
    let mut rest = input;
    while let Some(lf) = rest.iter().position(|&b| b == b'\n') {
        let (unit, tail) = rest.split_at(lf + 1);
        rest = tail;
        let body = &unit[..unit.len() - 1];
        let (text, crlf) = match body.last() {
            Some(b'\r') => (&body[..body.len() - 1], true),
            _ => (body, false),
        };
        evs.push(if unit.len() > limit {
            Ev::TooLong
        } else if !strict || (crlf && !text.contains(&b'\r')) {
            Ev::Line(text.to_vec())
        } else {
            Ev::Bare
        });
    }
    let kept = if rest.len() >= limit {
        Vec::new()
    } else {
        rest.to_vec()
    };
    (evs, kept)
}

#[test]
fn table() {
    use Ev::*;
    let l = |s: &str| Line(s.as_bytes().to_vec());
    #[rustfmt::skip]
    let cases: Vec<(&str, &[u8], usize, LineEndings, Vec<Ev>, &[u8])> = vec![
        ("one line", b"NOOP\r\n", 512, LineEndings::Strict, vec![l("NOOP")], b""),
        ("two lines and a tail", b"NOOP\r\nQUIT\r\nRS", 512, LineEndings::Strict, vec![l("NOOP"), l("QUIT")], b"RS"),
        ("empty line", b"\r\n", 512, LineEndings::Strict, vec![l("")], b""),
        ("bare LF strict", b"NOOP\nQUIT\r\n", 512, LineEndings::Strict, vec![Bare, l("QUIT")], b""),
        ("bare LF lenient", b"NOOP\nQUIT\r\n", 512, LineEndings::Lenient, vec![l("NOOP"), l("QUIT")], b""),
        ("bare CR strict", b"NO\rOP\r\n", 512, LineEndings::Strict, vec![Bare], b""),
        ("bare CR lenient kept", b"NO\rOP\r\n", 512, LineEndings::Lenient, vec![l("NO\rOP")], b""),
        ("CR CR LF strict", b"X\r\r\n", 512, LineEndings::Strict, vec![Bare], b""),
        ("CR CR LF lenient", b"X\r\r\n", 512, LineEndings::Lenient, vec![l("X\r")], b""),
        ("exactly the limit", b"ABCDEF\r\n", 8, LineEndings::Strict, vec![l("ABCDEF")], b""),
        ("one over the limit", b"ABCDEFG\r\nOK\r\n", 8, LineEndings::Strict, vec![TooLong, l("OK")], b""),
        ("tail at limit is dropped", b"OK\r\nABCDEFGH", 8, LineEndings::Strict, vec![l("OK")], b""),
        ("tail below limit kept", b"OK\r\nABCDEFG", 8, LineEndings::Strict, vec![l("OK")], b"ABCDEFG"),
        ("CR at end waits", b"NOOP\r", 512, LineEndings::Strict, vec![], b"NOOP\r"),
        ("long bare-LF line is TooLong", b"ABCDEFGHIJ\nOK\r\n", 8, LineEndings::Strict, vec![TooLong, l("OK")], b""),
    ];
    for (name, input, limit, endings, want, kept) in &cases {
        let mut framer = LineFramer::new(*limit, *endings);
        let (evs, buf) = run(&mut framer, &[input]);
        assert_eq!(&evs, want, "{name}");
        assert_eq!(&buf, kept, "{name}: kept");
        // Byte by byte gives the same.
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let mut framer = LineFramer::new(*limit, *endings);
        let (evs, buf) = run(&mut framer, &bytes);
        assert_eq!(&evs, want, "{name} (byte by byte)");
        assert_eq!(&buf, kept, "{name}: kept (byte by byte)");
    }
}

#[test]
fn frame_offsets() {
    let mut f = LineFramer::new(512, LineEndings::Strict);
    assert_eq!(
        f.next_line(b"AB\nC"),
        Frame::BareLineEnding {
            offset: 2,
            consumed: 3
        }
    );
    assert_eq!(
        f.next_line(b"A\rB\r\n"),
        Frame::BareLineEnding {
            offset: 1,
            consumed: 5
        }
    );
    assert_eq!(
        f.next_line(b"AB\r\nC"),
        Frame::Line {
            len: 2,
            consumed: 4
        }
    );
    assert_eq!(f.next_line(b""), Frame::Incomplete { consumed: 0 });
    let mut f = LineFramer::new(512, LineEndings::Lenient);
    assert_eq!(
        f.next_line(b"AB\nC"),
        Frame::Line {
            len: 2,
            consumed: 3
        }
    );
}

#[test]
fn too_long_reported_once_across_reads() {
    let mut f = LineFramer::new(4, LineEndings::Strict);
    assert_eq!(f.next_line(b"ABC"), Frame::Incomplete { consumed: 0 });
    assert_eq!(f.next_line(b"ABCD"), Frame::Incomplete { consumed: 4 });
    assert!(f.is_skipping());
    assert_eq!(f.next_line(b""), Frame::Incomplete { consumed: 0 });
    assert_eq!(f.next_line(b"EF"), Frame::Incomplete { consumed: 2 });
    assert_eq!(f.next_line(b"G\r\nOK\r\n"), Frame::TooLong { consumed: 3 });
    assert!(!f.is_skipping());
    assert_eq!(
        f.next_line(b"OK\r\n"),
        Frame::Line {
            len: 2,
            consumed: 4
        }
    );
    // A whole over-long line in one buffer needs no skipping.
    assert_eq!(f.next_line(b"ABCDEFG\r\nX"), Frame::TooLong { consumed: 9 });
    assert!(!f.is_skipping());
}

#[test]
fn tiny_limits_do_not_panic() {
    for limit in 0..4 {
        for endings in [LineEndings::Strict, LineEndings::Lenient] {
            let mut f = LineFramer::new(limit, endings);
            let (evs, _) = run(&mut f, &[b"\r\n\n\rX\r\n"]);
            let (want, _) = model(b"\r\n\n\rX\r\n", limit, endings == LineEndings::Strict);
            assert_eq!(evs, want, "limit {limit}");
        }
    }
}

fn smtpish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b'\r'),
            Just(b'\n'),
            Just(b'A'),
            Just(b'.'),
            any::<u8>()
        ],
        0..200,
    )
}

proptest! {
    #[test]
    fn same_lines_however_split(
        input in smtpish(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        limit in 0usize..40,
        strict in any::<bool>(),
    ) {
        let endings = if strict { LineEndings::Strict } else { LineEndings::Lenient };
        let want = model(&input, limit, strict);
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for p in points { chunks.push(&input[prev..p]); prev = p; }
        chunks.push(&input[prev..]);
        let got = run(&mut LineFramer::new(limit, endings), &chunks);
        prop_assert_eq!(&got, &want);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let got = run(&mut LineFramer::new(limit, endings), &bytes);
        prop_assert_eq!(&got, &want);
    }
}
