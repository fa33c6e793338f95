//! Command lines: framing, parsing and the sequencing rules of RFC 5321
//! §4.1.4 and §4.3.2, before the application sees anything.

use crate::address::{ForwardPath, ReversePath};
use crate::command::{BodyType, Command, CommandError, MailParameters, RcptParameters};
use crate::ehlo::Extensions;
use crate::framing::Frame;

use super::auth::AUTH_LINE_LIMIT;
use super::data::{ChunkState, Drain};
use super::defaults::{auth_usable, display};
use super::events::{Event, Refusal};
use super::state::{Awaiting, Machine, Mode};
use crate::session::HelloKind;

impl Machine {
    /// Whether `ext` is in force: offered, and the client said EHLO/LHLO
    /// (extensions do not exist after HELO, RFC 5321 §2.2.1).
    pub(super) fn ext_on(&self, ext: Extensions) -> bool {
        matches!(self.hello, Some(HelloKind::Ehlo | HelloKind::Lhlo)) && self.cfg.offers(ext)
    }

    /// The line limit for what is at the front of the input: AUTH lines may
    /// carry a long initial response (RFC 4954 §4).
    fn line_limit(&self) -> usize {
        let auth = self
            .input
            .get(..5)
            .is_some_and(|v| v.eq_ignore_ascii_case(b"AUTH "));
        if auth && !self.cfg.auth_mechanisms.is_empty() {
            AUTH_LINE_LIMIT.max(self.cfg.max_command_line)
        } else {
            self.cfg.max_command_line
        }
    }

    /// Reads one command line, if complete. Returns whether input was used.
    pub(super) fn step_command(&mut self) -> bool {
        if !self.framer.is_skipping() {
            let limit = self.line_limit();
            self.framer.set_limit(limit);
        }
        let frame = self.framer.next_line(&self.input);
        match frame {
            Frame::Line { consumed, .. } => {
                // Outside a transaction UTF-8 comes only with MAIL's own
                // SMTPUTF8 parameter; inside, only if MAIL had it (RFC 6531
                // §3.4).
                let utf8 = self.txn.as_ref().is_some_and(|t| t.smtputf8);
                let line = frame.line(&self.input).unwrap_or_default();
                let parsed = Command::parse(line, utf8);
                self.drop_input(consumed);
                self.dispatch(parsed);
                true
            }
            Frame::Incomplete { consumed } => {
                self.drop_input(consumed);
                consumed > 0
            }
            Frame::TooLong { consumed } => {
                self.drop_input(consumed);
                let reply = self.defaults().line_too_long();
                self.refuse(Refusal::LineTooLong, reply, true);
                true
            }
            Frame::BareLineEnding { consumed, .. } => {
                self.drop_input(consumed);
                let reply = self.defaults().bare_line_ending();
                self.refuse(Refusal::BareLineEnding, reply, true);
                true
            }
        }
    }

