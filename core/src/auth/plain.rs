//! PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd`.

use alloc::string::String;
use alloc::vec::Vec;

/// RFC 4616 §2: each of authzid, authcid and passwd is at most 255 octets.
const MAX_PLAIN_FIELD: usize = 255;

/// Builds the single PLAIN message. `None` if a field holds NUL (it would
/// shift the fields, RFC 4616 §2 excludes it) or is empty where RFC 4616 §2
/// requires 1 octet (authcid, passwd).
pub(crate) fn encode(authzid: Option<&str>, authcid: &str, passwd: &str) -> Option<Vec<u8>> {
    let authzid = authzid.unwrap_or("");
    if [authzid, authcid, passwd].iter().any(|f| f.contains('\0'))
        || authcid.is_empty()
        || passwd.is_empty()
    {
        return None;
    }
    let mut out = Vec::with_capacity(authzid.len() + authcid.len() + passwd.len() + 2);
    out.extend_from_slice(authzid.as_bytes());
    out.push(0);
    out.extend_from_slice(authcid.as_bytes());
    out.push(0);
    out.extend_from_slice(passwd.as_bytes());
    Some(out)
}

/// A decoded PLAIN message: (authzid, authcid, passwd).
pub(crate) type Parsed = (Option<String>, String, String);

/// Parses a PLAIN message per RFC 4616 §2's grammar.
pub(crate) fn parse(msg: &[u8]) -> Result<Parsed, &'static str> {
    let mut parts = msg.split(|&b| b == 0);
    let (Some(authzid), Some(authcid), Some(passwd), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("PLAIN message needs exactly two NUL separators");
    };
    if authcid.is_empty() || passwd.is_empty() {
        return Err("PLAIN authcid and passwd must not be empty");
    }
    if [authzid, authcid, passwd]
        .iter()
        .any(|f| f.len() > MAX_PLAIN_FIELD)
    {
        return Err("PLAIN field longer than 255 octets");
    }
    let utf8 = |b: &[u8]| {
        core::str::from_utf8(b)
            .map(String::from)
            .map_err(|_| "PLAIN field is not UTF-8")
    };
    let authzid = if authzid.is_empty() {
        None
    } else {
        Some(utf8(authzid)?)
    };
    Ok((authzid, utf8(authcid)?, utf8(passwd)?))
}

#[cfg(test)]
mod tests;
