//! The caller's commands: each validates everything first (a
//! [`LocalError`] leaves the machine untouched), then queues its lines.
//! What the replies mean is decided in `state.rs`.

use alloc::string::String;
use alloc::vec::Vec;

use crate::auth::{
    encode_continuation, encode_response, AuthError, Credentials, Mechanism, SaslClient,
};
use crate::command::Command;
use crate::ehlo::{Capabilities, Extensions};
use crate::error::{LocalError, SessionState};

use super::super::auth_exchange::AuthExchange;
use super::super::bdat::BdatBody;
use super::super::config::MAX_PIPELINED_CHUNKS;
use super::super::envelope::{prepare, Envelope};
use super::super::events::CommandId;
use super::super::transaction::{Transaction, TxBody};
use super::super::wire::{self, LineFixer};
use super::{command_effect, verb_effect, verb_ends_group, Effect, HelloKind, Kind, Machine, Mode};
use crate::body::DotStuffer;

impl Machine {
    // ----- app commands ---------------------------------------------------

    pub(crate) fn ehlo(&mut self, fallback: bool) -> Result<(), LocalError> {
        self.check_idle(if fallback { "hello" } else { "ehlo" })?;
        self.queue_hello(fallback);
        Ok(())
    }

    pub(crate) fn helo(&mut self) -> Result<(), LocalError> {
        self.check_idle("helo")?;
        self.queue_verb(HelloKind::Helo, false);
        Ok(())
    }

    pub(crate) fn starttls(&mut self) -> Result<(), LocalError> {
        self.check_idle("starttls")?;
        if self.tls {
            return Err(LocalError::InvalidState {
                call: "starttls",
                state: SessionState::TlsActive,
            });
        }
        if !self
            .caps
            .as_ref()
            .is_some_and(|c| c.extensions().contains(Extensions::STARTTLS))
        {
            return Err(LocalError::ExtensionNotOffered {
                extension: "STARTTLS",
            });
        }
        self.queue(
            Kind::StartTls,
            wire::encode(&Command::StartTls, self.cfg.command_spelling),
        );
        Ok(())
    }

    fn check_auth_offered(&self, call: &'static str) -> Result<&Capabilities, LocalError> {
        self.check_idle(call)?;
        match &self.caps {
            Some(c) if c.extensions().contains(Extensions::AUTH) => Ok(c),
            _ => Err(LocalError::ExtensionNotOffered { extension: "AUTH" }),
        }
    }

    pub(crate) fn authenticate(
        &mut self,
        mechanism: Option<Mechanism>,
        creds: Credentials,
        nonce: Option<&str>,
    ) -> Result<(), LocalError> {
        let caps = self.check_auth_offered("authenticate")?;
        let mech = match mechanism {
            Some(m) => m,
            None => crate::auth::choose(
                &caps.auth_mechanisms().collect::<Vec<_>>(),
                &self.cfg.auth_preference,
                &creds,
            )
            .ok_or(LocalError::NoCommonMechanism)?,
        };
        let mut sasl = SaslClient::new(mech.clone(), creds, nonce).map_err(|e| match e {
            AuthError::UnsupportedMechanism => LocalError::NoCommonMechanism,
            other => LocalError::InvalidCredentials {
                reason: other.reason(),
            },
        })?;
        if self.cfg.login_initial_username {
            sasl = sasl.with_initial_username();
        }
        let initial = sasl.initial_response();
        self.start_auth(String::from(mech.name()), Some(sasl), initial);
        Ok(())
    }

    pub(crate) fn auth_custom(
        &mut self,
        mechanism: &str,
        initial: Option<&[u8]>,
    ) -> Result<(), LocalError> {
        self.check_auth_offered("auth_custom")?;
        let Some(mech) = Mechanism::parse(mechanism) else {
            return Err(LocalError::CommandInjection { field: "mechanism" });
        };
        self.start_auth(String::from(mech.name()), None, initial.map(<[u8]>::to_vec));
        Ok(())
    }

