//! `ServerConnection` fed arbitrary client bytes, with the configuration,
//! the read sizes, the clock and every application decision (accept, its
//! own reply, SCRAM credentials, TLS, answering late) drawn from the input.
//!
//! Input: four configuration bytes, a length byte `L`, `L` decision bytes
//! (used cyclically), then the client's bytes (mapped onto the SMTP
//! alphabet). In "exact" mode the bytes go in one at a time and every event
//! is answered at once, so the target knows where each message ended.
//!
//! Invariants beyond "no panic":
//! * everything the server sends is CRLF lines of at most 512 octets that
//!   a strict `ReplyParser` reads as replies, ending on a whole reply;
//! * DATA ends exactly at the first `CR LF . CR LF` after the `DATA` line
//!   (exact mode), a BDAT chunk exactly `size` octets after its line;
//! * message data comes only inside a message, `message_data()` lends
//!   exactly the octets each `MessageData` announces, and
//!   `MessageEnd`/`ChunkEnd` sizes add up the data handed over;
//! * each command event lends its command (`command()`, the same verb)
//!   until it is answered, and nothing after; `MessageEnd` comes with at
//!   least one accepted recipient in `recipients()`;
//! * exactly one final event (`Closed`, `TimedOut` or `Failed`, the ones
//!   `is_final` names); nothing after it, `is_closed` from then on, and
//!   input changes nothing;
//! * a refused answer (`Err`) changes nothing; every awaited event can be
//!   answered; more unanswered input than `max_buffered_input` ends the
//!   session.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use smtp_core::auth::{decode_challenge, ScramCredentials, Verification};
use smtp_core::command::CommandRef;
use smtp_core::reply::{ReplyParser, ReplyParserConfig};
use smtp_core::server::{BareLineEndings, Event, LongLines, ServerConfig, ServerConnection};
use smtp_core::{Extensions, Reply, ReplyCode, Timestamp};
use smtp_fuzz::{smtp_bytes, Decisions, Source};

/// Codes the application may answer with, fitting or not.
const CODES: [u16; 16] = [
    250, 251, 252, 354, 220, 221, 235, 334, 421, 450, 451, 452, 535, 550, 552, 554,
];

fn scram_creds() -> ScramCredentials {
    static CREDS: OnceLock<ScramCredentials> = OnceLock::new();
    CREDS
        .get_or_init(|| {
            let salt = decode_challenge(b"W22ZaJ0SNY7soEsUEjb6gQ==").expect("RFC 7677 salt");
            ScramCredentials::derive("pencil", &salt, 4096)
        })
        .clone()
}

