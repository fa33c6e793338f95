//! BDAT pipelined with the envelope (RFC 2920 §3.1, RFC 3030 §2): with
//! PIPELINING and CHUNKING, MAIL, every RCPT and the chunks leave in one
//! write, later chunks go without waiting for each chunk's reply, within
//! `ClientConfig::max_in_flight`; and every outcome is the one the
//! unpipelined exchange reports.

mod client_common;

use client_common::*;
use smtp_core::client::{
    BodyMode, ClientConfig, Envelope, Event, Phase, Stage, MAX_PIPELINED_CHUNKS,
};
use smtp_core::{ClientConnection, LocalError, SessionState, Timestamp};

const EHLO: &str = "250-mx\r\n250-PIPELINING\r\n250 CHUNKING\r\n";

fn chunked(size: usize) -> Envelope {
    envelope("<a@a.example>", &["<b@b.example>"]).with_body_mode(BodyMode::Bdat {
        chunk_size: Some(size),
    })
}

fn failure(events: &[Event]) -> Option<(Stage, u16)> {
    events.iter().find_map(|e| match e {
        Event::TransactionFailed { stage, reply, .. } => Some((*stage, reply.code().get())),
        _ => None,
    })
}

#[test]
fn one_write_carries_mail_rcpt_bdat_last_and_the_body() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nBDAT 11 LAST\r\nhello world",
            "250 ok\r\n250 ok\r\n250 queued\r\n",
        ),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hello world"));
    // The body is invited with the envelope, before any reply.
    assert_eq!(
        names(&run.events)[2..],
        [
            "ReadyForBody",
            "RecipientReply",
            "TransactionFinished",
            "Reply",
            "Closed"
        ]
    );
}

#[test]
fn larger_bodies_go_as_chunks_without_waiting_for_each_reply() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\n\
             BDAT 4\r\nhellBDAT 4\r\no woBDAT 3 LAST\r\nrld",
            "250 ok\r\n250 ok\r\n250 a\r\n250 b\r\n250 done\r\n",
        ),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    // BodyMode::Auto picks BDAT since CHUNKING is offered.
    let mut cfg = config();
    cfg.bdat_chunk_size = 4;
    let cfg = move || cfg.clone();
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(cfg, &script, true, || send_one(env(), b"hello world"));
    assert!(names(&run.events).contains(&"TransactionFinished".to_string()));
}

#[test]
fn refused_recipients_are_reported_and_the_others_get_the_message() {
    let env = || envelope("<a@a.example>", &["<b@b.example>", "<c@c.example>"]);
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<c@c.example>\r\n\
             BDAT 2 LAST\r\nhi",
            "250 ok\r\n550 no such user\r\n250 ok\r\n250 queued\r\n",
        ),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    let result = finished(&run.events);
    assert_eq!(refused_codes(&result), [(0, 550)]);
    assert_eq!(result.data_reply.map(|r| r.code().get()), Some(250));
}

#[test]
fn every_recipient_refused_is_recipients_refused_whatever_the_bdat_reply() {
    // RFC 3030 §2 has the server refuse the BDAT of a transaction without
    // recipients; servers say 503 or 554, or (lax) 250. The outcome is the
    // refusal of the recipients, never a data error, and RSET follows.
    for bdat_reply in ["503 5.5.1 no valid recipients", "554 5.5.1 no", "250 ok"] {
        let env = || envelope("<a@a.example>", &["<b@b.example>", "<c@c.example>"]);
        let replies = format!("250 ok\r\n550 no\r\n551 no\r\n{bdat_reply}\r\n");
        let script = [
            ("", "220 x\r\n"),
            ("EHLO client.example\r\n", EHLO),
            (
                "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nRCPT TO:<c@c.example>\r\n\
                 BDAT 2 LAST\r\nhi",
                replies.as_str(),
            ),
            ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
        ];
        let run = run_all(config, &script, true, || send_one(env(), b"hi"));
        assert_eq!(
            failure(&run.events),
            Some((Stage::Recipients, 551)),
            "{bdat_reply}"
        );
        let result = run
            .events
            .iter()
            .find_map(|e| match e {
                Event::TransactionFailed { result, .. } => Some(result.clone()),
                _ => None,
            })
            .expect("failed");
        assert_eq!(result.refused().count(), 2, "{bdat_reply}");
        assert_eq!(result.data_reply, None, "{bdat_reply}");
    }
}

