use super::*;

#[test]
fn saslname_table() {
    let table: &[(&str, &str)] = &[
        ("user", "user"),
        ("a=b", "a=3Db"),
        ("a,b", "a=2Cb"),
        ("=,", "=3D=2C"),
        ("é", "é"),
    ];
    for (raw, esc) in table {
        assert_eq!(escape_saslname(raw), *esc);
        assert_eq!(unescape_saslname(esc.as_bytes()).as_deref(), Some(*raw));
    }
    for bad in [&b"a=b"[..], b"a,b", b"a=2", b"=3d", b"\xff"] {
        assert_eq!(unescape_saslname(bad), None, "{bad:?}");
    }
}

#[test]
fn nonce_syntax() {
    assert!(is_valid_nonce("rOprNGfwEbeRWgbNEkqO"));
    assert!(is_valid_nonce("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"));
    for bad in ["", "a,b", "a b", "é", "a\x7f"] {
        assert!(!is_valid_nonce(bad), "{bad:?}");
    }
}
