//! Base64 framing of challenges and responses (RFC 4954 §4).

use alloc::string::String;
use alloc::vec::Vec;
use base64::alphabet::STANDARD;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

use super::AuthError;

/// Longest encoded response line the server accepts, in octets (CRLF
/// excluded). RFC 4954 §4 calls 12288 octets "sufficient ... for handling
/// of deployed authentication mechanisms"; a longer line fails with 500 5.5.6.
pub const MAX_RESPONSE_LINE: usize = 12288;

/// Longest decoded response a [`super::SaslServer`] accepts: what
/// [`MAX_RESPONSE_LINE`] base64 characters decode to (3 octets per 4).
pub const MAX_DECODED_RESPONSE: usize = MAX_RESPONSE_LINE / 4 * 3;

/// Standard alphabet (RFC 4648 §4). Pad characters are accepted only at the
/// end, which the engine enforces (RFC 4954 §4: "=AAA" and "AAA=BBB" are
/// rejected); missing trailing padding is tolerated, a peer that omits it is
/// unambiguous.
const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes the *initial* response for the `AUTH` line.
///
/// An empty response becomes `=`: RFC 4954 §4 requires that form on the
/// `AUTH` line, where nothing would mean "no initial response". A response
/// to a `334` is different: there an empty response is the empty line; use
/// [`encode_continuation`] for those.
#[must_use]
pub fn encode_response(response: &[u8]) -> String {
    if response.is_empty() {
        String::from("=")
    } else {
        ENGINE.encode(response)
    }
}

/// Encodes a client response to a `334` challenge: plain base64, and an
/// empty response is the empty line (RFC 4954 §4 reserves `=` for the
/// initial response). SCRAM's last response and XOAUTH2's answer to an
/// error are empty.
#[must_use]
pub fn encode_continuation(response: &[u8]) -> String {
    ENGINE.encode(response)
}

/// Encodes a server challenge for the text of a `334` reply. An empty
/// challenge is the empty string: the line is then `334 ` (RFC 4954 §4).
#[must_use]
pub fn encode_challenge(challenge: &[u8]) -> String {
    ENGINE.encode(challenge)
}

/// Decodes the text of a `334` reply. Surrounding whitespace is ignored
/// (some servers pad the line); anything else outside the base64 alphabet is
/// an error, and RFC 4954 §4 says the client must then cancel with `*`.
pub fn decode_challenge(text: &[u8]) -> Result<Vec<u8>, AuthError> {
    ENGINE
        .decode(text.trim_ascii())
        .map_err(|_| AuthError::InvalidBase64)
}

/// Decodes one client response line (CRLF already removed) on the server
/// side, including the initial response on the `AUTH` line.
///
/// `=` is the empty response (RFC 4954 §4); `*` is the client cancelling
/// ([`AuthError::Cancelled`], reply 501). Longer than
/// [`MAX_RESPONSE_LINE`] is [`AuthError::ResponseTooLong`] (reply 500 5.5.6),
/// undecodable is [`AuthError::InvalidBase64`] (reply 501 5.5.2).
pub fn decode_response(line: &[u8]) -> Result<Vec<u8>, AuthError> {
    if line.len() > MAX_RESPONSE_LINE {
        return Err(AuthError::ResponseTooLong);
    }
    match line {
        b"*" => Err(AuthError::Cancelled),
        b"=" => Ok(Vec::new()),
        _ => ENGINE.decode(line).map_err(|_| AuthError::InvalidBase64),
    }
}

#[cfg(test)]
mod tests;
