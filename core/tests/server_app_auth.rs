//! AUTH with a mechanism the application runs
//! (`ServerConfig::application_mechanisms`): the application decides each
//! step (`Event::SaslStep`), the machine frames the exchange (334, base64,
//! `*`, the SASL line limit; RFC 4954 §4).

mod server_support;

use server_support::*;
use smtp_core::auth::{AuthFailure, Mechanism};
use smtp_core::server::{Event, Refusal, ServerConfig};
use smtp_core::LocalError;

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.auth_mechanisms = vec!["PLAIN".into(), "X-TOKEN".into()];
    c.application_mechanisms = vec!["X-TOKEN".into()];
    c.auth_requires_tls = false;
    c
}

/// Greeted; AUTH events are left for the test to answer.
fn server(cfg: ServerConfig) -> Harness {
    let mut h = Harness::with_policy(cfg, |e| match e {
        Event::Auth(_) | Event::SaslStep { .. } => Answer::Hold,
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\n");
    h.wire.clear();
    h.events.clear();
    h
}

fn step(first: bool) -> Event {
    Event::SaslStep {
        mechanism: Mechanism::Other("X-TOKEN".into()),
        first,
    }
}

#[test]
fn offered_with_the_machines_mechanisms() {
    let mut h = Harness::new(cfg());
    let out = h.exchange(b"EHLO c\r\n");
    assert!(out.ends_with("250 AUTH PLAIN X-TOKEN\r\n"), "{out}");
}

#[test]
fn challenge_response_then_success() {
    let mut h = server(cfg());
    assert_eq!(h.exchange(b"AUTH x-token\r\n"), "");
    assert_eq!(h.events, vec![step(true)]);
    assert_eq!(h.s.sasl_data(), None);
    // RFC 4954 §4: the challenge goes out base64-encoded.
    h.s.sasl_challenge(b"who?").unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "334 d2hvPw==\r\n");
    assert_eq!(h.exchange(b"bWU=\r\n"), "");
    assert_eq!(h.events.last(), Some(&step(false)));
    assert_eq!(h.s.sasl_data(), Some(&b"me"[..]));
    h.s.accept().unwrap();
    h.drain();
    assert!(h
        .wire_text()
        .ends_with("235 2.7.0 Authentication successful\r\n"));
    assert!(h.s.is_authenticated());
    assert_eq!(h.s.sasl_data(), None);
}

#[test]
fn initial_response_is_decoded_and_equals_sign_is_empty() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN dG9rZW4=\r\n");
    assert_eq!(h.s.sasl_data(), Some(&b"token"[..]));
    h.s.reply(reply(235, "2.7.0 fine")).unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "235 2.7.0 fine\r\n");
    assert!(h.s.is_authenticated());

    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN =\r\n");
    assert_eq!(h.s.sasl_data(), Some(&b""[..]));
}

#[test]
fn the_applications_own_334_is_sent_as_given() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    h.s.reply(reply(334, "challenge")).unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "334 challenge\r\n");
    h.feed(b"=\r\n");
    assert_eq!(h.events.last(), Some(&step(false)));
    assert_eq!(h.s.sasl_data(), Some(&b""[..]));
}

#[test]
fn unsuitable_answers_are_refused_and_change_nothing() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    let two_lines = reply(334, "a\nb");
    assert!(matches!(
        h.s.reply(two_lines),
        Err(LocalError::UnsuitableReply { .. })
    ));
    assert!(matches!(
        h.s.reply(reply(354, "go on")),
        Err(LocalError::UnsuitableReply { .. })
    ));
    assert!(matches!(
        h.s.reply(reply(250, "OK")),
        Err(LocalError::UnsuitableReply { .. })
    ));
    assert!(h.s.awaiting_answer());
    h.s.reply(reply(535, "5.7.8 no")).unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "535 5.7.8 no\r\n");
    assert!(!h.s.is_authenticated());
    // The exchange is over: the next line is a command.
    assert!(h.exchange(b"NOOP\r\n").starts_with("250"));
}

