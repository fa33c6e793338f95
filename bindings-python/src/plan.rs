//! LMTP bookkeeping for `sendmail`'s step-by-step path (RFC 2033 §4.2).
//!
//! `sendmail` normally runs on `smtp_core::client::ClientConnection`
//! (see client.rs), which makes this decision itself. The step-by-step
//! path remains for envelopes core does not accept (smtplib sends any
//! string as an address) and for debug output; there this counts the
//! per-recipient replies. It belongs in core (a reply counter usable
//! without the machine), see the report.

use pyo3::prelude::*;

/// RFC 5321 §3.8: 421 means the server is closing the channel.
const CLOSING: i32 = 421;

/// LMTP's replies after the body: one per accepted recipient, in RCPT
/// order (RFC 2033 §4.2).
#[pyclass(module = "smtplib_rs._core")]
pub struct LmtpReplies {
    expected: usize,
    read: usize,
    delivered: usize,
}

#[pymethods]
impl LmtpReplies {
    #[classattr]
    const MORE: u8 = 0;
    #[classattr]
    const DONE: u8 = 1;
    #[classattr]
    const CLOSE: u8 = 2;

    #[new]
    fn new(expected: usize) -> Self {
        LmtpReplies {
            expected,
            read: 0,
            delivered: 0,
        }
    }

    /// One reply; says whether more are owed.
    fn reply(&mut self, code: i32) -> u8 {
        self.read += 1;
        if Self::is_delivered(code) {
            self.delivered += 1;
        }
        if code == CLOSING {
            Self::CLOSE
        } else if self.read >= self.expected {
            Self::DONE
        } else {
            Self::MORE
        }
    }

    /// Whether `code` means this recipient got the message.
    fn delivered(&self, code: i32) -> bool {
        Self::is_delivered(code)
    }

    /// How many recipients got the message.
    fn delivered_count(&self) -> usize {
        self.delivered
    }
}

impl LmtpReplies {
    fn is_delivered(code: i32) -> bool {
        (200..300).contains(&code)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<LmtpReplies>()?;
    Ok(())
}
