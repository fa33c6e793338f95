//! send_mail's checks against the server's capabilities: SIZE, 8BITMIME,
//! SMTPUTF8, BINARYMIME, DSN, REQUIRETLS, and the parameters of the shared
//! table (`MailParameters::missing_extension`). A refusal is a LocalError and
//! leaves the machine exactly as it was.

mod client_common;

use client_common::*;
use smtp_core::client::{BodyMode, Envelope, Event, Phase};
use smtp_core::command::{BodyType, Notify, OtherParameter, Ret};
use smtp_core::{ClientConnection, LocalError, Timestamp};

/// A machine after EHLO with these keyword lines.
fn after_ehlo(keywords: &[&str]) -> ClientConnection {
    after_ehlo_with(config(), keywords)
}

fn after_ehlo_with(cfg: smtp_core::ClientConfig, keywords: &[&str]) -> ClientConnection {
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    let mut reply = String::from("250");
    reply.push_str(if keywords.is_empty() {
        " mx\r\n"
    } else {
        "-mx\r\n"
    });
    for (i, k) in keywords.iter().enumerate() {
        let sep = if i + 1 == keywords.len() { ' ' } else { '-' };
        reply.push_str(&format!("250{sep}{k}\r\n"));
    }
    c.receive_data(b"220 x\r\n", Timestamp(0));
    c.receive_data(reply.as_bytes(), Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c
}

/// Asserts `send_mail` fails with `err` and changes nothing.
fn refused(c: &mut ClientConnection, env: &Envelope, err: LocalError) {
    let phase = c.phase();
    assert_eq!(c.send_mail(env), Err(err));
    assert!(c.pending_transmit().is_empty());
    assert_eq!(c.in_flight(), 0);
    assert_eq!(c.phase(), phase);
    assert_eq!(c.poll_event(), None);
}

fn sent(c: &mut ClientConnection, env: &Envelope) -> String {
    c.send_mail(env).expect("send_mail");
    let s = String::from_utf8_lossy(c.pending_transmit()).into_owned();
    c.consume_transmit(usize::MAX);
    s
}

fn env() -> Envelope {
    envelope("<a@a.example>", &["<b@b.example>"])
}

#[test]
fn size_is_added_when_offered_and_refused_when_too_big() {
    let mut c = after_ehlo(&["SIZE 1000"]);
    refused(
        &mut c,
        &env().with_size(1001),
        LocalError::MessageTooLarge {
            size: 1001,
            limit: 1000,
        },
    );
    assert_eq!(
        sent(&mut c, &env().with_size(1000)),
        "MAIL FROM:<a@a.example> SIZE=1000\r\n"
    );
    // Without SIZE offered, nothing is added and no size is refused.
    let mut c = after_ehlo(&["8BITMIME"]);
    assert_eq!(
        sent(&mut c, &env().with_size(10_000_000)),
        "MAIL FROM:<a@a.example>\r\n"
    );
    // An explicit SIZE= parameter needs the extension.
    let mut c = after_ehlo(&["8BITMIME"]);
    let mut e = env();
    e.mail_params.size = Some(5);
    refused(
        &mut c,
        &e,
        LocalError::ExtensionNotOffered { extension: "SIZE" },
    );
}

#[test]
fn body_over_size_is_refused_while_streaming() {
    let mut c = after_ehlo(&["SIZE 10"]);
    c.send_mail(&env()).unwrap();
    c.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c.send_body(b"12345").unwrap();
    let before = c.pending_transmit().to_vec();
    assert_eq!(
        c.send_body(b"678901"),
        Err(LocalError::MessageTooLarge {
            size: 11,
            limit: 10
        })
    );
    assert_eq!(c.pending_transmit(), before);
    c.send_body(b"67890").unwrap();
    // RFC 1870 counts CRLF line endings: 10 octets with bare LF are 15.
    let mut c = after_ehlo(&["SIZE 10"]);
    c.send_mail(&env()).unwrap();
    c.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    assert_eq!(
        c.send_body(b"a\nb\nc\nd\ne\n"),
        Err(LocalError::MessageTooLarge {
            size: 15,
            limit: 10
        })
    );
    assert!(c.pending_transmit().is_empty());
    c.send_body(b"a\nb\nc\n").unwrap();
    assert_eq!(c.pending_transmit(), b"a\r\nb\r\nc\r\n");
}

#[test]
fn extensions_must_be_advertised() {
    let mut c = after_ehlo(&["PIPELINING"]);
    let with = |f: &dyn Fn(&mut Envelope)| {
        let mut e = env();
        f(&mut e);
        e
    };
    let cases: Vec<(Envelope, &str)> = vec![
        (
            with(&|e| e.mail_params.body = Some(BodyType::EightBitMime)),
            "8BITMIME",
        ),
        (
            with(&|e| e.mail_params.body = Some(BodyType::BinaryMime)),
            "BINARYMIME",
        ),
        // RFC 6152 §2: BODY is 8BITMIME's parameter, 7BIT too.
        (
            with(&|e| e.mail_params.body = Some(BodyType::SevenBit)),
            "8BITMIME",
        ),
        (with(&|e| e.mail_params.smtputf8 = true), "SMTPUTF8"),
        // RFC 6710 §3: a parameter the crate does not type still needs
        // its extension (the shared table reads `other` too).
        (
            with(&|e| {
                e.mail_params.other.push(OtherParameter {
                    keyword: "MT-PRIORITY".into(),
                    value: Some("3".into()),
                })
            }),
            "MT-PRIORITY",
        ),
        (with(&|e| e.mail_params.size = Some(10)), "SIZE"),
        (with(&|e| e.mail_params.ret = Some(Ret::Full)), "DSN"),
        (with(&|e| e.mail_params.envid = Some("x".into())), "DSN"),
        (
            with(&|e| e.recipients[0].params.notify = Some(Notify::Never)),
            "DSN",
        ),
        (with(&|e| e.mail_params.requiretls = true), "REQUIRETLS"),
        (with(&|e| e.mail_params.auth = Some("<>".into())), "AUTH"),
        (
            with(&|e| e.body_mode = BodyMode::Bdat { chunk_size: None }),
            "CHUNKING",
        ),
        (
            envelope("<jöran@a.example>", &["<b@b.example>"]),
            "SMTPUTF8",
        ),
        (
            envelope("<a@a.example>", &["<b@bücher.example>"]),
            "SMTPUTF8",
        ),
    ];
    for (e, ext) in cases {
        refused(
            &mut c,
            &e,
            LocalError::ExtensionNotOffered { extension: ext },
        );
    }
    // Still usable: a plain envelope goes.
    assert!(sent(&mut c, &env()).starts_with("MAIL FROM:<a@a.example>\r\nRCPT"));
}

#[test]
fn requiretls_needs_a_tls_session() {
    let mut c = after_ehlo(&["REQUIRETLS", "STARTTLS"]);
    let mut e = env();
    e.mail_params.requiretls = true;
    refused(
        &mut c,
        &e,
        LocalError::InvalidEnvelope {
            reason: "REQUIRETLS needs a TLS session (RFC 8689 §2)",
        },
    );
}

#[test]
fn offered_extensions_are_used() {
    // SMTP_SSL: TLS from the first byte, so REQUIRETLS may be used.
    let mut cfg = config();
    cfg.implicit_tls = true;
    let mut c = after_ehlo_with(
        cfg,
        &["8BITMIME", "SMTPUTF8", "DSN", "REQUIRETLS", "STARTTLS"],
    );
    assert!(c.is_tls());
    assert!(matches!(c.starttls(), Err(LocalError::InvalidState { .. })));
    let mut e = envelope("<jöran@a.example>", &["<b@b.example>"]);
    e.mail_params.body = Some(BodyType::EightBitMime);
    e.mail_params.ret = Some(Ret::Headers);
    e.mail_params.requiretls = true;
    e.recipients[0].params.notify = Some(Notify::Never);
    // SMTPUTF8 is added because an address needs it (RFC 6531 §3.4).
    assert_eq!(
        sent(&mut c, &e),
        "MAIL FROM:<jöran@a.example> BODY=8BITMIME SMTPUTF8 RET=HDRS REQUIRETLS\r\n"
    );
}

#[test]
fn binarymime_needs_bdat() {
    let mut c = after_ehlo(&["BINARYMIME", "CHUNKING"]);
    let mut e = env().with_body_mode(BodyMode::Data);
    e.mail_params.body = Some(BodyType::BinaryMime);
    assert!(matches!(
        c.send_mail(&e),
        Err(LocalError::InvalidEnvelope { .. })
    ));
    let mut c = after_ehlo(&["BINARYMIME"]);
    let mut e = env();
    e.mail_params.body = Some(BodyType::BinaryMime);
    refused(
        &mut c,
        &e,
        LocalError::ExtensionNotOffered {
            extension: "CHUNKING",
        },
    );
}

#[test]
fn envelope_needs_a_recipient_and_a_hello() {
    let mut c = after_ehlo(&[]);
    refused(
        &mut c,
        &Envelope::new(rev("<a@a.example>"), []),
        LocalError::InvalidEnvelope {
            reason: "no recipient",
        },
    );
    let mut cfg = config();
    cfg.auto_hello = false;
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    assert!(matches!(
        c.send_mail(&env()),
        Err(LocalError::InvalidState { .. })
    ));
    c.receive_data(b"220 x\r\n", Timestamp(0));
    assert!(matches!(
        c.send_mail(&env()),
        Err(LocalError::InvalidState { .. })
    ));
    assert_eq!(c.phase(), Phase::Idle);
}

#[test]
fn one_transaction_at_a_time() {
    let mut c = after_ehlo(&["PIPELINING"]);
    c.send_mail(&env()).unwrap();
    c.consume_transmit(usize::MAX);
    refused_busy(&mut c);
    c.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    // During the body no command may be sent.
    assert!(matches!(c.noop(), Err(LocalError::InvalidState { .. })));
    assert!(matches!(c.quit(), Err(LocalError::InvalidState { .. })));
    assert_eq!(c.phase(), Phase::Body);
    c.finish_body().unwrap();
    c.receive_data(b"250 done\r\n", Timestamp(0));
    let e: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(names(&e), ["TransactionFinished"]);
    // Ready for the next one.
    c.consume_transmit(usize::MAX);
    c.send_mail(&env()).unwrap();
}

fn refused_busy(c: &mut ClientConnection) {
    let before = c.pending_transmit().to_vec();
    assert!(matches!(
        c.send_mail(&env()),
        Err(LocalError::InvalidState { .. })
    ));
    assert!(matches!(c.ehlo(), Err(LocalError::InvalidState { .. })));
    assert!(matches!(
        c.send_body(b"x"),
        Err(LocalError::InvalidState { .. })
    ));
    assert!(matches!(
        c.finish_body(),
        Err(LocalError::InvalidState { .. })
    ));
    assert_eq!(c.pending_transmit(), before);
}
