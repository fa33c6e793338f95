//! Message bodies on the server: DATA ends only on CR LF . CR LF, bare line
//! endings and long lines are refused (or normalised) after the end, SIZE
//! drains then 552, BDAT streams its chunks.

mod server_support;

use server_support::*;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{
    BareLineEndings, Event, LongLines, MessageProblem, ServerConfig, DEFAULT_MAX_BAD_COMMANDS,
};

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions |= Extensions::CHUNKING | Extensions::BINARY_MIME;
    c
}

fn in_data(c: ServerConfig) -> Harness {
    let mut h = greeted(c);
    h.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n");
    assert!(h
        .wire_text()
        .ends_with("354 Start mail input; end with <CRLF>.<CRLF>\r\n"));
    h.wire.clear();
    h.events.clear();
    h
}

/// Smuggling attempts (SMTP smuggling, 2023): none of these may end DATA.
const NOT_AN_END: &[&[u8]] = &[
    b"\n.\n",
    b"\n.\r",
    b"\r.\n",
    b"\r.\r",
    b"\n.\r\n",
    b"\r.\r\n",
    b"\r\n\x00.\r\n",
    b"\r\n.\r\r\n",
    b"\r\r\n.\r\r\n",
    b"\r\n.\n",
    b"\r\n.\r",
];

#[test]
fn smuggling_variants_never_end_data() {
    for variant in NOT_AN_END {
        let mut h = in_data(cfg());
        let mut input = b"Subject: x\r\n\r\nbody".to_vec();
        input.extend_from_slice(variant);
        input.extend_from_slice(b"MAIL FROM:<evil@x.example>\r\nRCPT TO:<v@y.example>\r\nDATA\r\n");
        h.feed(&input);
        assert!(
            !h.events.iter().any(|e| matches!(
                e,
                Event::MessageEnd { .. } | Event::MessageRefused { .. } | Event::MailFrom
            )),
            "{variant:?} ended DATA: {:?}",
            h.events
        );
        assert!(h.wire.is_empty(), "{variant:?}: {}", h.wire_text());
        // The real end: the message is refused (bare CR/LF) or accepted.
        h.feed(b"\r\n.\r\n");
        let ended = h
            .events
            .iter()
            .filter(|e| matches!(e, Event::MessageEnd { .. } | Event::MessageRefused { .. }))
            .count();
        assert_eq!(ended, 1, "{variant:?}");
    }
}

#[test]
fn message_bytes_are_unstuffed_and_terminator_is_exact() {
    let mut h = in_data(cfg());
    h.feed(b"..leading dot\r\n.\r\nline\r\n");
    // ".\r\n" at a line start ends the message; "line" is the next command.
    assert_eq!(h.message_bytes(), b".leading dot\r\n");
    assert!(matches!(
        h.events
            .iter()
            .find(|e| matches!(e, Event::MessageEnd { .. })),
        Some(Event::MessageEnd { size: 14, .. })
    ));
    assert_eq!(h.codes(), vec![250, 500]);
}

#[test]
fn empty_message_right_after_354() {
    let mut h = in_data(cfg());
    h.feed(b".\r\n");
    assert_eq!(h.events[0], Event::MessageEnd { size: 0 });
    assert_eq!(h.delivered_to, [vec!["<x@y.example>".parse_or_panic()]]);
}

trait ParseOrPanic {
    fn parse_or_panic(self) -> smtp_core::ForwardPath;
}
impl ParseOrPanic for &str {
    fn parse_or_panic(self) -> smtp_core::ForwardPath {
        smtp_core::ForwardPath::parse(self, false).unwrap()
    }
}

#[test]
fn bare_lf_is_refused_after_the_terminator() {
    let mut h = in_data(cfg());
    h.feed(b"line one\nline two\r\n.\r\nNOOP\r\n");
    let refused = h.events.iter().find_map(|e| match e {
        Event::MessageRefused { reason, reply } => Some((*reason, reply.code().get())),
        _ => None,
    });
    assert_eq!(refused, Some((MessageProblem::BareLineEnding, 550)));
    assert!(h.wire_text().starts_with("550 5.6.0 "));
    assert!(h.wire_text().ends_with("250 2.0.0 OK\r\n"));
    // The transaction is over.
    assert!(h.exchange(b"RCPT TO:<z@y.example>\r\n").starts_with("503"));
}

