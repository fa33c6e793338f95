//! RFC 2195, RFC 4616 and RFC 7628 examples through the public API, and
//! LOGIN as Python's smtplib speaks it.

use alloc::vec::Vec;

use super::super::*;
use super::{client, server};

#[test]
fn login_answers_by_position_and_accepts_username_as_initial_response() {
    let mut c = client(Mechanism::Login);
    assert_eq!(c.initial_response(), None);
    assert_eq!(c.respond(b"whatever"), Ok(b"joe".to_vec()));
    assert_eq!(c.respond(b""), Ok(b"s3cret".to_vec()));
    assert_eq!(c.respond(b"Password:"), Err(AuthError::UnexpectedChallenge));
    // Python's smtplib: AUTH LOGIN <b64 user>, then 334 UGFzc3dvcmQ6.
    let mut s = server(Mechanism::Login);
    assert_eq!(
        s.start(Some(b"joe")),
        Ok(ServerStep::Challenge(b"Password:".to_vec()))
    );
    assert_eq!(
        s.step(b"s3cret"),
        Ok(ServerStep::Verify(Verification::Login {
            username: "joe".into(),
            password: "s3cret".into()
        }))
    );
    let mut s = server(Mechanism::Login);
    assert_eq!(
        s.start(None),
        Ok(ServerStep::Challenge(b"Username:".to_vec()))
    );
}

#[test]
fn login_like_python_smtplib() {
    // smtplib: `AUTH LOGIN am9l`, `334 UGFzc3dvcmQ6`, `czNjcmV0`.
    let mut c = client(Mechanism::Login).with_initial_username();
    let ir = c.initial_response().unwrap();
    assert_eq!(encode_response(&ir), "am9l");
    assert_eq!(c.initial_response(), None);
    let ch = decode_challenge(b"UGFzc3dvcmQ6").unwrap();
    assert_eq!(encode_response(&c.respond(&ch).unwrap()), "czNjcmV0");
    assert_eq!(c.respond(&ch), Err(AuthError::UnexpectedChallenge));
    // Against the server.
    let c = client(Mechanism::Login).with_initial_username();
    let (end, fin) = super::pair(c, server(Mechanism::Login), super::App::Accept);
    assert_eq!(end, ServerStep::Success(None));
    assert_eq!(fin, Ok(()));
    // No effect on other mechanisms.
    let mut c = client(Mechanism::CramMd5).with_initial_username();
    assert_eq!(c.initial_response(), None);
}

#[test]
fn rfc2195_client_and_server() {
    let mut c = SaslClient::new(
        Mechanism::CramMd5,
        Credentials::password("tim", "tanstaaftanstaaf"),
        None,
    )
    .unwrap();
    let mut s = SaslServer::new(
        Mechanism::CramMd5,
        Some("<1896.697170952@postoffice.reston.mci.net>"),
    )
    .unwrap();
    let ServerStep::Challenge(ch) = s.start(None).unwrap() else {
        panic!()
    };
    // RFC 2195 §2 shows the challenge base64-encoded like this.
    assert_eq!(
        encode_challenge(&ch),
        "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+"
    );
    let r = c.respond(&ch).unwrap();
    assert_eq!(
        encode_response(&r),
        "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
    );
    let ServerStep::Verify(Verification::CramMd5 {
        username,
        challenge,
        digest,
    }) = s.step(&r).unwrap()
    else {
        panic!()
    };
    assert_eq!(username, "tim");
    assert!(verify_cram_md5(b"tanstaaftanstaaf", &challenge, &digest));
    assert_eq!(c.respond(&ch), Err(AuthError::UnexpectedChallenge));
    let mut s = server(Mechanism::CramMd5);
    assert_eq!(
        s.start(Some(b"x")),
        Ok(ServerStep::Failure(AuthFailure::UnexpectedInitialResponse))
    );
}

#[test]
fn rfc4616_plain_client_and_server() {
    let mut c = SaslClient::new(
        Mechanism::Plain,
        Credentials::password("Kurt", "xipj3plmq").with_authzid("Ursel"),
        None,
    )
    .unwrap();
    let ir = c.initial_response().unwrap();
    assert_eq!(ir, b"Ursel\0Kurt\0xipj3plmq");
    assert_eq!(c.respond(b""), Err(AuthError::UnexpectedChallenge));
    let mut s = server(Mechanism::Plain);
    assert_eq!(
        s.start(Some(&ir)),
        Ok(ServerStep::Verify(Verification::Plain {
            authzid: Some("Ursel".into()),
            username: "Kurt".into(),
            password: "xipj3plmq".into()
        }))
    );
    assert_eq!(
        s.step(b"again"),
        Err(crate::error::LocalError::InvalidState {
            call: "SaslServer::step",
            state: crate::error::SessionState::AwaitingAuthVerdict
        })
    );
    assert_eq!(s.verdict(true), Ok(ServerStep::Success(None)));
    assert!(s.verdict(true).is_err());
}

#[test]
fn rfc7628_failure_flow() {
    // RFC 7628 §4.4 (SMTP): the server's 334 JSON, the client's AQ==, 535.
    let json =
        br#"{"status":"invalid_token","schemes":"bearer mac","scope":"https://mail.example.com/"}"#;
    let wire = "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NoZW1lcyI6ImJlYXJlciBtYWMiLCJzY29wZSI6Imh0dHBzOi8vbWFpbC5leGFtcGxlLmNvbS8ifQ==";
    let mut c = SaslClient::new(
        Mechanism::OAuthBearer,
        Credentials::bearer(
            "someuser@example.com",
            "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==",
        ),
        None,
    )
    .unwrap();
    let ir = c.initial_response().unwrap();
    let mut s = SaslServer::new(Mechanism::OAuthBearer, None)
        .unwrap()
        .with_oauth_error(core::str::from_utf8(json).unwrap());
    assert!(matches!(
        s.start(Some(&ir)),
        Ok(ServerStep::Verify(Verification::OAuth { .. }))
    ));
    let Ok(ServerStep::Challenge(ch)) = s.verdict(false) else {
        panic!()
    };
    assert_eq!(encode_challenge(&ch), wire);
    let ack = c
        .respond(&decode_challenge(wire.as_bytes()).unwrap())
        .unwrap();
    assert_eq!(encode_response(&ack), "AQ==");
    assert_eq!(s.step(&ack), Ok(ServerStep::Failure(AuthFailure::Rejected)));
    assert_eq!(c.respond(b"{}"), Err(AuthError::UnexpectedChallenge));
    // XOAUTH2 answers the error with an empty response.
    let mut x = client(Mechanism::XOAuth2);
    let _ = x.initial_response();
    assert_eq!(x.respond(json), Ok(Vec::new()));
}
