//! The data of one mail transaction. Its transitions live in `state.rs`.

use alloc::vec::Vec;

use crate::address::ForwardPath;
use crate::reply::Reply;

use super::events::{MailResult, RecipientStatus, Stage};
use crate::body::DotStuffer;

use super::wire::LineFixer;

/// How the body leaves the machine.
pub(crate) enum TxBody {
    /// DATA: dot-stuffed straight into the transmit buffer.
    Data(DotStuffer),
    /// BDAT: staged until a chunk is full (RFC 3030 §2).
    Bdat {
        chunk: usize,
        buf: Vec<u8>,
        last_sent: bool,
        /// `None` for BINARYMIME, whose octets go as they are.
        fixer: Option<LineFixer>,
    },
}

pub(crate) struct Transaction {
    pub(crate) paths: Vec<ForwardPath>,
    pub(crate) mail_reply: Option<Reply>,
    pub(crate) statuses: Vec<RecipientStatus>,
    pub(crate) data_reply: Option<Reply>,
    /// Set when the outcome is decided negative; the event waits until the
    /// replies still in flight for this transaction have come in.
    pub(crate) doomed: Option<(Stage, Reply)>,
    pub(crate) body: TxBody,
    /// The caller may push body bytes now.
    pub(crate) in_body: bool,
    /// `finish_body` was called.
    pub(crate) finished: bool,
    pub(crate) max_size: Option<u64>,
    pub(crate) body_octets: u64,
}

impl Transaction {
    pub(crate) fn new(paths: Vec<ForwardPath>, body: TxBody, max_size: Option<u64>) -> Self {
        Transaction {
            statuses: Vec::with_capacity(paths.len()),
            paths,
            mail_reply: None,
            data_reply: None,
            doomed: None,
            body,
            in_body: false,
            finished: false,
            max_size,
            body_octets: 0,
        }
    }

    pub(crate) fn is_bdat(&self) -> bool {
        matches!(self.body, TxBody::Bdat { .. })
    }

    pub(crate) fn accepted_rcpts(&self) -> usize {
        self.statuses
            .iter()
            .filter(|s| s.rcpt_reply.code().is_positive())
            .count()
    }

    /// Records a RCPT reply; returns whether it was the last recipient.
    pub(crate) fn record_rcpt(&mut self, index: usize, reply: Reply) -> bool {
        if let Some(path) = self.paths.get(index) {
            self.statuses.push(RecipientStatus {
                index,
                path: path.clone(),
                rcpt_reply: reply,
                delivery_reply: None,
            });
        }
        index + 1 >= self.paths.len()
    }

    /// LMTP (RFC 2033 §4.2): gives `reply` to the next accepted recipient
    /// still waiting for one. Returns its index and whether more wait.
    pub(crate) fn record_delivery(&mut self, reply: Reply) -> Option<(usize, bool)> {
        let mut waiting = self
            .statuses
            .iter_mut()
            .filter(|s| s.rcpt_reply.code().is_positive() && s.delivery_reply.is_none());
        let slot = waiting.next()?;
        let index = slot.index;
        slot.delivery_reply = Some(reply);
        let more = waiting.next().is_some();
        Some((index, more))
    }

    pub(crate) fn result(&self) -> MailResult {
        MailResult {
            mail_reply: self.mail_reply.clone(),
            recipients: self.statuses.clone(),
            data_reply: self.data_reply.clone(),
        }
    }
}
