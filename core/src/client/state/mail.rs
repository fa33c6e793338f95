//! Transitions of a mail transaction: what each reply to MAIL, RCPT,
//! DATA, BDAT and the end of data means, when the outcome is final, and
//! when RSET follows.

use crate::command::Command;
use crate::reply::Reply;

use super::super::config::ResetPolicy;
use super::super::events::{Event, Stage};
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
                _ => self
                    .outbox
                    .push_front((Kind::AutoRset, wire::encode(&Command::Rset))),
            }
        }
    }

    pub(super) fn doomed(&self) -> bool {
        self.tx.as_ref().is_some_and(|t| t.doomed.is_some())
    }

    pub(super) fn on_mail(&mut self, reply: Reply) {
        let Some(tx) = &mut self.tx else { return };
        tx.mail_reply = Some(reply.clone());
        if !reply.code().is_positive() {
            self.doom(Stage::Mail, reply);
        }
    }

    pub(super) fn on_rcpt(&mut self, index: usize, reply: Reply) {
        if self.doomed() {
            // MAIL was refused: pipelined RCPTs are not recipients' results.
            self.settle();
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        let last = tx.record_rcpt(index, reply.clone());
        self.events.push_back(Event::RecipientReply {
            index,
            reply: reply.clone(),
        });
        if !last {
            return;
        }
        if tx.accepted_rcpts() == 0 {
            // No body byte goes out when nobody takes it (RFC 2920 §3.1).
            self.doom(Stage::Recipients, reply);
        } else if tx.is_bdat() {
            tx.in_body = true;
            self.since = self.now;
            self.events.push_back(Event::ReadyForBody);
        }
    }

    pub(super) fn on_data(&mut self, reply: Reply) {
        let code = reply.code().get();
        if self.doomed() {
            if code == 354 {
                // RFC 2920 §3.1: DATA accepted although no recipient was:
                // send an empty message, then RSET.
                self.send_now(Kind::DataEnd, b".\r\n");
            } else {
                self.settle();
            }
            return;
        }
        let Some(tx) = &mut self.tx else { return };
        if code == 354 {
            tx.in_body = true;
            self.since = self.now;
            self.events.push_back(Event::ReadyForBody);
        } else {
            self.doom(Stage::Data, reply);
        }
    }

    pub(super) fn on_bdat(&mut self, reply: Reply) {
        if self.doomed() {
            self.settle();
        } else if !reply.code().is_positive() {
            // RFC 3030 §2: the server discards the rest; RSET follows.
            self.doom(Stage::Body, reply);
        }
    }

    pub(super) fn on_data_end(&mut self, kind: Kind, reply: Reply) {
        if self.doomed() {
            self.settle();
            return;
        }
        let lmtp = self.cfg.lmtp;
        let Some(tx) = &mut self.tx else { return };
        if lmtp {
            // RFC 2033 §4.2: one reply per accepted recipient, in order.
            let Some((index, more)) = tx.record_delivery(reply.clone()) else {
                return;
            };
            self.events.push_back(Event::DeliveryReply { index, reply });
            if more {
                self.inflight.push_front(kind);
                return;
            }
        } else {
            tx.data_reply = Some(reply.clone());
            if !reply.code().is_positive() {
                self.doom(Stage::DataEnd, reply);
                return;
            }
        }
        let result = tx.result();
        self.tx = None;
        self.events.push_back(Event::TransactionFinished { result });
    }
}
