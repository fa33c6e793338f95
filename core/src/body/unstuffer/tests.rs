//! Table tests for the unstuffer: smuggling attempts, line lengths, the
//! normalising option, every split of every fixture.
#![allow(clippy::type_complexity)]

use super::*;
use std::vec::Vec;

/// Feeds `chunks` as a server does: a finished unstuffer leaves the rest of
/// the chunk, and every later chunk, to the next command.
pub(crate) fn feed(u: &mut DotUnstuffer, chunks: &[&[u8]]) -> (Vec<u8>, bool, Vec<u8>) {
    let mut out = Vec::new();
    let mut left = Vec::new();
    for chunk in chunks {
        if u.is_finished() {
            left.extend_from_slice(chunk);
            continue;
        }
        let d = u.decode(chunk, &mut out);
        assert!(d.consumed <= chunk.len());
        if d.finished {
            left.extend_from_slice(&chunk[d.consumed..]);
        } else {
            assert_eq!(
                d.consumed,
                chunk.len(),
                "only a finished decode leaves input"
            );
        }
    }
    (out, u.is_finished(), left)
}

/// Whole, byte by byte, and split in two at every offset: all must agree.
fn check_all_splits(cfg: UnstufferConfig, wire: &[u8]) -> (Vec<u8>, bool, Vec<u8>, BodyStats) {
    let mut u = DotUnstuffer::with_config(cfg);
    let whole = feed(&mut u, &[wire]);
    let stats = u.stats();
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    let mut u = DotUnstuffer::with_config(cfg);
    assert_eq!(feed(&mut u, &bytes), whole, "byte by byte: {wire:?}");
    assert_eq!(u.stats(), stats);
    for cut in 0..=wire.len() {
        let (a, b) = wire.split_at(cut);
        let mut u = DotUnstuffer::with_config(cfg);
        assert_eq!(feed(&mut u, &[a, b]), whole, "split at {cut}: {wire:?}");
        assert_eq!(u.stats(), stats, "split at {cut}");
    }
    (whole.0, whole.1, whole.2, stats)
}

/// SMTP smuggling end-of-data attempts (SEC Consult, Dec 2023, and
/// variants). None ends the data; what follows is message text.
/// (name, attempt, message text it becomes, bare CR seen, bare LF seen)
#[rustfmt::skip]
const SMUGGLING: &[(&str, &[u8], &[u8], bool, bool)] = &[
    ("LF . LF", b"\n.\n", b"\n.\n", false, true),
    ("LF . CR", b"\n.\r", b"\n.\r", true, true),
    ("CR . LF", b"\r.\n", b"\r.\n", true, true),
    ("CR . CR", b"\r.\r", b"\r.\r", true, false),
    ("LF . CRLF", b"\n.\r\n", b"\n.\r\n", false, true),
    ("CR . CRLF", b"\r.\r\n", b"\r.\r\n", true, false),
    ("CRLF NUL . CRLF", b"\r\n\x00.\r\n", b"\r\n\x00.\r\n", false, false),
    ("CRLF . CR CRLF", b"\r\n.\r\r\n", b"\r\n\r\r\n", true, false),
    ("CR CRLF . CR CRLF", b"\r\r\n.\r\r\n", b"\r\r\n\r\r\n", true, false),
    ("CRLF . LF", b"\r\n.\n", b"\r\n\n", false, true),
    ("CRLF . CR", b"\r\n.\r", b"\r\n\r", true, false),
];

#[test]
fn smuggling_attempts_do_not_end_data() {
    for (name, attempt, text, bare_cr, bare_lf) in SMUGGLING {
        let mut wire = b"Hello".to_vec();
        wire.extend_from_slice(attempt);
        wire.extend_from_slice(b"MAIL FROM:<evil@x>\r\n.\r\nQUIT\r\n");
        let (out, finished, left, stats) = check_all_splits(UnstufferConfig::default(), &wire);
        let mut want = b"Hello".to_vec();
        want.extend_from_slice(text);
        want.extend_from_slice(b"MAIL FROM:<evil@x>\r\n");
        assert!(finished, "{name}");
        assert_eq!(out, want, "{name}");
        assert_eq!(left, b"QUIT\r\n", "{name}");
        assert_eq!(
            (stats.bare_cr, stats.bare_lf),
            (*bare_cr, *bare_lf),
            "{name}"
        );
        assert_eq!(stats.octets, out.len() as u64);
        assert_eq!(stats.wire_octets, (wire.len() - 6) as u64);
    }
}

