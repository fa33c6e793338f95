//! ClientConnection against ServerConnection in memory, on a virtual clock:
//! the session both applications run, for `pair_matrix.rs`. The client
//! sends the same message twice (the second transaction shows the session
//! is still in step after the first one's outcome); the server application
//! accepts everything but what the [`Verdict`] refuses in the first
//! transaction.
#![allow(dead_code)]

use smtp_core::auth::{Credentials, Mechanism, ScramCredentials, Verification};
use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event as CEvent};
use smtp_core::command::CommandRef;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event as SEvent, ServerConfig, ServerConnection};
use smtp_core::{Domain, ForwardPath, LocalError, Reply, ReplyCode, ReversePath, Timestamp};

/// The client's BDAT chunk size in these runs.
pub const PAIR_CHUNK: usize = 64 * 1024;

pub const PASSWORD: &str = "correct horse";
pub const TOKEN: &str = "ya29.token";

#[derive(Clone, Copy, Debug)]
pub struct Combo {
    pub pipelining: bool,
    pub chunking: bool,
    pub smtputf8: bool,
    pub lmtp: bool,
    pub starttls: bool,
    pub auth: Option<&'static str>,
    /// The client's `max_in_flight`.
    pub window: usize,
}

impl Combo {
    pub fn plain(pipelining: bool, chunking: bool, lmtp: bool) -> Self {
        Combo {
            pipelining,
            chunking,
            smtputf8: false,
            lmtp,
            starttls: false,
            auth: None,
            window: smtp_core::client::DEFAULT_MAX_IN_FLIGHT,
        }
    }
}

/// What the server application refuses in the first transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    AcceptAll,
    /// RCPT of this recipient: 550.
    RefuseRcpt(usize),
    /// Every RCPT: 550.
    RefuseAllRcpts,
    /// MAIL: 550.
    RefuseMail,
    /// The end of this BDAT chunk (0-based; not the last): 552.
    RefuseChunk(usize),
    /// The end of this BDAT chunk: 421, and the server closes.
    CloseAtChunk(usize),
    /// The end of the message: 554 (LMTP: for this recipient only).
    RefuseMessage(usize),
}

/// What the server application saw.
#[derive(Default, Debug)]
pub struct Received {
    pub from: Vec<ReversePath>,
    pub rcpts: Vec<ForwardPath>,
    /// The bodies of the messages the application took.
    pub bodies: Vec<Vec<u8>>,
    pub authenticated: bool,
    pub chunk_sizes: Vec<u64>,
    pub data_commands: usize,
    pub tls: bool,
}

fn mechanism(name: &str) -> Mechanism {
    Mechanism::parse(name).unwrap()
}

fn credentials(name: &str) -> Credentials {
    match name {
        "XOAUTH2" | "OAUTHBEARER" => Credentials::bearer("user@example.org", TOKEN),
        _ => Credentials::password("user@example.org", PASSWORD),
    }
}

fn server_config(c: Combo) -> ServerConfig {
    let mut cfg = ServerConfig::new("mx.example.org");
    let mut ext = Extensions::EIGHT_BIT_MIME | Extensions::ENHANCED_STATUS_CODES | Extensions::SIZE;
    if c.pipelining {
        ext |= Extensions::PIPELINING;
    }
    if c.chunking {
        ext |= Extensions::CHUNKING;
    }
    if c.smtputf8 {
        ext |= Extensions::SMTPUTF8;
    }
    if c.starttls {
        ext |= Extensions::STARTTLS;
    }
    cfg.extensions = ext;
    cfg.max_message_size = Some(1 << 20);
    cfg.lmtp = c.lmtp;
    if let Some(m) = c.auth {
        cfg.auth_mechanisms = vec![m.to_string()];
        cfg.auth_requires_tls = c.starttls;
        cfg.auth_required = true;
    }
    cfg
}

