//! What can go wrong in an exchange, seen from each side.

use alloc::string::String;
use core::fmt;

/// Why a client exchange (or a base64 line) failed. After any of these the
/// client machine cancels with `*` (RFC 4954 §4) or, once the server said
/// `235`, must not trust the server ([`AuthError::ServerSignatureMismatch`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// A challenge or response is not valid base64 (RFC 4954 §4).
    InvalidBase64,
    /// A response line is longer than [`super::MAX_RESPONSE_LINE`].
    ResponseTooLong,
    /// The client sent `*` (RFC 4954 §4).
    Cancelled,
    /// A challenge broke the mechanism's grammar.
    MalformedChallenge {
        /// What was wrong.
        reason: &'static str,
    },
    /// A challenge arrived when the mechanism expects none.
    UnexpectedChallenge,
    /// More than [`super::MAX_CLIENT_CHALLENGES`] challenges.
    TooManyChallenges,
    /// The SCRAM server's signature (`v=`) is wrong, or the server reported
    /// success without sending one: it does not know the password
    /// (RFC 5802 §5 "mutual authentication").
    ServerSignatureMismatch,
    /// The SCRAM server sent `e=` (RFC 5802 §7 `server-error`).
    ServerError {
        /// The server's error value, e.g. `invalid-proof`.
        message: String,
    },
    /// The credentials do not fit the mechanism (a token for PLAIN, a
    /// password for XOAUTH2, or a value that would break the wire format).
    CredentialsMismatch {
        /// What does not fit.
        reason: &'static str,
    },
    /// SCRAM needs a client nonce of printable ASCII without `,`
    /// (RFC 5802 §7 `c-nonce`).
    InvalidNonce,
    /// The mechanism is [`super::Mechanism::Other`] or not implemented on
    /// this side: the caller drives it itself.
    UnsupportedMechanism,
}

impl AuthError {
    /// A short, static description (what `RemoteError::Auth` carries).
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::InvalidBase64 => "invalid base64",
            AuthError::ResponseTooLong => "response line too long",
            AuthError::Cancelled => "exchange cancelled",
            AuthError::MalformedChallenge { reason } => reason,
            AuthError::UnexpectedChallenge => "unexpected challenge",
            AuthError::TooManyChallenges => "too many challenges",
            AuthError::ServerSignatureMismatch => "server signature missing or wrong",
            AuthError::ServerError { .. } => "server reported a SCRAM error",
            AuthError::CredentialsMismatch { reason } => reason,
            AuthError::InvalidNonce => "invalid client nonce",
            AuthError::UnsupportedMechanism => "mechanism not implemented",
        }
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::ServerError { message } => write!(f, "SCRAM server error: {message}"),
            AuthError::MalformedChallenge { reason } => write!(f, "malformed challenge: {reason}"),
            other => f.write_str(other.reason()),
        }
    }
}

impl core::error::Error for AuthError {}

/// Why a server exchange failed; each maps to the reply RFC 4954 §6 gives.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// The client's message broke the mechanism's grammar (501 5.5.2).
    Malformed {
        /// What was wrong.
        reason: &'static str,
    },
    /// The response was not base64 (RFC 4954 §4: 501 5.5.2).
    InvalidBase64,
    /// The response was longer than the limit (RFC 4954 §4: 500 5.5.6).
    TooLong,
    /// The client sent `*` (RFC 4954 §4: 501).
    Cancelled,
    /// An initial response for a mechanism where the server speaks first
    /// (RFC 4954 §4: 501 5.7.0).
    UnexpectedInitialResponse,
    /// The application rejected the credentials (535 5.7.8).
    Rejected,
    /// SCRAM: the client proof is wrong (535 5.7.8).
    BadProof,
    /// SCRAM channel binding (`p=`) was requested; this server offers no
    /// `-PLUS` mechanism (RFC 5802 §6; 535 5.7.8).
    ChannelBindingUnsupported,
}

impl AuthFailure {
    /// The reply code RFC 4954 §4/§6 prescribes.
    #[must_use]
    pub fn reply_code(&self) -> u16 {
        match self {
            AuthFailure::TooLong => 500,
            AuthFailure::Malformed { .. }
            | AuthFailure::InvalidBase64
            | AuthFailure::Cancelled
            | AuthFailure::UnexpectedInitialResponse => 501,
            AuthFailure::Rejected
            | AuthFailure::BadProof
            | AuthFailure::ChannelBindingUnsupported => 535,
        }
    }

    /// The enhanced status code (RFC 4954 §6, RFC 3463), e.g. `"5.7.8"`.
    #[must_use]
    pub fn enhanced_status(&self) -> &'static str {
        match self {
            AuthFailure::TooLong => "5.5.6",
            AuthFailure::Malformed { .. } | AuthFailure::InvalidBase64 => "5.5.2",
            AuthFailure::Cancelled | AuthFailure::UnexpectedInitialResponse => "5.7.0",
            AuthFailure::Rejected
            | AuthFailure::BadProof
            | AuthFailure::ChannelBindingUnsupported => "5.7.8",
        }
    }
}

impl From<AuthError> for AuthFailure {
    /// Maps what [`super::decode_response`] returns.
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::ResponseTooLong => AuthFailure::TooLong,
            AuthError::Cancelled => AuthFailure::Cancelled,
            AuthError::InvalidBase64 => AuthFailure::InvalidBase64,
            other => AuthFailure::Malformed {
                reason: other.reason(),
            },
        }
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::Malformed { reason } => write!(f, "malformed SASL message: {reason}"),
            AuthFailure::InvalidBase64 => f.write_str("cannot decode base64 response"),
            AuthFailure::TooLong => f.write_str("authentication exchange line is too long"),
            AuthFailure::Cancelled => f.write_str("authentication cancelled"),
            AuthFailure::UnexpectedInitialResponse => {
                f.write_str("this mechanism takes no initial response")
            }
            AuthFailure::Rejected => f.write_str("authentication credentials invalid"),
            AuthFailure::BadProof => f.write_str("SCRAM client proof invalid"),
            AuthFailure::ChannelBindingUnsupported => {
                f.write_str("channel binding is not supported")
            }
        }
    }
}

impl core::error::Error for AuthFailure {}
