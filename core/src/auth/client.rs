//! The client side of one SASL exchange.

use alloc::vec::Vec;

use super::scram_client::ScramClient;
use super::{cram_md5, oauth, plain, AuthError, Credentials, Mechanism};

/// Most `334` challenges one exchange answers. SCRAM, the longest exchange
/// here, needs 2 (3 if the server omits SASL-IR, RFC 4422 §5); a server that
/// keeps challenging is looping (Python's smtplib stops after 5).
pub const MAX_CLIENT_CHALLENGES: usize = 4;

enum Kind {
    /// PLAIN, XOAUTH2, OAUTHBEARER: one message, sent as the initial
    /// response or after an empty first challenge.
    /// `error_ack` answers one challenge after the message: the server's
    /// OAuth JSON error (RFC 7628 §3.2.3); `None` for PLAIN.
    OneShot {
        message: Vec<u8>,
        sent: bool,
        error_ack: Option<Vec<u8>>,
    },
    /// `step` counts the messages sent; `username_first` sends the
    /// username as the initial response (what Python's smtplib does).
    Login {
        step: u8,
        username_first: bool,
    },
    CramMd5 {
        answered: bool,
    },
    Scram(ScramClient),
}

/// One client exchange, over decoded bytes.
///
/// Send `AUTH <name> <encode_response(initial_response)>` (or plain
/// `AUTH <name>` when there is none), answer each `334` with
/// [`SaslClient::respond`] on the [`super::decode_challenge`]d text, and on
/// `235` call [`SaslClient::finish`]. On any `Err`, cancel with `*`
/// (RFC 4954 §4).
pub struct SaslClient {
    mechanism: Mechanism,
    kind: Kind,
    creds: Credentials,
    challenges: usize,
}

impl core::fmt::Debug for SaslClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SaslClient")
            .field("mechanism", &self.mechanism)
            .field("challenges", &self.challenges)
            .finish_non_exhaustive()
    }
}

fn mismatch(reason: &'static str) -> AuthError {
    AuthError::CredentialsMismatch { reason }
}

impl SaslClient {
    /// Prepares an exchange. `client_nonce` is required for SCRAM (RFC 5802
    /// §5.1: printable ASCII without `,`, fresh and unpredictable: at least
    /// 18 random octets base64-encoded is customary) and ignored otherwise.
    ///
    /// Errors: [`AuthError::CredentialsMismatch`] when the secret's kind does
    /// not fit or a field would break the format (NUL in PLAIN, `^A` in
    /// OAuth), [`AuthError::InvalidNonce`], and
    /// [`AuthError::UnsupportedMechanism`] for [`Mechanism::Other`].
    pub fn new(
        mechanism: Mechanism,
        creds: Credentials,
        client_nonce: Option<&str>,
    ) -> Result<Self, AuthError> {
        let password = creds.password_str();
        let token = creds.token_str();
        let need_password = || password.ok_or(mismatch("this mechanism needs a password"));
        let need_token = || token.ok_or(mismatch("this mechanism needs a bearer token"));
        let kind = match &mechanism {
            Mechanism::Plain => Kind::OneShot {
                message: plain::encode(creds.authzid.as_deref(), &creds.username, need_password()?)
                    .ok_or(mismatch("PLAIN fields must be non-empty and free of NUL"))?,
                sent: false,
                error_ack: None,
            },
            Mechanism::Login => {
                need_password()?;
                Kind::Login {
                    step: 0,
                    username_first: false,
                }
            }
            Mechanism::CramMd5 => {
                need_password()?;
                Kind::CramMd5 { answered: false }
            }
            Mechanism::XOAuth2 => Kind::OneShot {
                message: oauth::encode_xoauth2(&creds.username, need_token()?)
                    .ok_or(mismatch("OAuth fields must not contain ^A, CR, LF or NUL"))?,
                sent: false,
                // Google answers a failure with a JSON challenge and expects
                // an empty response.
                error_ack: Some(Vec::new()),
            },
            Mechanism::OAuthBearer => Kind::OneShot {
                message: oauth::encode_oauthbearer(
                    Some(creds.username.as_str()).filter(|u| !u.is_empty()),
                    creds.host.as_deref(),
                    creds.port,
                    need_token()?,
                )
                .ok_or(mismatch("OAuth fields must not contain ^A, CR, LF or NUL"))?,
                sent: false,
                // RFC 7628 §3.2.3: the dummy response is a single ^A.
                error_ack: Some(alloc::vec![0x01]),
            },
            Mechanism::ScramSha256 => Kind::Scram(ScramClient::new(
                &creds.username,
                need_password()?,
                creds.authzid.as_deref(),
                client_nonce.ok_or(AuthError::InvalidNonce)?,
            )?),
            Mechanism::Other(_) => return Err(AuthError::UnsupportedMechanism),
        };
        Ok(SaslClient {
            mechanism,
            kind,
            creds,
            challenges: 0,
        })
    }

