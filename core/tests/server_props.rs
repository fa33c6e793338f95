//! Property tests: input drawn from an SMTP alphabet, split anywhere, never
//! panics, and gives the same events and bytes as the same input whole.

mod server_support;

use proptest::prelude::*;
use server_support::*;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, ServerConfig};

const TOKENS: &[&[u8]] = &[
    b"EHLO c\r\n",
    b"HELO c\r\n",
    b"LHLO c\r\n",
    b"MAIL FROM:<a@b.example>\r\n",
    b"MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME\r\n",
    b"MAIL FROM:<a@b.example> BODY=BINARYMIME\r\n",
    b"RCPT TO:<x@y.example>\r\n",
    b"RCPT TO:<x@y.example> NOTIFY=NEVER\r\n",
    b"DATA\r\n",
    b"BDAT 5\r\n",
    b"BDAT 3 LAST\r\n",
    b"BDAT 0 LAST\r\n",
    b"RSET\r\n",
    b"NOOP\r\n",
    b"VRFY x\r\n",
    b"HELP\r\n",
    b"QUIT\r\n",
    b"STARTTLS\r\n",
    b"AUTH PLAIN\r\n",
    b"AUTH LOGIN dXNlcg==\r\n",
    b"AHVzZXIAcHc=\r\n",
    b"*\r\n",
    b".\r\n",
    b"..\r\n",
    b"\r\n",
    b"\r\n.\r\n",
    b"\n.\n",
    b"\r",
    b"\n",
    b".",
    b"x",
    b"\x00",
    b"\xff\xfe",
    b"hello world\r\n",
];

fn token() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(|t| t.to_vec()),
        1 => prop::collection::vec(any::<u8>(), 0..20),
        1 => (1usize..1500).prop_map(|n| vec![b'A'; n]),
    ]
}

fn config(lmtp: bool) -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions |= Extensions::CHUNKING
        | Extensions::BINARY_MIME
        | Extensions::DSN
        | Extensions::STARTTLS
        | Extensions::VRFY
        | Extensions::HELP;
    c.max_message_size = Some(200);
    c.auth_mechanisms = vec!["PLAIN".into(), "LOGIN".into()];
    c.auth_requires_tls = false;
    c.max_bad_commands = 1000;
    c.lmtp = lmtp;
    c
}

fn run(lmtp: bool, chunks: &[&[u8]], eof: bool) -> (Vec<Event>, Vec<u8>) {
    let mut h = Harness::new(config(lmtp));
    for c in chunks {
        h.feed(c);
    }
    if eof {
        h.eof();
    }
    (h.normalized_events(), h.wire)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn split_anywhere_same_result(
        tokens in prop::collection::vec(token(), 0..60),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        lmtp in any::<bool>(),
        eof in any::<bool>(),
    ) {
        let input: Vec<u8> = tokens.concat();
        let whole = run(lmtp, &[&input], eof);
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(input.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut last = 0;
        for p in points {
            chunks.push(&input[last..p]);
            last = p;
        }
        chunks.push(&input[last..]);
        let split = run(lmtp, &chunks, eof);
        prop_assert_eq!(&split, &whole);
        if eof {
            // Exactly one final event, and it is the last.
            prop_assert!(whole.0.last().is_some_and(Event::is_final));
            prop_assert_eq!(whole.0.iter().filter(|e| e.is_final()).count(), 1);
        }
        // Every reply on the wire is well formed: NNN, space or dash.
        for line in whole.1.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            prop_assert!(line.len() >= 4 && line[..3].iter().all(u8::is_ascii_digit), "{:?}", line);
            prop_assert!(matches!(line[3], b' ' | b'-' | b'\r'));
            prop_assert!(line.ends_with(b"\r"));
        }
    }
}

/// The application's decisions, drawn up front: index by answer number.
fn run_with_decisions(chunks: &[&[u8]], decisions: &[u16]) -> (Vec<Event>, Vec<u8>) {
    let decisions = decisions.to_vec();
    let mut n = 0usize;
    let mut h = Harness::with_policy(config(false), move |e| {
        let d = decisions.get(n).copied().unwrap_or(0);
        n += 1;
        match (e, d) {
            (_, 0) => Answer::Accept,
            // QUIT takes only 221 or 421.
            (Event::Quit, 421) => Answer::Reply(reply(421, "4.3.2 bye")),
            (Event::Quit, _) => Answer::Accept,
            (_, code) => Answer::Reply(reply(code, "decided")),
        }
    });
    for c in chunks {
        h.feed(c);
    }
    (h.normalized_events(), h.wire)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the application decides (accept, 4xx, 5xx, 421), the
    /// machine never panics, answers every command once, and the result
    /// does not depend on how the input was split.
    #[test]
    fn any_decisions_any_split(
        tokens in prop::collection::vec(token(), 0..50),
        decisions in prop::collection::vec(prop::sample::select(&[0u16, 0, 0, 450, 451, 550, 554, 421][..]), 0..40),
        cut in any::<prop::sample::Index>(),
    ) {
        let input: Vec<u8> = tokens.concat();
        let whole = run_with_decisions(&[&input], &decisions);
        let (a, b) = input.split_at(cut.index(input.len() + 1));
        let split = run_with_decisions(&[a, b], &decisions);
        prop_assert_eq!(&split, &whole);
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(&run_with_decisions(&bytes, &decisions), &whole);
    }
}
