//! Session-level behaviour: pipelined replies in one write, split
//! invariance, timeouts, bounded input, STARTTLS injection.

mod server_support;

use server_support::*;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{RemoteError, Timestamp};

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions |= Extensions::CHUNKING | Extensions::STARTTLS | Extensions::DSN;
    c.max_message_size = Some(1_000_000);
    c
}

/// RFC 2920 §4's pipelined example, adapted.
const GROUP: &[u8] = b"EHLO client.example\r\nMAIL FROM:<mrose@dbc.mtview.ca.us>\r\n\
RCPT TO:<ned@innosoft.com>\r\nRCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n";

#[test]
fn pipelined_group_is_answered_in_one_write() {
    let mut s = ServerConnection::new(cfg(), Timestamp(0));
    let n = s.pending_transmit().len();
    s.consume_transmit(n);
    s.receive_data(GROUP, Timestamp(1));
    let mut answered = 0;
    while let Some(e) = s.poll_event() {
        if answerable(&e) {
            s.accept().unwrap();
            answered += 1;
        }
    }
    assert_eq!(answered, 6);
    // Everything the group needs is in one slice: one write.
    let out = String::from_utf8(s.pending_transmit().to_vec()).unwrap();
    assert_eq!(codes(out.as_bytes()), vec![250, 250, 250, 250, 250, 354]);
    assert!(out.ends_with("354 Start mail input; end with <CRLF>.<CRLF>\r\n"));
}

#[test]
fn partial_writes_are_supported() {
    let mut s = ServerConnection::new(cfg(), Timestamp(0));
    let greeting = s.pending_transmit().to_vec();
    s.consume_transmit(3);
    assert_eq!(s.pending_transmit(), &greeting[3..]);
    s.consume_transmit(1000);
    assert!(s.pending_transmit().is_empty());
}

/// A session exercising most paths, for the split-invariance harness.
fn script() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(GROUP);
    v.extend_from_slice(b"Subject: hi\r\n\r\n..dot\r\nbare\nlf\r\n.\r\n");
    v.extend_from_slice(
        b"MAIL FROM:<a@b.example> SIZE=20\r\nRCPT TO:<x@y.example> NOTIFY=NEVER\r\n",
    );
    v.extend_from_slice(b"BDAT 7\r\n\r\n.\r\n\r\nBDAT 0 LAST\r\n");
    v.extend_from_slice(b"FOO\r\nNOOP x\r\n");
    v.extend_from_slice(&[b'z'; 600]);
    v.extend_from_slice(b"\r\nRSET\r\nQUIT\r\n");
    v
}

fn run(chunks: &[&[u8]]) -> (Vec<Event>, Vec<u8>) {
    let mut h = Harness::new(cfg());
    for c in chunks {
        h.feed(c);
    }
    (h.normalized_events(), h.wire)
}

#[test]
fn split_invariance() {
    let input = script();
    let whole = run(&[&input]);
    assert!(
        whole.0.contains(&Event::Closed {
            clean: true,
            lost: None
        }),
        "{:?}",
        whole.0
    );
    assert_eq!(
        codes(&whole.1).len(),
        17,
        "{}",
        String::from_utf8_lossy(&whole.1)
    );
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    assert_eq!(run(&bytes), whole, "byte by byte");
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        assert_eq!(run(&[a, b]), whole, "split at {i}");
    }
    for size in [2, 3, 5, 7, 64] {
        let chunks: Vec<&[u8]> = input.chunks(size).collect();
        assert_eq!(run(&chunks), whole, "chunks of {size}");
    }
}