    /// The mechanism, for the `AUTH` command.
    #[must_use]
    pub fn mechanism(&self) -> &Mechanism {
        &self.mechanism
    }

    /// LOGIN only: send the username as the initial response (`AUTH LOGIN
    /// <b64 username>`, then the password answers the one `334`), which is
    /// what Python's smtplib `login()` puts on the wire. The draft defines
    /// no initial response, but servers commonly accept it (and
    /// [`super::SaslServer`] does). No effect for other mechanisms.
    #[must_use]
    pub fn with_initial_username(mut self) -> Self {
        if let Kind::Login { username_first, .. } = &mut self.kind {
            *username_first = true;
        }
        self
    }

    /// The initial response to put on the `AUTH` line (RFC 4954 §4), once;
    /// `None` for LOGIN and CRAM-MD5, which start with a server challenge,
    /// and on any later call. Encode it with [`super::encode_response`] (an
    /// empty one is `=`). If the line would exceed the server's limit, skip
    /// this call: the first [`SaslClient::respond`] then sends it.
    #[must_use]
    pub fn initial_response(&mut self) -> Option<Vec<u8>> {
        if self.challenges > 0 {
            return None;
        }
        match &mut self.kind {
            Kind::OneShot { message, sent, .. } if !*sent => {
                *sent = true;
                Some(message.clone())
            }
            Kind::Scram(s) if !s.started() => Some(s.client_first()),
            Kind::Login {
                step: step @ 0,
                username_first: true,
            } => {
                *step = 1;
                Some(self.creds.username.clone().into_bytes())
            }
            _ => None,
        }
    }

    /// Answers one decoded `334` challenge. Send the response with
    /// [`super::encode_continuation`] (an empty one is the empty line, not
    /// `=`).
    ///
    /// * LOGIN: the first challenge gets the username, the second the
    ///   password, whatever their text (as Python's smtplib).
    /// * CRAM-MD5: `user SP hex(HMAC-MD5(password, challenge))` (RFC 2195).
    /// * OAUTHBEARER: a challenge after the initial response is the
    ///   server's JSON error; the answer is `^A` (RFC 7628 §3.2.3); XOAUTH2
    ///   answers it with an empty response. The `535` follows.
    /// * SCRAM: server-first gets client-final; server-final (`v=`) is
    ///   checked and answered with an empty response (RFC 4954 §4 carries it
    ///   in a `334`).
    ///
    /// Errors are final for this exchange: cancel with `*`.
    /// [`AuthError::TooManyChallenges`] after [`MAX_CLIENT_CHALLENGES`].
    pub fn respond(&mut self, challenge: &[u8]) -> Result<Vec<u8>, AuthError> {
        self.challenges = self.challenges.saturating_add(1);
        if self.challenges > MAX_CLIENT_CHALLENGES {
            return Err(AuthError::TooManyChallenges);
        }
        match &mut self.kind {
            Kind::OneShot {
                message,
                sent,
                error_ack,
            } => {
                if !*sent {
                    // RFC 4422 §5: the initial response was not sent; the
                    // server's (empty) challenge asks for it.
                    *sent = true;
                    return Ok(message.clone());
                }
                error_ack.take().ok_or(AuthError::UnexpectedChallenge)
            }
            Kind::Login { step, .. } => {
                *step = step.saturating_add(1);
                match (*step, self.creds.password_str()) {
                    (1, _) => Ok(self.creds.username.clone().into_bytes()),
                    (2, Some(p)) => Ok(p.as_bytes().to_vec()),
                    _ => Err(AuthError::UnexpectedChallenge),
                }
            }
            Kind::CramMd5 { answered } => match (*answered, self.creds.password_str()) {
                (false, Some(p)) => {
                    *answered = true;
                    Ok(cram_md5::respond(&self.creds.username, p, challenge))
                }
                _ => Err(AuthError::UnexpectedChallenge),
            },
            Kind::Scram(s) => s.respond(challenge),
        }
    }

    /// Call on `235`. `Err(ServerSignatureMismatch)` for SCRAM when the
    /// server never proved it knows the password: treat the session as
    /// unauthenticated (RFC 5802 §5 mutual authentication) and close it.
    pub fn finish(&self) -> Result<(), AuthError> {
        match &self.kind {
            Kind::Scram(s) if !s.is_verified() => Err(AuthError::ServerSignatureMismatch),
            _ => Ok(()),
        }
    }
}
