//! The server side of one SASL exchange.

use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::scram_server::{parse_client_first, server_first, ClientFirst, Exchange};
use super::{
    cram_md5, login, oauth, plain, AuthError, AuthFailure, Mechanism, ScramCredentials,
    MAX_DECODED_RESPONSE,
};
use crate::error::{LocalError, SessionState};

/// What the server machine does next.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerStep {
    /// Send `334 <encode_challenge(bytes)>` and pass the next response line
    /// (after [`super::decode_response`]) to [`SaslServer::step`].
    Challenge(Vec<u8>),
    /// Ask the application; answer with [`SaslServer::verdict`] or, for
    /// [`Verification::NeedCredentials`], [`SaslServer::provide_scram_credentials`].
    Verify(Verification),
    /// Authenticated: reply `235 2.7.0`. The data is always `None` here:
    /// SMTP has no success-with-data (RFC 4954 §4), so SCRAM's
    /// server-final goes out as a last `Challenge` first.
    Success(Option<Vec<u8>>),
    /// Failed: reply with [`AuthFailure::reply_code`].
    Failure(AuthFailure),
}

/// What the application must check.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verification {
    /// PLAIN (RFC 4616 §2): check the password of `username`, and that it
    /// may act as `authzid` when present.
    Plain {
        /// Identity to act as; `None` means `username` itself.
        authzid: Option<String>,
        /// Authentication identity.
        username: String,
        /// Password.
        password: String,
    },
    /// LOGIN: check the password.
    Login {
        /// Authentication identity.
        username: String,
        /// Password.
        password: String,
    },
    /// CRAM-MD5 (RFC 2195): check with [`super::verify_cram_md5`]`(secret,
    /// &challenge, &digest)`.
    CramMd5 {
        /// Authentication identity.
        username: String,
        /// The challenge this server sent.
        challenge: Vec<u8>,
        /// The client's HMAC-MD5, 16 raw octets.
        digest: Vec<u8>,
    },
    /// XOAUTH2 / OAUTHBEARER: validate the bearer token for `username`.
    OAuth {
        /// XOAUTH2's `user=` (always present) or OAUTHBEARER's gs2 `a=`.
        username: Option<String>,
        /// The bearer token.
        token: String,
    },
    /// SCRAM after client-first: look up `username`'s stored
    /// [`ScramCredentials`] and pass them to
    /// [`SaslServer::provide_scram_credentials`]. For an unknown user either
    /// call `verdict(false)` or, to hide which users exist (RFC 5802 §9),
    /// provide made-up credentials; the proof will then fail.
    NeedCredentials {
        /// Identity to act as, from the gs2 header.
        authzid: Option<String>,
        /// Authentication identity (saslname unescaped).
        username: String,
    },
}

impl fmt::Debug for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Passwords and tokens stay out of logs.
        match self {
            Verification::Plain {
                authzid, username, ..
            } => f
                .debug_struct("Plain")
                .field("authzid", authzid)
                .field("username", username)
                .finish_non_exhaustive(),
            Verification::Login { username, .. } => f
                .debug_struct("Login")
                .field("username", username)
                .finish_non_exhaustive(),
            Verification::CramMd5 {
                username,
                challenge,
                ..
            } => f
                .debug_struct("CramMd5")
                .field("username", username)
                .field("challenge", challenge)
                .finish_non_exhaustive(),
            Verification::OAuth { username, .. } => f
                .debug_struct("OAuth")
                .field("username", username)
                .finish_non_exhaustive(),
            Verification::NeedCredentials { authzid, username } => f
                .debug_struct("NeedCredentials")
                .field("authzid", authzid)
                .field("username", username)
                .finish(),
        }
    }
}

enum State {
    Start,
    /// Waiting for the single message of PLAIN / XOAUTH2 / OAUTHBEARER.
    OneShot,
    LoginUser,
    LoginPassword(String),
    Cram,
    ScramFirst,
    ScramCredentials(Box<ClientFirst>),
    ScramFinal(Box<Exchange>),
    /// server-final went out in a 334; waiting for the empty response.
    ScramAck,
    /// Waiting for the application's verdict.
    Verdict,
    /// The OAuth error went out; waiting for the client's dummy response.
    OAuthErrorAck,
    Done,
}

/// One server exchange, over decoded bytes.
///
/// Call [`SaslServer::start`] with the `AUTH` line's initial response, then
/// act on each [`ServerStep`]: [`SaslServer::step`] after a `Challenge`,
/// [`SaslServer::verdict`] or [`SaslServer::provide_scram_credentials`]
/// after a `Verify`; `Success` and `Failure` end it. Calling a method in the
/// wrong phase returns [`LocalError::InvalidState`] and changes nothing.
pub struct SaslServer {
    mechanism: Mechanism,
    /// CRAM-MD5 challenge or SCRAM server nonce.
    nonce: String,
    oauth_error: String,
    state: State,
}

