//! Whole sessions against scripted servers, every chunking.

mod client_common;

use client_common::*;
use smtp_core::client::{Event, Phase, Stage};
use smtp_core::{ClientConnection, LocalError, Timestamp};

const BODY: &[u8] = b"Subject: x\n\n.dot";
const WIRE_BODY: &str = "Subject: x\r\n\r\n..dot\r\n.\r\n";

#[test]
fn one_message_unpipelined() {
    let script = [
        ("", "220 mx.example ESMTP ready\r\n"),
        (
            "EHLO client.example\r\n",
            "250-mx.example\r\n250-SIZE 1000000\r\n250 8BITMIME\r\n",
        ),
        (
            "MAIL FROM:<alice@a.example> SIZE=16\r\n",
            "250 2.1.0 Ok\r\n",
        ),
        ("RCPT TO:<bob@b.example>\r\n", "250 2.1.5 Ok\r\n"),
        (
            "RCPT TO:<carol@b.example>\r\n",
            "550 5.1.1 No such user\r\n",
        ),
        ("DATA\r\n", "354 go ahead\r\n"),
        (WIRE_BODY, "250 2.0.0 queued as 1\r\n"),
        ("QUIT\r\n", "221 2.0.0 bye\r\n"),
    ];
    let env = || {
        envelope(
            "<alice@a.example>",
            &["<bob@b.example>", "<carol@b.example>"],
        )
        .with_size(16)
    };
    let run = run_all(config, &script, true, || send_one(env(), BODY));
    assert_eq!(
        names(&run.events),
        [
            "Greeting",
            "EhloAccepted",
            "RecipientReply",
            "RecipientReply",
            "ReadyForBody",
            "TransactionFinished",
            "Reply",
            "Closed"
        ]
    );
    let Some(Event::TransactionFinished { result }) = run.events.get(5) else {
        panic!("no result")
    };
    assert_eq!(result.accepted(), 1);
    let refused: Vec<_> = result
        .refused()
        .map(|(r, reply)| (r.index, reply.code().get()))
        .collect();
    assert_eq!(refused, [(1, 550)]);
    assert_eq!(
        result.data_reply.as_ref().map(|r| r.code().get()),
        Some(250)
    );
    assert_eq!(
        run.events.last(),
        Some(&Event::Closed {
            clean: true,
            in_flight: Phase::Idle
        })
    );
    assert!(run.conn.is_closed());
    assert!(run
        .conn
        .capabilities()
        .is_some_and(|c| c.max_size() == Some(1_000_000)));
}

#[test]
fn helo_fallback_after_5xx_ehlo() {
    let script = [
        ("", "220 old.example\r\n"),
        ("EHLO client.example\r\n", "500 5.5.1 what?\r\n"),
        ("HELO client.example\r\n", "250 old.example\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("hi\r\n.\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]).with_size(2);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(
        names(&run.events)[..4],
        ["Greeting", "EhloRefused", "HeloAccepted", "RecipientReply"]
    );
    assert!(matches!(
        run.events.get(1),
        Some(Event::EhloRefused {
            falling_back: true,
            ..
        })
    ));
    // HELO: no extensions, so no SIZE= even though the size is known.
    assert!(run.conn.capabilities().is_none());
}

#[test]
fn explicit_ehlo_does_not_fall_back() {
    let mut cfg = config();
    cfg.auto_hello = false;
    let script = [("", "220 x\r\n"), ("EHLO client.example\r\n", "502 no\r\n")];
    let run = run(
        cfg,
        &script,
        false,
        Box::new(|c, e| {
            if let Event::Greeting { .. } = e {
                c.ehlo().expect("ehlo");
            }
        }),
        Feed::Whole,
    );
    assert!(matches!(
        run.events.get(1),
        Some(Event::EhloRefused {
            falling_back: false,
            ..
        })
    ));
    assert_eq!(run.trailing, "");
}

#[test]
fn refused_greeting_allows_only_quit() {
    let script = [
        ("", "554 5.3.2 no service for you\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(config, &script, true, || {
        Box::new(|c: &mut ClientConnection, e: &Event| {
            if let Event::GreetingRefused { .. } = e {
                let env = envelope("<a@a.example>", &["<b@b.example>"]);
                assert!(matches!(
                    c.send_mail(&env),
                    Err(LocalError::InvalidState { .. })
                ));
                assert!(matches!(c.ehlo(), Err(LocalError::InvalidState { .. })));
                assert!(matches!(c.noop(), Err(LocalError::InvalidState { .. })));
                assert!(matches!(
                    c.send_raw("HELP"),
                    Err(LocalError::InvalidState { .. })
                ));
                c.quit().expect("quit after a refused greeting");
            }
        })
    });
    assert_eq!(names(&run.events), ["GreetingRefused", "Reply", "Closed"]);
    assert!(run.conn.greeting().is_some_and(|g| g.code().get() == 554));
}

