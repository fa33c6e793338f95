//! Cross-mechanism tests: RFC vectors on both sides, every client against
//! its server over the real base64 framing, the application's verdicts, and
//! arbitrary input.

mod pairs;
mod props;
mod scram;
mod vectors;

use super::*;

// ---- client against server, over the wire encoding ----

/// The application in the pair tests: knows one user.
#[derive(Clone, Copy)]
pub(super) enum App {
    Accept,
    Reject,
}

/// Runs `client` against `server` through base64 like the machines do;
/// returns the final server step and the client's `finish`.
pub(super) fn pair(
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
                        let line = encode_continuation(&r);
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

pub(super) fn client(mech: Mechanism) -> SaslClient {
    let creds = match mech {
        Mechanism::XOAuth2 | Mechanism::OAuthBearer => Credentials::bearer("joe", "tok"),
        _ => Credentials::password("joe", "s3cret"),
    };
    SaslClient::new(mech, creds, Some("cnonce123")).unwrap()
}

pub(super) fn server(mech: Mechanism) -> SaslServer {
    let nonce = match mech {
        Mechanism::CramMd5 => "<1.2@mx.example>",
        _ => "snonce456",
    };
    SaslServer::new(mech, Some(nonce)).unwrap()
}

pub(super) const ALL: [Mechanism; 6] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::ScramSha256,
];
