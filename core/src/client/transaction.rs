//! The data of one mail transaction. Its transitions live in `state.rs`.

use alloc::vec::Vec;

use crate::address::ForwardPath;
use crate::reply::Reply;

use super::bdat::BdatBody;
use super::events::{MailResult, RecipientStatus, Stage};
use super::ledger::TransactionLedger;
use crate::body::DotStuffer;

/// How the body leaves the machine.
pub(crate) enum TxBody {
    /// DATA: dot-stuffed straight into the transmit buffer.
    Data(DotStuffer),
    /// BDAT: staged until a chunk is full (RFC 3030 §2).
    Bdat(BdatBody),
}

pub(crate) struct Transaction {
    pub(crate) paths: Vec<ForwardPath>,
    /// The replies and the rules that read them (shared with callers that
    /// run a transaction command by command).
    pub(crate) ledger: TransactionLedger<Reply>,
    /// Set when the outcome is decided negative; the event waits until the
    /// replies still in flight for this transaction have come in.
    pub(crate) doomed: Option<(Stage, Reply)>,
    pub(crate) body: TxBody,
    /// The caller may push body bytes now.
    pub(crate) in_body: bool,
    /// [`Event::ReadyForBody`](super::Event::ReadyForBody) was emitted.
    pub(crate) invited: bool,
    /// BDAT chunks pipelined (RFC 2920, RFC 3030 §2): at most this many
    /// body octets wait for their replies. `None`: each chunk waits for
    /// every reply before it.
    pub(crate) window: Option<usize>,
    /// `finish_body` was called.
    pub(crate) finished: bool,
    pub(crate) max_size: Option<u64>,
    pub(crate) body_octets: u64,
}

impl Transaction {
    pub(crate) fn new(
        paths: Vec<ForwardPath>,
        body: TxBody,
        max_size: Option<u64>,
        lmtp: bool,
        window: Option<usize>,
    ) -> Self {
        Transaction {
            ledger: TransactionLedger::new(paths.len(), lmtp),
            paths,
            doomed: None,
            body,
            in_body: false,
            invited: false,
            window,
            finished: false,
            max_size,
            body_octets: 0,
        }
    }

    pub(crate) fn is_bdat(&self) -> bool {
        matches!(self.body, TxBody::Bdat(_))
    }

    /// The caller may send the body: the server will take it (or, with
    /// pipelined BDAT, its replies will say so), it is not finished, and
    /// no reply doomed the transaction.
    pub(crate) fn body_open(&self) -> bool {
        self.in_body && !self.finished && self.doomed.is_none()
    }

    /// Every reply so far, with the recipients' paths.
    pub(crate) fn result(&self) -> MailResult {
        let recipients = self
            .ledger
            .entries()
            .iter()
            .filter_map(|e| {
                Some(RecipientStatus {
                    index: e.index,
                    path: self.paths.get(e.index)?.clone(),
                    rcpt_reply: e.rcpt_reply.clone(),
                    // LMTP: a 421 answered for the recipients still waiting.
                    delivery_reply: match &e.delivery {
                        Some((reply, _)) => Some(reply.clone()),
                        None if e.accepted => self.ledger.closing_reply().cloned(),
                        None => None,
                    },
                })
            })
            .collect();
        MailResult {
            mail_reply: self.ledger.mail_reply().cloned(),
            recipients,
            data_reply: self.ledger.data_reply().cloned(),
        }
    }
}
