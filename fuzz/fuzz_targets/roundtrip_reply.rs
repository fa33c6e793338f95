//! Differential: a reply built by the application (`Reply::new`,
//! `with_enhanced` or `from_lines`) from arbitrary text encodes to clean
//! reply lines that `ReplyParser` reads back as the same reply.
//!
//! Input: a header byte (constructor), two bytes of code, three of enhanced
//! status, then the text (mapped onto the SMTP alphabet).
//!
//! Invariants:
//! * the encoding is CRLF lines of at most 512 octets (RFC 5321
//!   §4.5.3.1.5), each starting with the code, `-` on all but the last;
//! * the lines hold no CR or LF whatever the text held;
//! * parsing gives back the same code, and the same reply when no line
//!   needed wrapping; wrapped lines keep every non-space octet in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::reply::{ReplyParser, ReplyParserConfig};
use smtp_core::{EnhancedStatus, Reply, ReplyCode};
use smtp_fuzz::{assert_crlf_lines, smtp_bytes, Source};

/// Longest line text that is not wrapped: 512 minus `NNN-` and CRLF.
const MAX_TEXT: usize = 512 - 6;

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let n = 200 + src.u16() % 400;
    let Some(code) = ReplyCode::new(n) else {
        return;
    };
    // Finding 1 (fuzz_regressions::reply_code_outside_grammar_round_trips):
    // RFC 5321 §4.2 allows a second digit of 0-5 only.
    assert!(n / 10 % 10 <= 5, "ReplyCode::new({n}) accepted");
    let status = EnhancedStatus::new(src.byte(), u16::from(src.byte()), src.u16() % 1000);
    let text = smtp_bytes(src.rest());
    let reply = match (header % 3, status) {
        (0, _) => Reply::new(code, &String::from_utf8_lossy(&text)),
        (1, Some(st)) => Reply::with_enhanced(code, st, &String::from_utf8_lossy(&text)),
        _ => Reply::from_lines(code, &text.split(|&b| b == b'\n').collect::<Vec<_>>()),
    };
    assert!(reply.lines().next().is_some());
    for l in reply.lines() {
        assert!(
            !l.contains(&b'\r') && !l.contains(&b'\n'),
            "CR/LF kept in {l:?}"
        );
    }

    let wire = reply.to_bytes();
    assert_crlf_lines(&wire, "Reply::encode");
    let lines: Vec<&[u8]> = wire.split_inclusive(|&b| b == b'\n').collect();
    for (i, l) in lines.iter().enumerate() {
        assert!(l.len() <= 512, "reply line of {} octets", l.len());
        assert_eq!(&l[..3], &code.digits()[..]);
        let last = i + 1 == lines.len();
        match l.get(3) {
            Some(b'-') => assert!(!last, "last line with '-'"),
            Some(b' ') | Some(b'\r') => assert!(last, "'{}' before the end", l[3] as char),
            other => panic!("bad separator {other:?}"),
        }
    }

    let mut config = ReplyParserConfig::default();
    config.max_lines = usize::MAX;
    config.max_octets = usize::MAX;
    let mut parser = ReplyParser::with_config(config);
    let (n, r) = parser.parse(&wire);
    assert_eq!(n, wire.len(), "the parser stopped early");
    let back = r.expect("a complete reply").expect("a valid reply");
    assert_eq!(back.code(), code);
    if reply.lines().all(|l| l.len() <= MAX_TEXT) {
        assert_eq!(back, reply, "encode then parse is not the identity");
    } else {
        assert!(back.line_count() >= reply.line_count());
        let squash = |r: &Reply| -> Vec<u8> {
            r.lines()
                .flatten()
                .copied()
                .filter(|&b| b != b' ')
                .collect()
        };
        // Wrapping repeats the enhanced status prefix on each piece, so
        // compare with the prefixes dropped when the reply has one.
        if reply
            .lines()
            .all(|l| EnhancedStatus::parse_prefix(l).is_none())
        {
            assert_eq!(squash(&back), squash(&reply), "wrapping lost octets");
        }
    }
});
