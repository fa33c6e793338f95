//! Per-session command limits: uses of one verb (`ServerConfig::call_limits`)
//! and unknown verbs (`ServerConfig::max_unknown_commands`); past either,
//! 421 and the end of the session (RFC 5321 §3.8). The local part limit
//! (`ServerConfig::max_local_part`, RFC 5321 §4.5.3.1.1).

mod server_support;

use server_support::*;
use smtp_core::server::{CallLimits, Event, Refusal, ServerConfig};
use smtp_core::RemoteError;

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.call_limits = Some(CallLimits::new(4).with_verb("noop", 2));
    c
}

fn failed(h: &Harness) -> Option<&RemoteError> {
    h.events.iter().find_map(|e| match e {
        Event::Failed(error) => Some(error),
        _ => None,
    })
}

#[test]
fn a_verb_past_its_limit_gets_421_and_ends_the_session() {
    let mut h = greeted(cfg());
    assert_eq!(
        h.exchange(b"NOOP\r\nnoop x\r\n"),
        "250 2.0.0 OK\r\n250 2.0.0 OK\r\n"
    );
    let out = h.exchange(b"NOOP\r\nNOOP\r\n");
    assert_eq!(
        out,
        "421 4.7.0 mx.example NOOP sent too many times, closing connection\r\n"
    );
    assert!(h.s.is_closed());
    assert_eq!(failed(&h), Some(&RemoteError::TooManyCommands));
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::CommandRefused {
            reason: Refusal::TooManyCalls,
            ..
        }
    )));
}

#[test]
fn other_verbs_have_the_default_and_are_counted_apart() {
    let mut h = greeted(cfg());
    // EHLO was used once already (greeted); the default is 4.
    for _ in 0..3 {
        h.feed(b"RSET\r\nEHLO c\r\n");
    }
    assert!(!h.s.is_closed());
    assert_eq!(h.codes().len(), 6);
    assert!(h.exchange(b"RSET\r\n").starts_with("250"));
    assert!(h
        .exchange(b"RSET\r\n")
        .starts_with("421 4.7.0 mx.example RSET sent too many times"));
    assert!(h.s.is_closed());
}

#[test]
fn without_limits_nothing_is_counted() {
    let mut h = greeted(ServerConfig::new("mx.example"));
    for _ in 0..200 {
        h.feed(b"NOOP\r\n");
    }
    assert!(!h.s.is_closed());
    assert_eq!(h.codes().len(), 200);
}

#[test]
fn unknown_verbs_past_their_limit_end_the_session() {
    let mut c = ServerConfig::new("mx.example");
    c.max_unknown_commands = Some(2);
    let mut h = greeted(c);
    let out = h.exchange(b"BOGUS1\r\nBOGUS2\r\nNOOP\r\nNOOP x\r\n");
    assert_eq!(h.codes(), vec![500, 500, 250, 250], "{out}");
    let out = h.exchange(b"BOGUS3\r\n");
    assert_eq!(
        out,
        "421 4.7.0 mx.example Too many unknown commands, closing connection\r\n"
    );
    assert!(h.s.is_closed());
    assert_eq!(failed(&h), Some(&RemoteError::TooManyErrors));
}

#[test]
fn distinct_verbs_each_used_once_stay_within_their_limits() {
    // Unknown verbs of every spelling, each once: no call limit is
    // reached (and the machine's table of counts stays bounded).
    let mut c = cfg();
    c.max_bad_commands = 1000;
    let mut h = greeted(c);
    for i in 0..500 {
        h.feed(format!("X{i}\r\n").as_bytes());
    }
    assert!(!h.s.is_closed());
    assert_eq!(h.codes().iter().filter(|&&c| c == 500).count(), 500);
}

#[test]
fn worded_refusals_word_the_last_reply_then_the_session_ends() {
    let mut c = cfg();
    c.worded_refusals = true;
    let mut h = Harness::with_policy(c, |e| match e {
        Event::CommandRefused {
            reason: Refusal::TooManyCalls,
            ..
        } => Answer::Hold,
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\nNOOP\r\nNOOP\r\nNOOP\r\nQUIT\r\n");
    assert!(h.s.awaiting_answer());
    assert_eq!(h.s.command_line(), Some(&b"NOOP"[..]));
    h.wire.clear();
    h.s.reply(reply(421, "4.7.0 NOOP sent too many times"))
        .unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "421 4.7.0 NOOP sent too many times\r\n");
    assert!(h.s.is_closed());
    assert_eq!(failed(&h), Some(&RemoteError::TooManyCommands));
    // The QUIT behind it was never read.
    assert!(!h.events.contains(&Event::Quit));
}

#[test]
fn local_part_limit_applies_to_mail_and_rcpt_and_may_change() {
    let mut c = ServerConfig::new("mx.example");
    c.max_local_part = Some(64);
    let mut h = greeted(c);
    let ok = format!("MAIL FROM:<{}@a.example>\r\n", "a".repeat(64));
    assert!(h.exchange(ok.as_bytes()).starts_with("250"));
    let long = format!("RCPT TO:<{}@a.example>\r\n", "b".repeat(65));
    assert_eq!(
        h.exchange(long.as_bytes()),
        "501 5.1.3 Path too long: local part over the limit\r\n"
    );
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::CommandRefused {
            reason: Refusal::LocalPartTooLong,
            ..
        }
    )));
    // <Postmaster> has no local part to measure.
    assert!(h.exchange(b"RCPT TO:<Postmaster>\r\n").starts_with("250"));
    h.s.set_max_local_part(None);
    assert!(h.exchange(long.as_bytes()).starts_with("250"));
    h.s.set_max_local_part(Some(3));
    assert!(h.exchange(b"RSET\r\n").starts_with("250"));
    assert!(h
        .exchange(b"MAIL FROM:<abcd@a.example>\r\n")
        .starts_with("501 5.1.3"));
    assert!(h.exchange(b"MAIL FROM:<>\r\n").starts_with("250"));
}
