//! The bookkeeping of one mail transaction, reply by reply: which command
//! comes next, which recipients were refused, and how the transaction ends.
//!
//! The machine keeps one per transaction. A caller that runs a transaction
//! itself, one command and one reply at a time (its own command loop, or
//! a compatibility layer whose users hook each command), keeps one too and
//! reaches the outcome the machine would have reported for the same
//! replies: the rules are not written twice.
//!
//! The ledger holds the caller's own reply values (`R`): the machine keeps
//! [`Reply`](crate::Reply)s, another caller may keep its own reply type
//! (one that need not be `Clone`).

use alloc::vec::Vec;

use crate::reply::ReplyCode;

use super::events::Stage;
use super::sequences::{reply_meaning, Exchange, ReplyMeaning};

/// What the ledger waits for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Expect {
    /// The reply to MAIL FROM.
    Mail,
    /// The reply to RCPT TO for the recipient at this index.
    Rcpt(usize),
    /// The envelope is done and a recipient was accepted: send DATA (its
    /// reply goes to [`on_data`](TransactionLedger::on_data)) or the BDAT
    /// chunks.
    Data,
    /// Send the body, then end it; a BDAT chunk's reply goes to
    /// [`on_bdat`](TransactionLedger::on_bdat), the end's to
    /// [`on_data_end`](TransactionLedger::on_data_end).
    Body,
    /// LMTP (RFC 2033 §4.2): the reply for the accepted recipient at this
    /// index, to [`on_data_end`](TransactionLedger::on_data_end).
    Delivery(usize),
    /// The transaction is over: see [`failure`](TransactionLedger::failure).
    Done,
}

/// One recipient and what the server said about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerEntry<R> {
    /// Position in the envelope.
    pub index: usize,
    /// The reply to its RCPT TO.
    pub rcpt_reply: R,
    /// Whether that reply accepted it.
    pub accepted: bool,
    /// LMTP: the reply for it after the body, and whether it was delivered.
    pub delivery: Option<(R, bool)>,
}

impl<R> LedgerEntry<R> {
    /// The reply that refused this recipient (at RCPT, or in LMTP at
    /// delivery), if one did.
    pub fn refusal(&self) -> Option<&R> {
        match &self.delivery {
            _ if !self.accepted => Some(&self.rcpt_reply),
            Some((reply, false)) => Some(reply),
            _ => None,
        }
    }
}

/// Replies of one mail transaction, and the rules that read them.
///
/// ```
/// use smtp_core::client::{Expect, TransactionLedger};
/// use smtp_core::ReplyCode;
///
/// let code = |c| ReplyCode::new(c).unwrap();
/// // Two recipients; the replies are kept as the caller's own values.
/// let mut ledger = TransactionLedger::new(2, false);
/// assert_eq!(ledger.on_mail(code(250), "250 ok"), Expect::Rcpt(0));
/// assert_eq!(ledger.on_rcpt(code(550), "550 no such user"), Expect::Rcpt(1));
/// assert_eq!(ledger.on_rcpt(code(250), "250 ok"), Expect::Data);
/// assert_eq!(ledger.on_data(code(354), "354 go ahead"), Expect::Body);
/// // ... the caller sends the dot-stuffed body and the final dot ...
/// assert_eq!(ledger.on_data_end(code(250), "250 queued"), Expect::Done);
/// assert_eq!(ledger.failure(), None);
/// assert_eq!(ledger.refused().collect::<Vec<_>>(), [(0, &"550 no such user")]);
/// ```
#[derive(Clone, Debug)]
pub struct TransactionLedger<R> {
    recipients: usize,
    lmtp: bool,
    expect: Expect,
    mail_reply: Option<R>,
    entries: Vec<LedgerEntry<R>>,
    data_reply: Option<R>,
    failure: Option<(Stage, Decider<R>)>,
    closing: bool,
    /// LMTP: the 421 that answered for every recipient still waiting.
    closing_reply: Option<R>,
}

/// Where the reply that decided a failure is kept (so `R` need not be
/// `Clone`: a binding's reply objects may not be).
#[derive(Clone, Debug)]
enum Decider<R> {
    Mail,
    LastRcpt,
    DataEnd,
    Own(R),
}

