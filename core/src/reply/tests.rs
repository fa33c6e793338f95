//! Table tests and property tests for replies.

use alloc::vec::Vec;
use std::format;

use proptest::prelude::*;

use super::*;

fn code(n: u16) -> ReplyCode {
    ReplyCode::new(n).unwrap()
}

fn lines<'a>(ls: &[&'a str]) -> Vec<&'a [u8]> {
    ls.iter().map(|l| l.as_bytes()).collect()
}

/// Parses `input` whole; expects one reply and returns it with the count.
fn parse_all(input: &[u8]) -> (usize, Option<Result<Reply, ReplyError>>) {
    ReplyParser::new().parse(input)
}

/// Feeds `input` in pieces cut at `cuts`, keeping unconsumed bytes as a
/// caller would; returns the replies and the leftover bytes.
fn parse_chunked(input: &[u8], cuts: &[usize]) -> (Vec<Result<Reply, ReplyError>>, Vec<u8>) {
    let mut parser = ReplyParser::new();
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut start = 0;
    let mut ends: Vec<usize> = cuts.iter().map(|&c| c.min(input.len())).collect();
    ends.sort_unstable();
    ends.push(input.len());
    for end in ends {
        buf.extend_from_slice(&input[start..end.max(start)]);
        start = start.max(end);
        loop {
            let (n, r) = parser.parse(&buf);
            assert!(n <= buf.len());
            buf.drain(..n);
            match r {
                Some(r) => {
                    let fatal = r.is_err();
                    out.push(r);
                    if fatal {
                        return (out, buf);
                    }
                }
                None => break,
            }
        }
    }
    (out, buf)
}

#[test]
fn table_single_and_multi_line() {
    let cases: &[(&[u8], u16, &[&str], usize)] = &[
        (b"250 OK\r\n", 250, &["OK"], 8),
        (b"250\r\n", 250, &[""], 5),
        (b"250 \r\n", 250, &[""], 6),
        (b"220 mx ESMTP\n", 220, &["mx ESMTP"], 13),
        (b"250-a\r\n250-b\r\n250 c\r\n", 250, &["a", "b", "c"], 21),
        (b"250-a\r\n250\r\n", 250, &["a", ""], 12),
        (b"250-\r\n250 x\r\n", 250, &["", "x"], 13),
        (
            b"250 2.1.0  spaced  \r\nNEXT",
            250,
            &["2.1.0  spaced  "],
            21,
        ),
        (b"554 a\rb\r\n", 554, &["a\rb"], 9),
    ];
    for &(input, c, ls, consumed) in cases {
        let (n, r) = parse_all(input);
        let r = r.unwrap().unwrap();
        assert_eq!(n, consumed, "{input:?}");
        assert_eq!(r.code(), code(c));
        assert_eq!(r.lines().collect::<Vec<_>>(), lines(ls), "{input:?}");
    }
}

#[test]
fn incomplete_input_waits() {
    for input in [&b""[..], b"25", b"250 OK\r", b"250-a\r\n250 b"] {
        let mut p = ReplyParser::new();
        let (n, r) = p.parse(input);
        assert!(r.is_none(), "{input:?}");
        assert_eq!(n, if input.starts_with(b"250-a") { 7 } else { 0 });
    }
}

#[test]
fn errors() {
    let bad = |input: &[u8]| parse_all(input).1.unwrap().unwrap_err();
    let malformed = |input: &[u8]| {
        assert!(
            matches!(bad(input), ReplyError::Malformed { .. }),
            "{input:?}"
        );
    };
    malformed(b"250-a\r\n251 b\r\n"); // inconsistent codes
    malformed(b"150 x\r\n"); // first digit 1
    malformed(b"650 x\r\n"); // first digit 6
    malformed(b"260 x\r\n"); // second digit 6
    malformed(b"2x0 x\r\n");
    malformed(b"25\r\n");
    malformed(b"250x\r\n");
    malformed(b"\r\n");
    let strict = ReplyParserConfig {
        allow_bare_lf: false,
        ..ReplyParserConfig::default()
    };
    let (_, r) = ReplyParser::with_config(strict).parse(b"250 OK\n");
    assert!(matches!(r, Some(Err(ReplyError::Malformed { .. }))));
    let (_, r) = ReplyParser::with_config(strict).parse(b"250 OK\r\n");
    assert!(matches!(r, Some(Ok(_))));
    // A bare CR inside a line: refused when strict (RFC 5321 §2.3.8), kept
    // as text when lenient.
    let (n, r) = ReplyParser::with_config(strict).parse(b"250 O\rK\r\n250 x\r\n");
    assert!(matches!(r, Some(Err(ReplyError::Malformed { .. }))));
    assert_eq!(n, 9);
    let (_, r) = ReplyParser::new().parse(b"250 O\rK\r\n");
    let reply = r.unwrap().unwrap();
    assert_eq!(reply.lines().collect::<Vec<_>>(), [b"O\rK".as_slice()]);
}

