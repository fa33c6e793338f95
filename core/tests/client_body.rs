//! Bodies: BDAT chunks without PIPELINING (RFC 3030 §4.1; the pipelined
//! ones are in `client_bdat_pipelined.rs`), back-pressure, bare line
//! endings, and the low-level DATA path (smtplib's `data()`).

mod client_common;

use client_common::*;
use smtp_core::body::BareLineEndingPolicy;
use smtp_core::client::{BodyMode, ClientConfig, Event, Stage};
use smtp_core::{ClientConnection, Command, LocalError, Timestamp};

fn bdat_env() -> smtp_core::client::Envelope {
    envelope("<a@a.example>", &["<b@b.example>"]).with_body_mode(BodyMode::Bdat {
        chunk_size: Some(4),
    })
}

#[test]
fn bdat_without_pipelining_waits_for_each_chunk() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 CHUNKING\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("BDAT 4\r\nhell", "250 4 octets\r\n"),
        ("BDAT 4\r\no wo", "250 4 octets\r\n"),
        ("BDAT 3 LAST\r\nrld", "250 2.0.0 queued\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(config, &script, true, || {
        send_one(bdat_env(), b"hello world")
    });
    let n = names(&run.events);
    assert_eq!(
        n[2..],
        [
            "RecipientReply",
            "ReadyForBody",
            "TransactionFinished",
            "Reply",
            "Closed"
        ]
    );
}

#[test]
fn refused_bdat_chunk_stops_the_body_without_pipelining() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 CHUNKING\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("BDAT 4\r\nhell", "552 5.3.4 no room\r\n"),
        ("RSET\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let run = run_all(config, &script, true, || {
        send_one(bdat_env(), b"hello world")
    });
    assert!(run.events.iter().any(|e| matches!(
        e,
        Event::TransactionFailed {
            stage: Stage::Body,
            ..
        }
    )));
}

