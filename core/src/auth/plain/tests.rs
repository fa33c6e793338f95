use super::*;

// RFC 4616 §4 examples.
#[test]
fn rfc4616_examples() {
    // "The authorization identity is not supplied": <NUL>tim<NUL>tanstaaftanstaaf
    assert_eq!(
        encode(None, "tim", "tanstaaftanstaaf").as_deref(),
        Some(&b"\0tim\0tanstaaftanstaaf"[..])
    );
    // "Kurt" acting as "Ursel": Ursel<NUL>Kurt<NUL>xipj3plmq
    assert_eq!(
        encode(Some("Ursel"), "Kurt", "xipj3plmq").as_deref(),
        Some(&b"Ursel\0Kurt\0xipj3plmq"[..])
    );
    assert_eq!(
        parse(b"Ursel\0Kurt\0xipj3plmq"),
        Ok((Some("Ursel".into()), "Kurt".into(), "xipj3plmq".into()))
    );
    assert_eq!(
        parse(b"\0tim\0tanstaaftanstaaf"),
        Ok((None, "tim".into(), "tanstaaftanstaaf".into()))
    );
}

#[test]
fn rejects() {
    assert_eq!(encode(None, "a\0b", "p"), None);
    assert_eq!(encode(None, "", "p"), None);
    assert_eq!(encode(None, "u", ""), None);
    for bad in [
        &b""[..],
        b"\0user",
        b"\0user\0pass\0",
        b"\0\0pass",
        b"\0user\0",
        b"\0us\xffer\0pass",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
    let mut long = alloc::vec![0u8];
    long.extend(core::iter::repeat_n(b'u', 256));
    long.extend_from_slice(b"\0p");
    assert!(parse(&long).is_err());
}
