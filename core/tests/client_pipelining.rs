//! RFC 2920: the same envelope pipelined and not gives the same result.

mod client_common;

use client_common::*;
use smtp_core::client::{CommandId, Event, Stage};
use smtp_core::{ClientConnection, Command, LocalError};

const EHLO_PLAIN: &str = "250-mx.example\r\n250 8BITMIME\r\n";
const EHLO_PIPE: &str = "250-mx.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n";
const MAIL: &str = "MAIL FROM:<a@a.example>\r\n";
const RCPT1: &str = "RCPT TO:<b@b.example>\r\n";
const RCPT2: &str = "RCPT TO:<c@b.example>\r\n";

fn env() -> smtp_core::client::Envelope {
    envelope("<a@a.example>", &["<b@b.example>", "<c@b.example>"])
}

/// Events after EHLO (whose capabilities differ between the two runs).
fn after_ehlo(events: &[Event]) -> Vec<Event> {
    let i = events
        .iter()
        .position(|e| matches!(e, Event::EhloAccepted { .. }))
        .expect("EHLO");
    events[i + 1..].to_vec()
}

fn both(unpiped: &[(&str, &str)], piped: &[(&str, &str)]) -> Vec<Event> {
    let a = run_all(config, unpiped, true, || send_one(env(), b"hi"));
    let b = run_all(config, piped, true, || send_one(env(), b"hi"));
    let (ea, eb) = (after_ehlo(&a.events), after_ehlo(&b.events));
    assert_eq!(ea, eb, "pipelined and unpipelined runs differ");
    ea
}

#[test]
fn same_result_when_all_goes_well() {
    let unpiped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PLAIN),
        (MAIL, "250 ok\r\n"),
        (RCPT1, "250 ok\r\n"),
        (RCPT2, "550 5.1.1 unknown\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("hi\r\n.\r\n", "250 queued\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let all = format!("{MAIL}{RCPT1}{RCPT2}DATA\r\n");
    let piped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PIPE),
        (&all, "250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n"),
        ("hi\r\n.\r\n", "250 queued\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let events = both(&unpiped, &piped);
    assert_eq!(
        names(&events),
        [
            "RecipientReply",
            "RecipientReply",
            "ReadyForBody",
            "TransactionFinished",
            "Reply",
            "Closed"
        ]
    );
}

#[test]
fn same_result_when_mail_is_refused() {
    let unpiped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PLAIN),
        (MAIL, "550 5.7.1 sender refused\r\n"),
        ("RSET\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let all = format!("{MAIL}{RCPT1}{RCPT2}DATA\r\n");
    let piped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PIPE),
        (
            &all,
            "550 5.7.1 sender refused\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no MAIL\r\n503 5.5.1 no RCPT\r\n",
        ),
        // RSET does not end a group: QUIT rides along.
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let events = both(&unpiped, &piped);
    let Some(Event::TransactionFailed {
        stage,
        reply,
        result,
    }) = events.first()
    else {
        panic!("{events:?}")
    };
    assert_eq!(*stage, Stage::Mail);
    assert_eq!(reply.code().get(), 550);
    assert!(result.recipients.is_empty());
}

#[test]
fn no_body_byte_when_every_recipient_is_refused() {
    let unpiped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PLAIN),
        (MAIL, "250 ok\r\n"),
        (RCPT1, "550 no\r\n"),
        (RCPT2, "551 no\r\n"),
        ("RSET\r\n", "250 ok\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let all = format!("{MAIL}{RCPT1}{RCPT2}DATA\r\n");
    // A server that refuses DATA, as it should...
    let piped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PIPE),
        (
            &all,
            "250 ok\r\n550 no\r\n551 no\r\n554 no valid recipients\r\n",
        ),
        // RSET does not end a group: QUIT rides along.
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let events = both(&unpiped, &piped);
    assert!(matches!(
        events.get(2),
        Some(Event::TransactionFailed {
            stage: Stage::Recipients,
            ..
        })
    ));
    // ... and one that says 354 anyway: RFC 2920 §3.1, a lone dot.
    let piped_354 = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PIPE),
        (&all, "250 ok\r\n550 no\r\n551 no\r\n354 go\r\n"),
        (".\r\n", "554 empty\r\n"),
        ("RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n"),
    ];
    let c = run_all(config, &piped_354, true, || send_one(env(), b"hi"));
    assert_eq!(after_ehlo(&c.events), events);
    assert!(!String::from_utf8_lossy(&c.client).contains("hi"));
}