#[test]
fn empty_bdat_body_is_bdat_0_last() {
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 CHUNKING\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("BDAT 0 LAST\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    run_all(config, &script, true, || send_one(bdat_env(), b""));
}

fn in_body(cfg: ClientConfig) -> ClientConnection {
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n250 x\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c
}

#[test]
fn body_back_pressure() {
    let mut cfg = config();
    cfg.transmit_high_water = 16;
    let mut c = in_body(cfg);
    assert!(c.body_ready());
    c.send_body(&[b'a'; 20]).unwrap();
    assert!(!c.body_ready());
    let before = c.pending_transmit().to_vec();
    assert_eq!(
        c.send_body(b"more"),
        Err(LocalError::BufferFull {
            pending: 20,
            limit: 16
        })
    );
    assert_eq!(c.pending_transmit(), before);
    c.consume_transmit(10);
    assert!(c.body_ready());
    c.send_body(b"more").unwrap();
    assert_eq!(c.pending_transmit(), b"aaaaaaaaaamore");
}

#[test]
fn bare_line_endings_normalised_or_refused() {
    let mut c = in_body(config());
    c.send_body(b"a\nb\rc\r").unwrap();
    c.send_body(b"\n.d").unwrap();
    c.finish_body().unwrap();
    assert_eq!(c.pending_transmit(), b"a\r\nb\r\nc\r\n..d\r\n.\r\n");

    let mut cfg = config();
    cfg.line_endings = BareLineEndingPolicy::Refuse;
    let mut c = in_body(cfg);
    c.send_body(b"ok\r\n").unwrap();
    assert_eq!(
        c.send_body(b"x\ny"),
        Err(LocalError::BareLineEnding { offset: 1 })
    );
    assert_eq!(c.pending_transmit(), b"ok\r\n");
    assert!(c.body_ready());
}

#[test]
fn low_level_data_like_smtplib() {
    let mut cfg = config();
    cfg.auto_hello = false;
    let script = [
        ("", "220 x\r\n"),
        ("HELO client.example\r\n", "250 x\r\n"),
        ("MAIL FROM:<a@a.example>\r\n", "250 ok\r\n"),
        ("RCPT TO:<b@b.example>\r\n", "250 ok\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("..hi\r\n.\r\n", "250 queued\r\n"),
    ];
    let mut step = 0;
    let run = run(
        cfg,
        &script,
        false,
        Box::new(move |c, e| {
            step += 1;
            match step {
                1 => c.helo().unwrap(),
                2 => {
                    c.send_raw("MAIL FROM:<a@a.example>").unwrap();
                }
                3 => {
                    c.send_command(Command::Rcpt {
                        to: fwd("<b@b.example>"),
                        params: Default::default(),
                    })
                    .unwrap();
                }
                4 => {
                    c.send_command(Command::Data).unwrap();
                }
                5 => {
                    assert!(matches!(e, Event::Reply { reply, .. } if reply.code().get() == 354));
                    c.send_body(b".hi").unwrap();
                    c.finish_body().unwrap();
                }
                _ => {}
            }
        }),
        Feed::Whole,
    );
    let replies: Vec<(u64, u16)> = run
        .events
        .iter()
        .filter_map(|e| match e {
            Event::Reply { id, reply } => Some((id.get(), reply.code().get())),
            _ => None,
        })
        .collect();
    assert_eq!(replies, [(0, 250), (1, 250), (2, 354), (2, 250)]);
    assert!(run.conn.hello_reply().is_some());
}

#[test]
fn low_level_bdat_is_refused() {
    let mut c = in_body(config());
    c.finish_body().unwrap();
    c.receive_data(b"250 ok\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    assert!(matches!(
        c.send_command(Command::Bdat {
            size: 1,
            last: true
        }),
        Err(LocalError::InvalidArgument { field: "BDAT", .. })
    ));
}

fn in_bdat_body(cfg: ClientConfig, binary: bool) -> ClientConnection {
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    c.receive_data(
        b"220 x\r\n250-x\r\n250-BINARYMIME\r\n250 CHUNKING\r\n",
        Timestamp(0),
    );
    while c.poll_event().is_some() {}
    let mut env = envelope("<a@a.example>", &["<b@b.example>"]).with_body_mode(BodyMode::Bdat {
        chunk_size: Some(100),
    });
    if binary {
        env.mail_params.body = Some(smtp_core::command::BodyType::BinaryMime);
    }
    c.send_mail(&env).unwrap();
    c.receive_data(b"250 ok\r\n250 ok\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c
}

#[test]
fn bdat_text_bodies_get_crlf_and_binary_ones_stay_untouched() {
    let mut c = in_bdat_body(config(), false);
    c.send_body(b"a\nb\r").unwrap();
    c.send_body(b"\nc\rd").unwrap();
    c.finish_body().unwrap();
    assert_eq!(c.pending_transmit(), b"BDAT 10 LAST\r\na\r\nb\r\nc\r\nd");

    let mut cfg = config();
    cfg.line_endings = BareLineEndingPolicy::Refuse;
    let mut c = in_bdat_body(cfg, false);
    c.send_body(b"ok\r\n").unwrap();
    assert_eq!(
        c.send_body(b"x\ny"),
        Err(LocalError::BareLineEnding { offset: 1 })
    );
    c.send_body(b"end\r").unwrap();
    assert_eq!(
        c.finish_body(),
        Err(LocalError::BareLineEnding { offset: 0 })
    );
    c.send_body(b"\n").unwrap();
    c.finish_body().unwrap();
    assert_eq!(c.pending_transmit(), b"BDAT 9 LAST\r\nok\r\nend\r\n");

    let mut c = in_bdat_body(config(), true);
    c.send_body(b"\n\r\0\r").unwrap();
    c.finish_body().unwrap();
    assert_eq!(c.pending_transmit(), b"BDAT 4 LAST\r\n\n\r\0\r");
}
