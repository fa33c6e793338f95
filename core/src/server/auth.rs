//! The AUTH phase (RFC 4954) on the server side: the SASL exchange (334
//! challenges, base64, `*`) run with [`SaslServer`]. Each step says what
//! the machine must do next ([`AuthStep`]); the application sees only what
//! it must decide ([`AuthRequest`]).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;

use crate::auth::{
    decode_response, AuthFailure, Mechanism, SaslServer, ScramCredentials, ServerStep,
    Verification, MAX_RESPONSE_LINE,
};
use crate::reply::Reply;

use super::events::AuthRequest;

/// Longest AUTH command or SASL response line the server reads, CRLF
/// included: the one SASL line limit, [`MAX_RESPONSE_LINE`] (12288
/// octets, RFC 4954 §4), plus CRLF. The AUTH command itself should stay
/// within SMTP's 512 octets (RFC 4954 §4), and our client keeps it there,
/// but deployed clients send long initial responses (OAuth tokens) on it,
/// so it is read with the same limit.
pub(super) const AUTH_LINE_LIMIT: usize = MAX_RESPONSE_LINE + 2;

/// What the exchange wants next.
pub(super) enum AuthStep {
    /// Send `334 <base64 of these octets>` and read the client's line.
    Challenge(alloc::vec::Vec<u8>),
    /// Ask the application ([`super::Event::Auth`]).
    Ask(AuthRequest),
    /// Authenticated: send the application's reply, or 235.
    Success(Option<Reply>),
    /// The exchange failed: send the application's reply if it gave one,
    /// or the one RFC 4954 §6 gives for `failure`
    /// ([`Canned::AuthFailed`](super::replies::Canned::AuthFailed)).
    Failure {
        failure: AuthFailure,
        app_reply: Option<Reply>,
    },
}

/// The random input of each exchange (CRAM-MD5's challenge, SCRAM's server
/// nonce): the caller's nonce as given the first time, then with a
/// counter, so each challenge on the connection is unique.
#[derive(Debug, Default)]
pub(super) struct Nonces {
    nonce: Option<String>,
    used: u32,
}

impl Nonces {
    /// [`ServerConnection::set_nonce`](super::ServerConnection::set_nonce).
    pub(super) fn set(&mut self, nonce: &str) {
        self.nonce = Some(String::from(nonce));
        self.used = 0;
    }

    fn next(&mut self, mechanism: &Mechanism) -> Option<String> {
        let n = self.nonce.as_deref()?;
        self.used = self.used.saturating_add(1);
        let count = self.used;
        Some(match (mechanism, count) {
            (_, 1) => String::from(n),
            // `<1896.697170952@host>` becomes `<1896.697170952.2@host>`.
            (Mechanism::CramMd5, _) => match n.rfind('@') {
                Some(at) => format!(
                    "{}.{count}{}",
                    n.get(..at).unwrap_or(n),
                    n.get(at..).unwrap_or("")
                ),
                None => format!("{n}.{count}"),
            },
            _ => format!("{n}{count}"),
        })
    }
}

/// One AUTH exchange in progress on the server.
#[derive(Debug)]
pub(super) struct AuthExchange {
    server: Box<SaslServer>,
    /// The application was asked for SCRAM credentials, not a verdict.
    needs_credentials: bool,
    /// The application's own failure reply, sent when the exchange ends
    /// (OAuth sends an error challenge first, RFC 7628 §3.2.2).
    failure_reply: Option<Reply>,
}

const OUT_OF_ORDER: AuthFailure = AuthFailure::Malformed {
    reason: "exchange out of order",
};

impl AuthExchange {
    /// Starts `mechanism` with the AUTH line's initial response. `None`
    /// when no nonce was set for a mechanism that needs one (the caller
    /// answers 454).
    pub(super) fn start(
        mechanism: Mechanism,
        nonces: &mut Nonces,
        oauth_error: Option<&str>,
        initial_response: Option<&str>,
    ) -> Option<(AuthExchange, AuthStep)> {
        let nonce = nonces.next(&mechanism);
        let server = SaslServer::new(mechanism, nonce.as_deref()).ok()?;
        let server = match oauth_error {
            Some(json) => server.with_oauth_error(String::from(json)),
            None => server,
        };
        let mut exchange = AuthExchange {
            server: Box::new(server),
            needs_credentials: false,
            failure_reply: None,
        };
        let step = match initial_response.map(|s| decode_response(s.as_bytes())) {
            Some(Err(e)) => failure(AuthFailure::from(e)),
            Some(Ok(bytes)) => {
                let started = exchange.server.start(Some(&bytes));
                exchange.drive(started)
            }
            None => {
                let started = exchange.server.start(None);
                exchange.drive(started)
            }
        };
        Some((exchange, step))
    }

    /// The application was asked for SCRAM credentials, not a verdict.
    pub(super) fn needs_credentials(&self) -> bool {
        self.needs_credentials
    }

    /// The client's line after a 334 (base64, or `*` to cancel).
    pub(super) fn respond(&mut self, line: &[u8]) -> AuthStep {
        let result = match decode_response(line) {
            Ok(bytes) => self.server.step(&bytes),
            Err(e) => match AuthFailure::from(e) {
                AuthFailure::Cancelled => self.server.cancel(),
                f => return self.next(ServerStep::Failure(f)),
            },
        };
        self.drive(result)
    }

    /// A line that could not be read (too long, bare line ending).
    pub(super) fn unreadable(&mut self, failure: AuthFailure) -> AuthStep {
        self.next(ServerStep::Failure(failure))
    }

    /// `accept()` (`custom` is `None`) or `reply(custom)` on
    /// [`super::Event::Auth`]: the verdict.
    pub(super) fn verdict(&mut self, custom: Option<Reply>) -> AuthStep {
        let ok = custom.as_ref().is_none_or(|r| r.code().is_positive());
        if !ok {
            self.failure_reply = custom.clone();
        }
        match self.server.verdict(ok) {
            Ok(ServerStep::Success(_)) => AuthStep::Success(custom),
            Ok(step) => self.next(step),
            Err(_) => AuthStep::Failure {
                failure: AuthFailure::Rejected,
                app_reply: custom,
            },
        }
    }

    /// [`ServerConnection::provide_scram_credentials`](super::ServerConnection::provide_scram_credentials).
    pub(super) fn provide_credentials(&mut self, credentials: ScramCredentials) -> AuthStep {
        self.needs_credentials = false;
        match self.server.provide_scram_credentials(credentials) {
            Ok(step) => self.next(step),
            Err(_) => failure(AuthFailure::Rejected),
        }
    }

    fn drive(&mut self, result: Result<ServerStep, crate::error::LocalError>) -> AuthStep {
        match result {
            Ok(step) => self.next(step),
            Err(_) => failure(OUT_OF_ORDER),
        }
    }

    fn next(&mut self, step: ServerStep) -> AuthStep {
        match step {
            ServerStep::Challenge(bytes) => AuthStep::Challenge(bytes),
            ServerStep::Verify(verification) => {
                self.needs_credentials =
                    matches!(verification, Verification::NeedCredentials { .. });
                AuthStep::Ask(AuthRequest {
                    mechanism: self.server.mechanism().clone(),
                    verification,
                })
            }
            ServerStep::Success(_) => AuthStep::Success(None),
            ServerStep::Failure(f) => AuthStep::Failure {
                failure: f,
                app_reply: self.failure_reply.take(),
            },
        }
    }
}

fn failure(failure: AuthFailure) -> AuthStep {
    AuthStep::Failure {
        failure,
        app_reply: None,
    }
}
