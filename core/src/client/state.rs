//! Every transition of the client machine: which reply means what, when to
//! RSET, which commands may share a pipelined group. `mod.rs` only wraps
//! this in the documented public API.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::body::DotStuffer;
use crate::buffer::CursorBuffer;
use crate::command::Command;
use crate::ehlo::{Capabilities, Extensions};
use crate::error::{LocalError, RemoteError, SessionState};
use crate::reply::Reply;
use crate::session::{HelloKind, Security};
use crate::timer::Timestamp;

use super::auth_exchange::AuthExchange;
use super::config::ClientConfig;
use super::events::{CommandId, Event, Phase};
use super::first_bytes::{classify_first_bytes, FirstBytes};
use super::transaction::{Transaction, TxBody};
use super::wire::{self, ReplyReader};

mod auth;
mod calls;
mod mail;
mod replies;
#[cfg(test)]
mod tests;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Waiting for the server's greeting.
    Greeting,
    /// Greeted: commands may be sent.
    Open,
    /// The server said 220 to STARTTLS: nothing moves until the handshake.
    AwaitingTls,
    /// The greeting was not 220: only QUIT.
    Refused,
    /// QUIT queued or sent.
    Quitting,
    /// 421 received: waiting for EOF.
    Closing,
    /// A final event was emitted.
    Done,
}

/// Side effects of a low-level command's reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effect {
    None,
    Hello(HelloKind),
    StartTls,
    Data,
    DataEnd,
    Quit,
}

/// A command in the outbox or in flight, and what its reply means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Hello {
        verb: HelloKind,
        fallback: bool,
    },
    StartTls,
    Auth,
    Mail,
    Rcpt(usize),
    Data,
    DataEnd,
    Bdat {
        last: bool,
        /// The chunk's octets, in flight until its reply.
        octets: usize,
    },
    AutoRset,
    Low {
        id: CommandId,
        effect: Effect,
        ender: bool,
    },
}

impl Kind {
    fn phase(self) -> Phase {
        match self {
            Kind::Hello { .. }
            | Kind::Low {
                effect: Effect::Hello(_),
                ..
            } => Phase::Hello,
            Kind::StartTls
            | Kind::Low {
                effect: Effect::StartTls,
                ..
            } => Phase::StartTls,
            Kind::Auth => Phase::Auth,
            Kind::Mail => Phase::Mail,
            Kind::Rcpt(_) => Phase::Rcpt,
            Kind::Data
            | Kind::Low {
                effect: Effect::Data,
                ..
            } => Phase::Data,
            Kind::DataEnd | Kind::Bdat { last: true, .. } => Phase::DataEnd,
            Kind::Low {
                effect: Effect::DataEnd,
                ..
            } => Phase::DataEnd,
            Kind::Bdat { last: false, .. } => Phase::Bdat,
            Kind::AutoRset => Phase::Rset,
            Kind::Low {
                effect: Effect::Quit,
                ..
            } => Phase::Quit,
            Kind::Low { .. } => Phase::Command,
        }
    }

    /// RFC 2920 §3.1 (and RFC 3207 §4.2, RFC 4954 §4): after these, nothing
    /// more may be pipelined until their reply is in.
    fn ends_group(self) -> bool {
        match self {
            Kind::Hello { .. } | Kind::StartTls | Kind::Auth | Kind::Data => true,
            Kind::Low { ender, .. } => ender,
            _ => false,
        }
    }

    fn is_tx(self) -> bool {
        matches!(
            self,
            Kind::Mail | Kind::Rcpt(_) | Kind::Data | Kind::DataEnd | Kind::Bdat { .. }
        )
    }
}

/// Whether a verb ends a pipelined group (RFC 2920 §3.1, RFC 3207 §4.2,
/// RFC 4954 §4). Unknown verbs do too: their effect cannot be known.
fn verb_ends_group(verb: &[u8]) -> bool {
    const FREE: [&[u8]; 4] = [b"MAIL", b"RCPT", b"RSET", b"HELP"];
    !FREE.iter().any(|v| v.eq_ignore_ascii_case(verb))
}