#[test]
fn bare_line_endings_normalised_by_config() {
    let mut c = cfg();
    c.bare_line_endings = BareLineEndings::Normalize;
    let mut h = in_data(c);
    h.feed(b"a\nb\rc\r\n.\r\n");
    assert_eq!(h.message_bytes(), b"a\r\nb\r\nc\r\n");
    assert_eq!(h.codes(), vec![250]);
}

#[test]
fn long_lines_refused_by_default_accepted_by_config() {
    let mut body = vec![b'x'; 1200];
    body.extend_from_slice(b"\r\n.\r\n");
    let mut h = in_data(cfg());
    h.feed(&body);
    assert_eq!(h.codes(), vec![550]);
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::MessageRefused {
            reason: MessageProblem::LineTooLong,
            ..
        }
    )));

    let mut c = cfg();
    c.long_lines = LongLines::Accept;
    let mut h = in_data(c);
    h.feed(&body);
    assert_eq!(h.codes(), vec![250]);
    assert_eq!(h.message_bytes().len(), 1202);
}

#[test]
fn oversized_data_is_drained_then_552() {
    let mut c = cfg();
    c.max_message_size = Some(100);
    let mut h = in_data(c);
    for _ in 0..50 {
        h.feed(&[b'y'; 98]);
        h.feed(b"\r\n");
    }
    h.feed(b".\r\nNOOP\r\n");
    assert!(h.message_bytes().len() <= 100, "excess not handed over");
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::MessageRefused {
            reason: MessageProblem::TooLarge { limit: 100 },
            ..
        }
    )));
    assert_eq!(
        h.wire_text(),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n"
    );
}

/// Found by `server_props::split_anywhere_same_result`: a read that crossed
/// the SIZE limit used to drop all of its bytes, so the data handed over
/// depended on where the reads were cut. Now exactly the octets under the
/// limit are handed over, however the input is split.
#[test]
fn oversized_data_hands_over_the_same_octets_whatever_the_split() {
    let mut c = cfg();
    c.max_message_size = Some(200);
    let input = [b'A'; 201];
    let whole = {
        let mut h = in_data(c.clone());
        h.feed(&input);
        h.message_bytes()
    };
    assert_eq!(whole, vec![b'A'; 200]);
    for cut in 0..=input.len() {
        let mut h = in_data(c.clone());
        h.feed(&input[..cut]);
        h.feed(&input[cut..]);
        assert_eq!(h.message_bytes(), whole, "cut at {cut}");
    }
}

/// The same for BDAT: the octets under the limit are handed over, then the
/// chunk is drained and the message refused (RFC 1870 §6).
#[test]
fn oversized_bdat_hands_over_the_same_octets_whatever_the_split() {
    let mut c = cfg();
    c.max_message_size = Some(200);
    let mut input = b"BDAT 201 LAST\r\n".to_vec();
    input.extend_from_slice(&[b'A'; 201]);
    for cut in 0..=input.len() {
        let mut h = in_txn(c.clone());
        h.feed(&input[..cut]);
        h.feed(&input[cut..]);
        assert_eq!(h.message_bytes(), vec![b'A'; 200], "cut at {cut}");
        assert!(
            h.events.iter().any(|e| matches!(
                e,
                Event::MessageRefused {
                    reason: MessageProblem::TooLarge { limit: 200 },
                    ..
                }
            )),
            "cut at {cut}: {:?}",
            h.events
        );
    }
}

fn in_txn(c: ServerConfig) -> Harness {
    let mut h = greeted(c);
    h.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n");
    h.wire.clear();
    h.events.clear();
    h
}

#[test]
fn bdat_streams_chunks_and_answers_after_each() {
    let mut h = in_txn(cfg());
    h.feed(b"BDAT 10\r\nhel");
    assert_eq!(
        h.events,
        vec![
            Event::Bdat {
                size: 10,
                last: false
            },
            Event::MessageData { len: 3 }
        ]
    );
    assert_eq!(h.message_bytes(), b"hel");
    assert!(h.wire.is_empty(), "no reply before the chunk's data is in");
    h.feed(b"lo\r\n.\r\nBDAT 3 LAST\r\n\r\n.");
    assert_eq!(
        h.message_bytes(),
        b"hello\r\n.\r\n\r\n.",
        "BDAT data is opaque"
    );
    assert_eq!(
        h.wire_text(),
        "250 2.0.0 10 octets received\r\n250 2.0.0 Message accepted for delivery\r\n"
    );
    assert!(matches!(
        h.events.last(),
        Some(Event::MessageEnd { size: 13, .. })
    ));
}

