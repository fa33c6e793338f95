//! AUTH (RFC 4954): mechanism choice, initial responses, challenges,
//! failures with the server's reply, custom mechanisms, bounds.

mod client_common;

use client_common::*;
use smtp_core::auth::{Credentials, Mechanism};
use smtp_core::client::Event;
use smtp_core::{ClientConnection, LocalError, RemoteError};

fn ehlo(mechs: &str) -> String {
    format!("250-mx.example\r\n250 AUTH {mechs}\r\n")
}

/// A driver that authenticates with password credentials after EHLO and
/// sends NOOP once AUTH is over (to show the session goes on).
fn login(mechanism: Option<Mechanism>, nonce: Option<&'static str>) -> Driver {
    Box::new(move |c: &mut ClientConnection, e: &Event| match e {
        Event::EhloAccepted { .. } => {
            let creds = Credentials::password("tim", "tanstaaftanstaaf");
            match &mechanism {
                Some(m) => c.authenticate_with(m.clone(), creds, nonce),
                None => c.authenticate(creds, nonce),
            }
            .expect("authenticate");
        }
        Event::AuthSucceeded { .. } | Event::AuthFailed { .. } => {
            c.noop().expect("session goes on");
        }
        _ => {}
    })
}

fn auth_events(events: &[Event]) -> Vec<(String, String, u16)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::AuthSucceeded { mechanism, reply } => {
                Some(("ok".into(), mechanism.clone(), reply.code().get()))
            }
            Event::AuthFailed { mechanism, reply } => {
                Some(("failed".into(), mechanism.clone(), reply.code().get()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn plain_with_initial_response() {
    let e = ehlo("LOGIN PLAIN");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", &e),
        (
            "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n",
            "235 2.7.0 Authentication successful\r\n",
        ),
        ("NOOP\r\n", "250 ok\r\n"),
    ];
    let run = run_all(config, &script, false, || login(None, None));
    assert_eq!(
        auth_events(&run.events),
        [("ok".into(), "PLAIN".into(), 235)]
    );
    assert!(run.conn.is_authenticated());
}

#[test]
fn login_answers_two_challenges() {
    let e = ehlo("LOGIN");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", &e),
        ("AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n"),
        ("dGlt\r\n", "334 UGFzc3dvcmQ6\r\n"),
        ("dGFuc3RhYWZ0YW5zdGFhZg==\r\n", "235 ok\r\n"),
        ("NOOP\r\n", "250 ok\r\n"),
    ];
    let run = run_all(config, &script, false, || login(None, None));
    assert_eq!(
        auth_events(&run.events),
        [("ok".into(), "LOGIN".into(), 235)]
    );
}

#[test]
fn cram_md5_rfc2195_example_and_failure_reply() {
    let e = ehlo("CRAM-MD5 PLAIN");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", &e),
        (
            "AUTH CRAM-MD5\r\n",
            "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
        ),
        (
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n",
            "535 5.7.8 Authentication credentials invalid\r\n",
        ),
        ("NOOP\r\n", "250 ok\r\n"),
    ];
    let run = run_all(config, &script, false, || login(None, None));
    assert_eq!(
        auth_events(&run.events),
        [("failed".into(), "CRAM-MD5".into(), 535)]
    );
    assert!(!run.conn.is_authenticated());
}

const SCRAM_FIRST: &str = "biwsbj11c2VyLHI9ck9wck5HZndFYmVSV2diTkVrcU8=";
const SCRAM_SERVER_FIRST: &str = "cj1yT3ByTkdmd0ViZVJXZ2JORWtxTyVodllEcFdVYTJSYVRDQWZ1eEZJbGopaE5sRiRrMCxzPVcyMlphSjBTTlk3c29Fc1VFamI2Z1E9PSxpPTQwOTY=";
const SCRAM_FINAL: &str = "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==";

fn scram_script(server_final: &str, last: &str) -> Vec<(String, String)> {
    vec![
        ("".into(), "220 x\r\n".into()),
        (
            "EHLO client.example\r\n".into(),
            ehlo("SCRAM-SHA-256 PLAIN"),
        ),
        (
            format!("AUTH SCRAM-SHA-256 {SCRAM_FIRST}\r\n"),
            format!("334 {SCRAM_SERVER_FIRST}\r\n"),
        ),
        (
            format!("{SCRAM_FINAL}\r\n"),
            format!("334 {server_final}\r\n"),
        ),
        ("\r\n".into(), last.into()),
    ]
}

