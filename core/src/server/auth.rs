//! AUTH (RFC 4954) on the server side: the machine runs the SASL exchange
//! (334 challenges, base64, `*`) with [`SaslServer`] and hands the
//! application only what it must decide.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;

use crate::auth::{
    decode_response, encode_challenge, AuthFailure, Mechanism, SaslServer, ScramCredentials,
    ServerStep, Verification, MAX_RESPONSE_LINE,
};
use crate::error::LocalError;
use crate::framing::Frame;
use crate::reply::Reply;

use super::defaults::auth_usable;
use super::events::{Event, Refusal};
use super::state::{Awaiting, Machine, Mode};

/// Longest AUTH command or SASL response line the server reads, CRLF
/// included: the one SASL line limit, [`MAX_RESPONSE_LINE`] (12288
/// octets, RFC 4954 §4), plus CRLF. The AUTH command itself should stay
/// within SMTP's 512 octets (RFC 4954 §4), and our client keeps it there,
/// but deployed clients send long initial responses (OAuth tokens) on it,
/// so it is read with the same limit.
pub(super) const AUTH_LINE_LIMIT: usize = MAX_RESPONSE_LINE + 2;

/// What the application must decide before AUTH succeeds.
///
/// Answer [`Verification::NeedCredentials`] (SCRAM-SHA-256) with
/// [`provide_scram_credentials`](super::ServerConnection::provide_scram_credentials)
/// (or a negative `reply` for an unknown user); every other kind with
/// `accept()` (credentials good: 235) or a negative `reply` (e.g. 535).
/// For CRAM-MD5 check the digest with [`crate::auth::verify_cram_md5`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthRequest {
    /// The mechanism in use.
    pub mechanism: Mechanism,
    /// What to check.
    pub verification: Verification,
}

/// One AUTH exchange in progress on the server.
#[derive(Debug)]
pub(crate) struct AuthExchange {
    server: Box<SaslServer>,
    /// The application asked for SCRAM credentials, not a verdict.
    needs_credentials: bool,
    /// The application's own failure reply, sent when the exchange ends
    /// (OAuth sends an error challenge first, RFC 7628 §3.2.2).
    failure_reply: Option<Reply>,
}

impl AuthExchange {
    /// The application was asked for SCRAM credentials, not a verdict.
    pub(super) fn needs_credentials(&self) -> bool {
        self.needs_credentials
    }
}