#[test]
fn refused_chunk_fails_transaction_and_pipelined_chunks_are_drained() {
    let mut h = Harness::with_policy(cfg(), |e| match e {
        Event::ChunkEnd { .. } => Answer::Reply(reply(452, "4.3.1 Disk full")),
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n");
    h.wire.clear();
    h.feed(b"BDAT 4\r\nQUITBDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
    assert_eq!(
        h.wire_text(),
        "452 4.3.1 Disk full\r\n503 5.5.1 Bad sequence of commands\r\n250 2.0.0 OK\r\n"
    );
    assert!(!h.s.is_closed());
}

#[test]
fn oversized_bdat_is_drained_then_552() {
    let mut c = cfg();
    c.max_message_size = Some(10);
    let mut h = in_txn(c);
    h.feed(b"BDAT 8\r\n12345678BDAT 8 LAST\r\nabcdefghNOOP\r\n");
    // The octets under the limit are handed over (as in DATA, whatever the
    // read boundaries), the rest drained; the message is then refused.
    assert_eq!(h.message_bytes(), b"12345678ab");
    assert_eq!(
        h.wire_text(),
        "250 2.0.0 8 octets received\r\n552 5.3.4 Message size exceeds fixed maximum message size\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn bdat_without_chunking_is_drained_and_502() {
    let mut h = in_txn(ServerConfig::new("mx.example"));
    h.feed(b"BDAT 10\r\nRSET\r\nRSETNOOP\r\n");
    assert_eq!(
        h.wire_text(),
        "502 5.5.1 Command not implemented\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn binarymime_with_bdat() {
    let mut h = greeted(cfg());
    h.feed(b"MAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<x@y.example>\r\nBDAT 4 LAST\r\n\x00\xff\r\x0a");
    assert_eq!(h.message_bytes(), b"\x00\xff\r\n");
    assert_eq!(h.codes(), vec![250, 250, 250]);
}

#[test]
fn lmtp_bdat_last_answers_per_recipient() {
    let mut h = greeted(cfg().lmtp());
    // greeted() sent EHLO, refused in LMTP: greet properly.
    h.feed(b"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nRCPT TO:<z@y.example>\r\nBDAT 2 LAST\r\nhi");
    assert!(h
        .wire_text()
        .ends_with("250 2.1.5 <x@y.example> delivered\r\n250 2.1.5 <z@y.example> delivered\r\n"));
}

#[test]
fn lmtp_refused_message_gets_one_reply_per_recipient() {
    let mut h = Harness::new(cfg().lmtp());
    h.feed(b"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nRCPT TO:<z@y.example>\r\nDATA\r\nbare\nlf\r\n.\r\n");
    assert!(h.wire_text().ends_with("354 Start mail input; end with <CRLF>.<CRLF>\r\n550 5.6.0 Message contains a bare CR or LF (RFC 5321 section 2.3.8)\r\n550 5.6.0 Message contains a bare CR or LF (RFC 5321 section 2.3.8)\r\n"));
}

#[test]
fn lmtp_oversized_chunk_before_last_gets_one_reply() {
    let mut c = cfg().lmtp();
    c.max_message_size = Some(4);
    let mut h = Harness::new(c);
    h.feed(
        b"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nRCPT TO:<z@y.example>\r\n",
    );
    h.wire.clear();
    h.feed(b"BDAT 6\r\n123456BDAT 1 LAST\r\nx");
    assert_eq!(
        h.wire_text(),
        "552 5.3.4 Message size exceeds fixed maximum message size\r\n503 5.5.1 Bad sequence of commands\r\n"
    );
}

/// RFC 3030 §2: a server that offers PIPELINING accepts and discards the
/// chunks a client pipelined behind a failed one. They are answered 503
/// and drained, and do not count toward `max_bad_commands`: a pipelining
/// client whose transaction failed is not a bad client.
#[test]
fn pipelined_chunks_without_a_transaction_are_drained_not_counted() {
    let mut h = greeted(cfg());
    let n = DEFAULT_MAX_BAD_COMMANDS as usize * 3;
    h.feed(&b"BDAT 3\r\nabc".repeat(n));
    h.feed(b"NOOP\r\n");
    assert!(!h.s.is_closed());
    let text = h.wire_text();
    assert_eq!(text.matches("503 ").count(), n, "{text}");
    assert!(text.ends_with("250 2.0.0 OK\r\n"));
    assert!(h.message_bytes().is_empty());
}
