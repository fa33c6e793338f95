//! Transaction bookkeeping for `sendmail` (RFC 2920 pipelining, RFC 2033
//! LMTP replies).
//!
//! INTERIM: these decisions belong to `smtp_core::client::ClientConnection`;
//! this module goes once the client machine is merged and `sendmail` is
//! driven by it.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use smtp_core::body::{BareLineEndingPolicy, DotStuffer};

use crate::reply::value_error;

/// RFC 5321 §4.2.2 codes that accept a recipient.
fn rcpt_accepted(code: i32) -> bool {
    code == 250 || code == 251
}

/// RFC 5321 §3.8: 421 means the server is closing the channel.
const CLOSING: i32 = 421;

/// Where a pipelined MAIL/RCPT/DATA group stands.
#[pyclass(module = "smtplib_rs._core")]
pub struct PipelinePlan {
    rcpts: usize,
    chunking: bool,
    read: usize,
    accepted: usize,
}

#[pymethods]
impl PipelinePlan {
    #[classattr]
    const CONTINUE: u8 = 0;
    #[classattr]
    const SENDER_REFUSED: u8 = 1;
    #[classattr]
    const CLOSE: u8 = 2;
    #[classattr]
    const SEND_BODY: u8 = 3;
    #[classattr]
    const END_EMPTY_BODY: u8 = 4;
    #[classattr]
    const FAILED: u8 = 5;

    /// `rcpts` RCPT commands follow MAIL; DATA closes the group unless the
    /// body goes by BDAT (RFC 2920 §3.1: DATA and BDAT end a group).
    #[new]
    fn new(rcpts: usize, chunking: bool) -> Self {
        PipelinePlan {
            rcpts,
            chunking,
            read: 0,
            accepted: 0,
        }
    }

    /// The MAIL reply.
    fn mail_reply(&mut self, code: i32) -> u8 {
        self.read = 1;
        if code == 250 {
            Self::CONTINUE
        } else {
            Self::SENDER_REFUSED
        }
    }

    /// One RCPT reply, in order.
    fn rcpt_reply(&mut self, code: i32) -> u8 {
        self.read += 1;
        if rcpt_accepted(code) {
            self.accepted += 1;
        }
        if code == CLOSING {
            Self::CLOSE
        } else {
            Self::CONTINUE
        }
    }

    /// The DATA reply: send the body on 354 if someone accepted it; a 354
    /// with every recipient refused still needs the terminator
    /// (RFC 2920 §3.1) to get the session back in step.
    fn data_reply(&mut self, code: i32) -> u8 {
        self.read += 1;
        match (code, self.accepted) {
            (354, 0) => Self::END_EMPTY_BODY,
            (354, _) => Self::SEND_BODY,
            _ => Self::FAILED,
        }
    }

    /// Replies still owed by the server for this group.
    fn owed(&self) -> usize {
        let total = 1 + self.rcpts + usize::from(!self.chunking);
        total.saturating_sub(self.read)
    }

    /// The DATA terminator for an empty body.
    fn empty_body<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = Vec::new();
        DotStuffer::new(BareLineEndingPolicy::Normalize)
            .finish(&mut out)
            .map_err(value_error)?;
        Ok(PyBytes::new(py, &out))
    }
}

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
    m.add_class::<PipelinePlan>()?;
    m.add_class::<LmtpReplies>()?;
    Ok(())
}
