//! The server side of every SASL exchange fed arbitrary client responses,
//! with the application's decisions drawn from the input.
//!
//! Input: one header byte (mechanism, whether the `AUTH` line carries an
//! initial response), then one action per line:
//! `V` verdict(true), `v` verdict(false), `C` provide the RFC 7677 SCRAM
//! credentials, `X` cancel, `!rest` step with the raw bytes `rest`, anything
//! else a response line (mapped onto the SMTP alphabet) that goes through
//! `decode_response` as the server machine does (`*` cancels).
//!
//! Invariants beyond "no panic":
//! * after `Success` or `Failure` the exchange is done and every further call
//!   is refused (only the final events come after the end);
//! * `Success` follows only `verdict(true)`, or for SCRAM the empty
//!   acknowledgement of a `v=` server-final the server produced;
//! * every challenge round-trips through `encode_challenge` /
//!   `decode_challenge`, and no challenge amplifies the client's input;
//! * `Verify` carries what the mechanism's grammar allows (no NUL in PLAIN
//!   fields, a 16-octet CRAM-MD5 digest of the nonce this server sent);
//! * failure replies use the codes RFC 4954 §6 allows.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smtp_core::auth::{
    decode_challenge, decode_response, encode_challenge, AuthError, AuthFailure, Mechanism,
    SaslServer, ScramCredentials, ServerStep, Verification, MAX_DECODED_RESPONSE,
};
use smtp_fuzz::{smtp_bytes, Source};

const MECHS: [Mechanism; 6] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::ScramSha256,
];

/// RFC 2195 §2's challenge.
const CRAM_NONCE: &str = "<1896.697170952@postoffice.reston.mci.net>";
/// RFC 7677 §3's server nonce, so the RFC's client messages are valid seeds.
const SCRAM_SNONCE: &str = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

/// Longest challenge beyond the longest response so far (SCRAM's
/// server-first echoes the client-first nonce): prompts, nonce, salt,
/// server signature, OAuth error JSON.
const CHALLENGE_OVERHEAD: usize = 256;

/// RFC 7677 §3's stored credentials for user / pencil (derived once: 4096
/// PBKDF2 rounds per execution would dominate the run).
fn scram_creds() -> ScramCredentials {
    static CREDS: OnceLock<ScramCredentials> = OnceLock::new();
    CREDS
        .get_or_init(|| {
            let salt = decode_challenge(b"W22ZaJ0SNY7soEsUEjb6gQ==").expect("RFC salt");
            ScramCredentials::derive("pencil", &salt, 4096)
        })
        .clone()
}

struct Checker {
    mech: Mechanism,
    done: bool,
    max_input_len: usize,
    last_challenge_is_server_final: bool,
}

impl Checker {
    /// Checks one step; `verdict_ok` says whether it answered verdict(true).
    fn check(&mut self, r: Result<ServerStep, smtp_core::LocalError>, verdict_ok: bool) {
        let step = match r {
            Err(_) => return,
            Ok(step) => step,
        };
        assert!(!self.done, "a step after the end: {step:?}");
        match &step {
            ServerStep::Challenge(c) => {
                let line = encode_challenge(c);
                assert!(!line.bytes().any(|b| b == b'\r' || b == b'\n'));
                assert_eq!(decode_challenge(line.as_bytes()).as_deref(), Ok(&c[..]));
                assert!(
                    c.len() <= self.max_input_len + CHALLENGE_OVERHEAD,
                    "challenge amplifies: {} -> {}",
                    self.max_input_len,
                    c.len()
                );
                self.last_challenge_is_server_final =
                    self.mech == Mechanism::ScramSha256 && c.starts_with(b"v=");
            }
            ServerStep::Verify(v) => check_verification(v),
            ServerStep::Success(data) => {
                assert!(data.is_none(), "SMTP has no success-with-data");
                assert!(
                    verdict_ok
                        || (self.mech == Mechanism::ScramSha256
                            && self.last_challenge_is_server_final),
                    "Success without the application's verdict or a SCRAM proof"
                );
                self.done = true;
            }
            ServerStep::Failure(f) => {
                assert!(matches!(f.reply_code(), 500 | 501 | 535), "{f:?}");
                self.done = true;
            }
            _ => {}
        }
    }
}

fn check_verification(v: &Verification) {
    match v {
        Verification::Plain {
            authzid,
            username,
            password,
        } => {
            assert!(!username.is_empty());
            for field in [Some(username), Some(password), authzid.as_ref()]
                .into_iter()
                .flatten()
            {
                assert!(!field.contains('\0'), "NUL in a PLAIN field");
            }
        }
        Verification::Login { username, .. } => assert!(!username.is_empty()),
        Verification::CramMd5 {
            challenge, digest, ..
        } => {
            assert_eq!(challenge, CRAM_NONCE.as_bytes());
            assert_eq!(digest.len(), 16);
        }
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let mech = MECHS[usize::from((header & 0x07) % 6)].clone();
    let nonce = match mech {
        Mechanism::CramMd5 => Some(CRAM_NONCE),
        _ => Some(SCRAM_SNONCE),
    };
    let Ok(mut server) = SaslServer::new(mech.clone(), nonce) else {
        panic!("valid nonce refused for {mech}");
    };
    let mut ck = Checker {
        mech,
        done: false,
        max_input_len: 0,
        last_challenge_is_server_final: false,
    };
    let initial = if header & 0x80 != 0 {
        match decode_response(&smtp_bytes(src.line())) {
            Ok(ir) => Some(ir),
            Err(_) => return,
        }
    } else {
        None
    };
    ck.max_input_len = initial.as_ref().map_or(0, Vec::len);
    ck.check(server.start(initial.as_deref()), false);
    assert!(server.start(None).is_err(), "start twice");
    while !src.is_empty() {
        let line = src.line();
        let was_done = server.is_done();
        let (r, verdict_ok) = match line {
            b"V" => (server.verdict(true), true),
            b"v" => (server.verdict(false), false),
            b"C" => (server.provide_scram_credentials(scram_creds()), false),
            b"X" => (server.cancel(), false),
            _ => {
                let decoded = match line.strip_prefix(b"!") {
                    Some(raw) => Ok(raw.to_vec()),
                    None => decode_response(&smtp_bytes(line)),
                };
                match decoded {
                    Ok(resp) => {
                        ck.max_input_len = ck.max_input_len.max(resp.len());
                        let r = server.step(&resp);
                        if resp.len() > MAX_DECODED_RESPONSE {
                            if let Ok(step) = &r {
                                assert_eq!(step, &ServerStep::Failure(AuthFailure::TooLong));
                            }
                        }
                        (r, false)
                    }
                    Err(AuthError::Cancelled) => (server.cancel(), false),
                    // The machine replies 500/501 from the error itself.
                    Err(e) => {
                        let f = AuthFailure::from(e);
                        assert!(matches!(f.reply_code(), 500 | 501));
                        continue;
                    }
                }
            }
        };
        if was_done {
            assert!(r.is_err(), "a call after the end was accepted: {r:?}");
        }
        ck.check(r, verdict_ok);
        assert_eq!(server.is_done(), ck.done, "is_done disagrees");
    }
});
