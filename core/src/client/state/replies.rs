//! What each reply means outside a mail transaction: the greeting, EHLO
//! and HELO (with the HELO fallback of RFC 5321 §4.1.4), 421 (§3.8) and
//! the replies to low-level commands. Transaction replies are in `mail.rs`.

use crate::body::DotStuffer;
use crate::ehlo::Capabilities;
use crate::error::RemoteError;
use crate::reply::Reply;

use super::super::events::{CommandId, Event, Phase, Stage};
use super::super::sequences::{
    is_service_closing, reply_meaning, succeeded, Exchange, ReplyMeaning,
};
use super::super::transaction::Transaction;
use super::{Effect, HelloKind, Kind, Machine, Mode};

impl Machine {
    // ----- replies ---------------------------------------------------------

    pub(super) fn on_reply(&mut self, reply: Reply) {
        if self.mode == Mode::Greeting {
            self.on_greeting(reply);
            return;
        }
        let Some(kind) = self.inflight.pop_front() else {
            if is_service_closing(reply.code()) {
                // RFC 5321 §3.8: a server may announce shutdown unprompted.
                // A transaction under way (its body being written) fails
                // with it rather than vanish.
                let phase = self.phase();
                if let Some(tx) = self.tx.take() {
                    self.closing_failure(tx, &reply);
                }
                self.closing(reply, phase);
            } else {
                self.fail(RemoteError::UnexpectedReply);
            }
            return;
        };
        self.since = self.now;
        self.progress = false;
        let is_quit = matches!(
            kind,
            Kind::Low {
                effect: Effect::Quit,
                ..
            }
        );
        if !is_quit && is_service_closing(reply.code()) {
            self.on_421(kind, reply);
            return;
        }
        self.dispatch(kind, reply);
        // The body's last chunk goes before anything queued behind it.
        self.flush_bdat();
        self.pump();
    }

    fn on_greeting(&mut self, reply: Reply) {
        self.since = self.now;
        self.greeting = Some(reply.clone());
        if succeeded(Exchange::Greeting, reply.code()) {
            self.mode = Mode::Open;
            self.events.push_back(Event::Greeting { reply });
            if self.cfg.auto_hello {
                self.queue_hello(true);
            }
        } else {
            // RFC 5321 §3.1: a 554 (or 421) greeting; the client should QUIT.
            self.mode = Mode::Refused;
            self.events.push_back(Event::GreetingRefused { reply });
        }
    }

    /// RFC 5321 §3.8: 421 ends the session. The command it answered gets
    /// its own outcome first; the rest is dropped.
    fn on_421(&mut self, kind: Kind, reply: Reply) {
        let phase = kind.phase();
        if let Some(mut tx) = self.tx.take() {
            // The ledger reads the 421 as the answer to its command (a
            // closing failure at that step) unless the outcome was decided
            // before: a refused MAIL before a pipelined RCPT got the 421 is
            // the failure to report.
            let code = reply.code();
            let answer = reply.clone();
            match kind {
                Kind::Mail => {
                    tx.ledger.on_mail(code, answer);
                }
                Kind::Rcpt(index) if tx.doomed.is_none() => {
                    tx.ledger.on_rcpt(code, answer);
                    self.events.push_back(Event::RecipientReply {
                        index,
                        reply: reply.clone(),
                    });
                }
                Kind::Data => {
                    tx.ledger.on_data(code, answer);
                }
                Kind::Bdat { last: false, .. } => {
                    tx.ledger.on_bdat(code, answer);
                }
                _ => {
                    tx.ledger.on_data_end(code, answer);
                }
            }
            if tx.doomed.is_none() && tx.ledger.closing_reply().is_some() {
                // LMTP: the recipients answered before the 421 keep their
                // outcome; the 421 is the reply for the others.
                let result = tx.result();
                self.events.push_back(Event::TransactionFinished { result });
                self.closing(reply, phase);
                return;
            }
            self.closing_failure(tx, &reply);
        } else {
            self.mode = Mode::Closing;
            self.dispatch(kind, reply.clone());
        }
        self.closing(reply, phase);
    }

