use super::*;

#[test]
fn encode_table() {
    let table: &[(&[u8], &str)] = &[
        (b"", "="),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"\0tim\0tanstaaftanstaaf", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm"),
    ];
    for (raw, wire) in table {
        assert_eq!(encode_response(raw), *wire);
    }
    assert_eq!(encode_challenge(b""), "");
    assert_eq!(encode_continuation(b""), "");
    assert_eq!(encode_continuation(b"\x01"), "AQ==");
}

#[test]
fn decode_challenge_table() {
    let ok: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"  Zm9v \t", b"foo"),
        (b"Zg==", b"f"),
        (b"Zg", b"f"),
        (b"VXNlcm5hbWU6", b"Username:"),
    ];
    for (wire, raw) in ok {
        assert_eq!(decode_challenge(wire).as_deref(), Ok(*raw), "{wire:?}");
    }
    for bad in [&b"=AAA"[..], b"AAA=BBB", b"Zm 9v", b"Zm9v!", b"Z"] {
        assert_eq!(
            decode_challenge(bad),
            Err(AuthError::InvalidBase64),
            "{bad:?}"
        );
    }
}

#[test]
fn decode_response_table() {
    assert_eq!(decode_response(b"="), Ok(Vec::new()));
    assert_eq!(decode_response(b""), Ok(Vec::new()));
    assert_eq!(decode_response(b"*"), Err(AuthError::Cancelled));
    assert_eq!(decode_response(b"Zm9v"), Ok(b"foo".to_vec()));
    assert_eq!(decode_response(b" Zm9v"), Err(AuthError::InvalidBase64));
    let long = alloc::vec![b'A'; MAX_RESPONSE_LINE + 4];
    assert_eq!(decode_response(&long), Err(AuthError::ResponseTooLong));
    let max = alloc::vec![b'A'; MAX_RESPONSE_LINE];
    assert_eq!(
        decode_response(&max).map(|v| v.len()),
        Ok(MAX_DECODED_RESPONSE)
    );
}