pub fn envelope(c: Combo) -> (ReversePath, Vec<ForwardPath>) {
    let (from, rcpts): (&str, &[&str]) = if c.smtputf8 {
        (
            "<j\u{f6}rg@b\u{fc}cher.example>",
            &[
                "<\u{7528}\u{6237}@\u{4f8b}\u{5b50}.example>",
                "<bob@example.net>",
            ],
        )
    } else {
        (
            "<alice@example.com>",
            &["<bob@example.net>", "<carol@example.net>"],
        )
    };
    (
        ReversePath::parse(from, c.smtputf8).unwrap(),
        rcpts
            .iter()
            .map(|r| ForwardPath::parse(r, c.smtputf8).unwrap())
            .collect(),
    )
}

pub fn body(c: Combo) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(b"From: alice\r\nSubject: pair test\r\n\r\n");
    b.extend_from_slice(b".leading dot\r\n.\r\n..two dots\r\n \r\n.\r\n");
    if c.smtputf8 {
        b.extend_from_slice("gr\u{fc}\u{df}e \u{4f60}\u{597d}\r\n".as_bytes());
    }
    for i in 0..3000 {
        b.extend_from_slice(
            format!("line {i} of a body long enough for several chunks\r\n").as_bytes(),
        );
    }
    b.extend_from_slice(b"last line\r\n");
    b
}

fn refusal(code: u16) -> Reply {
    Reply::new(ReplyCode::new(code).unwrap(), "refused by the pair test")
}

/// The server application's state across the session.
struct ServerApp {
    verdict: Verdict,
    /// Transactions begun (MAIL FROM seen).
    transactions: usize,
    rcpt_index: usize,
    chunk_index: usize,
    body: Vec<u8>,
    got: Received,
}

impl ServerApp {
    fn first(&self) -> bool {
        self.transactions == 1
    }

    fn answer(&mut self, server: &mut ServerConnection, c: Combo, e: SEvent) {
        // The machine lends the command line and the message data.
        match (&e, server.command()) {
            (SEvent::MailFrom, Some(CommandRef::Mail { from, .. })) => {
                self.transactions += 1;
                self.rcpt_index = 0;
                self.chunk_index = 0;
                self.body.clear();
                self.got.from.push(from.into_owned());
            }
            (SEvent::RcptTo, Some(CommandRef::Rcpt { to, .. })) => {
                self.got.rcpts.push(to.into_owned())
            }
            (SEvent::MailFrom | SEvent::RcptTo, other) => panic!("{e:?} lends {other:?}"),
            _ => {}
        }
        match &e {
            SEvent::MessageData { .. } => self.body.extend_from_slice(server.message_data()),
            SEvent::TlsHandshake => self.got.tls = true,
            SEvent::Bdat { size, .. } => self.got.chunk_sizes.push(*size),
            SEvent::Data => self.got.data_commands += 1,
            _ => {}
        }
        let first = self.first();
        let answer = match e {
            SEvent::Auth(req) => return self.auth(server, c, req.verification),
            SEvent::MailFrom if first && self.verdict == Verdict::RefuseMail => Some(refusal(550)),
            SEvent::RcptTo => {
                let i = self.rcpt_index;
                self.rcpt_index += 1;
                let refuse = match self.verdict {
                    Verdict::RefuseAllRcpts => true,
                    Verdict::RefuseRcpt(n) => n == i,
                    _ => false,
                };
                (first && refuse).then(|| refusal(550))
            }
            SEvent::ChunkEnd { .. } => {
                let i = self.chunk_index;
                self.chunk_index += 1;
                match self.verdict {
                    Verdict::RefuseChunk(n) if first && n == i => Some(refusal(552)),
                    Verdict::CloseAtChunk(n) if first && n == i => Some(refusal(421)),
                    _ => None,
                }
            }
            SEvent::MessageEnd { .. } => {
                let answers = if c.lmtp { server.recipients().len() } else { 1 };
                let mut took = false;
                for i in 0..answers {
                    match self.verdict {
                        Verdict::RefuseMessage(n) if first && (n == i || !c.lmtp) => {
                            server.reply(refusal(554)).unwrap();
                        }
                        _ => {
                            took = true;
                            server.accept().unwrap();
                        }
                    }
                }
                if took {
                    self.got.bodies.push(std::mem::take(&mut self.body));
                }
                return;
            }
            SEvent::CommandRefused { reply, .. } => {
                // The machine's own refusals: a BDAT without recipient, a
                // chunk after a refused one (RFC 3030 §2).
                assert_ne!(self.verdict, Verdict::AcceptAll, "{c:?}: {reply:?}");
                return;
            }
            SEvent::MessageRefused { reply, .. } => panic!("{c:?}: message refused: {reply:?}"),
            SEvent::Failed(err) => panic!("{c:?}: server failed: {err:?}"),
            ref e if e.needs_answer() => None,
            _ => return,
        };
        match answer {
            Some(reply) => server.reply(reply).unwrap(),
            None => server.accept().unwrap(),
        }
    }

