//! OAUTHBEARER (RFC 7628) and XOAUTH2 (Google's pre-standard format).

use alloc::string::String;
use alloc::vec::Vec;

use super::scram::{escape_saslname, unescape_saslname};

/// The error a server sends when the app rejects a token (RFC 7628 §3.2.2:
/// a JSON object whose `status` is required).
pub const DEFAULT_OAUTH_ERROR: &str = r#"{"status":"invalid_token","schemes":"bearer"}"#;

/// The kvpair separator (RFC 7628 §3.1 `kvsep`).
const KVSEP: u8 = 0x01;

fn has_ctl(s: &str) -> bool {
    s.bytes()
        .any(|b| b == KVSEP || b == b'\r' || b == b'\n' || b == 0)
}

/// XOAUTH2's message: `user=U ^A auth=Bearer T ^A ^A`.
pub(crate) fn encode_xoauth2(user: &str, token: &str) -> Option<Vec<u8>> {
    if has_ctl(user) || has_ctl(token) {
        return None;
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"user=");
    out.extend_from_slice(user.as_bytes());
    out.extend_from_slice(b"\x01auth=Bearer ");
    out.extend_from_slice(token.as_bytes());
    out.extend_from_slice(b"\x01\x01");
    Some(out)
}

/// OAUTHBEARER's message (RFC 7628 §3.1): gs2 header `n,a=U,` then
/// `^A host=.. ^A port=.. ^A auth=Bearer T ^A ^A`.
pub(crate) fn encode_oauthbearer(
    user: Option<&str>,
    host: Option<&str>,
    port: Option<u16>,
    token: &str,
) -> Option<Vec<u8>> {
    if [user, host, Some(token)].into_iter().flatten().any(has_ctl) {
        return None;
    }
    let mut out = Vec::new();
    out.extend_from_slice(b"n,");
    if let Some(user) = user {
        out.extend_from_slice(b"a=");
        out.extend_from_slice(escape_saslname(user).as_bytes());
    }
    out.extend_from_slice(b",\x01");
    if let Some(host) = host {
        out.extend_from_slice(b"host=");
        out.extend_from_slice(host.as_bytes());
        out.push(KVSEP);
    }
    if let Some(port) = port {
        out.extend_from_slice(alloc::format!("port={port}\x01").as_bytes());
    }
    out.extend_from_slice(b"auth=Bearer ");
    out.extend_from_slice(token.as_bytes());
    out.extend_from_slice(b"\x01\x01");
    Some(out)
}

/// `(user, token)` from the `auth=` kvpair list `k=v ^A ... ^A ^A`.
fn bearer_from_kvpairs(kv: &[u8]) -> Result<String, &'static str> {
    let body = kv
        .strip_suffix(b"\x01\x01")
        .ok_or("OAuth message must end with ^A^A")?;
    let mut token = None;
    for pair in body.split(|&b| b == KVSEP) {
        if let Some(value) = pair.strip_prefix(b"auth=") {
            // RFC 6750 §2.1: the scheme name is case-insensitive.
            let (scheme, tok) = value
                .split_at_checked(7)
                .ok_or("OAuth auth= is not a Bearer credential")?;
            if !scheme.eq_ignore_ascii_case(b"Bearer ") || tok.is_empty() {
                return Err("OAuth auth= is not a Bearer credential");
            }
            let tok = core::str::from_utf8(tok).map_err(|_| "OAuth token is not UTF-8")?;
            token = Some(String::from(tok));
        }
    }
    token.ok_or("OAuth message has no auth= kvpair")
}

/// Parses XOAUTH2: `(user, token)`.
pub(crate) fn parse_xoauth2(msg: &[u8]) -> Result<(String, String), &'static str> {
    let rest = msg
        .strip_prefix(b"user=")
        .ok_or("XOAUTH2 message must start with user=")?;
    let end = rest
        .iter()
        .position(|&b| b == KVSEP)
        .ok_or("XOAUTH2 user= is not terminated")?;
    let (user, kv) = rest
        .split_at_checked(end)
        .ok_or("XOAUTH2 user= is not terminated")?;
    let kv = kv.get(1..).unwrap_or_default();
    let user = core::str::from_utf8(user).map_err(|_| "XOAUTH2 user is not UTF-8")?;
    if user.is_empty() {
        return Err("XOAUTH2 user is empty");
    }
    Ok((String::from(user), bearer_from_kvpairs(kv)?))
}

/// Parses OAUTHBEARER (RFC 7628 §3.1): `(authzid, token)`.
pub(crate) fn parse_oauthbearer(msg: &[u8]) -> Result<(Option<String>, String), &'static str> {
    // gs2-header = gs2-cbind-flag "," [ authzid ] "," ; RFC 7628 uses no
    // channel binding, so the flag is "n" or "y" (RFC 5801 §4).
    let rest = msg
        .strip_prefix(b"n,")
        .or_else(|| msg.strip_prefix(b"y,"))
        .ok_or("OAUTHBEARER gs2 header must start with n, or y,")?;
    let comma = rest
        .iter()
        .position(|&b| b == b',')
        .ok_or("OAUTHBEARER gs2 header is not terminated")?;
    let (authz, kv) = rest
        .split_at_checked(comma)
        .ok_or("OAUTHBEARER gs2 header is not terminated")?;
    let kv = kv
        .get(1..)
        .unwrap_or_default()
        .strip_prefix(b"\x01")
        .ok_or("OAUTHBEARER kvpairs must start with ^A")?;
    let authzid = if authz.is_empty() {
        None
    } else {
        let a = authz
            .strip_prefix(b"a=")
            .ok_or("OAUTHBEARER gs2 authzid must be a=")?;
        Some(unescape_saslname(a).ok_or("OAUTHBEARER authzid is not a valid saslname")?)
    };
    Ok((authzid, bearer_from_kvpairs(kv)?))
}

#[cfg(test)]
mod tests;
