//! CRAM-MD5 (RFC 2195): `username SP hex(HMAC-MD5(secret, challenge))`.

use alloc::string::String;
use alloc::vec::Vec;
use hmac::{Hmac, Mac};
use md5::Md5;

type HmacMd5 = Hmac<Md5>;

/// MD5's output size: the digest is 32 hex digits (RFC 2195 §2).
const DIGEST_LEN: usize = 16;

fn mac(secret: &[u8], challenge: &[u8]) -> HmacMd5 {
    // HMAC takes keys of any length (RFC 2104 §2 hashes long ones), so
    // `new_from_slice` cannot fail; the fallback keeps this panic-free.
    let mut m =
        HmacMd5::new_from_slice(secret).unwrap_or_else(|_| HmacMd5::new(&Default::default()));
    m.update(challenge);
    m
}

/// The client's response to `challenge` (RFC 2195 §2: lowercase hex).
pub(crate) fn respond(username: &str, secret: &str, challenge: &[u8]) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = mac(secret.as_bytes(), challenge).finalize().into_bytes();
    let mut out = Vec::with_capacity(username.len() + 1 + 2 * DIGEST_LEN);
    out.extend_from_slice(username.as_bytes());
    out.push(b' ');
    for b in digest {
        for nibble in [b >> 4, b & 0xf] {
            out.extend(HEX.get(usize::from(nibble)));
        }
    }
    out
}

/// Splits a client response into the username and the raw 16-octet digest.
/// The username is everything before the last space (RFC 2195 §2 allows
/// spaces in it).
pub(crate) fn parse(response: &[u8]) -> Result<(String, Vec<u8>), &'static str> {
    let space = response
        .iter()
        .rposition(|&b| b == b' ')
        .ok_or("CRAM-MD5 response has no space")?;
    let (user, hex) = response
        .split_at_checked(space)
        .ok_or("CRAM-MD5 response has no space")?;
    let hex = hex.get(1..).unwrap_or_default();
    if user.is_empty() {
        return Err("CRAM-MD5 username is empty");
    }
    if hex.len() != 2 * DIGEST_LEN {
        return Err("CRAM-MD5 digest is not 32 hex digits");
    }
    let nibble = |c: u8| {
        char::from(c)
            .to_digit(16)
            .ok_or("CRAM-MD5 digest is not hex")
    };
    let mut digest = Vec::with_capacity(DIGEST_LEN);
    for pair in hex.chunks_exact(2) {
        let (hi, lo) = match pair {
            [hi, lo] => (nibble(*hi)?, nibble(*lo)?),
            _ => return Err("CRAM-MD5 digest is not 32 hex digits"),
        };
        // Two hex digits: at most 0xff, the cast cannot truncate.
        digest.push(u8::try_from(hi * 16 + lo).map_err(|_| "CRAM-MD5 digest is not hex")?);
    }
    let user = core::str::from_utf8(user).map_err(|_| "CRAM-MD5 username is not UTF-8")?;
    Ok((String::from(user), digest))
}

/// Checks a CRAM-MD5 digest (raw 16 octets, as in
/// [`super::Verification::CramMd5`]) against the shared secret, in
/// constant time (RFC 2195 §2).
#[must_use]
pub fn verify_cram_md5(secret: &[u8], challenge: &[u8], digest: &[u8]) -> bool {
    mac(secret, challenge).verify_slice(digest).is_ok()
}

#[cfg(test)]
mod tests;
