//! The RFCs' own example sessions, played by the client machine: its bytes
//! must equal every `C:` line.

mod client_common;

use client_common::*;
use smtp_core::client::{BodyMode, ClientConfig, Event};
use smtp_core::command::BodyType;
use smtp_core::{ClientConnection, Domain};

fn named(host: &str) -> impl Fn() -> ClientConfig + '_ {
    move || ClientConfig::new(Domain::Name(host.into()))
}

/// Sends `env` after EHLO/HELO, the body on ReadyForBody, then QUIT right
/// after the end of the body (RFC 2920 §4 pipelines QUIT behind the dot).
fn send_and_quit(env: smtp_core::client::Envelope, body: &'static [u8]) -> Driver {
    let mut sent = false;
    Box::new(move |c: &mut ClientConnection, e: &Event| match e {
        Event::EhloAccepted { .. } | Event::HeloAccepted { .. } if !sent => {
            sent = true;
            c.send_mail(&env).unwrap();
        }
        Event::ReadyForBody => {
            c.send_body(body).unwrap();
            c.finish_body().unwrap();
            c.quit().unwrap();
        }
        Event::TransactionFailed { .. } => {
            c.quit().unwrap();
        }
        _ => {}
    })
}

#[test]
fn rfc5321_d1_typical_transaction() {
    let script = [
        ("", "220 foo.com Simple Mail Transfer Service Ready\r\n"),
        (
            "EHLO bar.com\r\n",
            "250-foo.com greets bar.com\r\n250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250 HELP\r\n",
        ),
        ("MAIL FROM:<Smith@bar.com>\r\n", "250 OK\r\n"),
        ("RCPT TO:<Jones@foo.com>\r\n", "250 OK\r\n"),
        ("RCPT TO:<Green@foo.com>\r\n", "550 No such user here\r\n"),
        ("RCPT TO:<Brown@foo.com>\r\n", "250 OK\r\n"),
        (
            "DATA\r\n",
            "354 Start mail input; end with <CRLF>.<CRLF>\r\n",
        ),
        (
            "Blah blah blah...\r\n...etc. etc. etc.\r\n.\r\n",
            "250 OK\r\n",
        ),
        (
            "QUIT\r\n",
            "221 foo.com Service closing transmission channel\r\n",
        ),
    ];
    let env = || {
        envelope(
            "<Smith@bar.com>",
            &["<Jones@foo.com>", "<Green@foo.com>", "<Brown@foo.com>"],
        )
    };
    let run = run_all(named("bar.com"), &script, true, || {
        // The wire line "...etc." is the content line "..etc." dot-stuffed.
        send_one(env(), b"Blah blah blah...\r\n..etc. etc. etc.\r\n")
    });
    let result = run
        .events
        .iter()
        .find_map(|e| match e {
            Event::TransactionFinished { result } => Some(result.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(result.accepted(), 2);
    assert!(matches!(
        run.events.last(),
        Some(Event::Closed { clean: true, .. })
    ));
}

#[test]
fn rfc2920_4_without_and_with_pipelining() {
    let env = || {
        envelope(
            "<mrose@dbc.mtview.ca.us>",
            &[
                "<ned@innosoft.com>",
                "<dan@innosoft.com>",
                "<kvc@innosoft.com>",
            ],
        )
    };
    let without = [
        ("", "220 Innosoft.com SMTP service ready\r\n"),
        ("EHLO dbc.mtview.ca.us\r\n", "502 unknown\r\n"),
        ("HELO dbc.mtview.ca.us\r\n", "250 Innosoft.com\r\n"),
        (
            "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\n",
            "250 sender <mrose@dbc.mtview.ca.us> OK\r\n",
        ),
        (
            "RCPT TO:<ned@innosoft.com>\r\n",
            "250 recipient <ned@innosoft.com> OK\r\n",
        ),
        (
            "RCPT TO:<dan@innosoft.com>\r\n",
            "250 recipient <dan@innosoft.com> OK\r\n",
        ),
        (
            "RCPT TO:<kvc@innosoft.com>\r\n",
            "250 recipient <kvc@innosoft.com> OK\r\n",
        ),
        (
            "DATA\r\n",
            "354 enter mail, end with line containing only \".\"\r\n",
        ),
        ("...\r\n.\r\n", "250 message sent\r\n"),
        ("QUIT\r\n", "221 goodbye\r\n"),
    ];
    run_all(named("dbc.mtview.ca.us"), &without, true, || {
        send_and_quit(env(), b"..")
    });
    let with = [
        ("", "220 innosoft.com SMTP service ready\r\n"),
        (
            "EHLO dbc.mtview.ca.us\r\n",
            "250-innosoft.com\r\n250 PIPELINING\r\n",
        ),
        (
            "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<ned@innosoft.com>\r\n\
             RCPT TO:<dan@innosoft.com>\r\nRCPT TO:<kvc@innosoft.com>\r\nDATA\r\n",
            "250 sender <mrose@dbc.mtview.ca.us> OK\r\n250 recipient <ned@innosoft.com> OK\r\n\
             250 recipient <dan@innosoft.com> OK\r\n250 recipient <kvc@innosoft.com> OK\r\n\
             354 enter mail, end with line containing only \".\"\r\n",
        ),
        (
            "...\r\n.\r\nQUIT\r\n",
            "250 message sent\r\n221 goodbye\r\n",
        ),
    ];
    let run = run_all(named("dbc.mtview.ca.us"), &with, true, || {
        send_and_quit(env(), b"..")
    });
    assert_eq!(
        names(&run.events)[5..],
        ["ReadyForBody", "TransactionFinished", "Reply", "Closed"]
    );
    // All recipients rejected: no body, the transaction fails (RSET rides
    // with QUIT in this machine).
    let env = || {
        envelope(
            "<mrose@dbc.mtview.ca.us>",
            &["<nsb@thumper.bellcore.com>", "<galvin@tis.com>"],
        )
    };
    let rejected = [
        ("", "220 innosoft.com SMTP service ready\r\n"),
        (
            "EHLO dbc.mtview.ca.us\r\n",
            "250-innosoft.com\r\n250 PIPELINING\r\n",
        ),
        (
            "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<nsb@thumper.bellcore.com>\r\n\
             RCPT TO:<galvin@tis.com>\r\nDATA\r\n",
            "250 sender <mrose@dbc.mtview.ca.us> OK\r\n\
             550 remote mail to <nsb@thumper.bellore.com> not allowed\r\n\
             550 remote mail to <galvin@tis.com> not allowed\r\n554 no valid recipients given\r\n",
        ),
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 goodbye\r\n"),
    ];
    run_all(named("dbc.mtview.ca.us"), &rejected, true, || {
        send_and_quit(env(), b"..")
    });
}

#[test]
fn rfc3030_4_1_simple_chunking() {
    let body: &[u8] = b"To: Susan@random.com\r\nFrom: Sam@random.com\r\nSubject: This is a bodyless test message\r\n";
    assert_eq!(body.len(), 86);
    let script = [
        ("", "220 cnri.reston.va.us SMTP service ready\r\n"),
        ("EHLO ymir.claremont.edu\r\n", "250-cnri.reston.va.us says hello\r\n250 CHUNKING\r\n"),
        ("MAIL FROM:<Sam@Random.com>\r\n", "250 <Sam@Random.com> Sender ok\r\n"),
        ("RCPT TO:<Susan@Random.com>\r\n", "250 <Susan@random.com> Recipient ok\r\n"),
        (
            "BDAT 86 LAST\r\nTo: Susan@random.com\r\nFrom: Sam@random.com\r\nSubject: This is a bodyless test message\r\n",
            "250 Message OK, 86 octets received\r\n",
        ),
        ("QUIT\r\n", "221 Goodbye\r\n"),
    ];
    let env = || envelope("<Sam@Random.com>", &["<Susan@Random.com>"]);
    run_all(named("ymir.claremont.edu"), &script, true, || {
        send_and_quit(env(), body)
    });
}

#[test]
fn rfc3030_4_2_pipelining_binarymime() {
    const BODY: &[u8] = &[0u8; 1324];
    let env = || {
        let mut e = envelope(
            "<ned@ymir.claremont.edu>",
            &[
                "<gvaudre@cnri.reston.va.us>",
                "<jstewart@cnri.reston.va.us>",
            ],
        )
        .with_body_mode(BodyMode::Bdat {
            chunk_size: Some(1000),
        });
        e.mail_params.body = Some(BodyType::BinaryMime);
        e
    };
    // The RFC's client waits for the envelope's replies before the
    // chunks; RFC 2920 §3.1 and RFC 3030 §2 let them follow at once, and
    // this client does (conformance/transcripts/rfc3030-4.2-*.txt keeps
    // the RFC's shape with an application that hands the body over late).
    let mut flight = String::from(
        "MAIL FROM:<ned@ymir.claremont.edu> BODY=BINARYMIME\r\nRCPT TO:<gvaudre@cnri.reston.va.us>\r\n\
         RCPT TO:<jstewart@cnri.reston.va.us>\r\nBDAT 1000\r\n",
    );
    flight.push_str(&"\0".repeat(1000));
    flight.push_str("BDAT 324 LAST\r\n");
    flight.push_str(&"\0".repeat(324));
    // QUIT may follow the end of the data at once (RFC 2920 §4).
    flight.push_str("QUIT\r\n");
    let script = [
        ("", "220 cnri.reston.va.us SMTP service ready\r\n"),
        (
            "EHLO ymir.claremont.edu\r\n",
            "250-cnri.reston.va.us says hello\r\n250-PIPELINING\r\n250-BINARYMIME\r\n250 CHUNKING\r\n",
        ),
        (
            flight.as_str(),
            "250 <ned@ymir.claremont.edu>... Sender and BINARYMIME ok\r\n\
             250 <gvaudre@cnri.reston.va.us>... Recipient ok\r\n\
             250 <jstewart@cnri.reston.va.us>... Recipient ok\r\n\
             250 1000 octets received\r\n250 Message OK, 1324 octets received\r\n221 Goodbye\r\n",
        ),
    ];
    let run = run_all(named("ymir.claremont.edu"), &script, true, || {
        send_and_quit(env(), BODY)
    });
    assert!(matches!(
        run.events.last(),
        Some(Event::Closed { clean: true, .. })
    ));
}

#[test]
fn rfc1870_8_size_refused_by_the_server() {
    // The server takes SIZE=500000 at MAIL but the client knows its limit
    // first when it is advertised: here 1000000 is fine, the server then
    // says 552 at MAIL for its own reasons.
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", "250-x\r\n250 SIZE 1000000\r\n"),
        (
            "MAIL FROM:<a@a.example> SIZE=500000\r\n",
            "552 5.3.4 message size exceeds fixed limit\r\n",
        ),
        ("RSET\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let env = || envelope("<a@a.example>", &["<b@b.example>"]).with_size(500_000);
    let run = run_all(config, &script, true, || send_and_quit(env(), b""));
    assert!(run.events.iter().any(|e| matches!(
        e,
        Event::TransactionFailed { reply, .. } if reply.code().get() == 552
    )));
}

/// RFC 2920 §4, third and fourth examples, with the deferred reset: the
/// failed group ends with QUIT alone.
#[test]
fn rfc2920_4_all_rejected_then_quit() {
    let cfg = || {
        let mut c = named("dbc.mtview.ca.us")();
        c.reset_after_failure = smtp_core::client::ResetPolicy::Deferred;
        c
    };
    let env = || {
        envelope(
            "<mrose@dbc.mtview.ca.us>",
            &["<nsb@thumper.bellcore.com>", "<galvin@tis.com>"],
        )
    };
    let flight = "MAIL FROM:<mrose@dbc.mtview.ca.us>\r\nRCPT TO:<nsb@thumper.bellcore.com>\r\n\
                  RCPT TO:<galvin@tis.com>\r\nDATA\r\n";
    let replies = "250 sender <mrose@dbc.mtview.ca.us> OK\r\n\
                   550 remote mail to <nsb@thumper.bellore.com> not allowed\r\n\
                   550 remote mail to <galvin@tis.com> not allowed\r\n";
    let refused = format!("{replies}554 no valid recipients given\r\n");
    let script = [
        ("", "220 innosoft.com SMTP service ready\r\n"),
        (
            "EHLO dbc.mtview.ca.us\r\n",
            "250-innosoft.com\r\n250 PIPELINING\r\n",
        ),
        (flight, refused.as_str()),
        ("QUIT\r\n", "221 goodbye\r\n"),
    ];
    let run = run_all(cfg, &script, true, || send_and_quit(env(), b""));
    assert!(matches!(
        run.events.last(),
        Some(Event::Closed { clean: true, .. })
    ));
    // DATA accepted anyway: a lone dot, and QUIT in the same flight when
    // the application quits as soon as it sees the 354 handled.
    let accepted = format!("{replies}354 enter mail, end with line containing only \".\"\r\n");
    let script = [
        ("", "220 innosoft.com SMTP service ready\r\n"),
        (
            "EHLO dbc.mtview.ca.us\r\n",
            "250-innosoft.com\r\n250 PIPELINING\r\n",
        ),
        (flight, accepted.as_str()),
        (
            ".\r\nQUIT\r\n",
            "554 no valid recipients\r\n221 goodbye\r\n",
        ),
    ];
    let quit_on_last_rcpt = || {
        let mut inner = send_and_quit(env(), b"");
        let mut n = 0;
        Box::new(move |c: &mut ClientConnection, e: &Event| {
            if let Event::RecipientReply { .. } = e {
                n += 1;
                if n == 2 {
                    // Every recipient refused: the transaction can only fail.
                    c.quit().unwrap();
                }
            } else if !matches!(e, Event::TransactionFailed { .. }) {
                inner(c, e);
            }
        }) as Driver
    };
    let run = run_all(cfg, &script, true, quit_on_last_rcpt);
    let n = names(&run.events);
    assert_eq!(
        n[2..],
        [
            "RecipientReply",
            "RecipientReply",
            "TransactionFailed",
            "Reply",
            "Closed"
        ]
    );
}

#[test]
fn deferred_reset_goes_before_the_next_command() {
    let mut cfg = config();
    cfg.reset_after_failure = smtp_core::client::ResetPolicy::Deferred;
    let mut c = ClientConnection::new(cfg, smtp_core::Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n250 x\r\n", smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.consume_transmit(usize::MAX);
    c.receive_data(b"550 no\r\n", smtp_core::Timestamp(0));
    let e: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(names(&e), ["TransactionFailed"]);
    assert!(c.pending_transmit().is_empty(), "no RSET yet");
    // A low-level NOOP: RSET first, NOOP after its reply (no PIPELINING).
    let id = c.noop().unwrap();
    assert_eq!(c.pending_transmit(), b"RSET\r\n");
    c.consume_transmit(usize::MAX);
    c.receive_data(b"250 reset\r\n", smtp_core::Timestamp(0));
    assert_eq!(c.pending_transmit(), b"NOOP\r\n");
    c.receive_data(b"250 ok\r\n", smtp_core::Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::Reply { id: i, .. }) if i == id));
    c.consume_transmit(usize::MAX);
    // The caller's own RSET pays the debt; no second RSET.
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.consume_transmit(usize::MAX);
    c.receive_data(b"550 no\r\n", smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    c.rset().unwrap();
    assert_eq!(c.pending_transmit(), b"RSET\r\n");
}