fn verb_effect(verb: &[u8]) -> Effect {
    let is = |v: &[u8]| v.eq_ignore_ascii_case(verb);
    if is(b"EHLO") {
        Effect::Hello(HelloKind::Ehlo)
    } else if is(b"HELO") {
        Effect::Hello(HelloKind::Helo)
    } else if is(b"LHLO") {
        Effect::Hello(HelloKind::Lhlo)
    } else if is(b"STARTTLS") {
        Effect::StartTls
    } else if is(b"DATA") {
        Effect::Data
    } else if is(b"QUIT") {
        Effect::Quit
    } else {
        Effect::None
    }
}

fn command_effect(cmd: &Command) -> (Effect, bool) {
    match cmd {
        Command::Ehlo { .. } => (Effect::Hello(HelloKind::Ehlo), true),
        Command::Helo { .. } => (Effect::Hello(HelloKind::Helo), true),
        Command::Lhlo { .. } => (Effect::Hello(HelloKind::Lhlo), true),
        Command::StartTls => (Effect::StartTls, true),
        Command::Data => (Effect::Data, true),
        Command::Quit => (Effect::Quit, true),
        Command::Mail { .. } | Command::Rcpt { .. } | Command::Rset | Command::Help { .. } => {
            (Effect::None, false)
        }
        _ => (Effect::None, true),
    }
}

pub(crate) struct Machine {
    cfg: ClientConfig,
    now: Timestamp,
    mode: Mode,
    reader: ReplyReader,
    /// The first octets, held until they show whether the server speaks
    /// TLS (implicit TLS, RFC 8314 §3.3) instead of SMTP.
    first: Vec<u8>,
    started: bool,
    transmit: CursorBuffer,
    inflight: VecDeque<Kind>,
    outbox: VecDeque<(Kind, Vec<u8>)>,
    /// When the current wait began.
    since: Timestamp,
    /// The caller took bytes from the transmit buffer since `since`.
    progress: bool,
    events: VecDeque<Event>,
    greeting: Option<Reply>,
    hello: Option<Reply>,
    caps: Option<Capabilities>,
    tls: bool,
    authenticated: bool,
    quit_acked: bool,
    /// An RSET to send before the next command (deferred reset policy).
    rset_owed: bool,
    tx: Option<Transaction>,
    auth: Option<AuthExchange>,
    low_body: Option<(CommandId, DotStuffer)>,
    next_id: u64,
}

impl Machine {
    pub(crate) fn new(cfg: ClientConfig, now: Timestamp) -> Result<Self, LocalError> {
        Command::Ehlo {
            domain: cfg.hello_domain.clone(),
        }
        .validate()?;
        let tls = cfg.implicit_tls;
        Ok(Machine {
            reader: ReplyReader::new(cfg.reply_limits),
            cfg,
            now,
            mode: Mode::Greeting,
            first: Vec::new(),
            started: false,
            transmit: CursorBuffer::default(),
            inflight: VecDeque::new(),
            outbox: VecDeque::new(),
            since: now,
            progress: false,
            events: VecDeque::new(),
            greeting: None,
            hello: None,
            caps: None,
            tls,
            authenticated: false,
            quit_acked: false,
            rset_owed: false,
            tx: None,
            auth: None,
            low_body: None,
            next_id: 0,
        })
    }

    pub(crate) fn resume(
        cfg: ClientConfig,
        hello: Reply,
        kind: HelloKind,
        security: Security,
        now: Timestamp,
    ) -> Result<Self, LocalError> {
        if !super::sequences::succeeded(super::sequences::Exchange::Hello, hello.code()) {
            return Err(LocalError::UnsuitableReply { expected: "2yz" });
        }
        let mut m = Machine::new(cfg, now)?;
        m.mode = Mode::Open;
        m.started = true;
        m.tls = m.tls || security == Security::Tls;
        m.caps = kind.is_extended().then(|| Capabilities::from_reply(&hello));
        m.hello = Some(hello);
        Ok(m)
    }

    // ----- getters -------------------------------------------------------

