use super::*;

#[test]
fn submissions_is_the_implicit_tls_port() {
    assert!(is_implicit_tls_port(465));
    assert!(!is_implicit_tls_port(587) && !is_implicit_tls_port(25));
}

#[test]
fn table() {
    let cases: &[(&[u8], FirstBytes)] = &[
        (b"", FirstBytes::Undecided),
        (b"\x16", FirstBytes::Undecided),
        (b"\x16\x03\x01\x00", FirstBytes::TlsRecord),
        (b"\x15\x03", FirstBytes::TlsRecord),
        (b"\x17\x03", FirstBytes::TlsRecord),
        (b"\x16\x02", FirstBytes::Plain),
        (b"\x18\x03", FirstBytes::Plain),
        (b"2", FirstBytes::Plain),
        (b"220 mx ready\r\n", FirstBytes::Plain),
    ];
    for (input, want) in cases {
        assert_eq!(classify_first_bytes(input), *want, "{input:?}");
    }
}
