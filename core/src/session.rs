//! Words both machines use for the state of a session.

/// Which greeting command introduced the client (RFC 5321 §4.1.1.1,
/// RFC 2033 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HelloKind {
    /// `EHLO`: extensions are in force.
    Ehlo,
    /// `HELO`: plain SMTP, no extensions (RFC 5321 §2.2.1).
    Helo,
    /// `LHLO` (LMTP): extensions are in force.
    Lhlo,
}

impl HelloKind {
    /// Whether the server's reply lists extensions (EHLO and LHLO).
    #[must_use]
    pub const fn is_extended(self) -> bool {
        !matches!(self, HelloKind::Helo)
    }
}

/// Whether the connection is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Security {
    /// Plain text.
    Plain,
    /// TLS: implicit (RFC 8314 §3.3) or after STARTTLS (RFC 3207).
    Tls,
}