/// SCRAM derives its key with 4096 PBKDF2 rounds, slow in debug builds:
/// whole and byte by byte only.
fn run_scram(script: &[(&str, &str)], drive: impl Fn() -> Driver) -> Run {
    let whole = run(config(), script, false, drive(), Feed::Whole);
    let bytes = run(config(), script, false, drive(), Feed::Bytes);
    assert_eq!(whole.events, bytes.events);
    whole
}

fn as_refs(s: &[(String, String)]) -> Vec<(&str, &str)> {
    s.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

#[test]
fn scram_sha256_rfc7677_example() {
    let s = scram_script(
        "dj02cnJpVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==",
        "235 2.7.0 ok\r\n",
    );
    let mut script = as_refs(&s);
    script.push(("NOOP\r\n", "250 ok\r\n"));
    let drive = || {
        let inner = login(None, Some("rOprNGfwEbeRWgbNEkqO"));
        let mut inner = inner;
        Box::new(move |c: &mut ClientConnection, e: &Event| {
            if let Event::EhloAccepted { .. } = e {
                // RFC 7677's user and password.
                c.authenticate(
                    Credentials::password("user", "pencil"),
                    Some("rOprNGfwEbeRWgbNEkqO"),
                )
                .unwrap();
            } else {
                inner(c, e);
            }
        }) as Driver
    };
    let run = run_scram(&script, drive);
    assert_eq!(
        auth_events(&run.events),
        [("ok".into(), "SCRAM-SHA-256".into(), 235)]
    );
}

#[test]
fn scram_server_that_cannot_prove_the_password_is_fatal() {
    // A wrong server signature: the client cancels, then fails.
    let s = scram_script(
        "dj1BQUFBVFJCaTIzV3BSUi93dHVwK21NaFVaVW4vZEI1bkxUSlJzamw5NUc0PQ==",
        "",
    );
    let mut script = as_refs(&s);
    script.pop();
    script.push(("*\r\n", "501 cancelled\r\n"));
    let drive = || {
        Box::new(|c: &mut ClientConnection, e: &Event| {
            if let Event::EhloAccepted { .. } = e {
                c.authenticate(
                    Credentials::password("user", "pencil"),
                    Some("rOprNGfwEbeRWgbNEkqO"),
                )
                .unwrap();
            }
        }) as Driver
    };
    let run = run_scram(&script, drive);
    assert!(matches!(
        run.events.last(),
        Some(Event::Failed(RemoteError::Auth { .. }))
    ));
    // A server that says 235 without its signature.
    let mut script = as_refs(&s);
    script.pop();
    script.pop();
    script.push((SCRAM_FINAL_LINE, "235 trust me\r\n"));
    let run = run_scram(&script, drive);
    assert!(matches!(
        run.events.last(),
        Some(Event::Failed(RemoteError::Auth { .. }))
    ));
    assert!(!run.conn.is_authenticated());
}

const SCRAM_FINAL_LINE: &str = concat!(
    "Yz1iaXdzLHI9ck9wck5HZndFYmVSV2diTkVrcU8laHZZRHBXVWEyUmFUQ0FmdXhGSWxqKWhObEYkazAscD1kSHpiWmFwV0lrNGpVaE4rVXRlOXl0YWc5empmTUhnc3FtbWl6N0FuZFZRPQ==",
    "\r\n"
);

#[test]
fn custom_mechanism_caller_answers_challenges() {
    let e = ehlo("X-CUSTOM");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", &e),
        ("AUTH X-CUSTOM aGVsbG8=\r\n", "334 Y2hhbGxlbmdl\r\n"),
        ("cmVzcA==\r\n", "334 \r\n"),
        ("*\r\n", "501 5.0.0 cancelled\r\n"),
    ];
    // Respond to the first challenge, cancel the second.
    let drive = || {
        let mut n = 0;
        Box::new(move |c: &mut ClientConnection, e: &Event| match e {
            Event::EhloAccepted { .. } => c.auth_custom("x-custom", Some(b"hello")).unwrap(),
            Event::AuthChallenge { challenge } => {
                n += 1;
                if n == 1 {
                    assert_eq!(challenge, b"challenge");
                    c.auth_respond(b"resp").unwrap();
                } else {
                    assert_eq!(challenge, b"");
                    c.auth_cancel().unwrap();
                }
            }
            _ => {}
        }) as Driver
    };
    let run = run_all(config, &script, false, drive);
    assert_eq!(
        names(&run.events),
        [
            "Greeting",
            "EhloAccepted",
            "AuthChallenge",
            "AuthChallenge",
            "AuthFailed"
        ]
    );
}