#[test]
fn timeout_sends_421_and_closes() {
    let mut s = ServerConnection::new(cfg(), Timestamp(0));
    assert_eq!(s.poll_timeout(), Some(Timestamp(300_000)));
    s.handle_timeout(Timestamp(299_999));
    assert!(s.poll_event().is_none());
    s.receive_data(b"NOOP\r\n", Timestamp(1000));
    assert_eq!(s.poll_event(), Some(Event::Noop));
    // While the application thinks, the client is not timed.
    assert_eq!(s.poll_timeout(), None);
    s.accept().unwrap();
    let deadline = s.poll_timeout().unwrap();
    assert_eq!(deadline, Timestamp(301_000));
    s.handle_timeout(deadline);
    // The answer came after the deadline was armed: re-armed, not fired.
    assert_eq!(s.poll_event(), None);
    let deadline = s.poll_timeout().unwrap();
    assert_eq!(deadline, Timestamp(601_000));
    s.handle_timeout(deadline);
    assert_eq!(s.poll_event(), Some(Event::TimedOut { lost: None }));
    assert_eq!(s.poll_event(), None);
    assert!(s.is_closed());
    assert!(String::from_utf8_lossy(s.pending_transmit())
        .ends_with("421 4.4.2 mx.example Timeout, closing connection\r\n"));
    assert_eq!(s.poll_timeout(), None);
    s.receive_data(b"NOOP\r\n", Timestamp(700_000));
    assert_eq!(s.poll_event(), None, "closed: input ignored");
}

