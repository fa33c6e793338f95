//! Message bodies, streamed in chunks of any size, both ways.
//!
//! * [`DotStuffer`] (client): message bytes → DATA wire format (RFC 5321
//!   §4.5.2 transparency, CRLF line endings, `CRLF . CRLF` terminator).
//! * [`DotUnstuffer`] (server): DATA wire format → message bytes. Only
//!   `CR LF . CR LF` ends the data (RFC 5321 §4.1.1.4); bare CR or LF never
//!   does, whatever the chunking, which is what SMTP smuggling exploits.
//!
//! None of them ever holds a message: state across chunks is a few flags.
//!
//! ```
//! use smtp_core::body::{BareLineEndingPolicy, DotStuffer, DotUnstuffer};
//!
//! let mut stuffer = DotStuffer::new(BareLineEndingPolicy::Normalize);
//! let mut wire = Vec::new();
//! stuffer.push(b".hidden\r\nline\r", &mut wire)?;
//! stuffer.push(b"\nlast", &mut wire)?;
//! stuffer.finish(&mut wire)?;
//! assert_eq!(wire, b"..hidden\r\nline\r\nlast\r\n.\r\n");
//!
//! let mut unstuffer = DotUnstuffer::new();
//! let mut body = Vec::new();
//! wire.extend_from_slice(b"QUIT\r\n"); // pipelined next command
//! let d = unstuffer.decode(&wire, &mut body);
//! assert!(d.finished);
//! assert_eq!(&wire[d.consumed..], b"QUIT\r\n");
//! assert_eq!(body, b".hidden\r\nline\r\nlast\r\n");
//! # Ok::<(), smtp_core::body::StuffError>(())
//! ```

mod bdat;
mod stuffer;
mod unstuffer;

pub(crate) use bdat::BdatReader;
pub use stuffer::{BareLineEndingPolicy, DotStuffer, StuffError};
pub use unstuffer::{BodyStats, Decoded, DotUnstuffer, UnstufferConfig};

#[cfg(test)]
mod tests;
