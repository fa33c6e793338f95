//! The application's answers: `accept()`, `reply()` and SCRAM
//! credentials, checked against what is awaited, then carried out.

use crate::address::DomainRef;
use crate::auth::ScramCredentials;
use crate::command::CommandRef;
use crate::error::LocalError;
use crate::reply::{Reply, ReplyCode};

use super::super::answers::{self, Awaiting, Then};
use super::super::auth::AuthStep;
use super::super::events::Event;
use super::super::message::DataReader;
use super::{kept_line, Machine, Mode};

/// The client domain in an EHLO/HELO/LHLO line.
fn hello_domain(line: Option<&[u8]>, utf8: bool) -> DomainRef<'_> {
    match line.map(|l| CommandRef::parse(l, utf8)) {
        Some(Ok(
            CommandRef::Ehlo { domain } | CommandRef::Helo { domain } | CommandRef::Lhlo { domain },
        )) => domain,
        _ => DomainRef::Name(""),
    }
}

impl Machine {
    /// `accept()` (`custom` is `None`) or `reply(custom)`.
    pub(in super::super) fn answer(
        &mut self,
        custom: Option<Reply>,
        call: &'static str,
    ) -> Result<(), LocalError> {
        let Some(awaiting) = self.awaiting.as_ref() else {
            return Err(self.state_error(call));
        };
        if let Some(r) = &custom {
            answers::check_reply(awaiting, r.code())?;
            if r.code() == ReplyCode::AUTH_CONTINUE && r.line_count() != 1 {
                // RFC 4954 §4: a challenge is one line, `334 SP [base64]`.
                return Err(LocalError::UnsuitableReply {
                    expected: "a one-line 334",
                });
            }
        }
        let positive = custom.as_ref().is_none_or(|r| r.code().is_positive());
        let credentials_due = matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials());
        if matches!(awaiting, Awaiting::Auth) && positive && credentials_due {
            // SCRAM: only the machine can accept, once it checked the proof.
            return Err(self.state_error(call));
        }
        let Some(awaiting) = self.awaiting.take() else {
            return Ok(());
        };
        self.answered = true;
        let code = if let Awaiting::Refused {
            proposed,
            times,
            then_fail,
        } = awaiting
        {
            let reply = custom.unwrap_or(proposed);
            for _ in 0..times {
                self.send(&reply);
            }
            if let Some(kept) = self.kept.take() {
                self.input.consume(kept.consumed);
            }
            if let Some(error) = then_fail {
                self.finish(Event::Failed(error));
            }
            Some(reply.code())
        } else if let Awaiting::Auth | Awaiting::SaslStep = awaiting {
            let code = custom.as_ref().map(Reply::code);
            if let Mode::Sasl(mut exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
                let step = exchange.verdict(custom);
                self.auth_step(exchange, step);
            }
            code
        } else {
            let code = match custom {
                Some(reply) => {
                    self.send(&reply);
                    reply.code()
                }
                None => self.send_default(&awaiting),
            };
            // The command is answered: its line is no longer needed.
            if let Some(kept) = self.kept.take() {
                self.input.consume(kept.consumed);
            }
            let then = answers::apply(awaiting, code, &mut self.session);
            self.then(then);
            Some(code)
        };
        if code == Some(ReplyCode::SERVICE_UNAVAILABLE) && !self.is_closed() {
            // RFC 5321 §3.8: 421 announces the end of the session.
            self.close(false);
        }
        self.advance();
        Ok(())
    }

    /// Writes the RFC default reply to `awaiting`; returns its code.
    fn send_default(&mut self, awaiting: &Awaiting) -> ReplyCode {
        let client = match awaiting {
            Awaiting::Hello { .. } => hello_domain(
                kept_line(self.kept, &self.input),
                self.session.utf8_allowed(),
            ),
            _ => DomainRef::Name(""),
        };
        let canned = answers::default_reply(awaiting, client, &self.session, &self.cfg);
        self.replies.write(&canned, &self.cfg, self.transmit.back())
    }

    fn then(&mut self, then: Then) {
        match then {
            Then::ReadOn => {}
            Then::ReadData => self.mode = Mode::Data(DataReader::new(&self.cfg)),
            Then::StartTls => {
                self.mode = Mode::TlsPending;
                self.events.push_back(Event::TlsHandshake);
                let discarded = self.input.len();
                self.input.clear();
                if discarded > 0 {
                    // RFC 3207 §5 / CVE-2011-0411: bytes pipelined behind
                    // STARTTLS are never parsed. Reported after
                    // TlsHandshake, as bytes arriving later would be.
                    self.events
                        .push_back(Event::DataAfterStartTls { discarded });
                }
            }
            Then::Close => self.close(true),
            Then::Await(next) => self.awaiting = Some(next),
        }
    }

    /// `334 <base64 of challenge>` to the awaited [`Event::SaslStep`].
    pub(in super::super) fn sasl_challenge(&mut self, challenge: &[u8]) -> Result<(), LocalError> {
        if !matches!(self.awaiting, Some(Awaiting::SaslStep)) {
            return Err(self.state_error("sasl_challenge"));
        }
        self.awaiting = None;
        self.answered = true;
        if let Mode::Sasl(exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
            let step = AuthStep::Challenge(challenge.to_vec());
            self.auth_step(exchange, step);
        }
        self.advance();
        Ok(())
    }

    pub(in super::super) fn provide_scram_credentials(
        &mut self,
        credentials: ScramCredentials,
    ) -> Result<(), LocalError> {
        let due = matches!(self.awaiting, Some(Awaiting::Auth))
            && matches!(&self.mode, Mode::Sasl(s) if s.needs_credentials());
        if !due {
            return Err(self.state_error("provide_scram_credentials"));
        }
        self.awaiting = None;
        self.answered = true;
        if let Mode::Sasl(mut exchange) = core::mem::replace(&mut self.mode, Mode::Command) {
            let step = exchange.provide_credentials(credentials);
            self.auth_step(exchange, step);
        }
        self.advance();
        Ok(())
    }
}