    pub(crate) fn config(&self) -> &ClientConfig {
        &self.cfg
    }
    pub(crate) fn greeting(&self) -> Option<&Reply> {
        self.greeting.as_ref()
    }
    pub(crate) fn hello_reply(&self) -> Option<&Reply> {
        self.hello.as_ref()
    }
    pub(crate) fn capabilities(&self) -> Option<&Capabilities> {
        self.caps.as_ref()
    }
    pub(crate) fn is_tls(&self) -> bool {
        self.tls
    }
    pub(crate) fn is_authenticated(&self) -> bool {
        self.authenticated
    }
    pub(crate) fn is_closed(&self) -> bool {
        matches!(self.mode, Mode::Done)
    }
    pub(crate) fn in_flight(&self) -> usize {
        self.inflight.len()
    }

    pub(crate) fn phase(&self) -> Phase {
        match self.mode {
            Mode::Greeting => return Phase::Greeting,
            Mode::AwaitingTls => return Phase::TlsHandshake,
            _ => {}
        }
        if let Some(k) = self.inflight.front() {
            return k.phase();
        }
        if self.in_body() {
            return Phase::Body;
        }
        if self.auth.is_some() {
            return Phase::Auth;
        }
        if self.mode == Mode::Quitting && !self.quit_acked {
            return Phase::Quit;
        }
        Phase::Idle
    }

    fn in_body(&self) -> bool {
        self.low_body.is_some() || self.tx.as_ref().is_some_and(|t| t.in_body)
    }

    pub(crate) fn body_ready(&self) -> bool {
        if self.mode != Mode::Open || self.pending().len() > self.cfg.transmit_high_water {
            return false;
        }
        if self.low_body.is_some() {
            return true;
        }
        match &self.tx {
            Some(t) if t.body_open() => match &t.body {
                TxBody::Bdat(body) => body.has_room(),
                TxBody::Data(_) => true,
            },
            _ => false,
        }
    }

    /// Body octets sent in BDAT chunks whose replies have not come.
    fn body_in_flight(&self) -> usize {
        self.inflight
            .iter()
            .map(|k| match k {
                Kind::Bdat { octets, .. } => *octets,
                _ => 0,
            })
            .sum()
    }

    /// [`Event::ReadyForBody`], once per transaction.
    fn invite_body(&mut self) {
        if let Some(tx) = self.tx.as_mut().filter(|t| !t.invited) {
            tx.invited = true;
            tx.in_body = true;
            self.since = self.now;
            self.events.push_back(Event::ReadyForBody);
        }
    }

    fn pipelining(&self) -> bool {
        self.caps
            .as_ref()
            .is_some_and(|c| c.extensions().contains(Extensions::PIPELINING))
    }

    // ----- outputs -------------------------------------------------------

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub(crate) fn pending(&self) -> &[u8] {
        self.transmit.pending()
    }

    pub(crate) fn consume(&mut self, n: usize) {
        let n = n.min(self.transmit.len());
        if n > 0 {
            self.progress = true;
        }
        self.transmit.consume(n);
    }

