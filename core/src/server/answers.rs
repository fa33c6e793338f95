//! The application's answers: `accept()` / `reply()` checked against what
//! is awaited, the default reply, and the effect of the answer.

use alloc::vec::Vec;

use crate::error::LocalError;
use crate::reply::{Reply, ReplyCode};

use super::data::DataState;
use super::defaults::display;
use super::events::Event;
use super::state::{Awaiting, Machine, Mode, Transaction};
use crate::session::HelloKind;

impl Machine {
    // ---- the application's answers ----

    /// `accept()` (`custom` is `None`) or `reply(custom)`.
    pub(super) fn answer(
        &mut self,
        custom: Option<Reply>,
        call: &'static str,
    ) -> Result<(), LocalError> {
        if self.is_closed() {
            return Err(LocalError::Closed);
        }
        let Some(awaiting) = self.awaiting.as_ref() else {
            return Err(self.state_error(call));
        };
        if let Some(r) = &custom {
            check_reply(awaiting, r.code())?;
        }
        let positive = custom.as_ref().is_none_or(|r| r.code().is_positive());
        if matches!(awaiting, Awaiting::Auth) && positive && !self.auth_accept_allowed() {
            // SCRAM: only the machine can accept, once it checked the proof.
            return Err(self.state_error(call));
        }
        let Some(awaiting) = self.awaiting.take() else {
            return Ok(());
        };
        self.answered = true;
        let code = if let Awaiting::Auth = awaiting {
            let code = custom.as_ref().map(Reply::code);
            self.answer_auth(custom);
            code
        } else {
            let reply = match custom {
                Some(r) => r,
                None => self.default_reply(&awaiting),
            };
            self.send(&reply);
            let code = reply.code();
            self.apply(awaiting, code);
            Some(code)
        };
        if code == Some(ReplyCode::SERVICE_UNAVAILABLE) && !self.is_closed() {
            // RFC 5321 §3.8: 421 announces the end of the session.
            self.close(false);
        }
        self.advance();
        Ok(())
    }

    fn default_reply(&self, awaiting: &Awaiting) -> Reply {
        let d = self.defaults();
        match awaiting {
            Awaiting::Hello {
                kind: HelloKind::Helo,
                client,
            } => d.helo(client),
            Awaiting::Hello { client, .. } => d.ehlo(client, self.tls),
            Awaiting::Mail { .. } => d.sender_ok(),
            Awaiting::Rcpt(_) => d.recipient_ok(),
            Awaiting::Data => d.start_data(),
            Awaiting::Chunk { size } => d.chunk_ok(*size),
            Awaiting::MessageEnd { next, .. } => {
                let rcpt = self.txn.as_ref().and_then(|t| t.rcpts.get(*next));
                match rcpt {
                    Some(r) if self.cfg.lmtp => d.delivered(&display(r)),
                    _ => d.message_accepted(),
                }
            }
            Awaiting::Rset | Awaiting::Noop => d.ok(),
            Awaiting::Vrfy => d.vrfy(),
            Awaiting::Expn => d.expn(),
            Awaiting::Help => d.help(),
            Awaiting::Quit => d.bye(),
            Awaiting::StartTls => d.start_tls(),
            Awaiting::Auth => d.auth_ok(),
        }
    }

    /// The effect of an answer: a command takes effect only when its reply
    /// is positive (RFC 5321 §4.2.1).
    fn apply(&mut self, awaiting: Awaiting, code: ReplyCode) {
        let positive = code.is_positive() || code.is_intermediate();
        match awaiting {
            Awaiting::Hello { kind, .. } => {
                if positive {
                    // RFC 5321 §4.1.4: EHLO/HELO reset the transaction.
                    self.hello = Some(kind);
                    self.txn = None;
                }
            }
            Awaiting::Mail { smtputf8, body } => {
                if positive {
                    self.txn = Some(Transaction {
                        smtputf8,
                        body,
                        rcpts: Vec::new(),
                        bdat_used: false,
                        octets: 0,
                        oversize: false,
                    });
                }
            }
            Awaiting::Rcpt(to) => {
                if let (true, Some(txn)) = (positive, self.txn.as_mut()) {
                    txn.rcpts.push(to);
                }
            }
            Awaiting::Data => {
                if positive {
                    self.mode = Mode::Data(DataState::new(&self.cfg));
                }
            }
            Awaiting::Chunk { .. } => {
                if !positive {
                    // RFC 3030 §2: a failed chunk fails the transaction.
                    self.txn = None;
                }
            }
            Awaiting::MessageEnd { next, total } => {
                if next + 1 < total {
                    self.awaiting = Some(Awaiting::MessageEnd {
                        next: next + 1,
                        total,
                    });
                } else {
                    self.txn = None;
                }
            }
            Awaiting::Rset => {
                if positive {
                    self.txn = None;
                }
            }
            Awaiting::Quit => self.close(true),
            Awaiting::StartTls => {
                if positive {
                    self.mode = Mode::TlsPending;
                    self.events.push_back(Event::TlsHandshake);
                    let discarded = self.input.len();
                    self.input.clear();
                    if discarded > 0 {
                        // RFC 3207 §5 / CVE-2011-0411: bytes pipelined
                        // behind STARTTLS are never parsed. Reported after
                        // TlsHandshake, as bytes arriving later would be.
                        self.events
                            .push_back(Event::DataAfterStartTls { discarded });
                    }
                }
            }
            Awaiting::Noop | Awaiting::Auth | Awaiting::Vrfy | Awaiting::Expn | Awaiting::Help => {}
        }
    }
}

/// Which reply codes make sense for what is awaited.
fn check_reply(awaiting: &Awaiting, code: ReplyCode) -> Result<(), LocalError> {
    let negative = code.is_transient() || code.is_permanent();
    let (ok, expected) = match awaiting {
        Awaiting::Data => (
            code == ReplyCode::START_MAIL_INPUT || negative,
            "354, 4xx or 5xx",
        ),
        Awaiting::StartTls => (
            code == ReplyCode::SERVICE_READY || negative,
            "220, 4xx or 5xx",
        ),
        // RFC 5321 §3.8: 421 may answer any command.
        Awaiting::Quit => (
            code == ReplyCode::CLOSING || code == ReplyCode::SERVICE_UNAVAILABLE,
            "221 or 421",
        ),
        Awaiting::Auth => (
            code == ReplyCode::AUTH_SUCCESSFUL || negative,
            "235, 4xx or 5xx",
        ),
        _ => (code.is_positive() || negative, "2xx, 4xx or 5xx"),
    };
    if ok {
        Ok(())
    } else {
        Err(LocalError::UnsuitableReply { expected })
    }
}