impl<R> TransactionLedger<R> {
    /// A transaction to `recipients` recipients; `lmtp` for RFC 2033's one
    /// reply per accepted recipient after the body.
    pub fn new(recipients: usize, lmtp: bool) -> Self {
        TransactionLedger {
            recipients,
            lmtp,
            expect: Expect::Mail,
            mail_reply: None,
            entries: Vec::with_capacity(recipients),
            data_reply: None,
            failure: None,
            closing: false,
            closing_reply: None,
        }
    }

    /// What comes next.
    pub fn expect(&self) -> Expect {
        self.expect
    }

    /// The reply to MAIL FROM.
    pub fn on_mail(&mut self, code: ReplyCode, reply: R) -> Expect {
        if self.expect != Expect::Mail {
            return self.expect;
        }
        self.mail_reply = Some(reply);
        match reply_meaning(Exchange::Mail, code) {
            ReplyMeaning::Success if self.recipients > 0 => self.expect = Expect::Rcpt(0),
            // No recipient to send: nobody can take the message.
            ReplyMeaning::Success => self.fail(Stage::Recipients, Decider::Mail),
            meaning => self.end(meaning, Stage::Mail, Decider::Mail),
        }
        self.expect
    }

    /// The reply to the RCPT TO that [`expect`](Self::expect) named.
    pub fn on_rcpt(&mut self, code: ReplyCode, reply: R) -> Expect {
        let Expect::Rcpt(index) = self.expect else {
            return self.expect;
        };
        let meaning = reply_meaning(Exchange::Rcpt, code);
        self.entries.push(LedgerEntry {
            index,
            rcpt_reply: reply,
            accepted: meaning == ReplyMeaning::Success,
            delivery: None,
        });
        if meaning == ReplyMeaning::Closing {
            // RFC 5321 §3.8: no later RCPT will be answered.
            self.end(meaning, Stage::Recipients, Decider::LastRcpt);
        } else if index + 1 < self.recipients {
            self.expect = Expect::Rcpt(index + 1);
        } else if self.accepted_rcpts() == 0 {
            // Nobody takes the message: no body byte goes out (RFC 2920 §3.1).
            self.fail(Stage::Recipients, Decider::LastRcpt);
        } else {
            self.expect = Expect::Data;
        }
        self.expect
    }

    /// The reply to DATA: 354 invites the body.
    pub fn on_data(&mut self, code: ReplyCode, reply: R) -> Expect {
        if self.expect != Expect::Data {
            return self.expect;
        }
        match reply_meaning(Exchange::Data, code) {
            ReplyMeaning::Intermediate => self.expect = Expect::Body,
            meaning => self.end(meaning, Stage::Data, Decider::Own(reply)),
        }
        self.expect
    }

    /// The reply to a BDAT chunk that is not the last (RFC 3030 §2).
    pub fn on_bdat(&mut self, code: ReplyCode, reply: R) -> Expect {
        if !matches!(self.expect, Expect::Data | Expect::Body) {
            return self.expect;
        }
        match reply_meaning(Exchange::Bdat, code) {
            ReplyMeaning::Success => self.expect = Expect::Body,
            meaning => self.end(meaning, Stage::Body, Decider::Own(reply)),
        }
        self.expect
    }

    /// A reply after the end of the data: SMTP's one, or in LMTP the one
    /// for the recipient [`Expect::Delivery`] names.
    pub fn on_data_end(&mut self, code: ReplyCode, reply: R) -> Expect {
        if !matches!(
            self.expect,
            Expect::Data | Expect::Body | Expect::Delivery(_)
        ) {
            return self.expect;
        }
        let meaning = reply_meaning(Exchange::DataEnd, code);
        if meaning == ReplyMeaning::Closing && self.lmtp {
            // RFC 2033 §4.2 with RFC 5321 §3.8: the recipients still
            // waiting get no reply of their own, so the 421 answers for
            // them; those already answered keep their replies. Not a
            // failure of the whole transaction: some may have the message.
            self.closing = true;
            self.closing_reply = Some(reply);
            self.expect = Expect::Done;
            return self.expect;
        }
        if meaning == ReplyMeaning::Closing {
            self.end(meaning, Stage::DataEnd, Decider::Own(reply));
            return self.expect;
        }
        if !self.lmtp {
            self.data_reply = Some(reply);
            if meaning == ReplyMeaning::Success {
                self.expect = Expect::Done;
            } else {
                self.fail(Stage::DataEnd, Decider::DataEnd);
            }
            return self.expect;
        }
        // RFC 2033 §4.2: one reply per accepted recipient, in RCPT order.
        let delivered = meaning == ReplyMeaning::Success;
        let mut waiting = self
            .entries
            .iter_mut()
            .filter(|e| e.accepted && e.delivery.is_none());
        if let Some(entry) = waiting.next() {
            entry.delivery = Some((reply, delivered));
        }
        self.expect = match waiting.next() {
            Some(next) => Expect::Delivery(next.index),
            None => Expect::Done,
        };
        self.expect
    }