    fn auth(&mut self, server: &mut ServerConnection, c: Combo, v: Verification) {
        if let Verification::NeedCredentials { username, .. } = v {
            assert_eq!(username, "user@example.org");
            let creds = ScramCredentials::derive(PASSWORD, b"pair salt", 4096);
            server.provide_scram_credentials(creds).unwrap();
            return;
        }
        let ok = match v {
            Verification::Plain {
                username, password, ..
            }
            | Verification::Login { username, password } => {
                username == "user@example.org" && password == PASSWORD
            }
            Verification::CramMd5 {
                challenge, digest, ..
            } => smtp_core::auth::verify_cram_md5(PASSWORD.as_bytes(), &challenge, &digest),
            Verification::OAuth { token, .. } => token == TOKEN,
            other => panic!("{other:?}"),
        };
        assert!(ok, "{c:?}: bad credentials");
        self.got.authenticated = true;
        server.accept().unwrap();
    }
}

/// The client application: greet, STARTTLS, AUTH, then `messages`
/// transactions of the same message, streamed in 10,000-octet pieces as
/// `body_ready` allows; then QUIT.
struct ClientApp {
    env: Envelope,
    message: Vec<u8>,
    messages: usize,
    sent: usize,
    body_offset: Option<usize>,
    quitting: bool,
}

impl ClientApp {
    fn start(&mut self, client: &mut ClientConnection) {
        // After a 421 the session is closing: both are refused, fine.
        let closing = |r: Result<(), LocalError>| match r {
            Ok(()) | Err(LocalError::Closed) => {}
            Err(e) => panic!("{e}"),
        };
        if self.sent < self.messages {
            self.sent += 1;
            closing(client.send_mail(&self.env));
        } else if !self.quitting {
            self.quitting = true;
            closing(client.quit().map(|_| ()));
        }
    }

    fn event(&mut self, client: &mut ClientConnection, c: Combo, e: &CEvent, c_tls: &mut bool) {
        match e {
            CEvent::EhloAccepted { .. } => {
                if c.starttls && !client.is_tls() {
                    client.starttls().unwrap();
                } else if let (Some(m), false) = (c.auth, client.is_authenticated()) {
                    client
                        .authenticate_with(mechanism(m), credentials(m), Some("Y2xpZW50LW5vbmNl"))
                        .unwrap();
                } else {
                    self.start(client);
                }
            }
            CEvent::TlsHandshake { .. } => *c_tls = true,
            CEvent::AuthSucceeded { .. } => self.start(client),
            CEvent::ReadyForBody => self.body_offset = Some(0),
            CEvent::TransactionFinished { .. } | CEvent::TransactionFailed { .. } => {
                self.body_offset = None;
                self.start(client);
            }
            CEvent::AuthFailed { reply, .. } => panic!("{c:?}: auth failed {reply:?}"),
            CEvent::Failed(err) => panic!("{c:?}: client failed {err:?}"),
            _ => {}
        }
    }

