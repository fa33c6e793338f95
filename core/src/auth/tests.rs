//! Cross-mechanism tests: RFC vectors on both sides, every client against
//! its server over the real base64 framing, the application's verdicts, and
//! arbitrary input.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use proptest::prelude::*;

use super::*;

// RFC 7677 §3.
const SCRAM_CNONCE: &str = "rOprNGfwEbeRWgbNEkqO";
const SCRAM_SNONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
const SCRAM_SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";
const SCRAM_CLIENT_FIRST: &[u8] = b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
const SCRAM_SERVER_FIRST: &[u8] =
    b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const SCRAM_CLIENT_FINAL: &[u8] = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SCRAM_SERVER_FINAL: &[u8] = b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

fn rfc7677_creds() -> ScramCredentials {
    ScramCredentials::derive("pencil", &STANDARD.decode(SCRAM_SALT).unwrap(), 4096)
}

#[test]
fn rfc7677_client() {
    let creds = Credentials::password("user", "pencil");
    let mut c = SaslClient::new(Mechanism::ScramSha256, creds, Some(SCRAM_CNONCE)).unwrap();
    assert_eq!(c.initial_response().as_deref(), Some(SCRAM_CLIENT_FIRST));
    assert_eq!(c.initial_response(), None);
    assert_eq!(
        c.respond(SCRAM_SERVER_FIRST).as_deref(),
        Ok(SCRAM_CLIENT_FINAL)
    );
    assert_eq!(c.finish(), Err(AuthError::ServerSignatureMismatch));
    assert_eq!(c.respond(SCRAM_SERVER_FINAL), Ok(Vec::new()));
    assert_eq!(c.finish(), Ok(()));
    assert_eq!(c.respond(b""), Err(AuthError::UnexpectedChallenge));
}

#[test]
fn rfc7677_server() {
    let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
    assert_eq!(
        s.start(Some(SCRAM_CLIENT_FIRST)),
        Ok(ServerStep::Verify(Verification::NeedCredentials {
            authzid: None,
            username: "user".into()
        }))
    );
    assert_eq!(
        s.provide_scram_credentials(rfc7677_creds()),
        Ok(ServerStep::Challenge(SCRAM_SERVER_FIRST.to_vec()))
    );
    assert_eq!(
        s.step(SCRAM_CLIENT_FINAL),
        Ok(ServerStep::Challenge(SCRAM_SERVER_FINAL.to_vec()))
    );
    assert_eq!(s.step(b""), Ok(ServerStep::Success(None)));
    assert!(s.is_done());
}

#[test]
fn scram_client_refuses_a_server_that_cannot_prove_itself() {
    let creds = Credentials::password("user", "pencil");
    let run = |server_final: &[u8]| {
        let mut c =
            SaslClient::new(Mechanism::ScramSha256, creds.clone(), Some(SCRAM_CNONCE)).unwrap();
        let _ = c.initial_response();
        c.respond(SCRAM_SERVER_FIRST).unwrap();
        let r = c.respond(server_final);
        (r, c.finish())
    };
    let mut forged = SCRAM_SERVER_FINAL.to_vec();
    if let Some(b) = forged.get_mut(5) {
        *b = if *b == b'A' { b'B' } else { b'A' };
    }
    for bad in [&forged[..], b"v=", b"v=!!!!", b"x=abc", b""] {
        let (r, fin) = run(bad);
        assert!(r.is_err(), "{bad:?}");
        assert_eq!(fin, Err(AuthError::ServerSignatureMismatch));
    }
    assert_eq!(
        run(b"e=invalid-proof").0,
        Err(AuthError::ServerError {
            message: "invalid-proof".into()
        })
    );
}

