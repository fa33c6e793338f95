//! The client side of every SASL exchange fed arbitrary server challenges.
//!
//! Input: one header byte (mechanism, flags, credentials), then one `334`
//! text per line. A line starting with `!` is taken as already-decoded
//! challenge bytes; any other line goes through `decode_challenge`, as the
//! client machine does, after mapping onto the SMTP alphabet.
//!
//! Invariants beyond "no panic":
//! * at most `MAX_CLIENT_CHALLENGES` challenges are answered;
//! * the initial response is given once, and `encode_response` /
//!   `decode_response` round-trip it; every response round-trips through
//!   `encode_continuation` / `decode_response` and its base64 line has no
//!   CR or LF and fits `MAX_RESPONSE_LINE`;
//! * no amplification: a response is at most the challenge plus a constant;
//! * SCRAM `finish()` succeeds only after a challenge that starts `v=`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::auth::{
    decode_challenge, decode_response, encode_continuation, encode_response, Credentials,
    Mechanism, SaslClient, MAX_CLIENT_CHALLENGES, MAX_RESPONSE_LINE,
};
use smtp_fuzz::{smtp_bytes, Source};

const MECHS: [Mechanism; 6] = [
    Mechanism::Plain,
    Mechanism::Login,
    Mechanism::CramMd5,
    Mechanism::XOAuth2,
    Mechanism::OAuthBearer,
    Mechanism::ScramSha256,
];

/// RFC 7677 §3's client nonce, so the RFC's server messages are valid seeds.
const CNONCE: &str = "rOprNGfwEbeRWgbNEkqO";

/// Longest response beyond the challenge's own length: credentials, gs2
/// header, proof.
const RESPONSE_OVERHEAD: usize = 512;

/// SCRAM iteration counts above this are skipped: each costs a PBKDF2 round
/// per execution and would slow the fuzzer 250x without new coverage (the
/// bound check itself is exercised by counts above `SCRAM_MAX_ITERATIONS`).
const FUZZ_MAX_ITERATIONS: u64 = 10_000;

fn credentials(sel: u8, token: bool) -> Credentials {
    let (user, secret) = match sel {
        0 => ("user", "pencil"),
        1 => ("us,er=x", "p\u{e9}ss"),
        2 => ("", ""),
        _ => ("user@example.com", "tok\u{1}en"),
    };
    if token {
        Credentials::bearer(user, secret)
    } else {
        Credentials::password(user, secret)
    }
}

/// Whether a SCRAM server-first asks for so many iterations that this
/// execution would be slow (see [`FUZZ_MAX_ITERATIONS`]).
fn expensive(challenge: &[u8]) -> bool {
    challenge.split(|&b| b == b',').any(|attr| {
        let Some(digits) = attr.strip_prefix(b"i=") else {
            return false;
        };
        let n = digits.iter().try_fold(0u64, |n, &d| {
            d.is_ascii_digit()
                .then(|| n.saturating_mul(10).saturating_add(u64::from(d - b'0')))
        });
        matches!(n, Some(n) if n > FUZZ_MAX_ITERATIONS && n <= u64::from(u32::MAX))
    })
}

fn check_response(resp: &[u8]) {
    let line = encode_continuation(resp);
    assert!(line.len() <= MAX_RESPONSE_LINE, "response line too long");
    assert!(
        !line.bytes().any(|b| b == b'\r' || b == b'\n'),
        "CR/LF in a response line"
    );
    assert_eq!(
        decode_response(line.as_bytes()).as_deref(),
        Ok(resp),
        "continuation does not round-trip"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let mech = MECHS[usize::from((header & 0x07) % 6)].clone();
    let token = mech.uses_password() == Some(false);
    let creds = credentials(header >> 6, token);
    let Ok(client) = SaslClient::new(mech.clone(), creds, Some(CNONCE)) else {
        return;
    };
    let mut client = if header & 0x08 != 0 {
        client.with_initial_username()
    } else {
        client
    };
    if header & 0x10 != 0 {
        if let Some(ir) = client.initial_response() {
            let line = encode_response(&ir);
            assert!(!line.is_empty());
            assert_eq!(decode_response(line.as_bytes()).as_deref(), Ok(&ir[..]));
            assert!(ir.len() <= RESPONSE_OVERHEAD);
        }
        assert_eq!(client.initial_response(), None, "initial response twice");
    }
    let mut answered = 0usize;
    let mut saw_server_final = false;
    while !src.is_empty() {
        let line = src.line();
        let challenge = match line.strip_prefix(b"!") {
            Some(raw) => raw.to_vec(),
            None => match decode_challenge(&smtp_bytes(line)) {
                Ok(c) => c,
                // The machine cancels with `*`; nothing to feed.
                Err(_) => continue,
            },
        };
        if mech == Mechanism::ScramSha256 && expensive(&challenge) {
            return;
        }
        if challenge.starts_with(b"v=") {
            saw_server_final = true;
        }
        if let Ok(resp) = client.respond(&challenge) {
            answered += 1;
            assert!(answered <= MAX_CLIENT_CHALLENGES, "answered too many");
            assert!(
                resp.len() <= challenge.len() + RESPONSE_OVERHEAD,
                "response amplifies the challenge: {} -> {}",
                challenge.len(),
                resp.len()
            );
            check_response(&resp);
        }
    }
    if mech == Mechanism::ScramSha256 && client.finish().is_ok() {
        assert!(
            saw_server_final,
            "SCRAM finished without a server signature"
        );
    }
});