impl fmt::Debug for SaslServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SaslServer")
            .field("mechanism", &self.mechanism)
            .finish_non_exhaustive()
    }
}

fn invalid(call: &'static str, state: &State) -> LocalError {
    let state = match state {
        State::Start => SessionState::Idle,
        State::Verdict => SessionState::AwaitingAuthVerdict,
        State::ScramCredentials(_) => SessionState::AwaitingScramCredentials,
        State::Done => SessionState::Finished,
        _ => SessionState::Auth,
    };
    LocalError::InvalidState { call, state }
}

impl SaslServer {
    /// Prepares an exchange for `mechanism`. `nonce` is required for
    /// CRAM-MD5 (the whole challenge, e.g. `<1896.697170952@host>`, RFC 2195
    /// §2: unique per exchange) and SCRAM-SHA-256 (the server's part of the
    /// nonce, printable ASCII without `,`, RFC 5802 §7), ignored otherwise.
    ///
    /// Errors: [`AuthError::InvalidNonce`], or
    /// [`AuthError::UnsupportedMechanism`] for [`Mechanism::Other`].
    pub fn new(mechanism: Mechanism, nonce: Option<&str>) -> Result<Self, AuthError> {
        let nonce = match &mechanism {
            Mechanism::CramMd5 => nonce
                .filter(|n| !n.is_empty())
                .ok_or(AuthError::InvalidNonce)?,
            Mechanism::ScramSha256 => nonce
                .filter(|n| super::scram::is_valid_nonce(n))
                .ok_or(AuthError::InvalidNonce)?,
            Mechanism::Other(_) => return Err(AuthError::UnsupportedMechanism),
            _ => "",
        };
        Ok(SaslServer {
            mechanism,
            nonce: String::from(nonce),
            oauth_error: String::from(oauth::DEFAULT_OAUTH_ERROR),
            state: State::Start,
        })
    }

    /// Replaces [`super::DEFAULT_OAUTH_ERROR`], the JSON sent when the
    /// application rejects a token (RFC 7628 §3.2.2).
    #[must_use]
    pub fn with_oauth_error(mut self, json: impl Into<String>) -> Self {
        self.oauth_error = json.into();
        self
    }