#[test]
fn timeout_configurable_and_disabled() {
    let mut c = cfg();
    c.timeout_ms = Some(10);
    let s = ServerConnection::new(c.clone(), Timestamp(5));
    assert_eq!(s.poll_timeout(), Some(Timestamp(15)));
    c.timeout_ms = None;
    let s = ServerConnection::new(c, Timestamp(5));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn over_long_command_line_is_answered_500_without_being_stored() {
    let mut h = Harness::new(cfg());
    h.wire.clear();
    // 10 MB without a line end: far above the 64 KiB input bound, so any
    // storing would end the session with InputLimitExceeded.
    let block = vec![b'A'; 64 * 1024];
    for _ in 0..160 {
        h.feed(&block);
    }
    assert!(h.wire.is_empty(), "answered only when the line ends");
    h.feed(b"\r\nNOOP\r\n");
    assert_eq!(h.wire_text(), "500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
    assert!(!h.s.is_closed());
}

#[test]
fn pipelined_input_beyond_the_bound_while_waiting_is_fatal() {
    let mut c = cfg();
    c.max_buffered_input = 1000;
    let mut h = Harness::with_policy(c, |_| Answer::Hold);
    h.feed(b"NOOP\r\n");
    assert!(!h.s.wants_input());
    h.feed(&b"NOOP\r\n".repeat(100));
    assert!(!h.s.is_closed(), "600 octets fit");
    h.feed(&b"NOOP\r\n".repeat(100));
    assert!(h.s.is_closed());
    assert!(h
        .events
        .contains(&Event::Failed(RemoteError::InputLimitExceeded {
            limit: 1000
        })));
    assert!(h
        .wire_text()
        .ends_with("421 4.5.0 mx.example Too much pipelined input, closing connection\r\n"));
}

/// A read the machine asked for is taken whole even when most of it waits
/// behind a command to answer: a client pipelining ahead (BDAT chunks, RFC
/// 3030 §2) may have a whole socket read in flight. Only what is pushed
/// while the machine wants no input counts against the bound.
#[test]
fn a_read_the_machine_asked_for_is_kept_whole() {
    let mut c = cfg();
    c.max_buffered_input = 1000;
    let mut h = Harness::with_policy(c, |_| Answer::Hold);
    assert!(h.s.wants_input());
    h.feed(&b"NOOP\r\n".repeat(400));
    assert!(
        !h.s.is_closed(),
        "2,400 octets in one asked-for read are kept"
    );
    assert!(!h.s.wants_input());
    h.feed(b"NOOP\r\n");
    assert!(h.s.is_closed(), "but input pushed while waiting counts");
}

#[test]
fn starttls_discards_pipelined_bytes_and_resets_the_session() {
    let mut h = Harness::new(cfg());
    h.feed(b"EHLO c\r\n");
    assert!(
        h.wire_text().contains("250-STARTTLS\r\n") || h.wire_text().contains("250 STARTTLS\r\n")
    );
    h.wire.clear();
    h.events.clear();
    h.feed(b"STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n");
    assert_eq!(h.wire_text(), "220 2.0.0 Ready to start TLS\r\n");
    assert_eq!(
        h.events,
        vec![
            Event::StartTls,
            Event::TlsHandshake,
            Event::DataAfterStartTls { discarded: 28 }
        ]
    );
    assert!(!h.s.wants_input());
    // Plaintext arriving before the handshake completes is discarded too.
    h.feed(b"RCPT TO:<x@y.example>\r\n");
    assert_eq!(
        h.events.last(),
        Some(&Event::DataAfterStartTls { discarded: 23 })
    );
    h.s.tls_established(Timestamp(50)).unwrap();
    assert!(h.s.is_tls());
    h.wire.clear();
    // RFC 3207 §4.2: back before EHLO.
    assert!(h
        .exchange(b"MAIL FROM:<a@b.example>\r\n")
        .starts_with("503 5.5.1"));
    let ehlo = h.exchange(b"EHLO c\r\n");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(h.exchange(b"STARTTLS\r\n").starts_with("503 5.5.1"));
    assert!(matches!(
        h.s.tls_established(Timestamp(60)),
        Err(smtp_core::LocalError::InvalidState { .. })
    ));
}

#[test]
fn starttls_refused_by_the_application() {
    let mut h = Harness::with_policy(cfg(), |e| match e {
        Event::StartTls => Answer::Reply(reply(454, "4.7.0 TLS not available")),
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\n");
    assert_eq!(
        h.exchange(b"STARTTLS\r\nNOOP\r\n"),
        "454 4.7.0 TLS not available\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn tls_required_before_mail() {
    let mut c = cfg();
    c.tls_required = true;
    let mut h = Harness::new(c);
    h.feed(b"EHLO c\r\n");
    assert_eq!(
        h.exchange(b"MAIL FROM:<a@b.example>\r\n"),
        "530 5.7.0 Must issue a STARTTLS command first\r\n"
    );
}

#[test]
fn tls_required_refuses_all_but_noop_ehlo_starttls_quit() {
    // RFC 3207 §4: 530 to every command other than NOOP, EHLO, STARTTLS
    // or QUIT.
    let mut c = cfg();
    c.tls_required = true;
    c.extensions |= Extensions::STARTTLS | Extensions::VRFY | Extensions::HELP;
    let mut h = Harness::new(c.clone());
    let refused = "530 5.7.0 Must issue a STARTTLS command first\r\n";
    for line in [&b"HELO c\r\n"[..], b"HELP\r\n", b"VRFY a\r\n", b"RSET\r\n"] {
        assert_eq!(h.exchange(line), refused);
    }
    assert!(h.exchange(b"EHLO c\r\n").starts_with("250-"));
    for line in [&b"RCPT TO:<a@b.example>\r\n"[..], b"DATA\r\n"] {
        assert_eq!(h.exchange(line), refused);
    }
    assert_eq!(h.exchange(b"NOOP\r\n"), "250 2.0.0 OK\r\n");
    assert!(h.exchange(b"STARTTLS\r\n").starts_with("220"));
    h.s.tls_established(smtp_core::Timestamp(5)).unwrap();
    h.drain();
    assert!(h.exchange(b"HELO c\r\n").starts_with("250"));
    assert!(h.exchange(b"VRFY a\r\n").starts_with("252"));
    // An application's own verb is gated the same way.
    c.application_verbs = vec!["XCLIENT".into()];
    let mut h = Harness::new(c);
    assert_eq!(h.exchange(b"XCLIENT NAME=x\r\n"), refused);
}

#[test]
fn requiretls_only_after_tls() {
    let mut c = cfg();
    c.extensions |= Extensions::REQUIRETLS;
    let mut h = Harness::new(c.clone());
    assert!(!h.exchange(b"EHLO c\r\n").contains("REQUIRETLS"));
    assert!(h
        .exchange(b"MAIL FROM:<a@b.example> REQUIRETLS\r\n")
        .starts_with("555"));
    c.implicit_tls = true;
    let mut h = Harness::new(c);
    assert!(h.exchange(b"EHLO c\r\n").contains("REQUIRETLS"));
    assert!(h
        .exchange(b"MAIL FROM:<a@b.example> REQUIRETLS\r\n")
        .starts_with("250"));
}

#[test]
fn quit_closes_and_ignores_the_rest() {
    let mut h = Harness::new(cfg());
    h.feed(b"QUIT\r\nNOOP\r\n");
    assert_eq!(
        h.events,
        vec![
            Event::Quit,
            Event::Closed {
                clean: true,
                lost: None
            }
        ]
    );
    assert_eq!(h.codes(), vec![220, 221]);
    assert!(!h.s.wants_input());
}