    fn start_auth(
        &mut self,
        mechanism: String,
        sasl: Option<SaslClient>,
        initial: Option<Vec<u8>>,
    ) {
        let mut line = Vec::with_capacity(64);
        line.extend_from_slice(b"AUTH ");
        line.extend_from_slice(mechanism.as_bytes());
        let mut deferred = None;
        if let Some(ir) = initial {
            // RFC 4954 §4: "=" is an empty initial response; the AUTH
            // command stays within SMTP's command line limit (RFC 5321
            // §4.5.3.1.4), so an initial response that would pass it waits
            // for the first 334, where lines may be as long as
            // `auth::MAX_RESPONSE_LINE`.
            let enc = encode_response(&ir);
            let fits = line.len() + 1 + enc.len() + 2 <= crate::framing::MAX_COMMAND_LINE;
            if self.cfg.auth_initial_response && fits {
                line.push(b' ');
                line.extend_from_slice(enc.as_bytes());
            } else {
                deferred = Some(ir);
            }
        }
        line.extend_from_slice(b"\r\n");
        self.auth = Some(AuthExchange {
            mechanism,
            sasl,
            challenges: 0,
            deferred,
            awaiting_caller: false,
            cancelled: false,
            error: None,
        });
        self.queue(Kind::Auth, line);
    }

    fn take_caller_turn(&mut self, call: &'static str) -> Result<(), LocalError> {
        match &mut self.auth {
            Some(a) if a.awaiting_caller && self.mode == Mode::Open => {
                a.awaiting_caller = false;
                Ok(())
            }
            _ => Err(self.state_error(call)),
        }
    }

    pub(crate) fn auth_respond(&mut self, response: &[u8]) -> Result<(), LocalError> {
        self.take_caller_turn("auth_respond")?;
        self.send_now(Kind::Auth, &wire::line(&encode_continuation(response)));
        Ok(())
    }

    pub(crate) fn auth_cancel(&mut self) -> Result<(), LocalError> {
        self.take_caller_turn("auth_cancel")?;
        self.cancel_auth(None);
        Ok(())
    }

    /// RFC 4954 §4: "*" cancels; the server answers 501.
    pub(super) fn cancel_auth(&mut self, error: Option<AuthError>) {
        if let Some(a) = &mut self.auth {
            a.cancelled = true;
            a.error = error;
        }
        self.send_now(Kind::Auth, b"*\r\n");
    }

    pub(crate) fn send_mail(&mut self, env: &Envelope) -> Result<(), LocalError> {
        self.check_idle("send_mail")?;
        if self.hello.is_none() {
            return Err(self.state_error("send_mail"));
        }
        // Pipelined, chunks the envelope does not size are a quarter of the
        // window, so four overlap the round trips (see MAX_PIPELINED_CHUNKS).
        let pipelined_bdat = self.pipelining() && self.cfg.max_in_flight > 0;
        let default_chunk = if pipelined_bdat {
            let share = (self.cfg.max_in_flight / MAX_PIPELINED_CHUNKS).max(1);
            self.cfg.bdat_chunk_size.min(share)
        } else {
            self.cfg.bdat_chunk_size
        };
        let p = prepare(env, self.caps.as_ref(), default_chunk, self.tls)?;
        // RFC 2920 §3.1 lets BDAT follow RCPT in a group and RFC 3030 §2
        // has a PIPELINING server discard chunks after a failed one: the
        // body may go before the envelope is answered, within the window.
        // At most MAX_PIPELINED_CHUNKS chunks ride in the window, so a
        // doomed transaction draws few refusals.
        let window = p.bdat.filter(|_| pipelined_bdat).map(|chunk| {
            let by_count = chunk.saturating_mul(MAX_PIPELINED_CHUNKS);
            self.cfg.max_in_flight.min(by_count)
        });
        let body = match p.bdat {
            Some(chunk) => TxBody::Bdat(BdatBody::new(
                window.map_or(chunk, |w| chunk.min(w)),
                (!p.binary).then(|| LineFixer::new(self.cfg.line_endings)),
            )),
            None => TxBody::Data(DotStuffer::new(self.cfg.line_endings)),
        };
        let paths = env.recipients.iter().map(|r| r.path.clone()).collect();
        self.tx = Some(Transaction::new(
            paths,
            body,
            p.max_size,
            self.cfg.lmtp,
            window,
        ));
        // RFC 2920 §3.1: with PIPELINING, MAIL, every RCPT and DATA leave in
        // one group; without it `pump` sends them one reply at a time.
        self.pay_rset(false);
        self.outbox
            .push_back((Kind::Mail, wire::encode(&p.mail, self.cfg.command_spelling)));
        for (i, r) in p.rcpts.iter().enumerate() {
            self.outbox
                .push_back((Kind::Rcpt(i), wire::encode(r, self.cfg.command_spelling)));
        }
        if p.bdat.is_none() {
            self.outbox.push_back((
                Kind::Data,
                wire::encode(&Command::Data, self.cfg.command_spelling),
            ));
        }
        self.pump();
        // The chunks follow the envelope on the wire, so only once all of
        // it is there (a command in flight that ends a group holds it).
        if window.is_some() && self.outbox.is_empty() {
            self.invite_body();
        }
        Ok(())
    }

