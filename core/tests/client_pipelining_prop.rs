//! Property: for any server verdicts, the pipelined and the unpipelined run
//! of one envelope report the same events, and no body byte leaves when
//! nobody takes it (RFC 2920 §3.1).

mod client_common;

use client_common::*;
use proptest::prelude::*;
use smtp_core::client::{Event, Stage};

const BODY: &str = "body-bytes";

#[derive(Debug, Clone)]
struct Verdicts {
    mail: u16,
    rcpts: Vec<u16>,
    data: u16,
    end: u16,
}

/// The unpipelined conversation: one command per reply.
fn unpiped(v: &Verdicts) -> Vec<(String, String)> {
    let mut s = vec![
        (String::new(), "220 x\r\n".to_string()),
        ("EHLO client.example\r\n".into(), "250 x\r\n".into()),
        ("MAIL FROM:<a@a.example>\r\n".into(), reply(v.mail)),
    ];
    let mut delivered = false;
    if v.mail == 250 {
        for (i, &c) in v.rcpts.iter().enumerate() {
            s.push((rcpt_line(i), reply(c)));
        }
        if v.rcpts.contains(&250) {
            s.push(("DATA\r\n".into(), reply(v.data)));
            if v.data == 354 {
                s.push((format!("{BODY}\r\n.\r\n"), reply(v.end)));
                delivered = v.end == 250;
            }
        }
    }
    if !delivered {
        s.push(("RSET\r\n".into(), "250 ok\r\n".into()));
    }
    s.push(("QUIT\r\n".into(), "221 bye\r\n".into()));
    s
}

/// The pipelined conversation: MAIL, every RCPT and DATA in one flight; a
/// server answers 503 to what follows a refused MAIL or no recipient.
fn piped(v: &Verdicts) -> Vec<(String, String)> {
    let mut flight = String::from("MAIL FROM:<a@a.example>\r\n");
    let mut answers = reply(v.mail);
    for (i, &c) in v.rcpts.iter().enumerate() {
        flight.push_str(&rcpt_line(i));
        answers.push_str(&reply(if v.mail == 250 { c } else { 503 }));
    }
    flight.push_str("DATA\r\n");
    let ok = v.mail == 250 && v.rcpts.contains(&250);
    answers.push_str(&reply(if ok { v.data } else { 503 }));
    let mut s = vec![
        (String::new(), "220 x\r\n".to_string()),
        (
            "EHLO client.example\r\n".into(),
            "250-x\r\n250 PIPELINING\r\n".into(),
        ),
        (flight, answers),
    ];
    if ok && v.data == 354 {
        s.push((format!("{BODY}\r\n.\r\n"), reply(v.end)));
        if v.end == 250 {
            s.push(("QUIT\r\n".into(), "221 bye\r\n".into()));
            return s;
        }
    }
    s.push(("RSET\r\nQUIT\r\n".into(), "250 ok\r\n221 bye\r\n".into()));
    s
}

fn events_after_ehlo(script: &[(String, String)], n: usize) -> (Vec<Event>, Vec<u8>) {
    run_after_ehlo(script, numbered_envelope(n), BODY.as_bytes())
}

proptest! {
    #[test]
    fn pipelined_equals_unpipelined(
        mail in prop::sample::select(vec![250u16, 550, 451]),
        rcpts in prop::collection::vec(prop::sample::select(vec![250u16, 550, 450]), 1..5),
        data in prop::sample::select(vec![354u16, 554]),
        end in prop::sample::select(vec![250u16, 552]),
    ) {
        let v = Verdicts { mail, rcpts, data, end };
        let (a, ca) = events_after_ehlo(&unpiped(&v), v.rcpts.len());
        let (b, cb) = events_after_ehlo(&piped(&v), v.rcpts.len());
        prop_assert_eq!(&a, &b);
        let body_sent = |c: &[u8]| String::from_utf8_lossy(c).contains(BODY);
        let takers = v.mail == 250 && v.rcpts.contains(&250);
        prop_assert_eq!(body_sent(&ca), takers && v.data == 354);
        prop_assert_eq!(body_sent(&cb), takers && v.data == 354);
        let outcome = a.iter().find_map(|e| match e {
            Event::TransactionFinished { .. } => Some(None),
            Event::TransactionFailed { stage, .. } => Some(Some(*stage)),
            _ => None,
        });
        let expected = if v.mail != 250 {
            Some(Stage::Mail)
        } else if !takers {
            Some(Stage::Recipients)
        } else if v.data != 354 {
            Some(Stage::Data)
        } else if v.end != 250 {
            Some(Stage::DataEnd)
        } else {
            None
        };
        prop_assert_eq!(outcome, Some(expected));
    }
}
