//! AUTH (RFC 4954) on the server side: the machine runs the SASL exchange
//! and hands the application only what it must decide.

use alloc::string::String;

use super::defaults::auth_usable;
use super::events::Refusal;
use super::state::Machine;

/// Longest AUTH command or SASL response line, CRLF included: RFC 4954 §4
/// asks servers to accept 12288 octets.
pub const MAX_AUTH_LINE: usize = 12288 + 2;

/// What the application must check before AUTH succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthRequest {
    /// Placeholder until the SASL server lands.
    Pending {
        /// The mechanism.
        mechanism: String,
    },
}

/// A SASL exchange waiting for the client's next response line.
#[derive(Debug)]
pub(crate) struct SaslState {}

impl Machine {
    pub(super) fn on_auth(&mut self, mechanism: String, initial: Option<String>) {
        let _ = initial;
        let d = self.defaults();
        if self.cfg.auth_mechanisms.is_empty() {
            let reply = d.not_implemented();
            return self.refuse(Refusal::NotImplemented, reply, true);
        }
        if self.hello.is_none() || self.authenticated || self.txn.is_some() {
            // RFC 4954 §4: not before EHLO, not twice, not in a transaction.
            let reply = d.bad_sequence("Bad sequence of commands");
            return self.refuse(Refusal::BadSequence, reply, true);
        }
        if !auth_usable(&self.cfg, self.tls) {
            let reply = d.encryption_required();
            return self.refuse(Refusal::EncryptionRequired, reply, false);
        }
        if !self
            .cfg
            .auth_mechanisms
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&mechanism))
        {
            let reply = d.unknown_mechanism();
            return self.refuse(Refusal::UnknownMechanism, reply, true);
        }
        let reply = d.unknown_mechanism();
        self.refuse(Refusal::UnknownMechanism, reply, true);
    }

    pub(super) fn step_sasl(&mut self) -> bool {
        false
    }
}