#[test]
fn long_line_detected_without_lf() {
    // 511 octets + CRLF = 513 > 512.
    let mut input = b"250 ".to_vec();
    input.resize(512, b'x');
    let (n, r) = ReplyParser::new().parse(&input);
    assert_eq!(n, 0);
    assert_eq!(r, Some(Err(ReplyError::LineTooLong { limit: 512 })));
    // One octet less may still end in LF: wait.
    let (_, r) = ReplyParser::new().parse(&input[..511]);
    assert_eq!(r, None);
    // Exactly 512 with CRLF is fine.
    let mut ok = input[..510].to_vec();
    ok.extend_from_slice(b"\r\n");
    assert!(matches!(ReplyParser::new().parse(&ok).1, Some(Ok(_))));
    let mut over = input[..511].to_vec();
    over.extend_from_slice(b"\r\n");
    assert_eq!(
        ReplyParser::new().parse(&over).1,
        Some(Err(ReplyError::LineTooLong { limit: 512 }))
    );
}

#[test]
fn too_many_lines_and_octets() {
    let cfg = ReplyParserConfig {
        max_lines: 3,
        ..ReplyParserConfig::default()
    };
    let (_, r) = ReplyParser::with_config(cfg).parse(b"250-a\r\n250-b\r\n250 c\r\n");
    assert!(matches!(r, Some(Ok(_))));
    let (n, r) = ReplyParser::with_config(cfg).parse(b"250-a\r\n250-b\r\n250-c\r\n250 d\r\n");
    assert_eq!(r, Some(Err(ReplyError::TooManyLines { limit: 3 })));
    assert_eq!(n, 28);
    let cfg = ReplyParserConfig {
        max_octets: 20,
        ..ReplyParserConfig::default()
    };
    let (_, r) = ReplyParser::with_config(cfg).parse(b"250-aaaa\r\n250-bbbb\r\n250 c\r\n");
    assert_eq!(r, Some(Err(ReplyError::TooManyOctets { limit: 20 })));
    // The default line cap holds across calls, one line at a time.
    let mut p = ReplyParser::new();
    let mut err = None;
    for _ in 0..=DEFAULT_MAX_REPLY_LINES {
        let (n, r) = p.parse(b"250-x\r\n");
        assert_eq!(n, 7);
        if let Some(r) = r {
            err = Some(r);
            break;
        }
    }
    assert_eq!(
        err,
        Some(Err(ReplyError::TooManyLines {
            limit: DEFAULT_MAX_REPLY_LINES
        }))
    );
    assert!(!p.in_progress());
}

#[test]
fn stops_at_end_of_reply() {
    let input = b"250-a\r\n250 b\r\n354 go\r\n";
    let mut p = ReplyParser::new();
    let (n, r) = p.parse(input);
    assert_eq!(n, 14);
    assert_eq!(
        r.unwrap().unwrap().lines().collect::<Vec<_>>(),
        lines(&["a", "b"])
    );
    let (n2, r) = p.parse(&input[n..]);
    assert_eq!(n2, 8);
    assert_eq!(r.unwrap().unwrap().code(), ReplyCode::START_MAIL_INPUT);
}

