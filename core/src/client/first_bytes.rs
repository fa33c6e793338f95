//! Implicit-TLS confusion (RFC 8314 §3.3): a plain-text client that reached
//! a port expecting TLS from the first byte gets a TLS record where the 220
//! greeting should be. Said plainly instead of waiting for a greeting that
//! never comes.

/// Ports where the server speaks TLS from the first byte: 465,
/// "submissions" (RFC 8314 §3.3, §7.3).
pub const IMPLICIT_TLS_PORTS: &[u16] = &[465];

/// How long a plain-text client waits for the greeting on one of
/// [`IMPLICIT_TLS_PORTS`] before saying the port wants TLS. Such a server
/// says nothing and waits for a ClientHello, so the RFC 5321 §4.5.3.2
/// greeting timeout (5 minutes) would be a 5-minute hang with no hint;
/// a real SMTP server greets within milliseconds.
pub const IMPLICIT_TLS_GREETING_WAIT_MS: u64 = 5_000;

/// Whether a plain-text connection to `port` should expect no greeting
/// (see [`IMPLICIT_TLS_GREETING_WAIT_MS`]).
pub fn is_implicit_tls_port(port: u16) -> bool {
    IMPLICIT_TLS_PORTS.contains(&port)
}

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
mod tests;