#[test]
fn undecodable_challenge_is_cancelled() {
    let e = ehlo("LOGIN");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", &e),
        ("AUTH LOGIN\r\n", "334 not*base64!\r\n"),
        ("*\r\n", "501 5.7.0 cancelled\r\n"),
        ("NOOP\r\n", "250 ok\r\n"),
    ];
    let run = run_all(config, &script, false, || login(None, None));
    assert_eq!(
        auth_events(&run.events),
        [("failed".into(), "LOGIN".into(), 501)]
    );
}

#[test]
fn endless_challenges_are_bounded() {
    let e = ehlo("X-LOOP");
    let mut script: Vec<(&str, &str)> = vec![("", "220 x\r\n"), ("EHLO client.example\r\n", &e)];
    script.push(("AUTH X-LOOP\r\n", "334 \r\n"));
    for _ in 0..4 {
        script.push(("\r\n", "334 \r\n"));
    }
    // Challenge 6 > DEFAULT_MAX_AUTH_CHALLENGES (5): cancelled ...
    script.push(("\r\n", "334 \r\n"));
    // ... and a server that challenges after "*" is broken.
    script.push(("*\r\n", "334 \r\n"));
    let drive = || {
        Box::new(|c: &mut ClientConnection, e: &Event| match e {
            Event::EhloAccepted { .. } => c.auth_custom("X-LOOP", None).unwrap(),
            Event::AuthChallenge { .. } => c.auth_respond(b"").unwrap(),
            _ => {}
        }) as Driver
    };
    let run = run_all(config, &script, false, drive);
    assert!(matches!(
        run.events.last(),
        Some(Event::Failed(RemoteError::Auth { .. }))
    ));
    assert_eq!(
        names(&run.events)
            .iter()
            .filter(|n| *n == "AuthChallenge")
            .count(),
        5
    );
}

#[test]
fn long_initial_response_waits_for_the_first_challenge() {
    // RFC 4954 §4: an AUTH line over 512 octets must not carry it.
    let token = "t".repeat(600);
    let creds = Credentials::bearer("user@example.com", token.clone());
    let ir = format!("user=user@example.com\x01auth=Bearer {token}\x01\x01");
    let ir64 = base64_encode(ir.as_bytes());
    let e = ehlo("XOAUTH2");
    let line = format!("{ir64}\r\n");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", e.as_str()),
        ("AUTH XOAUTH2\r\n", "334 \r\n"),
        (line.as_str(), "235 2.7.0 Accepted\r\n"),
    ];
    let drive = || {
        let creds = creds.clone();
        Box::new(move |c: &mut ClientConnection, e: &Event| {
            if let Event::EhloAccepted { .. } = e {
                c.authenticate(creds.clone(), None).unwrap();
            }
        }) as Driver
    };
    let run = run_all(config, &script, false, drive);
    assert_eq!(
        auth_events(&run.events),
        [("ok".into(), "XOAUTH2".into(), 235)]
    );
}

fn base64_encode(b: &[u8]) -> String {
    smtp_core::auth::encode_continuation(b)
}

#[test]
fn auth_local_errors_change_nothing() {
    let mut c = ClientConnection::new(config(), smtp_core::Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n250 x\r\n", smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    let pw = || Credentials::password("tim", "pw");
    assert_eq!(
        c.authenticate(pw(), None),
        Err(LocalError::ExtensionNotOffered { extension: "AUTH" })
    );
    c.ehlo().unwrap();
    c.consume_transmit(usize::MAX);
    c.receive_data(b"250-x\r\n250 AUTH XOAUTH2\r\n", smtp_core::Timestamp(0));
    while c.poll_event().is_some() {}
    assert_eq!(
        c.authenticate(pw(), None),
        Err(LocalError::NoCommonMechanism)
    );
    assert!(matches!(
        c.authenticate_with(Mechanism::Plain, Credentials::bearer("u", "tok"), None),
        Err(LocalError::InvalidCredentials { .. })
    ));
    assert!(matches!(
        c.authenticate_with(Mechanism::ScramSha256, pw(), None),
        Err(LocalError::InvalidCredentials { .. })
    ));
    assert_eq!(
        c.auth_custom("BAD MECH\r\nRSET", None),
        Err(LocalError::CommandInjection { field: "mechanism" })
    );
    assert!(matches!(
        c.auth_respond(b"x"),
        Err(LocalError::InvalidState { .. })
    ));
    assert!(c.pending_transmit().is_empty());
    assert_eq!(c.in_flight(), 0);
    assert_eq!(c.poll_event(), None);
}
