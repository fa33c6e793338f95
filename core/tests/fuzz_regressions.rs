//! One named test per fuzzing finding (fuzz/README.md lists them): each
//! reproduces the minimised input the fuzzer found, and failed before the
//! fix.

use smtp_core::reply::ReplyParser;
use smtp_core::{Reply, ReplyCode};

/// Finding 1 (roundtrip_reply): `ReplyCode::new(368)` was accepted, so
/// `Reply::new` encoded `368 x`, a line `ReplyParser` refuses: RFC 5321
/// §4.2 `Reply-code = %x32-35 %x30-35 %x30-39`. Every code the type
/// accepts must survive encode then parse.
#[test]
fn reply_code_outside_grammar_round_trips() {
    for n in 0..=999u16 {
        let Some(code) = ReplyCode::new(n) else {
            continue;
        };
        let wire = Reply::new(code, "x").to_bytes();
        let mut parser = ReplyParser::new();
        let (consumed, reply) = parser.parse(&wire);
        assert_eq!(consumed, wire.len(), "code {n}");
        assert_eq!(
            reply.map(|r| r.map(|r| r.code())),
            Some(Ok(code)),
            "ReplyCode::new({n}) is accepted but its reply does not parse"
        );
    }
}
