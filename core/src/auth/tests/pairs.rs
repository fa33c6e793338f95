//! Every client against its server, the application's verdicts, and
//! misuse, bounds and cancellation.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::super::*;
use super::scram::rfc7677_creds;
use super::{client, pair, server, App, ALL};

#[test]
fn every_mechanism_pairs_accept_and_reject() {
    for m in ALL {
        let (end, fin) = pair(client(m.clone()), server(m.clone()), App::Accept);
        assert_eq!(end, ServerStep::Success(None), "{m}");
        assert_eq!(fin, Ok(()), "{m}");
        if m == Mechanism::ScramSha256 {
            continue; // the app cannot reject after a valid proof; see below
        }
        let (end, _) = pair(client(m.clone()), server(m.clone()), App::Reject);
        assert_eq!(end, ServerStep::Failure(AuthFailure::Rejected), "{m}");
    }
}

#[test]
fn scram_wrong_password_pair() {
    let c = SaslClient::new(
        Mechanism::ScramSha256,
        Credentials::password("joe", "wrong"),
        Some("cnonce123"),
    )
    .unwrap();
    let (end, fin) = pair(c, server(Mechanism::ScramSha256), App::Accept);
    assert_eq!(end, ServerStep::Failure(AuthFailure::BadProof));
    assert_eq!(fin, Err(AuthError::ServerSignatureMismatch));
}

#[test]
fn without_initial_response_the_first_challenge_asks_for_it() {
    for m in [
        Mechanism::Plain,
        Mechanism::XOAuth2,
        Mechanism::OAuthBearer,
        Mechanism::ScramSha256,
    ] {
        let mut c = client(m.clone());
        let mut s = server(m.clone());
        // The client machine skipped initial_response (line too long).
        let ServerStep::Challenge(ch) = s.start(None).unwrap() else {
            panic!("{m}")
        };
        assert!(ch.is_empty());
        let first = c.respond(&ch).unwrap();
        assert!(
            matches!(s.step(&first).unwrap(), ServerStep::Verify(_)),
            "{m}"
        );
        assert_eq!(c.initial_response(), None);
    }
}

#[test]
fn challenge_loops_are_bounded() {
    let mut c = client(Mechanism::ScramSha256);
    for _ in 0..MAX_CLIENT_CHALLENGES {
        let _ = c.respond(b"");
    }
    assert_eq!(c.respond(b""), Err(AuthError::TooManyChallenges));
    let mut c = client(Mechanism::Login);
    let mut last = Ok(Vec::new());
    for _ in 0..=MAX_CLIENT_CHALLENGES {
        last = c.respond(b"Username:");
    }
    assert_eq!(last, Err(AuthError::TooManyChallenges));
}

#[test]
fn cancel_malformed_and_oversized() {
    for m in ALL {
        let mut s = server(m.clone());
        s.start(None).unwrap();
        assert_eq!(
            s.cancel(),
            Ok(ServerStep::Failure(AuthFailure::Cancelled)),
            "{m}"
        );
        assert!(s.cancel().is_err());
        assert!(s.step(b"x").is_err());

        let mut s = server(m.clone());
        s.start(None).unwrap();
        let big = alloc::vec![b'a'; MAX_DECODED_RESPONSE + 1];
        assert_eq!(
            s.step(&big),
            Ok(ServerStep::Failure(AuthFailure::TooLong)),
            "{m}"
        );
        assert_eq!(AuthFailure::TooLong.reply_code(), 500);

        let mut s = server(m.clone());
        s.start(None).unwrap();
        let step = s.step(b"\xff\xfe garbage").unwrap();
        assert!(
            matches!(step, ServerStep::Failure(AuthFailure::Malformed { .. })),
            "{m}: {step:?}"
        );
    }
    assert_eq!(
        AuthFailure::from(decode_response(b"*").unwrap_err()),
        AuthFailure::Cancelled
    );
    assert_eq!(
        AuthFailure::from(decode_response(b"!").unwrap_err()).reply_code(),
        501
    );
}

#[test]
fn misuse_is_a_local_error_and_changes_nothing() {
    let mut s = server(Mechanism::ScramSha256);
    assert!(s.step(b"").is_err());
    assert!(s.verdict(true).is_err());
    assert!(s.provide_scram_credentials(rfc7677_creds()).is_err());
    s.start(Some(b"n,,n=joe,r=abc")).unwrap();
    assert!(s.start(None).is_err());
    assert!(s.step(b"").is_err());
    assert!(s.verdict(true).is_err());
    assert!(!s.is_done());
}

#[test]
fn constructor_errors() {
    let pw = Credentials::password("u", "p");
    let tok = Credentials::bearer("u", "t");
    assert!(matches!(
        SaslClient::new(Mechanism::Plain, tok.clone(), None),
        Err(AuthError::CredentialsMismatch { .. })
    ));
    assert!(matches!(
        SaslClient::new(Mechanism::XOAuth2, pw.clone(), None),
        Err(AuthError::CredentialsMismatch { .. })
    ));
    assert_eq!(
        SaslClient::new(Mechanism::ScramSha256, pw.clone(), None).unwrap_err(),
        AuthError::InvalidNonce
    );
    assert_eq!(
        SaslClient::new(Mechanism::ScramSha256, pw.clone(), Some("a,b")).unwrap_err(),
        AuthError::InvalidNonce
    );
    assert_eq!(
        SaslClient::new(Mechanism::Other("X".to_string()), pw, None).unwrap_err(),
        AuthError::UnsupportedMechanism
    );
    assert_eq!(
        SaslServer::new(Mechanism::CramMd5, None).unwrap_err(),
        AuthError::InvalidNonce
    );
    assert_eq!(
        SaslServer::new(Mechanism::ScramSha256, Some("")).unwrap_err(),
        AuthError::InvalidNonce
    );
}
