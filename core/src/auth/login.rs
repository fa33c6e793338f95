//! LOGIN (draft-murchison-sasl-login-00): the server prompts for a username
//! and a password, one base64 line each. The prompts are not part of the
//! protocol; clients answer by position (as Python's smtplib does).

/// The first challenge: most servers send `Username:` (RFC-less convention).
pub(crate) const USERNAME_PROMPT: &[u8] = b"Username:";
/// The second challenge.
pub(crate) const PASSWORD_PROMPT: &[u8] = b"Password:";