impl Machine {
    pub(super) fn on_auth(&mut self, mechanism: String, initial: Option<String>) {
        if self.cfg.auth_mechanisms.is_empty() {
            let reply = self.defaults().not_implemented();
            return self.refuse(Refusal::NotImplemented, reply, true);
        }
        if self.hello.is_none() || self.authenticated || self.txn.is_some() {
            // RFC 4954 §4: not before EHLO, not twice, not in a transaction.
            let reply = self.defaults().bad_sequence("Bad sequence of commands");
            return self.refuse(Refusal::BadSequence, reply, true);
        }
        if !auth_usable(&self.cfg, self.tls) {
            let reply = self.defaults().encryption_required();
            return self.refuse(Refusal::EncryptionRequired, reply, false);
        }
        let offered = self
            .cfg
            .auth_mechanisms
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&mechanism));
        let mech = Mechanism::parse(&mechanism).filter(|m| !matches!(m, Mechanism::Other(_)));
        let Some(mech) = mech.filter(|_| offered) else {
            let reply = self.defaults().unknown_mechanism();
            return self.refuse(Refusal::UnknownMechanism, reply, true);
        };
        // The challenge (CRAM-MD5) or nonce (SCRAM) must be unique per
        // exchange: the caller's nonce as given the first time, then with
        // a counter.
        self.auth_count = self.auth_count.saturating_add(1);
        let count = self.auth_count;
        let nonce = self.nonce.as_deref().map(|n| match (&mech, count) {
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
        });
        let server = match SaslServer::new(mech, nonce.as_deref()) {
            Ok(s) => match &self.cfg.oauth_error {
                Some(json) => s.with_oauth_error(json.clone()),
                None => s,
            },
            Err(_) => {
                // No nonce was provided: a temporary server-side problem.
                let reply =
                    self.defaults()
                        .with_status(454, "4.7.0", "Temporary authentication failure");
                return self.refuse(Refusal::AuthFailed, reply, false);
            }
        };
        let mut state = AuthExchange {
            server: Box::new(server),
            needs_credentials: false,
            failure_reply: None,
        };
        let decoded = match initial.as_deref().map(|s| decode_response(s.as_bytes())) {
            None => None,
            Some(Ok(bytes)) => Some(bytes),
            Some(Err(e)) => return self.auth_failed(AuthFailure::from(e), None),
        };
        match state.server.start(decoded.as_deref()) {
            Ok(step) => self.auth_step(state, step),
            Err(_) => self.auth_failed(
                AuthFailure::Malformed {
                    reason: "exchange out of order",
                },
                None,
            ),
        }
    }

    /// Reads one SASL response line. Returns whether input was used.
    pub(super) fn step_sasl(&mut self) -> bool {
        if !self.framer.is_skipping() {
            self.framer.set_limit(AUTH_LINE_LIMIT);
        }
        let frame = self.framer.next_line(&self.input);
        let decoded = match frame {
            Frame::Line { consumed, .. } => {
                let line = frame.line(&self.input).unwrap_or_default();
                let decoded = decode_response(line);
                self.drop_input(consumed);
                decoded.map_err(AuthFailure::from)
            }
            Frame::Incomplete { consumed } => {
                self.drop_input(consumed);
                return consumed > 0;
            }
            Frame::TooLong { consumed } => {
                self.drop_input(consumed);
                Err(AuthFailure::TooLong)
            }
            Frame::BareLineEnding { consumed, .. } => {
                self.drop_input(consumed);
                Err(AuthFailure::Malformed {
                    reason: "line must end with CRLF",
                })
            }
        };
        let Mode::Sasl(mut state) = core::mem::replace(&mut self.mode, Mode::Command) else {
            return true;
        };
        let step = match decoded {
            Ok(bytes) => state.server.step(&bytes),
            Err(AuthFailure::Cancelled) => state.server.cancel(),
            Err(f) => Ok(ServerStep::Failure(f)),
        };
        match step {
            Ok(step) => self.auth_step(state, step),
            Err(_) => self.auth_failed(
                AuthFailure::Malformed {
                    reason: "exchange out of order",
                },
                None,
            ),
        }
        true
    }

    /// Acts on what the SASL server wants next.
    fn auth_step(&mut self, mut state: AuthExchange, step: ServerStep) {
        match step {
            ServerStep::Challenge(bytes) => {
                // RFC 4954 §4: `334 SP [base64] CRLF`; no enhanced code on
                // a 3xx (RFC 2034 §3).
                self.out.extend_from_slice(b"334 ");
                self.out
                    .extend_from_slice(encode_challenge(&bytes).as_bytes());
                self.out.extend_from_slice(b"\r\n");
                self.mode = Mode::Sasl(state);
            }
            ServerStep::Verify(verification) => {
                state.needs_credentials =
                    matches!(verification, Verification::NeedCredentials { .. });
                let request = AuthRequest {
                    mechanism: state.server.mechanism().clone(),
                    verification,
                };
                self.mode = Mode::Sasl(state);
                self.ask(Event::Auth(request), Awaiting::Auth);
            }
            ServerStep::Success(_) => {
                let reply = self.defaults().auth_ok();
                self.send(&reply);
                self.authenticated = true;
                self.mode = Mode::Command;
            }
            ServerStep::Failure(failure) => self.auth_failed(failure, state.failure_reply),
        }
    }

    /// Ends the exchange with the application's reply, or the one RFC 4954
    /// §6 gives for `failure`.
    fn auth_failed(&mut self, failure: AuthFailure, app_reply: Option<Reply>) {
        self.mode = Mode::Command;
        if let Some(reply) = app_reply {
            return self.send(&reply);
        }
        let d = self.defaults();
        let reply = match failure {
            AuthFailure::Rejected | AuthFailure::BadProof => d.auth_invalid(),
            AuthFailure::Cancelled => d.with_status(501, "5.7.0", "Authentication cancelled"),
            ref f => d.with_status(f.reply_code(), f.enhanced_status(), &format!("{f}")),
        };
        // Protocol breakage counts as a bad command; a wrong password or a
        // cancel does not.
        let bad = !matches!(
            failure,
            AuthFailure::Rejected | AuthFailure::BadProof | AuthFailure::Cancelled
        );
        self.refuse(Refusal::AuthFailed, reply, bad);
    }

    /// Whether `accept()` can answer the pending AUTH event.
    pub(super) fn auth_accept_allowed(&self) -> bool {
        !matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials)
    }

    /// `accept()` / `reply()` on [`Event::Auth`]: the verdict.
    pub(super) fn answer_auth(&mut self, custom: Option<Reply>) {
        let Mode::Sasl(mut state) = core::mem::replace(&mut self.mode, Mode::Command) else {
            return;
        };
        let ok = custom.as_ref().is_none_or(|r| r.code().is_positive());
        if !ok {
            state.failure_reply = custom.clone();
        }
        match state.server.verdict(ok) {
            Ok(ServerStep::Success(_)) => {
                let reply = custom.unwrap_or_else(|| self.defaults().auth_ok());
                self.send(&reply);
                self.authenticated = true;
            }
            Ok(step) => self.auth_step(state, step),
            Err(_) => self.auth_failed(AuthFailure::Rejected, custom),
        }
    }

    /// [`ServerConnection::provide_scram_credentials`](super::ServerConnection::provide_scram_credentials).
    pub(super) fn scram_credentials(&mut self, creds: ScramCredentials) -> Result<(), LocalError> {
        let waiting = matches!(self.awaiting, Some(Awaiting::Auth))
            && matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials);
        if !waiting {
            return Err(self.state_error("provide_scram_credentials"));
        }
        self.awaiting = None;
        self.answered = true;
        let Mode::Sasl(mut state) = core::mem::replace(&mut self.mode, Mode::Command) else {
            return Ok(());
        };
        state.needs_credentials = false;
        match state.server.provide_scram_credentials(creds) {
            Ok(step) => self.auth_step(state, step),
            Err(_) => self.auth_failed(AuthFailure::Rejected, None),
        }
        self.advance();
        Ok(())
    }
}