#[test]
fn star_cancels_with_501_decided_by_the_machine() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    h.s.sasl_challenge(b"").unwrap();
    h.drain();
    assert_eq!(h.wire_text(), "334 \r\n");
    let out = h.exchange(b"*\r\nNOOP\r\n");
    assert!(out.starts_with("501 5.7.0"), "{out}");
    assert!(out.ends_with("250 2.0.0 OK\r\n"), "{out}");
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::CommandRefused {
            reason: Refusal::SaslFailed(AuthFailure::Cancelled),
            ..
        }
    )));
    assert!(!h.events.contains(&step(false)));
    assert!(!h.s.is_authenticated());
}

#[test]
fn bad_base64_is_refused_by_the_machine() {
    let mut h = server(cfg());
    let out = h.exchange(b"AUTH X-TOKEN A\r\n");
    assert_eq!(out, "501 5.5.2 cannot decode base64 response\r\n");
    assert!(!h.events.contains(&step(true)));

    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    h.s.sasl_challenge(b"more").unwrap();
    h.drain();
    let out = h.exchange(b"%%%\r\n");
    assert_eq!(out, "501 5.5.2 cannot decode base64 response\r\n");
    assert!(!h.events.contains(&step(false)));
}

#[test]
fn an_over_long_response_line_ends_the_exchange() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    h.s.sasl_challenge(b"").unwrap();
    h.drain();
    let mut long = vec![b'A'; 13_000];
    long.extend_from_slice(b"\r\nNOOP\r\n");
    let out = h.exchange(&long);
    assert!(out.starts_with("500 5.5.6 "), "{out}");
    assert!(h.events.iter().any(|e| matches!(
        e,
        Event::CommandRefused {
            reason: Refusal::SaslFailed(AuthFailure::TooLong),
            ..
        }
    )));
    assert!(out.ends_with("250 2.0.0 OK\r\n"), "{out}");
}

#[test]
fn a_pipelined_line_waits_for_the_applications_step() {
    let mut h = server(cfg());
    h.feed(b"AUTH X-TOKEN\r\n");
    h.s.sasl_challenge(b"").unwrap();
    h.drain();
    // The response and a command in one read: the command is read only
    // after the application's answer.
    h.feed(b"YQ==\r\nNOOP\r\n");
    assert_eq!(h.events.last(), Some(&step(false)));
    assert_eq!(h.s.sasl_data(), Some(&b"a"[..]));
    assert!(!h.events.contains(&Event::Noop));
    h.s.accept().unwrap();
    h.drain();
    assert!(h.events.contains(&Event::Noop));
    assert!(h
        .wire_text()
        .ends_with("235 2.7.0 Authentication successful\r\n250 2.0.0 OK\r\n"));
}

#[test]
fn the_application_may_run_a_mechanism_the_machine_knows() {
    let mut c = cfg();
    c.application_mechanisms = vec!["PLAIN".into()];
    let mut h = server(c);
    h.feed(b"AUTH PLAIN AHUAcA==\r\n");
    assert_eq!(
        h.events,
        vec![Event::SaslStep {
            mechanism: Mechanism::Plain,
            first: true
        }]
    );
    assert_eq!(h.s.sasl_data(), Some(&b"\0u\0p"[..]));
}

#[test]
fn a_mechanism_nobody_runs_is_unknown() {
    let mut c = cfg();
    c.application_mechanisms.clear();
    let mut h = server(c);
    let out = h.exchange(b"AUTH X-TOKEN\r\n");
    assert!(out.starts_with("504"), "{out}");
}

#[test]
fn sasl_challenge_outside_a_step_is_an_error() {
    let mut h = server(cfg());
    assert!(matches!(
        h.s.sasl_challenge(b"x"),
        Err(LocalError::InvalidState { .. })
    ));
    // Nor during a machine-run exchange's verdict.
    h.feed(b"AUTH PLAIN AHUAcA==\r\n");
    assert!(matches!(h.events.last(), Some(Event::Auth(_))));
    assert!(matches!(
        h.s.sasl_challenge(b"x"),
        Err(LocalError::InvalidState { .. })
    ));
}