#[test]
fn constructors() {
    let r = Reply::new(ReplyCode::OK, "2.1.0 Sender ok");
    assert_eq!(r.enhanced(), EnhancedStatus::new(2, 1, 0));
    assert_eq!(r.to_bytes(), b"250 2.1.0 Sender ok\r\n");
    let r = Reply::new(ReplyCode::OK, "a\r\nb\n");
    assert_eq!(r.lines().collect::<Vec<_>>(), lines(&["a", "b", ""]));
    assert_eq!(r.to_bytes(), b"250-a\r\n250-b\r\n250 \r\n");
    assert_eq!(Reply::new(ReplyCode::OK, "").to_bytes(), b"250 \r\n");
    let st = EnhancedStatus::new(5, 7, 1).unwrap();
    let r = Reply::with_enhanced(code(550), st, "no\nway");
    assert_eq!(r.to_bytes(), b"550-5.7.1 no\r\n550 5.7.1 way\r\n");
    assert_eq!(r.enhanced(), Some(st));
    let r = Reply::from_lines(code(221), &[b"bye\r\nnow".to_vec()]);
    assert_eq!(r.lines().collect::<Vec<_>>(), lines(&["bye", "now"]));
    let r = Reply::from_lines::<&[u8]>(code(221), &[]);
    assert_eq!(r.to_bytes(), b"221 \r\n");
    assert_eq!(r.enhanced(), None);
    assert_eq!(format!("{}", ReplyCode::SERVICE_READY), "220");
}

#[test]
fn text_matches_smtplib() {
    // Expected values follow smtplib: line[4:].strip(b' \t\r\n'), joined by \n.
    let (_, r) = parse_all(b"250-  a \t\r\n250-\r\n250 b c  \r\n");
    assert_eq!(r.unwrap().unwrap().trimmed_text(), b"a\n\nb c");
}

#[test]
fn enhanced_status_table() {
    let ok = [
        ("2.1.0", 2, 1, 0),
        ("5.7.123", 5, 7, 123),
        ("4.999.9", 4, 999, 9),
    ];
    for (s, c, sub, det) in ok {
        let st: EnhancedStatus = s.parse().unwrap();
        assert_eq!((st.class, st.subject, st.detail), (c, sub, det));
        assert_eq!(format!("{st}"), s);
    }
    for s in [
        "3.1.0", "2.1000.0", "2..0", "2.1.", "2.1.0 ", "x", "", "2.1.0.1",
    ] {
        assert!(s.parse::<EnhancedStatus>().is_err(), "{s}");
    }
    assert_eq!(Reply::new(ReplyCode::OK, "2.1.0x").enhanced(), None);
    assert!(Reply::new(ReplyCode::OK, "2.1.0").enhanced().is_some());
}

#[test]
fn encode_wraps_long_lines() {
    let word = "abcdefghi ";
    let text = word.repeat(120); // 1200 octets
    let st = EnhancedStatus::new(2, 0, 0).unwrap();
    for r in [
        Reply::new(ReplyCode::OK, &text),
        Reply::with_enhanced(ReplyCode::OK, st, &text),
        Reply::new(ReplyCode::OK, &"x".repeat(2000)),
    ] {
        let wire = r.to_bytes();
        let mut count = 0;
        for l in wire.split_inclusive(|&b| b == b'\n') {
            assert!(l.len() <= MAX_REPLY_LINE, "{}", l.len());
            assert!(l.ends_with(b"\r\n"));
            count += 1;
        }
        assert!(count >= 3);
        let parsed = parse_all(&wire).1.unwrap().unwrap();
        assert_eq!(parsed.code(), ReplyCode::OK);
        assert_eq!(parsed.enhanced(), r.enhanced());
        if r.enhanced().is_some() {
            assert!(parsed.lines().all(|l| l.starts_with(b"2.0.0 ")));
        }
        // Only the break spaces (and status prefixes) differ.
        let squash = |ls: crate::reply::Lines<'_>| -> Vec<u8> {
            ls.flat_map(|l| l.strip_prefix(b"2.0.0 ").unwrap_or(l))
                .copied()
                .filter(|&b| b != b' ')
                .collect()
        };
        assert_eq!(squash(parsed.lines()), squash(r.lines()));
    }
}

#[test]
fn encode_never_emits_raw_cr_lf() {
    // A parsed line may keep a stray CR; encoding must drop it.
    let r = parse_all(b"250 a\rb\r\n").1.unwrap().unwrap();
    assert_eq!(r.to_bytes(), b"250 ab\r\n");
}

fn arb_code() -> impl Strategy<Value = ReplyCode> {
    (2u16..=5, 0u16..=5, 0u16..=9).prop_map(|(a, b, c)| code(a * 100 + b * 10 + c))
}