#[test]
fn second_command_needs_pipelining() {
    let mut cfg = config();
    cfg.auto_hello = false;
    let script = [("", "220 x\r\n")];
    let run = run(cfg, &script, false, idle(), Feed::Whole);
    let mut c = run.conn;
    c.ehlo().unwrap();
    c.receive_data(EHLO_PLAIN.as_bytes(), smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    let before = c.pending_transmit().to_vec();
    let id = c.noop().unwrap();
    assert_eq!(c.rset(), Err(LocalError::PipeliningNotOffered));
    assert_eq!(c.pending_transmit().len(), before.len() + b"NOOP\r\n".len());
    assert_eq!(c.in_flight(), 1);
    c.receive_data(b"250 ok\r\n", smtp_core::Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::Reply { id: i, .. }) if i == id));
    assert!(c.rset().is_ok());
}

#[test]
fn group_enders_stop_a_pipelined_group() {
    let mut c = ClientConnection::new(
        {
            let mut cfg = config();
            cfg.auto_hello = false;
            cfg
        },
        smtp_core::Timestamp(0),
    )
    .unwrap();
    c.receive_data(b"220 x\r\n", smtp_core::Timestamp(0));
    c.ehlo().unwrap();
    c.receive_data(EHLO_PIPE.as_bytes(), smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    // RSET and MAIL may be followed by more (RFC 2920 §3.1) ...
    let ids: Vec<CommandId> = vec![
        c.rset().unwrap(),
        c.send_raw("MAIL FROM:<a@a.example>").unwrap(),
        c.send_raw("RCPT TO:<b@b.example>").unwrap(),
        c.noop().unwrap(),
    ];
    // ... NOOP may only be last.
    assert_eq!(c.rset(), Err(LocalError::PipeliningNotOffered));
    assert_eq!(
        c.send_command(Command::Data),
        Err(LocalError::PipeliningNotOffered)
    );
    c.receive_data(
        b"250 a\r\n250 b\r\n250 c\r\n250 d\r\n",
        smtp_core::Timestamp(0),
    );
    let got: Vec<CommandId> = std::iter::from_fn(|| c.poll_event())
        .filter_map(|e| match e {
            Event::Reply { id, .. } => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(got, ids);
}

/// RFC 5321 §4.3.2 names the success code of each step (the rule lives in
/// `client::sequences`, shared with `TransactionLedger`): a 252 to RCPT is
/// a refusal, a 251 an acceptance, pipelined or not.
#[test]
fn success_is_the_code_the_sequence_names() {
    let unpiped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PLAIN),
        (MAIL, "250 ok\r\n"),
        (RCPT1, "252 cannot verify\r\n"),
        (RCPT2, "251 will forward\r\n"),
        ("DATA\r\n", "354 go\r\n"),
        ("hi\r\n.\r\n", "250 queued\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let all = format!("{MAIL}{RCPT1}{RCPT2}DATA\r\n");
    let piped = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_PIPE),
        (
            &all,
            "250 ok\r\n252 cannot verify\r\n251 will forward\r\n354 go\r\n",
        ),
        ("hi\r\n.\r\n", "250 queued\r\n"),
        ("QUIT\r\n", "221 bye\r\n"),
    ];
    let events = both(&unpiped, &piped);
    let Some(Event::TransactionFinished { result }) = events
        .iter()
        .find(|e| matches!(e, Event::TransactionFinished { .. }))
    else {
        panic!("{events:?}")
    };
    let refused: Vec<(usize, u16)> = result
        .refused()
        .map(|(r, reply)| (r.index, reply.code().get()))
        .collect();
    assert_eq!(refused, [(0, 252)]);
    assert_eq!(result.accepted(), 1);
}