    pub(crate) fn send_body(&mut self, chunk: &[u8]) -> Result<(), LocalError> {
        let pending = self.pending().len();
        let limit = self.cfg.transmit_high_water;
        if self.mode == Mode::Open {
            if let Some((_, st)) = &mut self.low_body {
                if pending > limit {
                    return Err(LocalError::BufferFull { pending, limit });
                }
                return st
                    .push(chunk, self.transmit.back())
                    .map_err(LocalError::from);
            }
        }
        let Some(tx) = body_in_progress(&mut self.tx, self.mode) else {
            return Err(self.state_error("send_body"));
        };
        if pending > limit {
            return Err(LocalError::BufferFull { pending, limit });
        }
        // RFC 1870 §6: never send more than the server said it takes. The
        // size counts CRLF line endings, so a body is measured after
        // normalisation (and the piece taken back if it is too much).
        let (sent, max_size) = (tx.body_octets, tx.max_size);
        let too_large = |size: u64| match max_size {
            Some(limit) if size > limit => Err(LocalError::MessageTooLarge { size, limit }),
            _ => Ok(()),
        };
        tx.body_octets = match &mut tx.body {
            TxBody::Data(st) => {
                let (saved, mark) = (st.clone(), self.transmit.back().len());
                st.push(chunk, self.transmit.back())?;
                let size = st.message_octets();
                if let Err(e) = too_large(size) {
                    *st = saved;
                    self.transmit.back().truncate(mark);
                    return Err(e);
                }
                size
            }
            TxBody::Bdat(body) => {
                if !body.has_room() {
                    // A whole chunk waits for the window (the replies to
                    // chunks in flight).
                    return Err(LocalError::BufferFull {
                        pending: body.waiting(),
                        limit: body.chunk_size(),
                    });
                }
                let added =
                    body.push(chunk, |added| too_large(sent.saturating_add(added as u64)))?;
                sent.saturating_add(added as u64)
            }
        };
        if self.inflight.is_empty() {
            self.since = self.now;
        }
        self.flush_bdat();
        Ok(())
    }

    pub(crate) fn finish_body(&mut self) -> Result<(), LocalError> {
        if self.mode == Mode::Open {
            if let Some((id, st)) = &mut self.low_body {
                let id = *id;
                st.finish(self.transmit.back())?;
                self.low_body = None;
                self.send_now(
                    Kind::Low {
                        id,
                        effect: Effect::DataEnd,
                        ender: false,
                    },
                    &[],
                );
                return Ok(());
            }
        }
        let Some(tx) = body_in_progress(&mut self.tx, self.mode) else {
            return Err(self.state_error("finish_body"));
        };
        match &mut tx.body {
            TxBody::Data(st) => {
                st.finish(self.transmit.back())?;
                tx.finished = true;
                tx.in_body = false;
                self.send_now(Kind::DataEnd, &[]);
            }
            TxBody::Bdat(body) => {
                body.finish()?;
                tx.finished = true;
                self.flush_bdat();
            }
        }
        Ok(())
    }