fn arb_reply() -> impl Strategy<Value = Reply> {
    let line = proptest::collection::vec(0x20u8..0x7f, 0..60);
    let long = proptest::collection::vec(0x20u8..0x7f, 0..=506);
    let lines = proptest::collection::vec(prop_oneof![4 => line, 1 => long], 1..12);
    (arb_code(), lines).prop_map(|(c, ls)| Reply::from_lines(c, &ls))
}

proptest! {
    #[test]
    fn roundtrip_whole_and_trailing(r in arb_reply(), tail in proptest::collection::vec(any::<u8>(), 0..20)) {
        let mut wire = r.to_bytes();
        let len = wire.len();
        wire.extend_from_slice(&tail);
        let (n, got) = ReplyParser::new().parse(&wire);
        prop_assert_eq!(n, len);
        prop_assert_eq!(got, Some(Ok(r)));
    }

    #[test]
    fn roundtrip_split(r in arb_reply(), cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let mut wire = r.to_bytes();
        wire.extend_from_slice(b"220 next\r\n");
        let cuts: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        let (got, rest) = parse_chunked(&wire, &cuts);
        prop_assert_eq!(got.len(), 2);
        prop_assert_eq!(&got[0], &Ok(r));
        prop_assert!(rest.is_empty());
    }

    #[test]
    fn parser_never_panics(input in proptest::collection::vec(
        prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'-'), Just(b' '), b'0'..=b'9', any::<u8>()], 0..600),
        cuts in proptest::collection::vec(any::<usize>(), 0..4)) {
        let cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
        let _ = parse_chunked(&input, &cuts);
    }
}

#[test]
fn roundtrip_byte_by_byte() {
    let replies = [
        Reply::new(ReplyCode::OK, "mx.example\nPIPELINING\nSIZE 1000\n"),
        Reply::new(ReplyCode::SERVICE_READY, "x".repeat(506).as_str()),
        Reply::new(code(554), ""),
    ];
    for r in replies {
        let mut wire = r.to_bytes();
        wire.extend_from_slice(b"250 tail\r\n");
        let cuts: Vec<usize> = (0..wire.len()).collect();
        let (got, rest) = parse_chunked(&wire, &cuts);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], Ok(r));
        assert!(rest.is_empty());
    }
}

proptest! {
    #[test]
    fn wrapping_keeps_lines_within_limit(
        text in "[ -~]{0,3000}",
        status in proptest::option::of((prop_oneof![Just(2u8), Just(4), Just(5)], 0u16..1000, 0u16..1000)),
    ) {
        let r = match status {
            Some((c, s, d)) => Reply::with_enhanced(ReplyCode::OK, EnhancedStatus::new(c, s, d).unwrap(), &text),
            None => Reply::new(ReplyCode::OK, &text),
        };
        let wire = r.to_bytes();
        for l in wire.split_inclusive(|&b| b == b'\n') {
            prop_assert!(l.len() <= MAX_REPLY_LINE);
        }
        let (n, got) = ReplyParser::new().parse(&wire);
        prop_assert_eq!(n, wire.len());
        let got = got.unwrap().unwrap();
        prop_assert_eq!(got.enhanced(), r.enhanced());
        let squash = |ls: &[Vec<u8>]| -> Vec<u8> { ls.iter().flatten().copied().filter(|&b| b != b' ').collect() };
        let prefix_free = |ls: crate::reply::Lines<'_>| -> Vec<Vec<u8>> {
            ls.map(|l| match EnhancedStatus::prefix_len(l) {
                Some(n) if r.enhanced().is_some() => l.get(n..).unwrap_or_default().to_vec(),
                _ => l.to_vec(),
            }).collect()
        };
        prop_assert_eq!(squash(&prefix_free(got.lines())), squash(&prefix_free(r.lines())));
    }
}

proptest! {
    /// `from_joined` reads the enhanced status from at most the first
    /// `PREFIX_WINDOW` octets: the same status as from the whole first
    /// line, whatever follows it.
    #[test]
    fn the_status_window_sees_what_the_whole_first_line_shows(
        joined in proptest::collection::vec(
            proptest::sample::select(b"2459.0135 \nx".to_vec()), 0..24)
    ) {
        let first = joined.split(|&b| b == b'\n').next().unwrap_or_default();
        let expected = EnhancedStatus::parse_prefix(first);
        prop_assert_eq!(Reply::from_joined(code(250), joined.clone()).enhanced(), expected);
    }
}
