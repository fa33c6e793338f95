//! AUTH on the server: every mechanism driven by the crate's own SASL
//! client, cancel, 538 on a plain connection, 503 inside a transaction.

mod server_support;

use server_support::*;
use smtp_core::auth::{
    decode_challenge, encode_response, verify_cram_md5, Credentials, Mechanism, SaslClient,
    ScramCredentials, Verification,
};
use smtp_core::server::{Event, ServerConfig};
use smtp_core::LocalError;

const ALL: &[&str] = &[
    "PLAIN",
    "LOGIN",
    "CRAM-MD5",
    "SCRAM-SHA-256",
    "XOAUTH2",
    "OAUTHBEARER",
];

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.auth_mechanisms = ALL.iter().map(|s| s.to_string()).collect();
    c.auth_requires_tls = false;
    c
}

fn server() -> Harness {
    let mut h = Harness::with_policy(cfg(), |e| match e {
        Event::Auth(_) => Answer::Hold,
        _ => Answer::Accept,
    });
    h.s.set_nonce("c2VydmVybm9uY2U");
    h.feed(b"EHLO c\r\n");
    h
}

/// The application's decision for one request; `good` is the secret it
/// knows.
fn decide(h: &mut Harness, good: &str) {
    let Some(Event::Auth(req)) = h.events.last().cloned() else {
        return;
    };
    if !h.s.awaiting_answer() {
        return;
    }
    let ok = match &req.verification {
        Verification::Plain { password, .. } | Verification::Login { password, .. } => {
            password == good
        }
        Verification::CramMd5 {
            challenge, digest, ..
        } => verify_cram_md5(good.as_bytes(), challenge, digest),
        Verification::OAuth { token, .. } => token == good,
        Verification::NeedCredentials { username, .. } => {
            assert_eq!(username, "user");
            h.s.provide_scram_credentials(ScramCredentials::derive(good, b"salty salt", 4096))
                .unwrap();
            h.drain();
            return;
        }
        other => panic!("{other:?}"),
    };
    if ok {
        h.s.accept().unwrap();
    } else {
        h.s.reply(reply(535, "5.7.8 Authentication credentials invalid"))
            .unwrap();
    }
    h.drain();
}

/// Runs one AUTH exchange; returns the final reply code.
fn authenticate(h: &mut Harness, mech: &str, creds: Credentials, server_secret: &str) -> u16 {
    let m = Mechanism::parse(mech).unwrap();
    let mut client = SaslClient::new(m, creds, Some("Y2xpZW50bm9uY2U")).unwrap();
    let mut line = format!("AUTH {mech}");
    if let Some(ir) = client.initial_response() {
        line.push(' ');
        line.push_str(&encode_response(&ir));
    }
    line.push_str("\r\n");
    let mut start = h.wire.len();
    h.feed(line.as_bytes());
    for _ in 0..10 {
        decide(h, server_secret);
        let out = String::from_utf8(h.wire[start..].to_vec()).unwrap();
        let last = out.trim_end().rsplit("\r\n").next().unwrap().to_string();
        let code: u16 = last[..3].parse().unwrap();
        if code != 334 {
            return code;
        }
        let challenge = decode_challenge(&last.as_bytes()[4..]).unwrap();
        let response = match client.respond(&challenge) {
            Ok(r) => r,
            Err(_) => {
                start = h.wire.len();
                h.feed(b"*\r\n");
                continue;
            }
        };
        start = h.wire.len();
        let mut l = if response.is_empty() {
            String::new()
        } else {
            encode_response(&response)
        };
        l.push_str("\r\n");
        h.feed(l.as_bytes());
    }
    panic!("exchange did not end: {}", h.wire_text());
}

fn creds_for(mech: &str, secret: &str) -> Credentials {
    match mech {
        "XOAUTH2" | "OAUTHBEARER" => Credentials::bearer("user", secret),
        _ => Credentials::password("user", secret),
    }
}

#[test]
fn every_mechanism_succeeds_with_the_right_secret() {
    for mech in ALL {
        let mut h = server();
        let code = authenticate(&mut h, mech, creds_for(mech, "s3cret"), "s3cret");
        assert_eq!(code, 235, "{mech}: {}", h.wire_text());
        assert!(h.s.is_authenticated(), "{mech}");
        assert!(
            h.wire_text()
                .ends_with("235 2.7.0 Authentication successful\r\n"),
            "{mech}"
        );
        // RFC 4954 §4: a second AUTH is refused.
        assert!(
            h.exchange(b"AUTH PLAIN\r\n").starts_with("503 5.5.1"),
            "{mech}"
        );
    }
}

#[test]
fn every_mechanism_fails_with_a_wrong_secret() {
    for mech in ALL {
        let mut h = server();
        let code = authenticate(&mut h, mech, creds_for(mech, "wrong"), "s3cret");
        assert_eq!(code, 535, "{mech}: {}", h.wire_text());
        assert!(!h.s.is_authenticated(), "{mech}");
        // The session goes on.
        assert_eq!(h.exchange(b"NOOP\r\n"), "250 2.0.0 OK\r\n");
    }
}

