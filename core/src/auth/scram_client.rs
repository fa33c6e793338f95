//! SCRAM-SHA-256 client (RFC 5802 §5, §7; RFC 7677 §3), no channel binding.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::Mac;

use super::scram::{
    attr, escape_saslname, hmac, is_valid_nonce, mac, xor, Keys, KEY_LEN, SCRAM_MAX_ITERATIONS,
    SCRAM_MIN_ITERATIONS,
};
use super::AuthError;

enum State {
    /// client-first not built yet.
    Start,
    /// client-first sent, waiting for server-first.
    SentFirst,
    /// client-final sent; the server must prove itself with `v=`.
    SentFinal {
        server_key: [u8; KEY_LEN],
        auth_message: Vec<u8>,
    },
    /// The server's signature checked out.
    Verified,
    /// A failure happened; every later message fails too.
    Failed,
}

pub(crate) struct ScramClient {
    password: String,
    gs2_header: String,
    client_first_bare: String,
    nonce: String,
    state: State,
}

fn malformed(reason: &'static str) -> AuthError {
    AuthError::MalformedChallenge { reason }
}

impl ScramClient {
    pub(crate) fn new(
        username: &str,
        password: &str,
        authzid: Option<&str>,
        nonce: &str,
    ) -> Result<Self, AuthError> {
        if !is_valid_nonce(nonce) {
            return Err(AuthError::InvalidNonce);
        }
        if username.is_empty() {
            // RFC 5802 §7: saslname is 1 or more characters.
            return Err(AuthError::CredentialsMismatch {
                reason: "SCRAM needs a non-empty username",
            });
        }
        // RFC 5802 §5.1: gs2 header "n," [a=authzid] ","; "n" because this
        // client does not support channel binding.
        let gs2_header = match authzid {
            Some(a) => alloc::format!("n,a={},", escape_saslname(a)),
            None => String::from("n,,"),
        };
        Ok(ScramClient {
            password: String::from(password),
            gs2_header,
            client_first_bare: alloc::format!("n={},r={nonce}", escape_saslname(username)),
            nonce: String::from(nonce),
            state: State::Start,
        })
    }

    /// `client-first-message` (RFC 5802 §7).
    pub(crate) fn client_first(&mut self) -> Vec<u8> {
        self.state = State::SentFirst;
        let mut out = Vec::from(self.gs2_header.as_bytes());
        out.extend_from_slice(self.client_first_bare.as_bytes());
        out
    }

    pub(crate) fn started(&self) -> bool {
        !matches!(self.state, State::Start)
    }

    pub(crate) fn is_verified(&self) -> bool {
        matches!(self.state, State::Verified)
    }

    pub(crate) fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, AuthError> {
        // Any error leaves the exchange Failed: it is final (RFC 4954 §4 `*`).
        match core::mem::replace(&mut self.state, State::Failed) {
            State::Start => {
                // RFC 4422 §5: the server asked for the initial response.
                if challenge.is_empty() {
                    Ok(self.client_first())
                } else {
                    Err(malformed("SCRAM expects an empty first challenge"))
                }
            }
            State::SentFirst => self.client_final(challenge),
            State::SentFinal {
                server_key,
                auth_message,
            } => verify_server_final(&server_key, &auth_message, challenge).map(|()| {
                self.state = State::Verified;
                // RFC 4954 §4: the server-final came in a 334; answer empty.
                Vec::new()
            }),
            State::Verified | State::Failed => Err(AuthError::UnexpectedChallenge),
        }
    }

    fn client_final(&mut self, server_first: &[u8]) -> Result<Vec<u8>, AuthError> {
        // server-first-message = [reserved-mext ","] nonce "," salt ","
        //                        iteration-count ["," extensions]
        let mut parts = server_first.split(|&b| b == b',');
        let first = parts.next().unwrap_or_default();
        if attr(first, b'm').is_some() {
            // RFC 5802 §5.1: an unknown mandatory extension must fail.
            return Err(malformed("SCRAM server requires an unsupported extension"));
        }
        if let Some(e) = attr(first, b'e') {
            return Err(AuthError::ServerError {
                message: String::from_utf8_lossy(e).into_owned(),
            });
        }
        let nonce = attr(first, b'r').ok_or(malformed("SCRAM server-first lacks r="))?;
        let nonce = core::str::from_utf8(nonce)
            .ok()
            .filter(|n| is_valid_nonce(n) && n.starts_with(self.nonce.as_str()))
            .ok_or(malformed(
                "SCRAM server nonce does not extend the client nonce",
            ))?;
        let salt = parts
            .next()
            .and_then(|p| attr(p, b's'))
            .ok_or(malformed("SCRAM server-first lacks s="))?;
        let salt = STANDARD
            .decode(salt)
            .map_err(|_| malformed("SCRAM salt is not base64"))?;
        let iterations = parts
            .next()
            .and_then(|p| attr(p, b'i'))
            .and_then(|i| core::str::from_utf8(i).ok())
            .filter(|i| i.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|i| i.parse::<u32>().ok())
            .ok_or(malformed("SCRAM server-first lacks a valid i="))?;
        if !(SCRAM_MIN_ITERATIONS..=SCRAM_MAX_ITERATIONS).contains(&iterations) {
            return Err(malformed("SCRAM iteration count out of bounds"));
        }

        let keys = Keys::derive(&self.password, &salt, iterations);
        let without_proof = alloc::format!(
            "c={},r={nonce}",
            STANDARD.encode(self.gs2_header.as_bytes())
        );
        let mut auth_message = Vec::from(self.client_first_bare.as_bytes());
        auth_message.push(b',');
        auth_message.extend_from_slice(server_first);
        auth_message.push(b',');
        auth_message.extend_from_slice(without_proof.as_bytes());

        let signature = hmac(&keys.stored_key, &auth_message);
        let proof = xor(&keys.client_key, &signature);
        let mut out = without_proof.into_bytes();
        out.extend_from_slice(b",p=");
        out.extend_from_slice(STANDARD.encode(proof).as_bytes());
        self.state = State::SentFinal {
            server_key: keys.server_key,
            auth_message,
        };
        Ok(out)
    }
}

/// `server-final-message = (server-error / verifier) ["," extensions]`.
fn verify_server_final(
    server_key: &[u8; KEY_LEN],
    auth_message: &[u8],
    msg: &[u8],
) -> Result<(), AuthError> {
    let first = msg.split(|&b| b == b',').next().unwrap_or_default();
    if let Some(e) = attr(first, b'e') {
        return Err(AuthError::ServerError {
            message: String::from_utf8_lossy(e).into_owned(),
        });
    }
    let v = attr(first, b'v').ok_or(malformed("SCRAM server-final lacks v="))?;
    let v = STANDARD
        .decode(v)
        .map_err(|_| AuthError::ServerSignatureMismatch)?;
    // Constant time: a timing oracle on the signature would let a forger
    // find it byte by byte.
    mac(server_key, auth_message)
        .verify_slice(&v)
        .map_err(|_| AuthError::ServerSignatureMismatch)
}