    /// Sends the BDAT chunks that may go: within the window when chunks
    /// are pipelined, else one at a time once every reply is in (RFC 3030
    /// §4.1 without PIPELINING).
    pub(super) fn flush_bdat(&mut self) {
        loop {
            let ahead = self.body_in_flight();
            let idle = self.inflight.is_empty();
            let Some(tx) = self.tx.as_mut().filter(|t| t.doomed.is_none()) else {
                return;
            };
            let TxBody::Bdat(body) = &tx.body else {
                return;
            };
            let Some((octets, last)) = body.next_chunk(tx.finished) else {
                return;
            };
            let may_go = match tx.window {
                Some(window) => ahead.saturating_add(octets) <= window,
                None => idle,
            };
            if !may_go {
                return;
            }
            if last {
                tx.in_body = false;
            }
            let bdat = Command::Bdat {
                size: octets as u64,
                last,
            };
            let line = wire::encode(&bdat, self.cfg.command_spelling);
            self.send_now(Kind::Bdat { last, octets }, &line);
            if let Some(Transaction {
                body: TxBody::Bdat(body),
                ..
            }) = &mut self.tx
            {
                body.send(octets, last, self.transmit.back());
            }
        }
    }

    pub(crate) fn send_command(&mut self, cmd: Command) -> Result<CommandId, LocalError> {
        let (effect, ender) = command_effect(&cmd);
        self.check_low("send_command", effect)?;
        if matches!(cmd, Command::Bdat { .. }) {
            return Err(LocalError::InvalidArgument {
                field: "BDAT",
                rule: "BDAT carries data: use send_mail",
            });
        }
        cmd.validate()?;
        let is_rset = cmd == Command::Rset;
        Ok(self.send_low(
            effect,
            ender,
            is_rset,
            &wire::encode(&cmd, self.cfg.command_spelling),
        ))
    }

    pub(crate) fn send_raw(&mut self, line: &str) -> Result<CommandId, LocalError> {
        let verb = line.split(' ').next().unwrap_or("").as_bytes();
        let (effect, ender) = (verb_effect(verb), verb_ends_group(verb));
        self.check_low("send_raw", effect)?;
        wire::check_line("line", line.as_bytes())?;
        let mut bytes = Vec::with_capacity(line.len() + 2);
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(b"\r\n");
        let is_rset = line.eq_ignore_ascii_case("RSET");
        Ok(self.send_low(effect, ender, is_rset, &bytes))
    }

    fn check_low(&self, call: &'static str, effect: Effect) -> Result<(), LocalError> {
        // RFC 5321 §3.1: after a refused greeting only QUIT makes sense.
        if !(self.mode == Mode::Refused && effect == Effect::Quit) {
            self.check_idle(call)?;
        }
        if !self.outbox.is_empty() || !self.may_send() {
            return Err(LocalError::PipeliningNotOffered);
        }
        Ok(())
    }

    fn send_low(&mut self, effect: Effect, ender: bool, is_rset: bool, line: &[u8]) -> CommandId {
        let id = self.next_id();
        if effect == Effect::Quit {
            self.mode = Mode::Quitting;
        }
        let kind = Kind::Low { id, effect, ender };
        if self.rset_owed {
            // The owed RSET goes first; the command follows it as
            // pipelining allows. The caller's own RSET pays the debt.
            self.pay_rset(effect == Effect::Quit || is_rset);
            self.queue(kind, line.to_vec());
        } else {
            self.send_now(kind, line);
        }
        id
    }

    pub(crate) fn quit(&mut self) -> Result<CommandId, LocalError> {
        // RFC 2920 §4: QUIT may follow the final dot at once, or a
        // transaction whose failure is already decided; its outcome is
        // still reported.
        let body_sent = self
            .tx
            .as_ref()
            .is_some_and(|t| t.doomed.is_some() || t.finished && !t.in_body);
        let open = self.mode == Mode::Open && self.auth.is_none() && !self.in_body();
        if !(self.mode == Mode::Refused || open && (self.tx.is_none() || body_sent)) {
            return Err(self.state_error("quit"));
        }
        let id = self.next_id();
        self.mode = Mode::Quitting;
        self.queue(
            Kind::Low {
                id,
                effect: Effect::Quit,
                ender: true,
            },
            wire::encode(&Command::Quit, self.cfg.command_spelling),
        );
        Ok(id)
    }
}

/// The transaction whose body the caller may send now (the connection is
/// open and [`Transaction::body_open`]).
fn body_in_progress(tx: &mut Option<Transaction>, mode: Mode) -> Option<&mut Transaction> {
    tx.as_mut().filter(|t| mode == Mode::Open && t.body_open())
}
