//! Arbitrary bytes never panic either side.

use proptest::prelude::*;

use super::super::*;
use super::{client, server, ALL};

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

/// Drives `client` against `server` with an app that knows exactly
/// (`user`, `secret`); returns the final step.
fn run(mut client: SaslClient, mut server: SaslServer, user: &str, secret: &str) -> ServerStep {
    let mut step = server.start(client.initial_response().as_deref()).unwrap();
    for _ in 0..8 {
        step = match step {
            ServerStep::Challenge(c) => match client.respond(&c) {
                Ok(r) => server.step(&r),
                Err(_) => server.cancel(),
            },
            ServerStep::Verify(Verification::NeedCredentials { username, .. }) => {
                let salt = b"salt";
                let creds = if username == user {
                    ScramCredentials::derive(secret, salt, SCRAM_MIN_ITERATIONS)
                } else {
                    ScramCredentials::derive("", salt, SCRAM_MIN_ITERATIONS)
                };
                server.provide_scram_credentials(creds)
            }
            ServerStep::Verify(v) => {
                let ok = match &v {
                    Verification::Plain {
                        authzid: None,
                        username,
                        password,
                    }
                    | Verification::Login { username, password } => {
                        username == user && password == secret
                    }
                    Verification::CramMd5 {
                        username,
                        challenge,
                        digest,
                    } => username == user && verify_cram_md5(secret.as_bytes(), challenge, digest),
                    Verification::OAuth { username, token } => {
                        username.as_deref() == Some(user) && token == secret
                    }
                    _ => false,
                };
                server.verdict(ok)
            }
            done => return done,
        }
        .unwrap_or(ServerStep::Failure(AuthFailure::Rejected));
    }
    ServerStep::Failure(AuthFailure::Rejected)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any user name and secret the formats can carry (`,` and `=` for
    /// SCRAM's saslname escaping, spaces for CRAM-MD5, any Unicode)
    /// round-trips through every mechanism, and one wrong character fails.
    #[test]
    fn any_credentials_round_trip(user in "[^\u{0}\u{1}\r\n]{1,12}", secret in "[^\u{0}\u{1}\r\n]{1,12}", which in 0usize..6) {
        let m = ALL.get(which).cloned().unwrap_or(Mechanism::Plain);
        let creds = |s: &str| match m {
            Mechanism::XOAuth2 | Mechanism::OAuthBearer => Credentials::bearer(user.as_str(), s),
            _ => Credentials::password(user.as_str(), s),
        };
        let nonce = match m { Mechanism::CramMd5 => "<1@x>", _ => "snonce" };
        let new_client = |s: &str| SaslClient::new(m.clone(), creds(s), Some("cnonce")).unwrap();
        let new_server = || SaslServer::new(m.clone(), Some(nonce)).unwrap();

        let good = run(new_client(&secret), new_server(), &user, &secret);
        prop_assert_eq!(good, ServerStep::Success(None), "{}", m);
        let wrong = alloc::format!("{secret}x");
        let bad = run(new_client(&wrong), new_server(), &user, &secret);
        prop_assert!(matches!(bad, ServerStep::Failure(_)), "{}: {:?}", m, bad);
    }

    /// Deep SCRAM server states: a well-formed start, then any client-final.
    #[test]
    fn scram_client_final_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..80)) {
        let mut s = server(Mechanism::ScramSha256);
        let _ = s.start(Some(b"n,,n=joe,r=cnonce"));
        let _ = s.provide_scram_credentials(ScramCredentials::derive("pw", b"salt", 1));
        let mut msg = b"c=biws,r=cnoncesnonce456,".to_vec();
        msg.extend_from_slice(&tail);
        let step = s.step(&msg);
        prop_assert!(matches!(step, Ok(ServerStep::Failure(_))), "{:?}", step);
    }
}