    /// The transaction a 421 ended: the failure decided before it (a
    /// refused MAIL ahead of a pipelined RCPT), else the one the ledger
    /// read from it, else the data did not get through.
    fn closing_failure(&mut self, tx: Transaction, reply: &Reply) {
        let result = tx.result();
        let decided = tx.ledger.failure().map(|(s, r)| (s, r.clone()));
        let (stage, failed) = tx
            .doomed
            .or(decided)
            .unwrap_or((Stage::DataEnd, reply.clone()));
        self.events.push_back(Event::TransactionFailed {
            stage,
            reply: failed,
            result,
        });
    }

    fn closing(&mut self, reply: Reply, in_flight: Phase) {
        self.events
            .push_back(Event::ServiceClosing { reply, in_flight });
        self.mode = Mode::Closing;
        self.drop_pending();
    }

    fn dispatch(&mut self, kind: Kind, reply: Reply) {
        match kind {
            Kind::Hello { verb, fallback } => self.on_hello(verb, fallback, reply),
            Kind::StartTls => {
                if succeeded(Exchange::StartTls, reply.code()) {
                    self.mode = Mode::AwaitingTls;
                    self.events.push_back(Event::TlsHandshake { reply });
                } else {
                    self.events.push_back(Event::StartTlsRefused { reply });
                }
            }
            Kind::Auth => self.on_auth(reply),
            Kind::Mail => self.on_mail(reply),
            Kind::Rcpt(i) => self.on_rcpt(i, reply),
            Kind::Data => self.on_data(reply),
            Kind::DataEnd | Kind::Bdat { last: true, .. } => self.on_data_end(kind, reply),
            Kind::Bdat { last: false, .. } => self.on_bdat(reply),
            Kind::AutoRset => {}
            Kind::Low { id, effect, .. } => self.on_low(id, effect, reply),
        }
    }

    fn on_hello(&mut self, verb: HelloKind, fallback: bool, reply: Reply) {
        let ok = succeeded(Exchange::Hello, reply.code());
        match (verb, ok) {
            (HelloKind::Ehlo | HelloKind::Lhlo, true) => {
                let capabilities = Capabilities::from_reply(&reply);
                self.caps = Some(capabilities.clone());
                self.hello = Some(reply.clone());
                self.events.push_back(Event::EhloAccepted {
                    reply,
                    capabilities,
                });
            }
            (HelloKind::Ehlo | HelloKind::Lhlo, false) => {
                // RFC 5321 §4.1.4 / §3.2: a server that does not know EHLO
                // answers 5yz; HELO is the fallback.
                let falling_back = fallback && reply.code().is_permanent();
                self.events.push_back(Event::EhloRefused {
                    reply,
                    falling_back,
                });
                if falling_back {
                    self.queue_verb(HelloKind::Helo, false);
                }
            }
            (HelloKind::Helo, true) => {
                self.caps = None;
                self.hello = Some(reply.clone());
                self.events.push_back(Event::HeloAccepted { reply });
            }
            (HelloKind::Helo, false) => self.events.push_back(Event::HeloRefused { reply }),
        }
    }

    fn on_low(&mut self, id: CommandId, effect: Effect, reply: Reply) {
        let code = reply.code();
        match effect {
            Effect::Hello(verb) if succeeded(Exchange::Hello, code) => {
                self.caps = match verb {
                    HelloKind::Helo => None,
                    _ => Some(Capabilities::from_reply(&reply)),
                };
                self.hello = Some(reply.clone());
            }
            Effect::StartTls if succeeded(Exchange::StartTls, code) => {
                self.mode = Mode::AwaitingTls
            }
            Effect::Data if reply_meaning(Exchange::Data, code) == ReplyMeaning::Intermediate => {
                self.low_body = Some((id, DotStuffer::new(self.cfg.line_endings)));
            }
            Effect::Quit => self.quit_acked = succeeded(Exchange::Quit, code),
            _ => {}
        }
        self.events.push_back(Event::Reply { id, reply });
    }
}
