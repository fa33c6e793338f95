//! The AUTH phase (RFC 4954) on the server side: the SASL exchange (334
//! challenges, base64, `*`) run with [`SaslServer`], or, for a mechanism
//! the application runs, framed here and decided by the application step
//! by step. Each step says what the machine must do next ([`AuthStep`]);
//! the application sees only what it must decide ([`AuthRequest`], or the
//! client's decoded data at each step).

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::auth::{
    decode_response, AuthFailure, Mechanism, SaslServer, ScramCredentials, ServerStep,
    Verification, MAX_RESPONSE_LINE,
};
use crate::reply::{Reply, ReplyCode};

use super::config::ServerConfig;
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
    /// Hand the client's data to the application that runs the mechanism
    /// ([`super::Event::SaslStep`]).
    Relay { first: bool },
    /// Send the application's own 334 and read the client's line.
    Prompt(Reply),
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
    runner: Runner,
    /// The application's own failure reply, sent when the exchange ends
    /// (OAuth sends an error challenge first, RFC 7628 §3.2.2).
    failure_reply: Option<Reply>,
}

/// Who runs the mechanism.
#[derive(Debug)]
enum Runner {
    /// The machine ([`SaslServer`]); the application only gives verdicts.
    Machine {
        server: Box<SaslServer>,
        /// The application was asked for SCRAM credentials, not a verdict.
        needs_credentials: bool,
    },
    /// The application ([`ServerConfig::application_mechanisms`]); the
    /// machine only frames the exchange. `data`: the client's last data,
    /// decoded, lent while the application decides.
    Application {
        mechanism: Mechanism,
        data: Option<Vec<u8>>,
    },
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
        cfg: &ServerConfig,
        initial_response: Option<&str>,
    ) -> Option<(AuthExchange, AuthStep)> {
        let nonce = nonces.next(&mechanism);
        let server = SaslServer::new(mechanism, nonce.as_deref()).ok()?;
        let server = match cfg.oauth_error.as_deref() {
            Some(json) => server.with_oauth_error(String::from(json)),
            None => server,
        };
        let server = match &cfg.login_prompts {
            Some((user, pass)) => server.with_login_prompts(user.as_bytes(), pass.as_bytes()),
            None => server,
        };
        let mut exchange = AuthExchange {
            runner: Runner::Machine {
                server: Box::new(server),
                needs_credentials: false,
            },
            failure_reply: None,
        };
        let step = match initial_response.map(|s| decode_response(s.as_bytes())) {
            Some(Err(e)) => failure(AuthFailure::from(e)),
            Some(Ok(bytes)) => exchange.run(|s| s.start(Some(&bytes))),
            None => exchange.run(|s| s.start(None)),
        };
        Some((exchange, step))
    }

    /// Starts a mechanism the application runs: the AUTH line itself is
    /// its first step. The initial response is base64 like every later
    /// one (RFC 4954 §4), so it is decoded here, and refused here when it
    /// does not decode.
    pub(super) fn start_application(
        mechanism: Mechanism,
        initial_response: Option<&str>,
    ) -> (AuthExchange, AuthStep) {
        let (data, step) = match initial_response.map(|s| decode_response(s.as_bytes())) {
            Some(Err(e)) => (None, failure(AuthFailure::from(e))),
            Some(Ok(bytes)) => (Some(bytes), AuthStep::Relay { first: true }),
            None => (None, AuthStep::Relay { first: true }),
        };
        let exchange = AuthExchange {
            runner: Runner::Application { mechanism, data },
            failure_reply: None,
        };
        (exchange, step)
    }

    /// The application was asked for SCRAM credentials, not a verdict.
    pub(super) fn needs_credentials(&self) -> bool {
        matches!(
            self.runner,
            Runner::Machine {
                needs_credentials: true,
                ..
            }
        )
    }

    /// The mechanism the application runs, if it runs this one.
    pub(super) fn application_mechanism(&self) -> Option<&Mechanism> {
        match &self.runner {
            Runner::Application { mechanism, .. } => Some(mechanism),
            Runner::Machine { .. } => None,
        }
    }

    /// The client's data for the application's step, decoded.
    pub(super) fn application_data(&self) -> Option<&[u8]> {
        match &self.runner {
            Runner::Application { data, .. } => data.as_deref(),
            Runner::Machine { .. } => None,
        }
    }

    /// The client's line after a 334 (base64, or `*` to cancel).
    pub(super) fn respond(&mut self, line: &[u8]) -> AuthStep {
        let decoded = decode_response(line).map_err(AuthFailure::from);
        match (&mut self.runner, decoded) {
            (Runner::Application { data, .. }, Ok(bytes)) => {
                *data = Some(bytes);
                AuthStep::Relay { first: false }
            }
            // RFC 4954 §4: `*` cancels; the machine answers 501 whoever
            // runs the mechanism.
            (Runner::Application { .. }, Err(f)) => failure(f),
            (Runner::Machine { .. }, Ok(bytes)) => self.run(|s| s.step(&bytes)),
            (Runner::Machine { .. }, Err(AuthFailure::Cancelled)) => self.run(SaslServer::cancel),
            (Runner::Machine { .. }, Err(f)) => self.next(ServerStep::Failure(f)),
        }
    }

    /// A line that could not be read (too long, bare line ending).
    pub(super) fn unreadable(&mut self, failure: AuthFailure) -> AuthStep {
        self.next(ServerStep::Failure(failure))
    }

    /// `accept()` (`custom` is `None`) or `reply(custom)` on
    /// [`super::Event::Auth`] (the verdict) or [`super::Event::SaslStep`]
    /// (the application's step: a 334 asks for more, a 235 or `accept()`
    /// authenticates, anything else fails).
    pub(super) fn verdict(&mut self, custom: Option<Reply>) -> AuthStep {
        let ok = custom.as_ref().is_none_or(|r| r.code().is_positive());
        if let Runner::Application { data, .. } = &mut self.runner {
            *data = None;
            return match custom {
                Some(r) if r.code() == ReplyCode::AUTH_CONTINUE => AuthStep::Prompt(r),
                custom if ok => AuthStep::Success(custom),
                app_reply => AuthStep::Failure {
                    failure: AuthFailure::Rejected,
                    app_reply,
                },
            };
        }
        if !ok {
            self.failure_reply = custom.clone();
        }
        let Runner::Machine { server, .. } = &mut self.runner else {
            return failure(OUT_OF_ORDER);
        };
        match server.verdict(ok) {
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
        let Runner::Machine {
            server,
            needs_credentials,
        } = &mut self.runner
        else {
            return failure(OUT_OF_ORDER);
        };
        *needs_credentials = false;
        match server.provide_scram_credentials(credentials) {
            Ok(step) => self.next(step),
            Err(_) => failure(AuthFailure::Rejected),
        }
    }

    /// Runs one call of the machine's SASL server.
    fn run(
        &mut self,
        call: impl FnOnce(&mut SaslServer) -> Result<ServerStep, crate::error::LocalError>,
    ) -> AuthStep {
        let Runner::Machine { server, .. } = &mut self.runner else {
            return failure(OUT_OF_ORDER);
        };
        match call(server) {
            Ok(step) => self.next(step),
            Err(_) => failure(OUT_OF_ORDER),
        }
    }

    fn next(&mut self, step: ServerStep) -> AuthStep {
        match step {
            ServerStep::Challenge(bytes) => AuthStep::Challenge(bytes),
            ServerStep::Verify(verification) => {
                let Runner::Machine {
                    server,
                    needs_credentials,
                } = &mut self.runner
                else {
                    return failure(OUT_OF_ORDER);
                };
                *needs_credentials = matches!(verification, Verification::NeedCredentials { .. });
                AuthStep::Ask(AuthRequest {
                    mechanism: server.mechanism().clone(),
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