#[test]
fn refused_data_and_refused_end_of_data_reset_and_go_on() {
    for (data_reply, end_reply, stage) in [
        ("451 4.3.0 try later\r\n", None, Stage::Data),
        ("354 go\r\n", Some("554 5.6.0 rejected\r\n"), Stage::DataEnd),
    ] {
        let mut script = vec![
            ("", "220 x\r\n"),
            ("EHLO client.example\r\n", "250 x\r\n"),
            ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
            ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
            ("DATA\r\n", data_reply),
        ];
        if let Some(end) = end_reply {
            script.push(("hi\r\n.\r\n", end));
        }
        script.push(("RSET\r\n", "250 ok\r\n"));
        script.push(("QUIT\r\n", "221 bye\r\n"));
        let env = || envelope("<a@a.example>", &["<b@b.example>"]);
        let run = run_all(config, &script, true, || send_one(env(), b"hi"));
        let failed = run
            .events
            .iter()
            .find_map(|e| match e {
                Event::TransactionFailed { stage, reply, .. } => Some((*stage, reply.code().get())),
                _ => None,
            })
            .expect("TransactionFailed");
        let code: u16 = end_reply.unwrap_or(data_reply)[..3].parse().unwrap();
        assert_eq!(failed, (stage, code));
        assert!(matches!(
            run.events.last(),
            Some(Event::Closed { clean: true, .. })
        ));
    }
}

#[test]
fn eof_mid_transaction_names_what_was_in_flight() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", ""),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(
        run.events.last(),
        Some(&Event::Closed {
            clean: false,
            in_flight: Phase::Rcpt
        })
    );
    // Final: nothing is accepted any more.
    let mut conn = run.conn;
    assert_eq!(conn.quit(), Err(LocalError::Closed));
    conn.receive_data(b"250 late\r\n", Timestamp(1));
    assert_eq!(conn.poll_event(), None);
}

#[test]
fn service_closing_421_mid_transaction() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "421 4.3.2 shutting down\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(
        names(&run.events),
        [
            "Greeting",
            "EhloAccepted",
            "TransactionFailed",
            "ServiceClosing",
            "Closed"
        ]
    );
    assert!(matches!(
        run.events.get(2),
        Some(Event::TransactionFailed {
            stage: Stage::Mail,
            ..
        })
    ));
    assert!(matches!(
        run.events.get(3),
        Some(Event::ServiceClosing {
            in_flight: Phase::Mail,
            ..
        })
    ));
    // The driver's QUIT was refused (the server is closing): no RSET, no QUIT.
    assert_eq!(run.trailing, "");
}

#[test]
fn unsolicited_421_while_idle() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n"),
        ("", "421 4.4.2 idle too long\r\n"),
    ];
    let run = run_all(config, &script, true, idle);
    assert_eq!(
        names(&run.events),
        ["Greeting", "EhloAccepted", "ServiceClosing", "Closed"]
    );
}

#[test]
fn unsolicited_421_while_the_body_is_written_fails_the_transaction() {
    // RFC 5321 §3.8: the server closes while the client streams the body
    // (no command in flight). The transaction is reported failed, not
    // dropped, and the phase says the body was under way.
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("first line\r\n", "421 4.3.2 shutting down\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let driver = || -> Driver {
        let mut sent = false;
        Box::new(move |c, e| match e {
            Event::EhloAccepted { .. } if !sent => {
                sent = true;
                c.send_mail(&env()).expect("send_mail");
            }
            // Part of the body; the rest never comes.
            Event::ReadyForBody => c.send_body(b"first line\r\n").expect("send_body"),
            _ => {}
        })
    };
    let run = run_all(config, &script, true, driver);
    let failed = run.events.iter().find_map(|e| match e {
        Event::TransactionFailed { stage, reply, .. } => Some((*stage, reply.code().get())),
        _ => None,
    });
    assert_eq!(failed, Some((Stage::DataEnd, 421)));
    assert!(run.events.iter().any(|e| matches!(
        e,
        Event::ServiceClosing {
            in_flight: Phase::Body,
            ..
        }
    )));
}