#[test]
fn a_refused_mail_stands_over_the_pipelined_replies() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nBDAT 2 LAST\r\nhi",
            "550 sender refused\r\n503 no mail\r\n503 no mail\r\n",
        ),
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(failure(&run.events), Some((Stage::Mail, 550)));
    assert!(
        !names(&run.events).contains(&"RecipientReply".to_string()),
        "a RCPT answered after a refused MAIL is not a recipient's result"
    );
}

#[test]
fn a_refused_chunk_in_flight_fails_the_body_once_every_owed_reply_is_in() {
    // The second chunk is refused; the third was already in the pipeline
    // and the server discards it (RFC 3030 §2). Its reply is owed: RSET
    // waits for it.
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\n\
             BDAT 4\r\nhellBDAT 4\r\no woBDAT 3 LAST\r\nrld",
            "250 ok\r\n250 ok\r\n250 a\r\n552 5.3.4 too big\r\n",
        ),
        ("", "503 5.5.1 discarded\r\n"),
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let run = run_all(config, &script, true, || {
        send_one(chunked(4), b"hello world")
    });
    assert_eq!(failure(&run.events), Some((Stage::Body, 552)));
}

#[test]
fn a_421_mid_pipeline_fails_the_transaction_then_closes() {
    // 421 to the first chunk (its reply comes after MAIL's and RCPT's).
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\n\
             BDAT 4\r\nhellBDAT 4\r\no woBDAT 3 LAST\r\nrld",
            "250 ok\r\n250 ok\r\n421 4.3.2 shutting down\r\n",
        ),
    ];
    let run = run_all(config, &script, true, || {
        send_one(chunked(4), b"hello world")
    });
    assert_eq!(failure(&run.events), Some((Stage::Body, 421)));
    assert!(run.trailing.is_empty(), "nothing after a 421");
    let n = names(&run.events);
    assert_eq!(
        n[n.len() - 3..],
        ["TransactionFailed", "ServiceClosing", "Closed"]
    );

    // 421 to the RCPT, with the body already in the pipeline.
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nBDAT 2 LAST\r\nhi",
            "250 ok\r\n421 4.3.2 shutting down\r\n",
        ),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(failure(&run.events), Some((Stage::Recipients, 421)));
    assert!(matches!(
        run.events
            .iter()
            .find(|e| matches!(e, Event::ServiceClosing { .. })),
        Some(Event::ServiceClosing {
            in_flight: Phase::Rcpt,
            ..
        })
    ));
}