#[test]
fn smuggling_attempts_at_the_very_start() {
    // Right after the 354 the data is at a line start.
    for (name, attempt, _, _, _) in SMUGGLING {
        let mut wire = attempt.to_vec();
        wire.extend_from_slice(b"X\r\n.\r\n");
        let (out, finished, left, _) = check_all_splits(UnstufferConfig::default(), &wire);
        assert!(finished, "{name}");
        assert!(left.is_empty(), "{name}");
        assert!(out.ends_with(b"X\r\n"), "{name}: {out:?}");
    }
}

#[test]
fn table() {
    #[rustfmt::skip]
    let cases: &[(&str, &[u8], &[u8], bool, &[u8])] = &[
        ("empty body", b".\r\n", b"", true, b""),
        ("empty body then command", b".\r\nQUIT\r\n", b"", true, b"QUIT\r\n"),
        ("dot on the first line", b"..x\r\n.\r\n", b".x\r\n", true, b""),
        ("lone stuffed dot first", b"..\r\n.\r\n", b".\r\n", true, b""),
        ("first-line dot, no stuffing", b".x\r\n.\r\n", b"x\r\n", true, b""),
        ("dots later", b"a\r\n...b\r\n..\r\n.\r\n", b"a\r\n..b\r\n.\r\n", true, b""),
        ("dot mid-line", b"a.b\r\n.\r\n", b"a.b\r\n", true, b""),
        ("empty lines", b"\r\n\r\n.\r\n", b"\r\n\r\n", true, b""),
        ("unfinished", b"a\r\n.", b"a\r\n", false, b""),
        ("unfinished CR", b"a\r", b"a", false, b""),
        ("dot CR held", b"a\r\n.\r", b"a\r\n", false, b""),
        ("pipelined after", b"x\r\n.\r\nMAIL FROM:<a@b>\r\n", b"x\r\n", true, b"MAIL FROM:<a@b>\r\n"),
        ("terminator twice", b".\r\n.\r\n", b"", true, b".\r\n"),
    ];
    for (name, wire, want, finished, left) in cases {
        let (out, fin, rest, _) = check_all_splits(UnstufferConfig::default(), wire);
        assert_eq!(
            (out.as_slice(), fin, rest.as_slice()),
            (*want, *finished, *left),
            "{name}"
        );
    }
}

#[test]
fn normalize_option() {
    let cfg = UnstufferConfig {
        normalize_bare: true,
        ..UnstufferConfig::default()
    };
    #[rustfmt::skip]
    let cases: &[(&[u8], &[u8])] = &[
        (b"a\nb\r\n.\r\n", b"a\r\nb\r\n"),
        (b"a\rb\r\n.\r\n", b"a\r\nb\r\n"),
        (b"a\r\r\n.\r\n", b"a\r\n\r\n"),
        // Normalising output never creates a line start: the dot stays.
        (b"a\n.\r\n.\r\n", b"a\r\n.\r\n"),
        (b"x\r\n.\rb\r\n.\r\n", b"x\r\n\r\nb\r\n"),
    ];
    for (wire, want) in cases {
        let (out, fin, _, stats) = check_all_splits(cfg, wire);
        assert!(fin);
        assert_eq!(out, *want, "{wire:?}");
        assert!(stats.bare_cr || stats.bare_lf);
    }
}

#[test]
fn line_lengths() {
    let mut long = Vec::new();
    long.extend_from_slice(b"..");
    long.extend_from_slice(&[b'a'; 997]);
    long.extend_from_slice(b"\r\nshort\r\n.\r\n");
    // ".": stuffing dot not counted, so 1 + 997 + 2 = 1000: at the limit.
    let (_, _, _, stats) = check_all_splits(UnstufferConfig::default(), &long);
    assert_eq!(stats.longest_line, 1000);
    let mut u = DotUnstuffer::new();
    let _ = u.decode(&long, &mut Vec::new());
    assert!(!u.line_too_long());
    let cfg = UnstufferConfig {
        text_line_limit: 999,
        ..UnstufferConfig::default()
    };
    let mut u = DotUnstuffer::with_config(cfg);
    let _ = u.decode(&long, &mut Vec::new());
    assert!(u.line_too_long());
    // A line in progress counts too.
    let mut u = DotUnstuffer::new();
    let _ = u.decode(&[b'x'; 1200], &mut Vec::new());
    assert!(u.line_too_long());
    assert_eq!(u.stats().longest_line, 1200);
}

#[test]
fn done_consumes_nothing_more() {
    let mut u = DotUnstuffer::new();
    let mut out = Vec::new();
    assert!(u.decode(b".\r\n", &mut out).finished);
    assert_eq!(
        u.decode(b"abc", &mut out),
        Decoded {
            consumed: 0,
            finished: true
        }
    );
    assert!(out.is_empty());
}