    /// LMTP: the accepted recipient the next reply after the body is for.
    pub fn awaiting_delivery(&self) -> Option<usize> {
        if !self.lmtp {
            return None;
        }
        self.entries
            .iter()
            .find(|e| e.accepted && e.delivery.is_none())
            .map(|e| e.index)
    }

    fn end(&mut self, meaning: ReplyMeaning, stage: Stage, decider: Decider<R>) {
        self.closing = meaning == ReplyMeaning::Closing;
        self.fail(stage, decider);
    }

    fn fail(&mut self, stage: Stage, decider: Decider<R>) {
        self.failure = Some((stage, decider));
        self.expect = Expect::Done;
    }

    /// How many recipients were accepted at RCPT.
    pub fn accepted_rcpts(&self) -> usize {
        self.entries.iter().filter(|e| e.accepted).count()
    }

    /// How many recipients took the message: accepted at RCPT and, in
    /// LMTP, delivered.
    pub fn delivered(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| match &e.delivery {
                _ if !e.accepted => false,
                Some((_, ok)) => *ok,
                None => !self.lmtp,
            })
            .count()
    }

    /// LMTP: the 421 that ended the deliveries, answering for every
    /// recipient that had no reply yet.
    pub fn closing_reply(&self) -> Option<&R> {
        self.closing_reply.as_ref()
    }

    /// The step that failed and the reply that decided it (for
    /// [`Stage::Recipients`], the last RCPT reply), once the transaction
    /// ended in failure.
    pub fn failure(&self) -> Option<(Stage, &R)> {
        let (stage, decider) = self.failure.as_ref()?;
        let reply = match decider {
            Decider::Mail => self.mail_reply.as_ref(),
            Decider::LastRcpt => self.entries.last().map(|e| &e.rcpt_reply),
            Decider::DataEnd => self.data_reply.as_ref(),
            Decider::Own(reply) => Some(reply),
        }?;
        Some((*stage, reply))
    }

    /// Whether a 421 ended the transaction: the caller closes the
    /// connection instead of resetting it.
    pub fn closing(&self) -> bool {
        self.closing
    }

    /// Whether the caller owes an RSET: the transaction failed and the
    /// connection stays open (RFC 5321 §4.1.1.5 clears the server's state).
    pub fn reset_owed(&self) -> bool {
        self.failure.is_some() && !self.closing
    }

    /// The reply to MAIL FROM, once read.
    pub fn mail_reply(&self) -> Option<&R> {
        self.mail_reply.as_ref()
    }

    /// One entry per recipient whose RCPT was answered, in envelope order.
    pub fn entries(&self) -> &[LedgerEntry<R>] {
        &self.entries
    }

    /// SMTP: the reply after the end of the data.
    pub fn data_reply(&self) -> Option<&R> {
        self.data_reply.as_ref()
    }

    /// The recipients refused at RCPT or (LMTP) at delivery, with the
    /// refusing reply, in envelope order: what a sender reports back per
    /// recipient when the message went to the others.
    pub fn refused(&self) -> impl Iterator<Item = (usize, &R)> {
        self.entries.iter().filter_map(|e| {
            let unanswered = e.accepted && e.delivery.is_none();
            match self.closing_reply.as_ref() {
                Some(closing) if unanswered => Some((e.index, closing)),
                _ => e.refusal().map(|r| (e.index, r)),
            }
        })
    }
}

#[cfg(test)]
mod tests;
