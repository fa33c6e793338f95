//! Mechanism names, credentials and the client's choice of mechanism.

use alloc::string::String;
use core::fmt;

/// A SASL mechanism as named in EHLO's `AUTH` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Mechanism {
    /// `PLAIN` (RFC 4616).
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login; what Outlook and smtplib speak).
    Login,
    /// `CRAM-MD5` (RFC 2195).
    CramMd5,
    /// `XOAUTH2` (Google's pre-standard OAuth 2.0 mechanism).
    XOAuth2,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
    /// `SCRAM-SHA-256` (RFC 7677, RFC 5802), without channel binding.
    ScramSha256,
    /// Any other mechanism, upper-cased; the caller drives its exchange.
    Other(String),
}

impl Mechanism {
    /// The registered name, upper case.
    #[must_use]
    pub fn name(&self) -> &str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
            Mechanism::CramMd5 => "CRAM-MD5",
            Mechanism::XOAuth2 => "XOAUTH2",
            Mechanism::OAuthBearer => "OAUTHBEARER",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::Other(name) => name,
        }
    }

    /// Parses a name from EHLO or an `AUTH` command, case-insensitively.
    /// `None` unless it is a valid SASL mechanism name (RFC 4422 §3.1: 1 to
    /// 20 of `A-Z 0-9 - _`), so an [`Mechanism::Other`] never carries
    /// spaces or line breaks onto the wire.
    #[must_use]
    pub fn parse(name: &str) -> Option<Mechanism> {
        // RFC 4422 §3.1: sasl-mech = 1*20mech-char.
        const MAX_MECH_NAME: usize = 20;
        let valid_char = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
        if name.is_empty() || name.len() > MAX_MECH_NAME || !name.bytes().all(valid_char) {
            return None;
        }
        let upper = name.to_ascii_uppercase();
        Some(match upper.as_str() {
            "PLAIN" => Mechanism::Plain,
            "LOGIN" => Mechanism::Login,
            "CRAM-MD5" => Mechanism::CramMd5,
            "XOAUTH2" => Mechanism::XOAuth2,
            "OAUTHBEARER" => Mechanism::OAuthBearer,
            "SCRAM-SHA-256" => Mechanism::ScramSha256,
            _ => Mechanism::Other(upper),
        })
    }

    /// Whether the mechanism authenticates with a password (`Some(true)`),
    /// a bearer token (`Some(false)`), or is caller-driven (`None`).
    #[must_use]
    pub fn uses_password(&self) -> Option<bool> {
        match self {
            Mechanism::Plain | Mechanism::Login | Mechanism::CramMd5 | Mechanism::ScramSha256 => {
                Some(true)
            }
            Mechanism::XOAuth2 | Mechanism::OAuthBearer => Some(false),
            Mechanism::Other(_) => None,
        }
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Strongest first: SCRAM-SHA-256 (never reveals the password, proves the
/// server), CRAM-MD5 (hides the password), PLAIN, LOGIN; for tokens
/// OAUTHBEARER (the standard) before XOAUTH2.
pub const DEFAULT_PREFERENCE: &[Mechanism] = &[
    Mechanism::ScramSha256,
    Mechanism::CramMd5,
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::OAuthBearer,
    Mechanism::XOAuth2,
];

/// The order Python's `smtplib.SMTP.login()` tries (CRAM-MD5, PLAIN, LOGIN).
pub const PYTHON_SMTPLIB_PREFERENCE: &[Mechanism] =
    &[Mechanism::CramMd5, Mechanism::Plain, Mechanism::Login];

/// The secret half of [`Credentials`].
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Secret {
    /// A password, for PLAIN, LOGIN, CRAM-MD5, SCRAM.
    Password(String),
    /// An OAuth 2.0 bearer token (RFC 6750), for OAUTHBEARER and XOAUTH2.
    BearerToken(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never print the secret itself (logs, panics in callers' tests).
        match self {
            Secret::Password(_) => f.write_str("Password(<redacted>)"),
            Secret::BearerToken(_) => f.write_str("BearerToken(<redacted>)"),
        }
    }
}

/// Who the client is and how it proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication identity (`authcid`; OAuth: the user).
    pub username: String,
    /// Password or bearer token.
    pub secret: Secret,
    /// Authorization identity to act as, if different (PLAIN's `authzid`,
    /// SCRAM's gs2 `a=`); OAUTHBEARER puts [`Credentials::username`] there.
    pub authzid: Option<String>,
    /// OAUTHBEARER's `host` kvpair (RFC 7628 §3.1), if known.
    pub host: Option<String>,
    /// OAUTHBEARER's `port` kvpair (RFC 7628 §3.1), if known.
    pub port: Option<u16>,
}

impl Credentials {
    /// Username and password.
    #[must_use]
    pub fn password(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            secret: Secret::Password(password.into()),
            authzid: None,
            host: None,
            port: None,
        }
    }

    /// Username and OAuth 2.0 bearer token.
    #[must_use]
    pub fn bearer(username: impl Into<String>, token: impl Into<String>) -> Self {
        Credentials {
            username: username.into(),
            secret: Secret::BearerToken(token.into()),
            authzid: None,
            host: None,
            port: None,
        }
    }

    /// Sets the authorization identity.
    #[must_use]
    pub fn with_authzid(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = Some(authzid.into());
        self
    }

    /// Sets OAUTHBEARER's `host` and `port` kvpairs.
    #[must_use]
    pub fn with_host_port(mut self, host: impl Into<String>, port: u16) -> Self {
        self.host = Some(host.into());
        self.port = Some(port);
        self
    }

    pub(crate) fn password_str(&self) -> Option<&str> {
        match &self.secret {
            Secret::Password(p) => Some(p),
            Secret::BearerToken(_) => None,
        }
    }

    pub(crate) fn token_str(&self) -> Option<&str> {
        match &self.secret {
            Secret::BearerToken(t) => Some(t),
            Secret::Password(_) => None,
        }
    }
}

/// The first mechanism in `preference` that the server advertised
/// (`server_mechs`, compared case-insensitively) and that fits `creds`
/// (passwords for PLAIN/LOGIN/CRAM-MD5/SCRAM, tokens for the OAuth ones;
/// an [`Mechanism::Other`] fits any, the caller drives it).
#[must_use]
pub fn choose<S: AsRef<str>>(
    server_mechs: &[S],
    preference: &[Mechanism],
    creds: &Credentials,
) -> Option<Mechanism> {
    let has_password = matches!(creds.secret, Secret::Password(_));
    preference
        .iter()
        .filter(|m| m.uses_password().is_none_or(|p| p == has_password))
        .find(|m| {
            server_mechs
                .iter()
                .any(|s| s.as_ref().eq_ignore_ascii_case(m.name()))
        })
        .cloned()
}

#[cfg(test)]
mod tests;
