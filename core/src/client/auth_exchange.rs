//! The data of one AUTH exchange (RFC 4954). Its transitions live in
//! `state/auth.rs` (replies) and `state/calls.rs` (the caller's calls).

use alloc::string::String;
use alloc::vec::Vec;

use crate::auth::{AuthError, SaslClient};

/// One AUTH exchange in progress on the client.
pub(crate) struct AuthExchange {
    /// The mechanism name as sent.
    pub(crate) mechanism: String,
    /// `None` for a custom mechanism: the caller answers each challenge.
    pub(crate) sasl: Option<SaslClient>,
    pub(crate) challenges: usize,
    /// An initial response that was not sent with AUTH (too long for the
    /// line, or disabled): it answers the first, empty, 334 (RFC 4954 §4).
    pub(crate) deferred: Option<Vec<u8>>,
    /// A custom mechanism's challenge was handed to the caller.
    pub(crate) awaiting_caller: bool,
    /// `*` was sent (RFC 4954 §4); the server's 501 ends the exchange.
    pub(crate) cancelled: bool,
    /// Why the machine cancelled, when the mechanism refused a challenge.
    pub(crate) error: Option<AuthError>,
}