#[test]
fn star_cancels_with_501() {
    let mut h = server();
    let out = h.exchange(b"AUTH LOGIN\r\n");
    assert_eq!(out, "334 VXNlcm5hbWU6\r\n");
    let out = h.exchange(b"*\r\n");
    assert_eq!(out, "501 5.7.0 Authentication cancelled\r\n");
    assert_eq!(h.exchange(b"NOOP\r\n"), "250 2.0.0 OK\r\n");
}

#[test]
fn plain_without_initial_response_gets_an_empty_challenge() {
    let mut h = server();
    assert_eq!(h.exchange(b"AUTH PLAIN\r\n"), "334 \r\n");
    h.feed(format!("{}\r\n", encode_response(b"\0user\0pw")).as_bytes());
    let Some(Event::Auth(req)) = h.events.last() else {
        panic!()
    };
    assert!(
        matches!(&req.verification, Verification::Plain { username, password, authzid: None } if username == "user" && password == "pw")
    );
    assert!(matches!(h.s.accept(), Ok(())));
    h.drain();
    assert!(h
        .wire_text()
        .ends_with("235 2.7.0 Authentication successful\r\n"));
}

#[test]
fn bad_base64_gets_501() {
    let mut h = server();
    // Refused by the command grammar or by the base64 decoder: 501 either way.
    let out = h.exchange(b"AUTH PLAIN !!!notbase64\r\n");
    assert!(out.starts_with("501 5.5."), "{out}");
    h.feed(b"AUTH LOGIN\r\n");
    let out = h.exchange(b"A\r\n");
    assert!(out.starts_with("501 5.5.2"), "{out}");
}

#[test]
fn auth_on_plain_connection_gets_538() {
    let mut c = cfg();
    c.auth_requires_tls = true;
    let mut h = Harness::new(c);
    let ehlo = h.exchange(b"EHLO c\r\n");
    assert!(
        !ehlo.contains("AUTH"),
        "AUTH is not advertised before TLS: {ehlo}"
    );
    assert_eq!(
        h.exchange(b"AUTH PLAIN AHVzZXIAcHc=\r\n"),
        "538 5.7.11 Encryption required for requested authentication mechanism\r\n"
    );
}