#[test]
fn unexpected_reply_is_fatal() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n250 again?\r\n"),
    ];
    let run = run_all(config, &script, false, idle);
    assert_eq!(
        run.events.last(),
        Some(&Event::Failed(smtp_core::RemoteError::UnexpectedReply))
    );
}

#[test]
fn vrfy_expn_help_noop_rset_get_their_replies() {
    let mut cfg = config();
    cfg.auto_hello = false;
    let script = [
        ("", "220 x\r\n"),
        ("VRFY bob\r\n", "252 2.5.0 cannot verify\r\n"),
        ("EXPN staff\r\n", "550 no\r\n"),
        ("HELP\r\n", "214-help\r\n214 end\r\n"),
        ("NOOP\r\n", "250 ok\r\n"),
        ("RSET\r\n", "250 ok\r\n"),
    ];
    let mut step = 0;
    let run = run(
        cfg,
        &script,
        false,
        Box::new(move |c, e| {
            if matches!(e, Event::Greeting { .. } | Event::Reply { .. }) {
                step += 1;
                let r = match step {
                    1 => c.vrfy("bob"),
                    2 => c.expn("staff"),
                    3 => c.help(None),
                    4 => c.noop(),
                    5 => c.rset(),
                    _ => return,
                };
                r.expect("low-level command");
            }
        }),
        Feed::Whole,
    );
    let codes: Vec<(u64, u16)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Reply { id, reply } => Some((id.get(), reply.code().get())),
            _ => None,
        })
        .collect();
    assert_eq!(codes, [(0, 252), (1, 550), (2, 214), (3, 250), (4, 250)]);
}

#[test]
fn service_closing_421_to_a_rcpt() {
    // smtplib: the 421 goes into the refused recipients, then it closes.
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250 x\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<c@b.example>\r\n", "421 4.3.2 going down\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>", "<c@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert_eq!(
        names(&run.events)[2..],
        [
            "RecipientReply",
            "RecipientReply",
            "TransactionFailed",
            "ServiceClosing",
            "Closed"
        ]
    );
    let Some(Event::TransactionFailed { stage, result, .. }) = run.events.get(4) else {
        panic!()
    };
    assert_eq!(*stage, Stage::Recipients);
    let codes: Vec<u16> = result
        .recipients
        .iter()
        .map(|r| r.rcpt_reply.code().get())
        .collect();
    assert_eq!(codes, [250, 421]);
}

#[test]
fn service_closing_after_a_refused_pipelined_mail_reports_the_refusal() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 PIPELINING\r\n"),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n",
            "550 5.7.1 no\r\n421 4.7.0 bye\r\n",
        ),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]);
    let run = run_all(config, &script, true, || send_one(env(), b"hi"));
    assert!(matches!(
        run.events.get(2),
        Some(Event::TransactionFailed { stage: Stage::Mail, reply, .. }) if reply.code().get() == 550
    ));
    assert!(matches!(
        run.events.get(3),
        Some(Event::ServiceClosing {
            in_flight: Phase::Rcpt,
            ..
        })
    ));
}

#[test]
fn two_messages_on_one_connection() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 PIPELINING\r\n"),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<b@b.example>\r\nDATA\r\n",
            "250 ok\r\n250 ok\r\n354 go\r\n",
        ),
        ("one\r\n.\r\n", "250 first\r\n"),
        (
            "MAIL FROM:<a@a.example>\r\nRCPT TO:<c@b.example>\r\nDATA\r\n",
            "250 ok\r\n250 ok\r\n354 go\r\n",
        ),
        ("two\r\n.\r\n", "250 second\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let driver = || {
        let mut n = 0;
        Box::new(move |c: &mut ClientConnection, e: &Event| match e {
            Event::EhloAccepted { .. } => c
                .send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
                .unwrap(),
            Event::ReadyForBody => {
                n += 1;
                c.send_body(if n == 1 { b"one" } else { b"two" }).unwrap();
                c.finish_body().unwrap();
            }
            Event::TransactionFinished { .. } if n == 1 => c
                .send_mail(&envelope("<a@a.example>", &["<c@b.example>"]))
                .unwrap(),
            Event::TransactionFinished { .. } => {
                c.quit().unwrap();
            }
            _ => {}
        }) as Driver
    };
    let run = run_all(config, &script, true, driver);
    let finished: Vec<String> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::TransactionFinished { result } => result.data_reply.as_ref().map(text),
            _ => None,
        })
        .collect();
    assert_eq!(finished, ["first", "second"]);
}
