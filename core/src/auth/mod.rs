//! SASL for SMTP AUTH (RFC 4954), both sides, as sans-IO exchanges over
//! *decoded* bytes.
//!
//! The connection machines own the `AUTH` command, the `334` lines and the
//! base64 framing (with [`encode_response`], [`encode_continuation`],
//! [`encode_challenge`],
//! [`decode_challenge`] and [`decode_response`]); the types here only turn
//! one decoded message into the next.
//!
//! * Client: pick a mechanism with [`choose`], build a [`SaslClient`], send
//!   its [`SaslClient::initial_response`] with `AUTH`, answer every `334`
//!   with [`SaslClient::respond`], and on `235` call
//!   [`SaslClient::finish`] (SCRAM refuses to finish unless the server
//!   proved it knows the password).
//! * Server: build a [`SaslServer`], feed it the initial response and each
//!   later response, and act on each [`ServerStep`]: send a challenge, ask
//!   the application to check a [`Verification`], reply `235`, or fail with
//!   the [`AuthFailure`]'s reply code.
//!
//! ```
//! use smtp_core::auth::*;
//!
//! // Client: choose, then drive one exchange.
//! let offered = vec!["PLAIN".to_string(), "LOGIN".to_string()];
//! let creds = Credentials::password("tim", "tanstaaftanstaaf");
//! let mech = choose(&offered, DEFAULT_PREFERENCE, &creds).unwrap();
//! let mut client = SaslClient::new(mech.clone(), creds, None).unwrap();
//! let ir = client.initial_response().map(|r| encode_response(&r));
//! assert_eq!(ir.as_deref(), Some("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")); // AUTH PLAIN AHRp...
//!
//! // Server: the same line arrives.
//! let mut server = SaslServer::new(mech, None).unwrap();
//! let decoded = decode_response(ir.unwrap().as_bytes()).unwrap();
//! let step = server.start(Some(&decoded)).unwrap();
//! let ServerStep::Verify(Verification::Plain { username, password, .. }) = step else {
//!     panic!("PLAIN needs the app's verdict")
//! };
//! let ok = username == "tim" && password == "tanstaaftanstaaf";
//! assert_eq!(server.verdict(ok).unwrap(), ServerStep::Success(None)); // 235 2.7.0
//! assert_eq!(client.finish(), Ok(()));
//! ```
//!
//! No randomness: the SCRAM client nonce, the SCRAM server nonce and the
//! CRAM-MD5 challenge are inputs. Names and passwords are used as given
//! (UTF-8); SASLprep (RFC 4013) is not applied.

mod client;
mod codec;
mod cram_md5;
mod error;
mod login;
mod mechanism;
mod oauth;
mod plain;
mod scram;
mod scram_client;
mod scram_server;
mod server;

#[cfg(test)]
mod tests;

pub use client::{SaslClient, MAX_CLIENT_CHALLENGES};
pub use codec::{
    decode_challenge, decode_response, encode_challenge, encode_continuation, encode_response,
    MAX_DECODED_RESPONSE, MAX_RESPONSE_LINE,
};
pub use cram_md5::verify_cram_md5;
pub use error::{AuthError, AuthFailure};
pub use mechanism::{
    choose, Credentials, Mechanism, Secret, DEFAULT_PREFERENCE, PYTHON_SMTPLIB_PREFERENCE,
};
pub use oauth::DEFAULT_OAUTH_ERROR;
pub use scram::{ScramCredentials, SCRAM_MAX_ITERATIONS, SCRAM_MIN_ITERATIONS};
pub use server::{SaslServer, ServerStep, Verification};