    /// Hands over the body as the machine takes it; stops when a reply
    /// doomed the transaction (`send_body` then says so).
    fn feed(&mut self, client: &mut ClientConnection) -> bool {
        let Some(off) = self.body_offset else {
            return false;
        };
        let mut progressed = false;
        if off < self.message.len() && client.body_ready() {
            let end = (off + 10_000).min(self.message.len());
            match client.send_body(&self.message[off..end]) {
                Ok(()) => {
                    self.body_offset = Some(end);
                    progressed = true;
                }
                Err(LocalError::BufferFull { .. }) => {}
                Err(_) => self.body_offset = None,
            }
        }
        if self.body_offset == Some(self.message.len()) {
            // Refused only when a reply doomed the transaction meanwhile.
            let _ = client.finish_body();
            self.body_offset = None;
            progressed = true;
        }
        progressed
    }
}

/// What a run produced.
pub struct Pair {
    pub got: Received,
    pub client_events: Vec<CEvent>,
}

/// Runs the whole session of `c`; the server refuses what `verdict` says
/// in the first of `messages` transactions.
pub fn run(c: Combo, verdict: Verdict, messages: usize) -> Pair {
    let mut now = 0u64;
    let mut server = ServerConnection::new(server_config(c), Timestamp(now));
    server.set_nonce("c2VydmVyLW5vbmNl");
    let hello = Domain::Name("client.example".into());
    let mut ccfg = if c.lmtp {
        ClientConfig::lmtp(hello)
    } else {
        ClientConfig::new(hello)
    };
    ccfg.max_in_flight = c.window;
    // Smaller than the default (1 MiB), so every body spans several chunks.
    ccfg.bdat_chunk_size = PAIR_CHUNK;
    let mut client = ClientConnection::new(ccfg, Timestamp(now)).unwrap();

    let (from, rcpts) = envelope(c);
    let message = body(c);
    let mut env = Envelope::new(from, rcpts);
    env.size = Some(message.len() as u64);
    let mut app = ClientApp {
        env,
        message,
        messages,
        sent: 0,
        body_offset: None,
        quitting: false,
    };
    let mut srv = ServerApp {
        verdict,
        transactions: 0,
        rcpt_index: 0,
        chunk_index: 0,
        body: Vec::new(),
        got: Received::default(),
    };
    let mut client_events = Vec::new();
    let (mut c_tls, mut s_tls) = (false, false);

    for _round in 0..100_000 {
        now += 1;
        let t = Timestamp(now);
        let mut progressed = false;

        while let Some(e) = server.poll_event() {
            progressed = true;
            s_tls |= matches!(e, SEvent::TlsHandshake);
            srv.answer(&mut server, c, e);
        }
        while let Some(e) = client.poll_event() {
            progressed = true;
            app.event(&mut client, c, &e, &mut c_tls);
            client_events.push(e);
        }
        progressed |= app.feed(&mut client);

        if c_tls && s_tls {
            client.tls_established(t).unwrap();
            server.tls_established(t).unwrap();
            c_tls = false;
            s_tls = false;
            progressed = true;
        }

        // The wire, both ways.
        let up = client.pending_transmit().to_vec();
        if !up.is_empty() && server.wants_input() {
            server.receive_data(&up, t);
            client.consume_transmit(up.len());
            progressed = true;
        }
        let down = server.pending_transmit().to_vec();
        if !down.is_empty() {
            client.receive_data(&down, t);
            server.consume_transmit(down.len());
            progressed = true;
        }
        let client_done = client.is_closed();
        if server.is_closed() && server.pending_transmit().is_empty() && !client_done && !progressed
        {
            // The server's socket closes after its last words.
            client.receive_eof(t);
            progressed = true;
        }
        if client_done && server.is_closed() {
            break;
        }
        assert!(
            progressed,
            "{c:?} {verdict:?}: stalled; client events {client_events:?}"
        );
    }
    assert!(
        client.is_closed(),
        "{c:?} {verdict:?}: the session never ended"
    );
    srv.got.tls = server.is_tls();
    Pair {
        got: srv.got,
        client_events,
    }
}