#[test]
fn lmtp_bdat_last_gets_one_reply_per_accepted_recipient() {
    let env = || {
        envelope(
            "<chris@bar.com>",
            &["<pat@foo.com>", "<jones@foo.com>", "<green@foo.com>"],
        )
    };
    let script = [
        ("", "220 foo.edu LMTP\r\n"),
        (
            "LHLO client.example\r\n",
            "250-foo.edu\r\n250-PIPELINING\r\n250 CHUNKING\r\n",
        ),
        (
            "MAIL FROM:<chris@bar.com>\r\nRCPT TO:<pat@foo.com>\r\n\
             RCPT TO:<jones@foo.com>\r\nRCPT TO:<green@foo.com>\r\nBDAT 4 LAST\r\nBlah",
            "250 OK\r\n250 OK\r\n550 No such user\r\n250 OK\r\n\
             250 OK\r\n452 <green@foo.com> over quota\r\n",
        ),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(
        || ClientConfig::lmtp(domain()),
        &script,
        true,
        || send_one(env(), b"Blah"),
    );
    assert_eq!(deliveries(&run.events), [(0, 250), (2, 452)]);
    let result = finished(&run.events);
    assert_eq!(refused_codes(&result), [(1, 550), (2, 452)]);
}

#[test]
fn max_in_flight_zero_waits_for_the_envelope_and_each_chunk() {
    let mut cfg = config();
    cfg.max_in_flight = 0;
    let cfg = move || cfg.clone();
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\n",
            "250 ok\r\n250 ok\r\n",
        ),
        ("BDAT 4\r\nhell", "250 a\r\n"),
        ("BDAT 4\r\no wo", "250 b\r\n"),
        ("BDAT 3 LAST\r\nrld", "250 done\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(cfg, &script, true, || send_one(chunked(4), b"hello world"));
    assert_eq!(
        names(&run.events)[2..5],
        ["RecipientReply", "ReadyForBody", "TransactionFinished"]
    );
}

#[test]
fn chunks_are_cut_to_the_window() {
    // A chunk longer than the window would put more than max_in_flight
    // octets ahead of their reply: it is cut to the window.
    let mut cfg = config();
    cfg.max_in_flight = 4;
    let cfg = move || cfg.clone();
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nBDAT 4\r\nhell",
            "250 ok\r\n250 ok\r\n250 a\r\n",
        ),
        ("BDAT 4\r\no wo", "250 b\r\n"),
        ("BDAT 3 LAST\r\nrld", "250 done\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    run_all(cfg, &script, true, || {
        send_one(chunked(100), b"hello world")
    });
}

#[test]
fn an_envelope_held_behind_a_group_ender_invites_the_body_after_its_replies() {
    // A NOOP in flight ends its group (RFC 2920 §3.1): MAIL waits for its
    // reply, so the body cannot go ahead of the envelope.
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(format!("220 x\r\n{EHLO}").as_bytes(), Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c.noop().unwrap();
    c.send_mail(&chunked(4)).unwrap();
    assert_eq!(c.poll_event(), None, "no ReadyForBody before MAIL is sent");
    assert_eq!(c.pending_transmit(), b"NOOP\r\n");
    c.consume_transmit(usize::MAX);
    c.receive_data(b"250 ok\r\n", Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::Reply { .. })));
    assert_eq!(c.poll_event(), None);
    assert_eq!(
        c.pending_transmit(),
        b"MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\n"
    );
    c.consume_transmit(usize::MAX);
    c.receive_data(b"250 ok\r\n250 ok\r\n", Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::RecipientReply { .. })));
    assert_eq!(c.poll_event(), Some(Event::ReadyForBody));
    c.send_body(b"hi").unwrap();
    c.finish_body().unwrap();
    assert_eq!(c.pending_transmit(), b"BDAT 2 LAST\r\nhi");
}

/// A connection after EHLO with PIPELINING and CHUNKING, a transaction
/// started and the envelope written out.
fn started(cfg: ClientConfig, env: &Envelope) -> ClientConnection {
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    c.receive_data(format!("220 x\r\n{EHLO}").as_bytes(), Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c.send_mail(env).unwrap();
    assert_eq!(c.poll_event(), Some(Event::ReadyForBody));
    c
}

/// The body octets of the BDAT chunks in `wire` (commands skipped).
fn chunk_sizes(wire: &[u8]) -> Vec<usize> {
    let mut sizes = Vec::new();
    let mut rest = wire;
    while let Some(i) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = String::from_utf8_lossy(&rest[..i]).into_owned();
        rest = &rest[i + 2..];
        if let Some(args) = line.strip_prefix("BDAT ") {
            let n: usize = args.split(' ').next().unwrap().parse().unwrap();
            sizes.push(n);
            rest = &rest[n..];
        }
    }
    sizes
}