    fn dispatch(&mut self, parsed: Result<Command, CommandError>) {
        if self.no_service() {
            // RFC 5321 §3.1: after 554, wait for QUIT and answer 503.
            if let Ok(Command::Quit) = parsed {
                self.ask(Event::Quit, Awaiting::Quit);
            } else {
                let reply = self.defaults().no_service();
                self.refuse(Refusal::NoService, reply, true);
            }
            return;
        }
        let cmd = match parsed {
            Ok(cmd) => cmd,
            Err(e) => {
                let d = self.defaults();
                let reply = match &e {
                    CommandError::UnknownCommand => d.unrecognized(),
                    CommandError::Utf8NotAllowed => d.utf8_not_allowed(),
                    _ => d.syntax("5.5.4"),
                };
                self.refuse(Refusal::Syntax(e), reply, true);
                return;
            }
        };
        let lmtp = self.cfg.lmtp;
        match cmd {
            Command::Ehlo { domain } if !lmtp => {
                let client = display(&domain);
                self.ask(
                    Event::Ehlo { domain },
                    Awaiting::Hello {
                        kind: HelloKind::Ehlo,
                        client,
                    },
                );
            }
            Command::Helo { domain } if !lmtp => {
                let client = display(&domain);
                self.ask(
                    Event::Helo { domain },
                    Awaiting::Hello {
                        kind: HelloKind::Helo,
                        client,
                    },
                );
            }
            Command::Lhlo { domain } if lmtp => {
                let client = display(&domain);
                self.ask(
                    Event::Lhlo { domain },
                    Awaiting::Hello {
                        kind: HelloKind::Lhlo,
                        client,
                    },
                );
            }
            Command::Ehlo { .. } | Command::Helo { .. } | Command::Lhlo { .. } => {
                // RFC 2033 §4.1: no positive reply to the other protocol's
                // greeting; 500 recommended.
                let reply = self.defaults().wrong_protocol();
                self.refuse(Refusal::NotImplemented, reply, true);
            }
            Command::Mail { from, params } => self.on_mail(from, params),
            Command::Rcpt { to, params } => self.on_rcpt(to, params),
            Command::Data => self.on_data(),
            Command::Bdat { size, last } => self.on_bdat(size, last),
            Command::Rset => self.ask(Event::Rset, Awaiting::Rset),
            Command::Noop { .. } => self.ask(Event::Noop, Awaiting::Noop),
            Command::Quit => self.ask(Event::Quit, Awaiting::Quit),
            Command::Vrfy { argument } if self.cfg.offers(Extensions::VRFY) => {
                self.ask(Event::Vrfy { argument }, Awaiting::Vrfy);
            }
            Command::Expn { argument } if self.cfg.offers(Extensions::EXPN) => {
                self.ask(Event::Expn { argument }, Awaiting::Expn);
            }
            Command::Help { topic } if self.cfg.offers(Extensions::HELP) => {
                self.ask(Event::Help { topic }, Awaiting::Help);
            }
            Command::StartTls if self.cfg.offers(Extensions::STARTTLS) => {
                if self.tls {
                    let reply = self.defaults().bad_sequence("TLS already active");
                    self.refuse(Refusal::BadSequence, reply, true);
                } else {
                    self.ask(Event::StartTls, Awaiting::StartTls);
                }
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => self.on_auth(mechanism, initial_response),
            _ => {
                // VRFY, EXPN, HELP or STARTTLS switched off.
                let reply = self.defaults().not_implemented();
                self.refuse(Refusal::NotImplemented, reply, true);
            }
        }
    }

    fn sequence_error(&mut self, text: &str) {
        let reply = self.defaults().bad_sequence(text);
        self.refuse(Refusal::BadSequence, reply, true);
    }

    fn on_mail(&mut self, from: ReversePath, params: MailParameters) {
        if self.hello.is_none() {
            let text = if self.cfg.lmtp {
                "Send LHLO first"
            } else {
                "Send EHLO or HELO first"
            };
            return self.sequence_error(text);
        }
        if self.txn.is_some() {
            return self.sequence_error("Nested MAIL command");
        }
        if self.cfg.tls_required && !self.tls {
            let reply = self.defaults().tls_required();
            return self.refuse(Refusal::TlsRequired, reply, false);
        }
        if self.cfg.auth_required && !self.authenticated {
            let reply = self.defaults().auth_required();
            return self.refuse(Refusal::AuthRequired, reply, false);
        }
        if !self.mail_params_allowed(&params) {
            let reply = self.defaults().param_not_implemented();
            return self.refuse(Refusal::ParameterNotImplemented, reply, true);
        }
        if let (Some(size), Some(max)) = (params.size, self.cfg.max_message_size) {
            if size > max {
                // RFC 1870 §6: refuse at once a declared size over the limit.
                let reply = self.defaults().size_exceeded();
                return self.refuse(Refusal::MessageTooLarge, reply, false);
            }
        }
        let awaiting = Awaiting::Mail {
            smtputf8: params.smtputf8,
            body: params.body,
        };
        self.ask(Event::MailFrom { from, params }, awaiting);
    }

    /// RFC 5321 §4.1.1.11: parameters of extensions not offered, and
    /// unknown ones, are refused (555).
    fn mail_params_allowed(&self, p: &MailParameters) -> bool {
        let body_ok = match p.body {
            None => true,
            Some(BodyType::BinaryMime) => {
                self.ext_on(Extensions::BINARY_MIME) && self.ext_on(Extensions::CHUNKING)
            }
            Some(_) => self.ext_on(Extensions::EIGHT_BIT_MIME),
        };
        body_ok
            && (p.size.is_none() || self.ext_on(Extensions::SIZE))
            && (!p.smtputf8 || self.ext_on(Extensions::SMTPUTF8))
            && ((p.ret.is_none() && p.envid.is_none()) || self.ext_on(Extensions::DSN))
            && (p.auth.is_none() || auth_usable(&self.cfg, self.tls))
            && (!p.requiretls || (self.tls && self.ext_on(Extensions::REQUIRETLS)))
            && p.other.is_empty()
    }

    fn on_rcpt(&mut self, to: ForwardPath, params: RcptParameters) {
        let Some(txn) = self.txn.as_ref() else {
            return self.sequence_error("Need MAIL before RCPT");
        };
        if txn.bdat_used {
            return self.sequence_error("RCPT after BDAT");
        }
        if txn.rcpts.len() >= self.cfg.max_recipients {
            let reply = self.defaults().too_many_recipients();
            return self.refuse(Refusal::TooManyRecipients, reply, false);
        }
        let dsn = params.notify.is_some() || params.orcpt.is_some();
        if (dsn && !self.ext_on(Extensions::DSN)) || !params.other.is_empty() {
            let reply = self.defaults().param_not_implemented();
            return self.refuse(Refusal::ParameterNotImplemented, reply, true);
        }
        let event = Event::RcptTo {
            to: to.clone(),
            params,
        };
        self.ask(event, Awaiting::Rcpt(to));
    }

    fn on_data(&mut self) {
        let Some(txn) = self.txn.as_ref() else {
            return self.sequence_error("Need MAIL command");
        };
        if txn.rcpts.is_empty() {
            // RFC 5321 §3.3 allows 503 or 554 when every RCPT was refused;
            // 554 is what a pipelining client expects (RFC 2920 §4).
            let reply = self.defaults().no_valid_recipients();
            return self.refuse(Refusal::NoValidRecipients, reply, false);
        }
        if txn.bdat_used {
            // RFC 3030 §2: DATA after BDAT in one transaction.
            return self.sequence_error("DATA after BDAT");
        }
        if txn.body == Some(BodyType::BinaryMime) {
            // RFC 3030 §3: BINARYMIME needs BDAT.
            return self.sequence_error("BINARYMIME requires BDAT");
        }
        self.ask(Event::Data, Awaiting::Data);
    }

    /// BDAT: the chunk is always read off the wire, even when refused, so
    /// its data is never taken for commands (RFC 3030 §2).
    fn on_bdat(&mut self, size: u64, last: bool) {
        let problem = if !self.ext_on(Extensions::CHUNKING) {
            Some(Drain::NotImplemented)
        } else {
            match self.txn.as_mut() {
                Some(txn) if !txn.rcpts.is_empty() => {
                    txn.bdat_used = true;
                    None
                }
                _ => Some(Drain::BadSequence),
            }
        };
        if problem.is_none() {
            self.events.push_back(Event::Bdat { size, last });
        }
        self.mode = Mode::Chunk(ChunkState::new(size, last, problem));
    }
}