fn config(src: &mut Source) -> (ServerConfig, bool) {
    let (f1, f2, f3, f4) = (src.byte(), src.byte(), src.byte(), src.byte());
    let mut c = ServerConfig::new("mx.example");
    if f1 & 1 != 0 {
        c = c.lmtp();
    }
    if f1 & 2 != 0 {
        c.auth_mechanisms = [
            "PLAIN",
            "LOGIN",
            "CRAM-MD5",
            "SCRAM-SHA-256",
            "XOAUTH2",
            "OAUTHBEARER",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
    }
    c.auth_requires_tls = f1 & 4 != 0;
    c.implicit_tls = f1 & 8 != 0;
    c.lenient_command_lines = f1 & 16 != 0;
    if f1 & 32 != 0 {
        c.bare_line_endings = BareLineEndings::Normalize;
    }
    if f1 & 64 != 0 {
        c.long_lines = LongLines::Accept;
    }
    let exact = f1 & 128 != 0;
    for (bit, ext) in [
        (1, Extensions::CHUNKING),
        (2, Extensions::STARTTLS),
        (4, Extensions::VRFY | Extensions::EXPN | Extensions::HELP),
        (8, Extensions::DSN),
        (16, Extensions::BINARY_MIME),
        (32, Extensions::REQUIRETLS),
    ] {
        if f2 & bit != 0 {
            c.extensions |= ext;
        }
    }
    c.auth_required = f2 & 64 != 0;
    c.tls_required = f2 & 128 != 0;
    c.max_command_line = [512, 64, 16, 1000][usize::from(f3 & 3)];
    c.max_text_line = [1000, 80, 8, 100_000][usize::from(f3 >> 2 & 3)];
    c.max_buffered_input = [64 * 1024, 256, 2048, 600][usize::from(f3 >> 4 & 3)];
    if f3 & 64 != 0 {
        c.max_recipients = 2;
    }
    c.max_bad_commands = u32::from(f4 & 15);
    c.max_message_size = match f4 >> 4 {
        0 => None,
        n => Some(1u64 << (n - 1)),
    };
    (c, exact)
}

/// What the target knows about the session, to check the events against.
#[derive(Default)]
struct Watch {
    /// Everything fed so far.
    fed: Vec<u8>,
    /// The final event (`Closed`, `TimedOut`, `Failed`) was seen.
    closed: bool,
    /// DATA accepted: where its data started in `fed` (exact mode).
    data_start: Option<usize>,
    /// A BDAT chunk is being read: where its data starts and its size.
    bdat: Option<(usize, u64)>,
    /// Inside a message (DATA accepted, or a BDAT chunk seen).
    in_message: bool,
    message_octets: u64,
    chunk_octets: u64,
    /// Bytes fed while an answer was awaited, since the last answer.
    fed_while_awaiting: usize,
    /// A `Data` event is awaiting its answer.
    data_pending: bool,
    tls_pending: bool,
    need_credentials: bool,
}

/// Whether `command` is the one `event` asks about.
fn lends(event: &Event, command: &Option<CommandRef<'_>>) -> bool {
    match (event, command) {
        (Event::Ehlo, Some(CommandRef::Ehlo { .. }))
        | (Event::Helo, Some(CommandRef::Helo { .. }))
        | (Event::Lhlo, Some(CommandRef::Lhlo { .. }))
        | (Event::MailFrom, Some(CommandRef::Mail { .. }))
        | (Event::RcptTo, Some(CommandRef::Rcpt { .. }))
        | (Event::Data, Some(CommandRef::Data))
        | (Event::Rset, Some(CommandRef::Rset))
        | (Event::Noop, Some(CommandRef::Noop { .. }))
        | (Event::Vrfy, Some(CommandRef::Vrfy { .. }))
        | (Event::Expn, Some(CommandRef::Expn { .. }))
        | (Event::Help, Some(CommandRef::Help { .. }))
        | (Event::Quit, Some(CommandRef::Quit))
        | (Event::StartTls, Some(CommandRef::StartTls)) => true,
        (Event::ChunkEnd { .. } | Event::MessageEnd { .. } | Event::Auth(_), None) => true,
        _ => false,
    }
}

impl Watch {
    fn event(&mut self, e: &Event, exact: bool, server: &ServerConnection) {
        // (Once the session ended, e.g. on too much input, nothing is lent.)
        if e.needs_answer() && !server.is_closed() {
            let command = server.command();
            assert!(lends(e, &command), "{e:?} lends {command:?}");
        }
        assert!(!self.closed, "event after the final event: {e:?}");
        assert_eq!(
            e.is_final(),
            matches!(
                e,
                Event::Closed { .. } | Event::TimedOut { .. } | Event::Failed(_)
            ),
            "is_final disagrees on {e:?}"
        );
        match e {
            e if e.is_final() => self.closed = true,
            Event::Data => self.data_pending = true,
            Event::Bdat { size, .. } => {
                self.bdat = Some((self.fed.len(), *size));
                self.in_message = true;
                self.chunk_octets = 0;
            }
            Event::MessageData { len } => {
                assert!(self.in_message, "message data outside a message");
                assert!(*len > 0, "empty MessageData");
                assert_eq!(server.message_data().len(), *len, "lent data vs event");
                self.message_octets += *len as u64;
                self.chunk_octets += *len as u64;
            }
            Event::ChunkEnd { size } => {
                let (start, want) = self.bdat.take().expect("ChunkEnd without BDAT");
                assert_eq!(*size, want);
                assert_eq!(self.chunk_octets, want, "chunk data vs BDAT size");
                if exact {
                    assert_eq!(
                        (self.fed.len() - start) as u64,
                        want,
                        "chunk ended early/late"
                    );
                }
            }
            Event::MessageEnd { size, .. } => {
                assert!(self.in_message, "MessageEnd outside a message");
                assert!(server.recipients().len() > 0, "a message to nobody");
                assert_eq!(*size, self.message_octets, "MessageEnd size vs data");
                self.end_of_message(exact, false);
            }
            Event::MessageRefused { .. } => {
                assert!(self.in_message, "MessageRefused outside a message");
                self.end_of_message(exact, true);
            }
            Event::MailFrom { .. } => {
                // A new transaction: whatever a failed one left is gone.
                self.in_message = false;
                self.message_octets = 0;
                self.bdat = None;
                self.data_start = None;
            }
            Event::TlsHandshake => self.tls_pending = true,
            Event::Auth(req) => {
                self.need_credentials =
                    matches!(req.verification, Verification::NeedCredentials { .. });
            }
            _ => {}
        }
    }

    /// `refused`: the machine refused the message (SIZE exceeded: the data
    /// past the limit was drained, not handed over).
    fn end_of_message(&mut self, exact: bool, refused: bool) {
        if let Some(start) = self.data_start.take() {
            if exact {
                // RFC 5321 §4.1.1.4: the data ends at the first CRLF.CRLF,
                // the DATA line's CRLF counting as the first CRLF.
                let mut p = b"\r\n".to_vec();
                p.extend_from_slice(&self.fed[start..]);
                let first = p.windows(5).position(|w| w == b"\r\n.\r\n");
                assert_eq!(
                    first,
                    Some(p.len() - 5),
                    "DATA ended elsewhere than at the first CRLF.CRLF: {:?}",
                    String::from_utf8_lossy(&p)
                );
            }
        } else if let Some((start, want)) = self.bdat.take() {
            if !refused {
                assert_eq!(self.chunk_octets, want, "last chunk data vs BDAT size");
            }
            if exact {
                assert_eq!(
                    (self.fed.len() - start) as u64,
                    want,
                    "chunk ended early/late"
                );
            }
        }
        self.in_message = false;
        self.message_octets = 0;
    }
}

struct Harness {
    server: ServerConnection,
    watch: Watch,
    replies: ReplyParser,
    wire: Vec<u8>,
    exact: bool,
    now: u64,
    replies_seen: usize,
}

impl Harness {
    /// Drains events and checks them, then takes the transmit bytes.
    fn drain(&mut self) {
        while let Some(e) = self.server.poll_event() {
            self.watch.event(&e, self.exact, &self.server);
        }
        assert_eq!(
            self.watch.closed,
            self.server.is_closed(),
            "is_closed disagrees with the final event"
        );
        let out = self.server.pending_transmit().to_vec();
        self.server.consume_transmit(out.len());
        self.take(&out);
    }

    /// Checks the server's output: only whole, valid reply lines.
    fn take(&mut self, out: &[u8]) {
        self.wire.extend_from_slice(out);
        loop {
            let (n, r) = self.replies.parse(&self.wire);
            self.wire.drain(..n);
            match r {
                None => break,
                Some(Ok(_)) => self.replies_seen += 1,
                Some(Err(e)) => panic!("the server sent what its own parser refuses: {e:?}"),
            }
        }
    }

    /// DATA was answered with 354: the message starts after what was fed.
    fn start_data(&mut self) {
        self.watch.data_start = Some(self.watch.fed.len());
        self.watch.in_message = true;
        self.watch.message_octets = 0;
    }

    /// Answers whatever is awaited, the way `d` says.
    fn answer(&mut self, d: &mut Decisions) {
        let mut guard = 0;
        while self.server.awaiting_answer() {
            guard += 1;
            assert!(guard < 10_000, "answer loop");
            let choice = d.next();
            let data_pending = std::mem::take(&mut self.watch.data_pending);
            let before = self.server.pending_transmit().len();
            let r = match choice % 8 {
                5 => {
                    let code = CODES[usize::from(choice >> 3) % CODES.len()];
                    let reply = Reply::new(ReplyCode::new(code).expect("valid code"), "fuzz");
                    let r = self.server.reply(reply);
                    if r.is_ok() && code == 354 && data_pending {
                        self.start_data();
                    }
                    r
                }
                6 if self.watch.need_credentials => {
                    self.server.provide_scram_credentials(scram_creds())
                }
                _ => {
                    let r = self.server.accept();
                    if r.is_ok() && data_pending {
                        self.start_data();
                    }
                    r
                }
            };
            if r.is_err() {
                // Refused answers change nothing.
                assert!(
                    self.server.awaiting_answer(),
                    "a refused answer ended the wait"
                );
                assert_eq!(
                    self.server.pending_transmit().len(),
                    before,
                    "a refused answer wrote"
                );
                assert!(
                    self.server.poll_event().is_none(),
                    "a refused answer made an event"
                );
                self.watch.data_pending = data_pending;
                // Every awaited event has some acceptable answer.
                if self.server.accept().is_ok() {
                    if data_pending {
                        self.start_data();
                    }
                } else {
                    let fallback = self
                        .server
                        .reply(Reply::new(ReplyCode::AUTH_FAILED, "no"))
                        .or_else(|_| self.server.reply(Reply::new(ReplyCode::LOCAL_ERROR, "no")))
                        .or_else(|_| self.server.provide_scram_credentials(scram_creds()));
                    assert!(fallback.is_ok(), "no answer is accepted: {fallback:?}");
                }
                self.watch.data_pending = false;
            }
            if !self.server.awaiting_answer() {
                assert!(
                    self.server.command().is_none(),
                    "an answered command is still lent"
                );
            }
            self.watch.need_credentials = false;
            self.watch.fed_while_awaiting = 0;
            self.drain();
            if self.exact {
                continue;
            }
            // Sometimes leave the next answer for later.
            if self.server.awaiting_answer() && d.next() % 16 == 15 {
                break;
            }
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        let closed = self.watch.closed;
        let awaiting = self.server.awaiting_answer();
        self.watch.fed.extend_from_slice(bytes);
        self.server.receive_data(bytes, Timestamp(self.now));
        if awaiting && !self.watch.tls_pending {
            self.watch.fed_while_awaiting += bytes.len();
        }
        if closed {
            assert!(
                self.server.poll_event().is_none(),
                "input after the final event made an event"
            );
            assert!(
                self.server.pending_transmit().is_empty(),
                "input after the final event wrote"
            );
        }
        self.drain();
        if self.watch.fed_while_awaiting > self.server.config().max_buffered_input {
            assert!(
                self.watch.closed,
                "{} octets buffered past the limit {}",
                self.watch.fed_while_awaiting,
                self.server.config().max_buffered_input
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let (cfg, exact) = config(&mut src);
    let n = usize::from(src.byte());
    let mut d = Decisions::new(src.take(n));
    let stream = smtp_bytes(src.rest());

    let mut h = Harness {
        server: ServerConnection::new(cfg, Timestamp(0)),
        watch: Watch::default(),
        replies: ReplyParser::with_config({
            let mut c = ReplyParserConfig::default();
            c.allow_bare_lf = false;
            c
        }),
        wire: Vec::new(),
        exact,
        now: 0,
        replies_seen: 0,
    };
    if d.next() & 1 == 0 {
        h.server.set_nonce("fuzznonce0123456789");
    }
    h.drain();
    assert_eq!(h.replies_seen, 1, "no greeting");

    let mut rest = &stream[..];
    while !rest.is_empty() {
        h.answer(&mut d);
        if h.watch.tls_pending {
            // Sometimes let injected bytes arrive before the handshake.
            if exact || d.next() % 4 != 0 {
                let r = h.server.tls_established(Timestamp(h.now));
                h.watch.tls_pending = false;
                if r.is_ok() {
                    assert!(h.server.is_tls());
                } else {
                    assert!(h.watch.closed, "handshake refused: {r:?}");
                }
                h.drain();
            }
        }
        let size = if exact {
            1
        } else if d.is_empty() {
            rest.len()
        } else {
            1 + usize::from(d.next())
        };
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        h.feed(chunk);
        if !exact && d.next() % 32 == 31 {
            // The clock jumps; past the deadline the session times out.
            h.now += 60_000 * u64::from(d.next() % 8);
            if h.server
                .poll_timeout()
                .is_some_and(|t| Timestamp(h.now) >= t)
            {
                h.server.handle_timeout(Timestamp(h.now));
                h.drain();
            }
        }
    }
    // The client goes away; everything still awaited is answered.
    h.answer(&mut d);
    h.server.receive_eof(Timestamp(h.now));
    h.drain();
    let mut guard = 0;
    while !h.watch.closed {
        guard += 1;
        assert!(guard < 1000, "the session never closes after EOF");
        assert!(
            h.server.awaiting_answer(),
            "neither closed nor awaiting after EOF"
        );
        h.answer(&mut Decisions::new(&[]));
    }
    assert!(h.server.is_closed());
    assert!(
        h.wire.is_empty(),
        "the server closed mid-reply: {:?}",
        h.wire
    );
    assert!(!h.replies.in_progress(), "the server closed mid-reply");
});