    /// The mechanism.
    #[must_use]
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// Whether the exchange ended (after `Success` or `Failure`).
    #[must_use]
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done)
    }

    /// Begins with the `AUTH` command's decoded initial response (`None`
    /// when absent; `=` decodes to `Some(&[])`).
    pub fn start(&mut self, initial_response: Option<&[u8]>) -> Result<ServerStep, LocalError> {
        if !matches!(self.state, State::Start) {
            return Err(invalid("SaslServer::start", &self.state));
        }
        let (next, waiting) = match self.mechanism {
            Mechanism::Plain | Mechanism::XOAuth2 | Mechanism::OAuthBearer => {
                (State::OneShot, Vec::new())
            }
            // Python's smtplib sends the username as LOGIN's initial response.
            Mechanism::Login => (State::LoginUser, login::USERNAME_PROMPT.to_vec()),
            Mechanism::CramMd5 => {
                if initial_response.is_some() {
                    // RFC 4954 §4: the server speaks first in CRAM-MD5.
                    return Ok(self.fail(AuthFailure::UnexpectedInitialResponse));
                }
                (State::Cram, self.nonce.as_bytes().to_vec())
            }
            Mechanism::ScramSha256 => (State::ScramFirst, Vec::new()),
            Mechanism::Other(_) => {
                return Ok(self.fail(AuthFailure::Malformed {
                    reason: "mechanism not implemented",
                }))
            }
        };
        self.state = next;
        match initial_response {
            Some(r) => Ok(self.handle(r)),
            // RFC 4422 §5: no initial response: an empty challenge asks for it
            // (or the mechanism's own first challenge).
            None => Ok(ServerStep::Challenge(waiting)),
        }
    }

    /// Handles one decoded client response after a `Challenge`. The machine
    /// maps a `*` line or undecodable base64 itself (via
    /// `AuthFailure::from(decode_response(..) error)`) or calls
    /// [`SaslServer::cancel`].
    pub fn step(&mut self, response: &[u8]) -> Result<ServerStep, LocalError> {
        match self.state {
            State::Start | State::Verdict | State::ScramCredentials(_) | State::Done => {
                Err(invalid("SaslServer::step", &self.state))
            }
            _ => Ok(self.handle(response)),
        }
    }

    /// The application's answer to `Verify`; after `NeedCredentials` only
    /// `false` (unknown user) is valid. For OAuth a rejection first
    /// sends the JSON error as a challenge (RFC 7628 §3.2.2) and fails after
    /// the client's dummy response.
    pub fn verdict(&mut self, ok: bool) -> Result<ServerStep, LocalError> {
        match self.state {
            State::Verdict => {}
            State::ScramCredentials(_) if !ok => return Ok(self.fail(AuthFailure::Rejected)),
            _ => return Err(invalid("SaslServer::verdict", &self.state)),
        }
        if ok {
            self.state = State::Done;
            return Ok(ServerStep::Success(None));
        }
        if matches!(self.mechanism, Mechanism::XOAuth2 | Mechanism::OAuthBearer) {
            self.state = State::OAuthErrorAck;
            return Ok(ServerStep::Challenge(self.oauth_error.as_bytes().to_vec()));
        }
        Ok(self.fail(AuthFailure::Rejected))
    }

    /// The stored credentials after `Verify(NeedCredentials)`; returns the
    /// server-first challenge.
    pub fn provide_scram_credentials(
        &mut self,
        creds: ScramCredentials,
    ) -> Result<ServerStep, LocalError> {
        let State::ScramCredentials(first) = &self.state else {
            return Err(invalid(
                "SaslServer::provide_scram_credentials",
                &self.state,
            ));
        };
        let first = (**first).clone();
        let (msg, exchange) = server_first(first, &self.nonce, creds);
        self.state = State::ScramFinal(Box::new(exchange));
        Ok(ServerStep::Challenge(msg))
    }

    /// The client sent `*` (RFC 4954 §4: reply 501).
    pub fn cancel(&mut self) -> Result<ServerStep, LocalError> {
        if matches!(self.state, State::Done) {
            return Err(invalid("SaslServer::cancel", &self.state));
        }
        Ok(self.fail(AuthFailure::Cancelled))
    }

    fn fail(&mut self, failure: AuthFailure) -> ServerStep {
        self.state = State::Done;
        ServerStep::Failure(failure)
    }

    fn verify(&mut self, v: Verification) -> ServerStep {
        self.state = State::Verdict;
        ServerStep::Verify(v)
    }

    /// One client message in a waiting state.
    fn handle(&mut self, msg: &[u8]) -> ServerStep {
        if msg.len() > MAX_DECODED_RESPONSE {
            return self.fail(AuthFailure::TooLong);
        }
        let malformed = |reason| AuthFailure::Malformed { reason };
        match core::mem::replace(&mut self.state, State::Done) {
            State::OneShot => {
                let parsed = match self.mechanism {
                    Mechanism::Plain => {
                        plain::parse(msg).map(|(authzid, username, password)| Verification::Plain {
                            authzid,
                            username,
                            password,
                        })
                    }
                    Mechanism::XOAuth2 => {
                        oauth::parse_xoauth2(msg).map(|(u, token)| Verification::OAuth {
                            username: Some(u),
                            token,
                        })
                    }
                    _ => oauth::parse_oauthbearer(msg)
                        .map(|(username, token)| Verification::OAuth { username, token }),
                };
                match parsed {
                    Ok(v) => self.verify(v),
                    Err(reason) => self.fail(malformed(reason)),
                }
            }
            State::LoginUser => match core::str::from_utf8(msg) {
                Ok(u) if !u.is_empty() => {
                    self.state = State::LoginPassword(String::from(u));
                    ServerStep::Challenge(login::PASSWORD_PROMPT.to_vec())
                }
                _ => self.fail(malformed("LOGIN username is empty or not UTF-8")),
            },
            State::LoginPassword(username) => match core::str::from_utf8(msg) {
                Ok(p) => self.verify(Verification::Login {
                    username,
                    password: String::from(p),
                }),
                Err(_) => self.fail(malformed("LOGIN password is not UTF-8")),
            },
            State::Cram => match cram_md5::parse(msg) {
                Ok((username, digest)) => self.verify(Verification::CramMd5 {
                    username,
                    challenge: self.nonce.as_bytes().to_vec(),
                    digest,
                }),
                Err(reason) => self.fail(malformed(reason)),
            },
            State::ScramFirst => match parse_client_first(msg) {
                Ok(first) => {
                    let v = Verification::NeedCredentials {
                        authzid: first.authzid.clone(),
                        username: first.username.clone(),
                    };
                    self.state = State::ScramCredentials(Box::new(first));
                    ServerStep::Verify(v)
                }
                Err(f) => self.fail(f),
            },
            State::ScramFinal(exchange) => match exchange.client_final(msg) {
                Ok(server_final) => {
                    self.state = State::ScramAck;
                    ServerStep::Challenge(server_final)
                }
                Err(f) => self.fail(f),
            },
            State::ScramAck if msg.is_empty() => {
                self.state = State::Done;
                ServerStep::Success(None)
            }
            State::ScramAck => self.fail(malformed("SCRAM expects an empty last response")),
            // RFC 7628 §3.2.3: whatever the client answers, the exchange fails.
            State::OAuthErrorAck => self.fail(AuthFailure::Rejected),
            // `step` filters the other states out before calling here.
            State::Start | State::Verdict | State::ScramCredentials(_) | State::Done => {
                self.fail(malformed("no response expected"))
            }
        }
    }
}