#[test]
fn scram_client_rejects_bad_server_first() {
    let creds = Credentials::password("user", "pencil");
    for bad in [
        &b"r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"[..],
        b"m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=!!,i=4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4294967295",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=+4096",
        b"r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==",
        b"r=rOprNGfwEbeRWgbNEkqOx,i=4096",
    ] {
        let mut c =
            SaslClient::new(Mechanism::ScramSha256, creds.clone(), Some(SCRAM_CNONCE)).unwrap();
        let _ = c.initial_response();
        assert!(c.respond(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn scram_server_rejects_bad_client_messages() {
    let first = |msg: &[u8]| {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(msg)).unwrap()
    };
    assert_eq!(
        first(b"p=tls-unique,,n=user,r=abc"),
        ServerStep::Failure(AuthFailure::ChannelBindingUnsupported)
    );
    for bad in [
        &b"n,,m=x,n=user,r=abc"[..],
        b"n,,n=,r=abc",
        b"n,,n=user",
        b"n,,n=us=er,r=abc",
        b"x,,n=user,r=abc",
        b"n,b=x,n=user,r=a",
    ] {
        assert!(
            matches!(
                first(bad),
                ServerStep::Failure(AuthFailure::Malformed { .. })
            ),
            "{bad:?}"
        );
    }
    assert_eq!(
        first(b"y,a=adm=2Cin,n=us=3Der,r=abc"),
        ServerStep::Verify(Verification::NeedCredentials {
            authzid: Some("adm,in".into()),
            username: "us=er".into()
        })
    );

    let final_step = |msg: &[u8]| {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(SCRAM_CLIENT_FIRST)).unwrap();
        s.provide_scram_credentials(rfc7677_creds()).unwrap();
        s.step(msg).unwrap()
    };
    let wrong_proof = b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,\
p=eHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    assert_eq!(
        final_step(wrong_proof),
        ServerStep::Failure(AuthFailure::BadProof)
    );
    let other_pw = {
        let mut s = SaslServer::new(Mechanism::ScramSha256, Some(SCRAM_SNONCE)).unwrap();
        s.start(Some(SCRAM_CLIENT_FIRST)).unwrap();
        let salt = STANDARD.decode(SCRAM_SALT).unwrap();
        s.provide_scram_credentials(ScramCredentials::derive("pencil2", &salt, 4096))
            .unwrap();
        s.step(SCRAM_CLIENT_FINAL).unwrap()
    };
    assert_eq!(other_pw, ServerStep::Failure(AuthFailure::BadProof));
    for bad in [
        // c= is not the gs2 header "n,,".
        &b"c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="[..],
        // nonce differs
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzb",
        b"",
    ] {
        assert!(
            matches!(final_step(bad), ServerStep::Failure(AuthFailure::Malformed { .. })),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}

// ---- client against server, over the wire encoding ----

/// The application in the pair tests: knows one user.
#[derive(Clone, Copy)]
enum App {
    Accept,
    Reject,
}

/// Runs `client` against `server` through base64 like the machines do;
/// returns the final server step and the client's `finish`.
fn pair(
    mut client: SaslClient,
    mut server: SaslServer,
    app: App,
) -> (ServerStep, Result<(), AuthError>) {
    let ir = client.initial_response().map(|r| encode_response(&r));
    let ir = ir.map(|line| decode_response(line.as_bytes()).unwrap());
    let mut step = server.start(ir.as_deref()).unwrap();
    for _ in 0..10 {
        step = match step {
            ServerStep::Challenge(c) => {
                let wire = encode_challenge(&c);
                let challenge = decode_challenge(wire.as_bytes()).unwrap();
                match client.respond(&challenge) {
                    Ok(r) => {
                        let line = if r.is_empty() {
                            String::new()
                        } else {
                            encode_response(&r)
                        };
                        server
                            .step(&decode_response(line.as_bytes()).unwrap())
                            .unwrap()
                    }
                    Err(_) => server.cancel().unwrap(),
                }
            }
            ServerStep::Verify(Verification::NeedCredentials { username, .. }) => {
                assert_eq!(username, "joe");
                server
                    .provide_scram_credentials(ScramCredentials::derive("s3cret", b"NaCl", 4096))
                    .unwrap()
            }
            ServerStep::Verify(v) => {
                let good = match &v {
                    Verification::Plain {
                        username, password, ..
                    }
                    | Verification::Login { username, password } => {
                        username == "joe" && password == "s3cret"
                    }
                    Verification::CramMd5 {
                        username,
                        challenge,
                        digest,
                    } => username == "joe" && verify_cram_md5(b"s3cret", challenge, digest),
                    Verification::OAuth { username, token } => {
                        username.as_deref() == Some("joe") && token == "tok"
                    }
                    _ => false,
                };
                assert!(good, "{v:?}");
                server.verdict(matches!(app, App::Accept)).unwrap()
            }
            done => return (done, client.finish()),
        };
    }
    panic!("exchange did not end");
}

fn client(mech: Mechanism) -> SaslClient {
    let creds = match mech {
        Mechanism::XOAuth2 | Mechanism::OAuthBearer => Credentials::bearer("joe", "tok"),
        _ => Credentials::password("joe", "s3cret"),
    };
    SaslClient::new(mech, creds, Some("cnonce123")).unwrap()
}

fn server(mech: Mechanism) -> SaslServer {
    let nonce = match mech {
        Mechanism::CramMd5 => "<1.2@mx.example>",
        _ => "snonce456",
    };
    SaslServer::new(mech, Some(nonce)).unwrap()
}

const ALL: [Mechanism; 6] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::ScramSha256,
];

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
            expected: "waiting for the application's verdict"
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
        if m == Mechanism::Login {
            assert!(matches!(
                step,
                ServerStep::Failure(AuthFailure::Malformed { .. })
            ));
        } else {
            assert!(
                matches!(step, ServerStep::Failure(AuthFailure::Malformed { .. })),
                "{m}: {step:?}"
            );
        }
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

proptest! {
    #[test]
    fn client_never_panics(challenges in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..6), which in 0usize..6) {
        let m = ALL.get(which).cloned().unwrap_or(Mechanism::Plain);
        let mut c = client(m);
        let _ = c.initial_response();
        for ch in &challenges {
            let _ = c.respond(ch);
        }
        let _ = c.finish();
    }

    #[test]
    fn server_never_panics(ir in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)), responses in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..4), which in 0usize..6, ok in any::<bool>()) {
        let m = ALL.get(which).cloned().unwrap_or(Mechanism::Plain);
        let mut s = server(m);
        let _ = s.start(ir.as_deref());
        for r in &responses {
            let _ = s.step(r);
            let _ = s.verdict(ok);
        }
    }

    #[test]
    fn scram_server_first_never_panics(tail in "[ -~]{0,40}") {
        // Reaches deep parser states: valid nonce prefix, then anything.
        let mut c = client(Mechanism::ScramSha256);
        let _ = c.initial_response();
        let msg = alloc::format!("r=cnonce123{tail}");
        let _ = c.respond(msg.as_bytes());
    }

    #[test]
    fn decoders_never_panic(line in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_challenge(&line);
        let _ = decode_response(&line);
    }
}
