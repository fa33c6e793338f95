//! LMTP (RFC 2033): LHLO, and one reply per accepted recipient after the
//! body, each reported on its own.

mod client_common;

use client_common::*;
use smtp_core::client::{ClientConfig, Event};

fn lmtp() -> ClientConfig {
    ClientConfig::lmtp(domain())
}

#[test]
fn one_reply_per_accepted_recipient() {
    // RFC 2033 §4.2 example, shortened.
    let all = "MAIL FROM:<chris@bar.com>\r\nRCPT TO:<pat@foo.com>\r\n\
               RCPT TO:<jones@foo.com>\r\nRCPT TO:<green@foo.com>\r\nDATA\r\n";
    let script = [
        ("", "220 foo.edu LMTP server ready\r\n"),
        (
            "LHLO client.example\r\n",
            "250-foo.edu\r\n250-PIPELINING\r\n250 SIZE\r\n",
        ),
        (
            all,
            "250 OK\r\n250 OK\r\n550 No such user here\r\n250 OK\r\n354 Start mail input\r\n",
        ),
        (
            "Blah blah blah...\r\n.\r\n",
            "250 OK\r\n452 <green@foo.com> is not accepting messages\r\n",
        ),
        ("QUIT\r\n", "221 foo.edu closing connection\r\n"),
    ];
    let env = || {
        envelope(
            "<chris@bar.com>",
            &["<pat@foo.com>", "<jones@foo.com>", "<green@foo.com>"],
        )
    };
    let run = run_all(lmtp, &script, true, || {
        send_one(env(), b"Blah blah blah...")
    });
    assert_eq!(deliveries(&run.events), [(0, 250), (2, 452)]);
    let result = finished(&run.events);
    assert_eq!(result.accepted(), 1);
    assert_eq!(result.data_reply, None);
    assert_eq!(refused_codes(&result), [(1, 550), (2, 452)]);
    assert!(matches!(
        run.events.last(),
        Some(Event::Closed { clean: true, .. })
    ));
}

#[test]
fn lmtp_without_pipelining_and_all_delivered() {
    let script = [
        ("", "220 lmtp\r\n"),
        ("LHLO client.example\r\n", "250 lmtp\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<c@b.example>\r\n", "250 ok\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("x\r\n.\r\n", "250 2.1.5 b delivered\r\n"),
        ("", "250 2.1.5 c delivered\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>", "<c@b.example>"]);
    let run = run_all(lmtp, &script, true, || send_one(env(), b"x"));
    let n = names(&run.events);
    assert_eq!(
        n[..],
        [
            "Greeting",
            "EhloAccepted",
            "RecipientReply",
            "RecipientReply",
            "ReadyForBody",
            "DeliveryReply",
            "DeliveryReply",
            "TransactionFinished",
            "Reply",
            "Closed"
        ]
    );
}

#[test]
fn lmtp_with_bdat_gets_one_reply_per_recipient_after_last() {
    let script = [
        ("", "220 lmtp\r\n"),
        (
            "LHLO client.example\r\n",
            "250-lmtp\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
        ),
        // PIPELINING and CHUNKING: the body goes with the envelope.
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<c@b.example>\r\n\
             BDAT 5 LAST\r\nhello",
            "250 ok\r\n250 ok\r\n250 ok\r\n250 b ok\r\n550 c over quota\r\n",
        ),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>", "<c@b.example>"]);
    let run = run_all(lmtp, &script, true, || send_one(env(), b"hello"));
    assert_eq!(deliveries(&run.events), [(0, 250), (1, 550)]);
}

#[test]
fn a_421_among_the_deliveries_answers_for_those_still_waiting() {
    // RFC 2033 §4.2 with RFC 5321 §3.8: pat has the message; the server
    // closes before answering for green and jones.
    let script = [
        ("", "220 lmtp\r\n"),
        ("LHLO client.example\r\n", "250 lmtp\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<pat@b.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<green@b.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<jones@b.example>\r\n", "250 ok\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("hi\r\n.\r\n", "250 pat ok\r\n421 4.3.2 shutting down\r\n"),
    ];
    let env = || {
        envelope(
            "<a@a.example>",
            &["<pat@b.example>", "<green@b.example>", "<jones@b.example>"],
        )
    };
    let run = run_all(lmtp, &script, true, || send_one(env(), b"hi"));
    let Some(Event::TransactionFinished { result }) = run
        .events
        .iter()
        .find(|e| matches!(e, Event::TransactionFinished { .. }))
    else {
        panic!("{:?}", names(&run.events))
    };
    assert_eq!(result.accepted(), 1);
    assert_eq!(refused_codes(result), [(1, 421), (2, 421)]);
    assert!(run
        .events
        .iter()
        .any(|e| matches!(e, Event::ServiceClosing { .. })));
    assert!(!run
        .events
        .iter()
        .any(|e| matches!(e, Event::TransactionFailed { .. })));
}