#[test]
fn a_streamed_body_never_runs_more_than_the_window_ahead() {
    let mut cfg = config();
    cfg.max_in_flight = 10;
    let mut c = started(cfg, &chunked(4));
    let body = [b'x'; 37];
    let mut offset = 0;
    let mut wire = Vec::new();
    let mut chunks_answered = 0;
    let mut finished = false;
    let mut replies = 2; // MAIL and RCPT first
    let mut held_back = 0;
    for _ in 0..100 {
        while offset < body.len() && c.body_ready() {
            let end = (offset + 3).min(body.len());
            c.send_body(&body[offset..end]).unwrap();
            offset = end;
        }
        if offset == body.len() && !finished {
            c.finish_body().unwrap();
            finished = true;
        }
        if offset < body.len() && !c.body_ready() {
            // The machine says so rather than taking more.
            assert!(matches!(
                c.send_body(b"y"),
                Err(LocalError::BufferFull { .. })
            ));
            held_back += 1;
        }
        wire.extend_from_slice(c.pending_transmit());
        c.consume_transmit(usize::MAX);
        let sent: Vec<usize> = chunk_sizes(&wire);
        let ahead: usize = sent[chunks_answered..].iter().sum();
        assert!(ahead <= 10, "{ahead} octets ahead of their replies");
        assert!(sent.iter().all(|&n| n <= 4));
        if c.in_flight() == 0 {
            break;
        }
        // The server answers one command.
        c.receive_data(b"250 ok\r\n", Timestamp(0));
        if replies > 0 {
            replies -= 1;
        } else {
            chunks_answered += 1;
        }
    }
    let mut events = Vec::new();
    while let Some(e) = c.poll_event() {
        events.push(e);
    }
    assert!(names(&events).contains(&"TransactionFinished".to_string()));
    assert_eq!(chunk_sizes(&wire).iter().sum::<usize>(), 37);
    assert!(held_back > 0, "the window never held the body back");
}

#[test]
fn the_body_stops_when_a_reply_dooms_the_transaction() {
    let mut cfg = config();
    cfg.max_in_flight = 8;
    let mut c = started(cfg, &chunked(4));
    c.send_body(b"hello world, long").unwrap();
    assert_eq!(
        c.pending_transmit(),
        b"MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nBDAT 4\r\nhellBDAT 4\r\no wo"
    );
    c.consume_transmit(usize::MAX);
    // Every recipient refused, while two chunks are in flight.
    c.receive_data(b"250 ok\r\n550 no\r\n", Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::RecipientReply { .. })));
    assert_eq!(
        c.poll_event(),
        None,
        "the failure waits for the owed replies"
    );
    assert!(!c.body_ready());
    assert_eq!(
        c.send_body(b"more"),
        Err(LocalError::InvalidState {
            call: "send_body",
            state: SessionState::Transaction
        })
    );
    assert!(c.finish_body().is_err());
    assert!(
        c.pending_transmit().is_empty(),
        "no chunk after the refusal"
    );
    c.receive_data(b"503 no recipients\r\n", Timestamp(0));
    assert_eq!(c.poll_event(), None);
    c.receive_data(b"503 no recipients\r\n", Timestamp(0));
    assert_eq!(
        failure(&[c.poll_event().unwrap()]),
        Some((Stage::Recipients, 550))
    );
    assert_eq!(c.pending_transmit(), b"RSET\r\n");
}

#[test]
fn at_most_four_chunks_ride_in_the_window() {
    // A server answers each chunk of a doomed transaction with a 5yz and
    // may count those toward an error limit (Postfix: 20), so however wide
    // the window, at most MAX_PIPELINED_CHUNKS chunks are unanswered.
    let mut cfg = config();
    cfg.max_in_flight = 1 << 20;
    let mut c = started(cfg, &chunked(1000));
    let line = [b'x'; 98];
    while c.body_ready() {
        c.send_body(&line).unwrap();
        c.send_body(b"\r\n").unwrap();
    }
    let sent = c.pending_transmit();
    let chunks = sent.windows(5).filter(|w| w == b"BDAT ").count();
    assert_eq!(chunks, MAX_PIPELINED_CHUNKS);
    assert!(
        sent.len() < MAX_PIPELINED_CHUNKS * 1100,
        "{} octets",
        sent.len()
    );
}
