//! Property: for any server verdicts, BDAT pipelined with the envelope
//! (PIPELINING and CHUNKING: one write) and BDAT one reply at a time
//! (CHUNKING only) report the same outcome, and the same events but for
//! when the body is invited.

mod client_common;

use client_common::*;
use proptest::prelude::*;
use smtp_core::client::{BodyMode, Event, Stage};

const BODY: &[u8] = b"hello world";
/// "hello world" in chunks of 4: two full chunks and `BDAT 3 LAST`.
const CHUNKS: [&str; 3] = ["BDAT 4\r\nhell", "BDAT 4\r\no wo", "BDAT 3 LAST\r\nrld"];

#[derive(Debug, Clone)]
struct Verdicts {
    mail: u16,
    rcpts: Vec<u16>,
    /// One per chunk; the last one answers `BDAT ... LAST`.
    chunks: [u16; 3],
}

/// One command per reply.
fn unpiped(v: &Verdicts) -> Vec<(String, String)> {
    let mut s = vec![
        (String::new(), "220 x\r\n".to_string()),
        (
            "EHLO client.example\r\n".into(),
            "250-x\r\n250 CHUNKING\r\n".into(),
        ),
        ("MAIL FROM:<a@a.example>\r\n".into(), reply(v.mail)),
    ];
    let mut delivered = false;
    if v.mail == 250 {
        for (i, &c) in v.rcpts.iter().enumerate() {
            s.push((rcpt_line(i), reply(c)));
        }
        if v.rcpts.contains(&250) {
            for (chunk, &code) in CHUNKS.iter().zip(&v.chunks) {
                s.push((chunk.to_string(), reply(code)));
                if code != 250 {
                    break;
                }
            }
            delivered = v.chunks.iter().all(|&c| c == 250);
        }
    }
    if !delivered {
        s.push(("RSET\r\n".into(), "250 ok\r\n".into()));
    }
    s.push(("QUIT\r\n".into(), "221 bye\r\n".into()));
    s
}

/// Everything in one write; the server answers 503 to what follows a
/// refused MAIL, to chunks without a recipient, and (RFC 3030 §2) to the
/// chunks after a refused one, which it discards.
fn piped(v: &Verdicts) -> Vec<(String, String)> {
    let mut flight = String::from("MAIL FROM:<a@a.example>\r\n");
    let mut answers = reply(v.mail);
    for (i, &c) in v.rcpts.iter().enumerate() {
        flight.push_str(&rcpt_line(i));
        answers.push_str(&reply(if v.mail == 250 { c } else { 503 }));
    }
    let mut ok = v.mail == 250 && v.rcpts.contains(&250);
    for (chunk, &code) in CHUNKS.iter().zip(&v.chunks) {
        flight.push_str(chunk);
        answers.push_str(&reply(if ok { code } else { 503 }));
        ok &= code == 250;
    }
    let end = if ok { "QUIT\r\n" } else { "RSET\r\nQUIT\r\n" };
    let bye = if ok {
        "221 bye\r\n"
    } else {
        "250 ok\r\n221 bye\r\n"
    };
    vec![
        (String::new(), "220 x\r\n".to_string()),
        (
            "EHLO client.example\r\n".into(),
            "250-x\r\n250-PIPELINING\r\n250 CHUNKING\r\n".into(),
        ),
        (flight, answers),
        (end.into(), bye.into()),
    ]
}

/// The events after EHLO, without `ReadyForBody` (which pipelining
/// moves), and whether it came.
fn events_after_ehlo(script: &[(String, String)], n: usize) -> (Vec<Event>, bool) {
    let env = numbered_envelope(n).with_body_mode(BodyMode::Bdat {
        chunk_size: Some(4),
    });
    let (events, _) = run_after_ehlo(script, env, BODY);
    let invited = events.contains(&Event::ReadyForBody);
    let events = events
        .into_iter()
        .filter(|e| *e != Event::ReadyForBody)
        .collect();
    (events, invited)
}

proptest! {
    #[test]
    fn pipelined_bdat_reports_what_unpipelined_bdat_reports(
        mail in prop::sample::select(vec![250u16, 550, 451]),
        rcpts in prop::collection::vec(prop::sample::select(vec![250u16, 550, 450]), 1..5),
        chunks in prop::array::uniform3(prop::sample::select(vec![250u16, 250, 552, 451])),
    ) {
        let v = Verdicts { mail, rcpts, chunks };
        let (a, a_invited) = events_after_ehlo(&unpiped(&v), v.rcpts.len());
        let (b, b_invited) = events_after_ehlo(&piped(&v), v.rcpts.len());
        prop_assert_eq!(&a, &b);
        let takers = v.mail == 250 && v.rcpts.contains(&250);
        prop_assert_eq!(a_invited, takers);
        prop_assert!(b_invited, "pipelined BDAT invites the body with the envelope");
        let outcome = a.iter().find_map(|e| match e {
            Event::TransactionFinished { .. } => Some(None),
            Event::TransactionFailed { stage, .. } => Some(Some(*stage)),
            _ => None,
        });
        let expected = if v.mail != 250 {
            Some(Stage::Mail)
        } else if !takers {
            Some(Stage::Recipients)
        } else {
            // The last chunk's reply is the end of the data's.
            let refused = v.chunks.iter().position(|&c| c != 250);
            refused.map(|i| if i == 2 { Stage::DataEnd } else { Stage::Body })
        };
        prop_assert_eq!(outcome, Some(expected));
    }
}
