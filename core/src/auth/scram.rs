//! SCRAM-SHA-256 (RFC 7677 §3, RFC 5802) primitives shared by both sides:
//! key derivation, saslname escaping and attribute parsing.

use alloc::string::String;
use core::fmt;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// SHA-256's output size, the size of every SCRAM key and proof.
pub(crate) const KEY_LEN: usize = 32;

/// Fewest PBKDF2 iterations the client accepts: RFC 7677 §3 says the server
/// SHOULD announce at least 4096. Fewer would let an active attacker who
/// rewrites `i=` make the captured proof cheap to brute-force.
pub const SCRAM_MIN_ITERATIONS: u32 = 4096;

/// Most PBKDF2 iterations the client accepts, so a hostile server cannot
/// pin the client's CPU with `i=4294967295` (RFC 5802 §9 leaves the bound to
/// implementations; this is ~250x the RFC 7677 minimum).
pub const SCRAM_MAX_ITERATIONS: u32 = 1_000_000;

/// What a SCRAM server stores per user (RFC 5802 §3): never the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ScramCredentials {
    /// The PBKDF2 salt (sent base64 in `s=`).
    pub salt: alloc::vec::Vec<u8>,
    /// The PBKDF2 iteration count (sent in `i=`).
    pub iterations: u32,
    /// `H(HMAC(SaltedPassword, "Client Key"))`.
    pub stored_key: [u8; KEY_LEN],
    /// `HMAC(SaltedPassword, "Server Key")`.
    pub server_key: [u8; KEY_LEN],
}

impl fmt::Debug for ScramCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys let anyone impersonate the server: keep them out of logs.
        f.debug_struct("ScramCredentials")
            .field("salt", &self.salt)
            .field("iterations", &self.iterations)
            .finish_non_exhaustive()
    }
}

impl ScramCredentials {
    /// Derives the stored keys from a password (RFC 5802 §3), for tests and
    /// for servers that keep passwords. Costs `iterations` HMACs.
    #[must_use]
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> Self {
        let keys = Keys::derive(password, salt, iterations);
        ScramCredentials {
            salt: salt.to_vec(),
            iterations,
            stored_key: keys.stored_key,
            server_key: keys.server_key,
        }
    }
}

/// The keys the client computes from the password.
pub(crate) struct Keys {
    pub(crate) client_key: [u8; KEY_LEN],
    pub(crate) stored_key: [u8; KEY_LEN],
    pub(crate) server_key: [u8; KEY_LEN],
}

impl Keys {
    pub(crate) fn derive(password: &str, salt: &[u8], iterations: u32) -> Keys {
        let mut salted = [0u8; KEY_LEN];
        pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
        let client_key = hmac(&salted, b"Client Key");
        Keys {
            client_key,
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }
}

pub(crate) fn mac(key: &[u8], data: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (RFC 2104 §2), so this never fails;
    // the fallback only keeps the code panic-free.
    let mut m =
        HmacSha256::new_from_slice(key).unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    m.update(data);
    m
}

pub(crate) fn hmac(key: &[u8], data: &[u8]) -> [u8; KEY_LEN] {
    mac(key, data).finalize().into_bytes().into()
}

pub(crate) fn xor(a: &[u8; KEY_LEN], b: &[u8; KEY_LEN]) -> [u8; KEY_LEN] {
    let mut out = *a;
    for (o, b) in out.iter_mut().zip(b) {
        *o ^= b;
    }
    out
}

/// RFC 5802 §7 `saslname`: `=` becomes `=3D` and `,` becomes `=2C`.
pub(crate) fn escape_saslname(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '=' => out.push_str("=3D"),
            ',' => out.push_str("=2C"),
            c => out.push(c),
        }
    }
    out
}

/// Inverse of [`escape_saslname`]; `None` for a raw `,`, an `=` not
/// followed by `2C`/`3D` (RFC 5802 §5.1 says the server MUST fail), or
/// invalid UTF-8.
pub(crate) fn unescape_saslname(raw: &[u8]) -> Option<String> {
    let s = core::str::from_utf8(raw).ok()?;
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(eq) = rest.find(['=', ',']) {
        let (head, tail) = rest.split_at_checked(eq)?;
        out.push_str(head);
        if let Some(t) = tail.strip_prefix("=2C") {
            out.push(',');
            rest = t;
        } else if let Some(t) = tail.strip_prefix("=3D") {
            out.push('=');
            rest = t;
        } else {
            return None;
        }
    }
    out.push_str(rest);
    Some(out)
}

/// RFC 5802 §7 `printable` (nonces): `%x21-2B / %x2D-7E`, at least one.
pub(crate) fn is_valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b',')
}

/// The value of attribute `name` (`name=value`) at the start of `part`.
pub(crate) fn attr(part: &[u8], name: u8) -> Option<&[u8]> {
    match part {
        [n, b'=', value @ ..] if *n == name => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
