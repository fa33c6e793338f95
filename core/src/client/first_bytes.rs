//! Implicit-TLS confusion (RFC 8314 §3.3): a plain-text client that reached
//! a port expecting TLS from the first byte gets a TLS record where the 220
//! greeting should be. Said plainly instead of waiting for a greeting that
//! never comes.

/// What the first octets a server sent say about the port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FirstBytes {
    /// Too few octets to tell: keep them and wait for more.
    Undecided,
    /// A TLS record: this port expects TLS from the first byte.
    TlsRecord,
    /// Not a TLS record: read it as SMTP.
    Plain,
}

/// Classifies the first octets a server sent. A TLS record (RFC 8446 §5.1)
/// starts with its content type (20 to 23: change_cipher_spec, alert,
/// handshake, application_data) and the protocol's major version 3; no SMTP
/// reply starts so (its first octet is a digit).
pub fn classify_first_bytes(first: &[u8]) -> FirstBytes {
    let tls_type = |b: &u8| (0x14..=0x17).contains(b);
    match first {
        [] => FirstBytes::Undecided,
        [t] if tls_type(t) => FirstBytes::Undecided,
        [t, 0x03, ..] if tls_type(t) => FirstBytes::TlsRecord,
        _ => FirstBytes::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