    fn timeout_for(&self, phase: Phase) -> Option<u64> {
        let t = &self.cfg.timeouts;
        match phase {
            Phase::Greeting => t.greeting,
            Phase::Mail => t.mail,
            Phase::Rcpt => t.rcpt,
            Phase::Data => t.data_initiation,
            Phase::Body | Phase::Bdat => t.data_block,
            Phase::DataEnd => t.data_termination,
            _ => t.other,
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Timestamp> {
        let phase = match self.mode {
            Mode::Done | Mode::Closing | Mode::AwaitingTls | Mode::Refused => return None,
            Mode::Greeting => Phase::Greeting,
            _ => match self.inflight.front() {
                Some(k) => k.phase(),
                // RFC 5321 §4.5.3.2.5: the data-block timer runs while body
                // octets wait to be taken by the network.
                None if self.in_body() && !self.pending().is_empty() => Phase::Body,
                None => return None,
            },
        };
        self.timeout_for(phase).map(|ms| self.since.plus_millis(ms))
    }

    // ----- inputs --------------------------------------------------------

    fn tick(&mut self, now: Timestamp) {
        self.now = self.now.max(now);
    }

    pub(crate) fn handle_timeout(&mut self, now: Timestamp) {
        self.tick(now);
        let Some(deadline) = self.poll_timeout() else {
            // Nothing is timed: the wait (if any) starts from here.
            self.since = self.now;
            self.progress = false;
            return;
        };
        if self.now < deadline {
            return;
        }
        let phase = self.phase();
        if self.progress && matches!(phase, Phase::Body) {
            // The network took body bytes since the timer started: the
            // server is reading, restart the data-block timer.
            self.since = self.now;
            self.progress = false;
            return;
        }
        self.finish(Event::TimedOut { phase });
    }

    pub(crate) fn receive_eof(&mut self, now: Timestamp) {
        self.tick(now);
        if self.mode == Mode::Done {
            return;
        }
        let clean = self.mode == Mode::Quitting && self.quit_acked && self.inflight.is_empty();
        let in_flight = if clean { Phase::Idle } else { self.phase() };
        self.finish(Event::Closed { clean, in_flight });
    }

    pub(crate) fn receive_data(&mut self, bytes: &[u8], now: Timestamp) {
        self.tick(now);
        match self.mode {
            Mode::Done | Mode::Closing => return,
            Mode::AwaitingTls => {
                if !bytes.is_empty() {
                    self.fail(RemoteError::DataAfterStartTls {
                        discarded: bytes.len(),
                    });
                }
                return;
            }
            _ => {}
        }
        let mut input = bytes;
        if !self.started {
            // RFC 8314 §3.3: hold the first octets until it is clear
            // whether they are a TLS record.
            let take = 2usize.saturating_sub(self.first.len()).min(input.len());
            let (head, rest) = input.split_at_checked(take).unwrap_or((input, &[]));
            self.first.extend_from_slice(head);
            input = rest;
            match classify_first_bytes(&self.first) {
                FirstBytes::Undecided => return,
                FirstBytes::TlsRecord => {
                    self.fail(RemoteError::ImplicitTlsDetected);
                    return;
                }
                FirstBytes::Plain => {}
            }
            self.started = true;
            let first = core::mem::take(&mut self.first);
            let mut head: &[u8] = &first;
            if !self.feed(&mut head) {
                return;
            }
        }
        self.feed(&mut input);
    }

    /// Parses replies out of `input`. Returns false when the machine stopped
    /// taking input (failure, 421, STARTTLS).
    fn feed(&mut self, input: &mut &[u8]) -> bool {
        loop {
            match self.reader.next(input) {
                None => return true,
                Some(Err(e)) => {
                    self.fail(e);
                    return false;
                }
                Some(Ok(reply)) => {
                    self.on_reply(reply);
                    match self.mode {
                        Mode::Done | Mode::Closing => return false,
                        Mode::AwaitingTls => {
                            // RFC 3207 §4.2 / CVE-2011-0411: nothing the
                            // server sent before the handshake may survive.
                            if !input.is_empty() || self.reader.has_partial() {
                                self.fail(RemoteError::DataAfterStartTls {
                                    discarded: input.len(),
                                });
                            }
                            return false;
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    pub(crate) fn tls_established(&mut self, now: Timestamp) -> Result<(), LocalError> {
        if self.mode != Mode::AwaitingTls {
            return Err(self.state_error("tls_established"));
        }
        // The handshake took time: the EHLO timer starts after it.
        self.tick(now);
        // RFC 3207 §4.2: forget everything learnt before the handshake.
        self.caps = None;
        self.hello = None;
        self.authenticated = false;
        self.tls = true;
        self.reader = ReplyReader::new(self.cfg.reply_limits);
        self.mode = Mode::Open;
        self.since = self.now;
        if self.cfg.auto_hello {
            self.queue_hello(true);
        }
        Ok(())
    }

    // ----- terminal transitions -------------------------------------------

    fn finish(&mut self, event: Event) {
        self.events.push_back(event);
        self.mode = Mode::Done;
        self.drop_pending();
    }

    /// Forgets everything waiting to be sent or answered: nothing more
    /// will be (a 421, or a final event).
    pub(super) fn drop_pending(&mut self) {
        self.inflight.clear();
        self.outbox.clear();
        self.tx = None;
        self.auth = None;
        self.low_body = None;
    }

    fn fail(&mut self, e: RemoteError) {
        self.finish(Event::Failed(e));
    }

    fn state_error(&self, call: &'static str) -> LocalError {
        let state = match self.mode {
            Mode::Done | Mode::Closing | Mode::Quitting => return LocalError::Closed,
            Mode::Greeting => SessionState::Greeting,
            Mode::AwaitingTls => SessionState::TlsHandshake,
            Mode::Refused => SessionState::GreetingRefused,
            Mode::Open => {
                if self.in_body() {
                    SessionState::MessageBody
                } else if self.auth.is_some() {
                    SessionState::Auth
                } else if self.tx.is_some() {
                    SessionState::Transaction
                } else if self.hello.is_none() {
                    SessionState::NotIntroduced
                } else {
                    SessionState::Idle
                }
            }
        };
        LocalError::InvalidState { call, state }
    }

    /// Open, no transaction, no AUTH exchange, no body.
    fn check_idle(&self, call: &'static str) -> Result<(), LocalError> {
        if self.mode != Mode::Open || self.tx.is_some() || self.auth.is_some() || self.in_body() {
            return Err(self.state_error(call));
        }
        Ok(())
    }

    // ----- sending ---------------------------------------------------------

    fn send_now(&mut self, kind: Kind, line: &[u8]) {
        if self.inflight.is_empty() {
            self.since = self.now;
            self.progress = false;
        }
        self.transmit.extend(line);
        self.inflight.push_back(kind);
    }

    /// Whether a command may be written now (RFC 2920 §3.1).
    fn may_send(&self) -> bool {
        match self.inflight.back() {
            None => true,
            Some(last) => self.pipelining() && !last.ends_group(),
        }
    }

    /// Moves queued commands to the wire as far as pipelining allows.
    fn pump(&mut self) {
        if !matches!(self.mode, Mode::Open | Mode::Quitting | Mode::Refused) || self.in_body() {
            return;
        }
        while self.may_send() {
            let Some((kind, line)) = self.outbox.pop_front() else {
                break;
            };
            self.send_now(kind, &line);
        }
    }

    fn queue(&mut self, kind: Kind, line: Vec<u8>) {
        let quit = matches!(
            kind,
            Kind::Low {
                effect: Effect::Quit,
                ..
            }
        );
        self.pay_rset(quit);
        self.outbox.push_back((kind, line));
        self.pump();
    }

    /// [`ResetPolicy::Deferred`](super::config::ResetPolicy::Deferred): the
    /// RSET owed after a failed transaction goes in front of the next
    /// command, unless that command makes it pointless.
    fn pay_rset(&mut self, skip: bool) {
        if core::mem::take(&mut self.rset_owed) && !skip {
            self.outbox.push_back((
                Kind::AutoRset,
                wire::encode(&Command::Rset, self.cfg.command_spelling),
            ));
        }
    }

    fn hello_command(&self, verb: HelloKind) -> Command {
        let domain = self.cfg.hello_domain.clone();
        match verb {
            HelloKind::Ehlo => Command::Ehlo { domain },
            HelloKind::Helo => Command::Helo { domain },
            HelloKind::Lhlo => Command::Lhlo { domain },
        }
    }

    fn queue_hello(&mut self, fallback: bool) {
        let verb = if self.cfg.lmtp {
            HelloKind::Lhlo
        } else {
            HelloKind::Ehlo
        };
        self.queue_verb(verb, fallback && verb == HelloKind::Ehlo);
    }

    fn queue_verb(&mut self, verb: HelloKind, fallback: bool) {
        let line = wire::encode(&self.hello_command(verb), self.cfg.command_spelling);
        self.queue(Kind::Hello { verb, fallback }, line);
    }

    fn next_id(&mut self) -> CommandId {
        let id = CommandId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        id
    }
}