#[test]
fn auth_in_transaction_or_before_ehlo_gets_503() {
    let mut h = Harness::new(cfg());
    assert!(h
        .exchange(b"AUTH PLAIN AHVzZXIAcHc=\r\n")
        .starts_with("503 5.5.1"));
    h.feed(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
    assert!(h
        .exchange(b"AUTH PLAIN AHVzZXIAcHc=\r\n")
        .starts_with("503 5.5.1"));
}

#[test]
fn unknown_mechanism_gets_504() {
    let mut h = server();
    assert_eq!(
        h.exchange(b"AUTH GSSAPI\r\n"),
        "504 5.5.4 Unrecognized authentication type\r\n"
    );
}

#[test]
fn cram_md5_without_nonce_gets_454() {
    let mut h = Harness::new(cfg());
    h.feed(b"EHLO c\r\n");
    assert!(h.exchange(b"AUTH CRAM-MD5\r\n").starts_with("454 4.7.0"));
}

#[test]
fn cram_md5_challenge_is_unique_per_exchange() {
    let mut h = server();
    let first = h.exchange(b"AUTH CRAM-MD5\r\n");
    h.feed(b"*\r\n");
    let second = h.exchange(b"AUTH CRAM-MD5\r\n");
    assert!(first.starts_with("334 ") && second.starts_with("334 "));
    assert_ne!(first, second);
}

#[test]
fn auth_required_before_mail() {
    let mut c = cfg();
    c.auth_required = true;
    let mut h = Harness::with_policy(c, |e| match e {
        Event::Auth(_) => Answer::Accept,
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\n");
    assert_eq!(
        h.exchange(b"MAIL FROM:<a@b.example>\r\n"),
        "530 5.7.0 Authentication required\r\n"
    );
    assert_eq!(
        h.exchange(b"AUTH PLAIN AHVzZXIAcHc=\r\n"),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert_eq!(
        h.exchange(b"MAIL FROM:<a@b.example>\r\n"),
        "250 2.1.0 Sender OK\r\n"
    );
}

#[test]
fn scram_needs_credentials_not_accept() {
    let mut h = server();
    let mut client = SaslClient::new(
        Mechanism::ScramSha256,
        Credentials::password("user", "pw"),
        Some("bm9uY2U"),
    )
    .unwrap();
    let ir = client.initial_response().unwrap();
    h.feed(format!("AUTH SCRAM-SHA-256 {}\r\n", encode_response(&ir)).as_bytes());
    assert!(h.s.awaiting_answer());
    assert!(matches!(h.s.accept(), Err(LocalError::InvalidState { .. })));
    assert!(matches!(
        h.s.reply(reply(235, "2.7.0 fine")),
        Err(LocalError::InvalidState { .. })
    ));
    h.s.reply(reply(535, "5.7.8 No such user")).unwrap();
    h.drain();
    assert!(h.wire_text().ends_with("535 5.7.8 No such user\r\n"));
}

#[test]
fn over_long_auth_response_gets_500() {
    let mut h = server();
    h.feed(b"AUTH LOGIN\r\n");
    let before = h.wire.len();
    let long = vec![b'A'; 13_000];
    h.feed(&long);
    h.feed(b"\r\n");
    let out = String::from_utf8_lossy(&h.wire[before..]).to_string();
    assert!(out.starts_with("500 5.5.6"), "{out}");
    assert_eq!(h.exchange(b"NOOP\r\n"), "250 2.0.0 OK\r\n");
}

#[test]
fn rfc4954_cram_md5_example_exact() {
    let mut h = Harness::with_policy(cfg(), |e| match e {
        Event::Auth(req) => match &req.verification {
            Verification::CramMd5 {
                username, digest, ..
            } if username == "rjs3" && digest.len() == 16 => Answer::Accept,
            _ => Answer::Reply(reply(535, "5.7.8 no")),
        },
        _ => Answer::Accept,
    });
    h.s.set_nonce("<4192942341.12828472@sourcefour.andrew.cmu.edu>");
    h.feed(b"EHLO client.example.com\r\n");
    assert_eq!(
        h.exchange(b"AUTH CRAM-MD5\r\n"),
        "334 PDQxOTI5NDIzNDEuMTI4Mjg0NzJAc291cmNlZm91ci5hbmRyZXcuY211LmVkdT4=\r\n"
    );
    assert_eq!(
        h.exchange(b"cmpzMyBlYzNhNTlmZWQzOTVhYmExZWM2MzY3YzRmNGI0MWFjMA==\r\n"),
        "235 2.7.0 Authentication successful\r\n"
    );
}

#[test]
fn a_second_exchange_gets_a_counted_challenge() {
    let mut h = server();
    h.s.set_nonce("<1896.697170952@mx.example>");
    let first = h.exchange(b"AUTH CRAM-MD5\r\n");
    h.feed(b"*\r\n");
    let second = h.exchange(b"AUTH CRAM-MD5\r\n");
    let decode = |s: &str| {
        String::from_utf8(decode_challenge(&s.trim_end().as_bytes()[4..]).unwrap()).unwrap()
    };
    assert_eq!(decode(&first), "<1896.697170952@mx.example>");
    assert_eq!(decode(&second), "<1896.697170952.2@mx.example>");
}

#[test]
fn oauth_refusal_sends_the_configured_error_then_the_apps_reply() {
    let json = r#"{"status":"invalid_token","scope":"https://mail.example.com/"}"#;
    let mut c = cfg();
    c.oauth_error = Some(json.to_string());
    let mut h = Harness::with_policy(c, |e| match e {
        Event::Auth(_) => Answer::Reply(reply(535, "5.7.8 token refused")),
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\n");
    let mut client = SaslClient::new(
        Mechanism::OAuthBearer,
        Credentials::bearer("u@example.com", "tok"),
        None,
    )
    .unwrap();
    let ir = client.initial_response().unwrap();
    let out = h.exchange(format!("AUTH OAUTHBEARER {}\r\n", encode_response(&ir)).as_bytes());
    assert!(out.starts_with("334 "), "{out}");
    assert_eq!(
        decode_challenge(&out.trim_end().as_bytes()[4..]).unwrap(),
        json.as_bytes()
    );
    // RFC 7628 §3.2.3: the client's dummy response, then the failure.
    assert_eq!(h.exchange(b"AQ==\r\n"), "535 5.7.8 token refused\r\n");
    assert!(!h.s.is_authenticated());
}

#[test]
fn long_initial_response_fits_rfc4954_line_limit() {
    // RFC 4954 §4: AUTH lines up to 12288 octets; a 6000-octet bearer
    // token encodes to over 8000 base64 characters, far over the 512 of
    // RFC 5321 §4.5.3.1.4.
    let token = "t".repeat(6000);
    let mut h = Harness::with_policy(cfg(), move |e| match e {
        Event::Auth(req) => match &req.verification {
            Verification::OAuth { token: t, .. } if t.len() == 6000 => Answer::Accept,
            _ => Answer::Reply(reply(535, "5.7.8 no")),
        },
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\n");
    let mut client =
        SaslClient::new(Mechanism::XOAuth2, Credentials::bearer("u", &token), None).unwrap();
    let ir = encode_response(&client.initial_response().unwrap());
    assert!(ir.len() > 8000);
    let out = h.exchange(format!("AUTH XOAUTH2 {ir}\r\n").as_bytes());
    assert_eq!(out, "235 2.7.0 Authentication successful\r\n");
}
