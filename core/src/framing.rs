//! Bounded, CRLF-strict line framing shared by both machines.
//!
//! OWNER: helper "body". Limits are named constants citing RFC 5321
//! §4.5.3.1 and configurable through [`Limits`].

/// Command line, CRLF included (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Reply line, CRLF included (RFC 5321 §4.5.3.1.5).
pub const MAX_REPLY_LINE: usize = 512;
/// Text line of message content, CRLF included (RFC 5321 §4.5.3.1.6).
pub const MAX_TEXT_LINE: usize = 1000;
