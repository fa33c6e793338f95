//! SCRAM-SHA-256 server (RFC 5802 §5, §7; RFC 7677 §3), no channel binding.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::digest::CtOutput;
use sha2::{Digest, Sha256};

use super::scram::{attr, hmac, unescape_saslname, xor, ScramCredentials, KEY_LEN};
use super::AuthFailure;

fn malformed(reason: &'static str) -> AuthFailure {
    AuthFailure::Malformed { reason }
}

/// What the server keeps from the client-first message.
#[derive(Clone)]
pub(crate) struct ClientFirst {
    /// The gs2 header as sent, which `c=` must repeat (RFC 5802 §7).
    gs2_header: Vec<u8>,
    bare: Vec<u8>,
    cnonce: String,
    pub(crate) username: String,
    pub(crate) authzid: Option<String>,
}

/// Parses `client-first-message` (RFC 5802 §7).
pub(crate) fn parse_client_first(msg: &[u8]) -> Result<ClientFirst, AuthFailure> {
    // gs2-cbind-flag: "n" (client has no channel binding) or "y" (client
    // thinks the server has none, true here). "p=" asks for binding.
    let rest = match msg {
        [b'n' | b'y', b',', rest @ ..] => rest,
        [b'p', b'=', ..] => return Err(AuthFailure::ChannelBindingUnsupported),
        _ => return Err(malformed("SCRAM gs2 header must start with n, or y,")),
    };
    let comma = rest
        .iter()
        .position(|&b| b == b',')
        .ok_or(malformed("SCRAM gs2 header is not terminated"))?;
    let (authz, bare) = rest
        .split_at_checked(comma)
        .ok_or(malformed("SCRAM gs2 header is not terminated"))?;
    let bare = bare.get(1..).unwrap_or_default();
    let header_len = msg.len() - bare.len();
    let gs2_header = msg.get(..header_len).unwrap_or_default().to_vec();
    let authzid = match authz {
        [] => None,
        _ => Some(
            attr(authz, b'a')
                .and_then(unescape_saslname)
                .ok_or(malformed("SCRAM authzid is not a=saslname"))?,
        ),
    };
    let mut parts = bare.split(|&b| b == b',');
    let user = parts.next().unwrap_or_default();
    if attr(user, b'm').is_some() {
        // RFC 5802 §5.1: unknown mandatory extension: fail.
        return Err(malformed("SCRAM mandatory extension not supported"));
    }
    let username = attr(user, b'n')
        .and_then(unescape_saslname)
        .filter(|u| !u.is_empty())
        .ok_or(malformed("SCRAM client-first lacks n=saslname"))?;
    let cnonce = parts
        .next()
        .and_then(|p| attr(p, b'r'))
        .and_then(|n| core::str::from_utf8(n).ok())
        .filter(|n| super::scram::is_valid_nonce(n))
        .ok_or(malformed("SCRAM client-first lacks a valid r="))?;
    Ok(ClientFirst {
        gs2_header,
        bare: bare.to_vec(),
        cnonce: String::from(cnonce),
        username,
        authzid,
    })
}

/// The exchange after the server-first message went out.
pub(crate) struct Exchange {
    first: ClientFirst,
    server_first: Vec<u8>,
    nonce: String,
    creds: ScramCredentials,
}

/// Builds `server-first-message` from the stored credentials.
pub(crate) fn server_first(
    first: ClientFirst,
    snonce: &str,
    creds: ScramCredentials,
) -> (Vec<u8>, Exchange) {
    let nonce = alloc::format!("{}{snonce}", first.cnonce);
    let msg = alloc::format!(
        "r={nonce},s={},i={}",
        STANDARD.encode(&creds.salt),
        creds.iterations
    )
    .into_bytes();
    let exchange = Exchange {
        first,
        server_first: msg.clone(),
        nonce,
        creds,
    };
    (msg, exchange)
}

impl Exchange {
    /// Checks `client-final-message`; on success returns the
    /// `server-final-message` (`v=...`).
    pub(crate) fn client_final(&self, msg: &[u8]) -> Result<Vec<u8>, AuthFailure> {
        // The proof is last (RFC 5802 §7) and base64 has no ',': split at
        // the last ",p=".
        let at = msg
            .windows(3)
            .rposition(|w| w == b",p=")
            .ok_or(malformed("SCRAM client-final lacks p="))?;
        let (without_proof, proof) = msg
            .split_at_checked(at)
            .ok_or(malformed("SCRAM client-final lacks p="))?;
        let proof = proof.get(3..).unwrap_or_default();
        let mut parts = without_proof.split(|&b| b == b',');
        let binding = parts
            .next()
            .and_then(|p| attr(p, b'c'))
            .and_then(|c| STANDARD.decode(c).ok())
            .ok_or(malformed("SCRAM client-final lacks a valid c="))?;
        if binding != self.first.gs2_header {
            // RFC 5802 §7: c= must carry the gs2 header of client-first.
            return Err(malformed("SCRAM c= does not match the gs2 header"));
        }
        let nonce = parts
            .next()
            .and_then(|p| attr(p, b'r'))
            .ok_or(malformed("SCRAM client-final lacks r="))?;
        if nonce != self.nonce.as_bytes() {
            return Err(malformed("SCRAM client-final nonce mismatch"));
        }
        let proof: [u8; KEY_LEN] = STANDARD
            .decode(proof)
            .ok()
            .and_then(|p| p.try_into().ok())
            .ok_or(malformed("SCRAM proof is not 32 octets of base64"))?;

        let mut auth_message = self.first.bare.clone();
        auth_message.push(b',');
        auth_message.extend_from_slice(&self.server_first);
        auth_message.push(b',');
        auth_message.extend_from_slice(without_proof);

        // RFC 5802 §3: ClientKey = ClientProof XOR ClientSignature, and the
        // client is genuine iff H(ClientKey) == StoredKey (constant time).
        let signature = hmac(&self.creds.stored_key, &auth_message);
        let client_key = xor(&proof, &signature);
        let computed = CtOutput::<Sha256>::new(Sha256::digest(client_key));
        if computed != CtOutput::new(self.creds.stored_key.into()) {
            return Err(AuthFailure::BadProof);
        }
        let server_signature = hmac(&self.creds.server_key, &auth_message);
        let mut out = Vec::from(&b"v="[..]);
        out.extend_from_slice(STANDARD.encode(server_signature).as_bytes());
        Ok(out)
    }
}
