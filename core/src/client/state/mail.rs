//! Transitions of a mail transaction: what each reply to MAIL, RCPT,
//! DATA, BDAT and the end of data means, when the outcome is final, and
//! when RSET follows.

use crate::command::Command;
use crate::reply::Reply;

use super::super::config::ResetPolicy;
use super::super::events::{Event, Stage};
use super::super::ledger::Expect;
use super::super::sequences::{reply_meaning, Exchange, ReplyMeaning};
use super::super::wire;
use super::{Kind, Machine, Mode};

impl Machine {
    // ----- transaction replies ---------------------------------------------

    /// Records the negative outcome; the event waits for the replies still
    /// in flight so a pipelined and an unpipelined run report the same.
    pub(super) fn doom(&mut self, stage: Stage, reply: Reply) {
        if let Some(tx) = &mut self.tx {
            if tx.doomed.is_none() {
                tx.doomed = Some((stage, reply));
            }
            tx.in_body = false;
        }
        self.outbox.retain(|(k, _)| !k.is_tx());
        self.settle();
    }

    /// Emits the failure once no reply of the transaction is outstanding,
    /// then RSET (RFC 5321 §4.1.1.5).
    pub(super) fn settle(&mut self) {
        let pending = self.inflight.iter().any(|k| k.is_tx());
        let Some(tx) = self.tx.as_mut().filter(|t| t.doomed.is_some() && !pending) else {
            return;
        };
        let result = tx.result();
        let Some((stage, reply)) = tx.doomed.take() else {
            return;
        };
        self.tx = None;
        self.events.push_back(Event::TransactionFailed {
            stage,
            reply,
            result,
        });
        // After QUIT there is nothing to reset.
        if self.mode != Mode::Quitting {
            match self.cfg.reset_after_failure {
                ResetPolicy::Deferred => self.rset_owed = true,
                _ => self.outbox.push_front((
                    Kind::AutoRset,
                    wire::encode(&Command::Rset, self.cfg.command_spelling),
                )),
            }
        }
    }

    pub(super) fn doomed(&self) -> bool {
        self.tx.as_ref().is_some_and(|t| t.doomed.is_some())
    }

    /// The ledger's verdict after a reply: a failure dooms the transaction.
    fn judged(&mut self, expect: Expect) {
        if expect != Expect::Done {
            return;
        }
        let failure = self.tx.as_ref().and_then(|tx| {
            let (stage, reply) = tx.ledger.failure()?;
            Some((stage, reply.clone()))
        });
        if let Some((stage, reply)) = failure {
            self.doom(stage, reply);
        }
    }

    pub(super) fn on_mail(&mut self, reply: Reply) {
        let Some(tx) = &mut self.tx else { return };
        let expect = tx.ledger.on_mail(reply.code(), reply);
        self.judged(expect);
    }

    pub(super) fn on_rcpt(&mut self, index: usize, reply: Reply) {
        if self.doomed() {
            // MAIL was refused: pipelined RCPTs are not recipients' results.
            self.settle();
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        let expect = tx.ledger.on_rcpt(reply.code(), reply.clone());
        let bdat = tx.is_bdat();
        self.events
            .push_back(Event::RecipientReply { index, reply });
        if expect == Expect::Data && bdat {
            // Unless pipelined BDAT invited the body with the envelope.
            self.invite_body();
        }
        // No body byte goes out when nobody takes it (RFC 2920 §3.1).
        self.judged(expect);
    }

    pub(super) fn on_data(&mut self, reply: Reply) {
        if self.doomed() {
            if reply_meaning(Exchange::Data, reply.code()) == ReplyMeaning::Intermediate {
                // RFC 2920 §3.1: DATA accepted although no recipient was:
                // send an empty message, then RSET.
                self.send_now(Kind::DataEnd, b".\r\n");
            } else {
                self.settle();
            }
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        let expect = tx.ledger.on_data(reply.code(), reply);
        if expect == Expect::Body {
            self.invite_body();
        }
        self.judged(expect);
    }

    pub(super) fn on_bdat(&mut self, reply: Reply) {
        if self.doomed() {
            self.settle();
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        // RFC 3030 §2: after a refused chunk the server discards the rest;
        // RSET follows.
        let expect = tx.ledger.on_bdat(reply.code(), reply);
        self.judged(expect);
    }

    pub(super) fn on_data_end(&mut self, kind: Kind, reply: Reply) {
        if self.doomed() {
            self.settle();
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        // RFC 2033 §4.2: one reply per accepted recipient, in order.
        let delivery = tx.ledger.awaiting_delivery();
        let expect = tx.ledger.on_data_end(reply.code(), reply.clone());
        if let Some(index) = delivery {
            self.events.push_back(Event::DeliveryReply { index, reply });
            if expect != Expect::Done {
                self.inflight.push_front(kind);
                return;
            }
        }
        if tx.ledger.failure().is_some() {
            self.judged(expect);
            return;
        }
        let result = tx.result();
        self.tx = None;
        self.events.push_back(Event::TransactionFinished { result });
    }
}
