//! `ClientConnection` driven through a whole session (greeting, EHLO,
//! STARTTLS, AUTH, one or two mail transactions, QUIT) against arbitrary
//! server bytes, with the configuration, read sizes, clock and the
//! application's choices drawn from the input.
//!
//! Input: three configuration bytes, a length byte `L`, `L` decision bytes
//! (used cyclically), then the server's bytes (mapped onto the SMTP
//! alphabet). The third configuration byte also picks `max_in_flight`, so
//! BDAT pipelined with the envelope (a server offering PIPELINING and
//! CHUNKING) runs with the default window, none, and windows smaller than
//! a chunk; the body is streamed as `body_ready` allows.
//!
//! Invariants beyond "no panic":
//! * outside message data, everything the client sends is CRLF lines with
//!   no bare CR or LF, each a command its own parser accepts (or a SASL
//!   response: base64 or `*`; or the `.` ending an empty message);
//! * DATA message data has no bare CR/LF and unstuffs to exactly the
//!   message (normalized) ending at the terminator; BDAT chunks carry
//!   exactly their announced octets and add up to the message;
//! * with BDAT pipelined, the body octets of the commands in flight never
//!   exceed `max_in_flight` (the commands in flight are the last
//!   `in_flight()` sent: replies come in order);
//! * a refused call (`Err`) sends nothing;
//! * after a final event (`Closed`, `Failed`, `TimedOut`) no event comes,
//!   input changes nothing and every command is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::auth::Credentials;
use smtp_core::body::{BareLineEndingPolicy, DotUnstuffer};
use smtp_core::client::{BodyMode, ClientConfig, ClientConnection, Envelope, Event};
use smtp_core::framing::{Frame, LineEndings, LineFramer};
use smtp_core::{Command, Domain, ForwardPath, Mailbox, ReversePath, Timestamp};
use smtp_fuzz::{smtp_bytes, Decisions, Source};

const MESSAGES: [&[u8]; 4] = [
    b"Subject: hi\r\n\r\nHello\r\n",
    b".starts with a dot\r\n..two\r\n.\r\nend",
    b"bare\nLF and bare\rCR\r\n.\n.\r\r\n",
    b"",
];

/// RFC 7677 §3's client nonce, so the RFC's server messages are valid.
const CNONCE: &str = "rOprNGfwEbeRWgbNEkqO";

/// Where the client's output stream is, read the way a server reads it.
enum Wire {
    /// Command lines (and SASL responses).
    Commands,
    /// Inside a BDAT chunk: octets left, and whether it is the LAST one.
    Chunk(u64, bool),
    /// Inside DATA's message data, after the 354.
    Dot(DotUnstuffer, Vec<u8>),
}

struct Harness {
    c: ClientConnection,
    /// Output not yet read (a partial line).
    buf: Vec<u8>,
    wire: Wire,
    /// The last command line was DATA.
    after_data: bool,
    /// Message data read so far (BDAT chunks, or unstuffed DATA).
    data: Vec<u8>,
    /// What the current message must arrive as; `None` when a body call
    /// was refused (the message is then incomplete).
    expected: Option<Vec<u8>>,
    now: u64,
    done: bool,
    message: &'static [u8],
    /// The body not yet handed over, from ReadyForBody until it ended.
    body_left: Option<&'static [u8]>,
    /// Piece sizes for the body, drawn from the decisions.
    piece: usize,
    /// Body octets carried by each command sent, in order (BDAT: its
    /// chunk; every other command, and the end of DATA: 0).
    sent: Vec<u64>,
    /// `max_in_flight` when the transaction pipelines BDAT.
    window: Option<u64>,
    max_in_flight: usize,
    transactions: u8,
    authed_tried: bool,
    tls_tried: bool,
    quit: bool,
}

/// A line the client may send that is not a command: a SASL response
/// (base64, or `*` to cancel), or the lone `.` that ends an empty message
/// when every recipient was refused but DATA got 354 anyway (RFC 2920
/// §3.1).
fn is_other_line(line: &[u8]) -> bool {
    line == b"*"
        || line == b"."
        || line
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// The message with bare CR/LF as CRLF.
fn normalized(m: &[u8]) -> Vec<u8> {
    let mut want = Vec::new();
    let mut i = 0;
    while i < m.len() {
        match (m[i], m.get(i + 1)) {
            (b'\r', Some(b'\n')) => {
                want.extend_from_slice(b"\r\n");
                i += 2;
            }
            (b'\r' | b'\n', _) => {
                want.extend_from_slice(b"\r\n");
                i += 1;
            }
            (b, _) => {
                want.push(b);
                i += 1;
            }
        }
    }
    want
}

impl Harness {
    /// Takes everything the client wrote and reads it as a server would.
    fn take(&mut self) {
        let out = self.c.pending_transmit().to_vec();
        self.c.consume_transmit(out.len());
        self.buf.extend_from_slice(&out);
        loop {
            match &mut self.wire {
                Wire::Commands => {
                    let mut framer = LineFramer::new(usize::MAX, LineEndings::Strict);
                    let f = framer.next_line(&self.buf);
                    let n = f.consumed();
                    match f {
                        Frame::Line { .. } => {
                            let line = f.line(&self.buf).unwrap_or_default().to_vec();
                            self.buf.drain(..n);
                            self.command_line(&line);
                        }
                        Frame::Incomplete { .. } => return,
                        other => panic!(
                            "the client sent a bare CR/LF or an endless line: {other:?} in {:?}",
                            String::from_utf8_lossy(&self.buf)
                        ),
                    }
                }
                Wire::Chunk(left, last) => {
                    let n = usize::try_from(*left)
                        .unwrap_or(usize::MAX)
                        .min(self.buf.len());
                    self.data.extend(self.buf.drain(..n));
                    *left -= n as u64;
                    if *left > 0 {
                        return;
                    }
                    let last = *last;
                    self.wire = Wire::Commands;
                    if last {
                        // BDAT data is sent as given (RFC 3030: no line-ending
                        // rules) or normalized.
                        let data = std::mem::take(&mut self.data);
                        if let Some(m) = self.expected.take() {
                            assert!(
                                data == m || data == normalized(&m),
                                "BDAT data differs from the message"
                            );
                        }
                    }
                }
                Wire::Dot(u, raw) => {
                    let d = u.decode(&self.buf, &mut self.data);
                    raw.extend_from_slice(&self.buf[..d.consumed]);
                    self.buf.drain(..d.consumed);
                    if !d.finished {
                        return;
                    }
                    smtp_fuzz::assert_no_bare_cr_lf(raw, "DATA message data");
                    self.wire = Wire::Commands;
                    self.sent.push(0); // the end of data awaits a reply
                    let data = std::mem::take(&mut self.data);
                    if let Some(m) = self.expected.take() {
                        let mut want = normalized(&m);
                        if !want.is_empty() && !want.ends_with(b"\r\n") {
                            want.extend_from_slice(b"\r\n");
                        }
                        assert_eq!(data, want, "DATA data does not unstuff to the message");
                    }
                }
            }
        }
    }

    fn command_line(&mut self, line: &[u8]) {
        let cmd = Command::parse(line, true);
        self.after_data = matches!(cmd, Ok(Command::Data));
        self.sent.push(match cmd {
            Ok(Command::Bdat { size, .. }) => size,
            _ => 0,
        });
        match cmd {
            Ok(Command::Bdat { size, last }) => self.wire = Wire::Chunk(size, last),
            Ok(_) => {}
            Err(_) => assert!(
                is_other_line(line),
                "the client sent a line its parser refuses: {:?}",
                String::from_utf8_lossy(line)
            ),
        }
        if let (Wire::Chunk(0, last), true) = (&self.wire, true) {
            // An empty chunk ends at once.
            let last = *last;
            self.wire = Wire::Commands;
            if last {
                self.data.clear();
                self.expected = None;
            }
        }
    }

    /// RFC 3030 §2 pipelining bounded by `max_in_flight`: what the
    /// commands in flight carry.
    fn check_window(&self) {
        let Some(window) = self.window else { return };
        if self.c.is_closed() {
            return;
        }
        let n = self.c.in_flight().min(self.sent.len());
        let ahead: u64 = self.sent[self.sent.len() - n..].iter().sum();
        assert!(
            ahead <= window,
            "{ahead} body octets in flight, max_in_flight {window}"
        );
    }

    /// Hands over the body as the machine takes it: a piece refused with
    /// BufferFull waits for replies; any other refusal ends the body (a
    /// reply doomed the transaction, or the size, or a bare line ending).
    fn feed_body(&mut self) {
        while let Some(left) = self.body_left {
            let before = self.c.pending_transmit().len();
            if left.is_empty() {
                let r = self.c.finish_body();
                self.call(&r, before);
                if r.is_err() {
                    self.expected = None;
                }
                self.body_left = None;
            } else {
                let (piece, rest) = left.split_at(self.piece.min(left.len()));
                match self.c.send_body(piece) {
                    Ok(()) => self.body_left = Some(rest),
                    Err(smtp_core::LocalError::BufferFull { .. }) => {
                        assert_eq!(self.c.pending_transmit().len(), before);
                        assert!(!self.c.body_ready(), "BufferFull while body_ready");
                        return;
                    }
                    Err(e) => {
                        assert_eq!(self.c.pending_transmit().len(), before, "{e}");
                        self.expected = None;
                        self.body_left = None;
                    }
                }
            }
            self.take();
        }
    }

    /// Checks that a refused call sent nothing.
    fn call(&mut self, r: &Result<(), smtp_core::LocalError>, before: usize) {
        if r.is_err() {
            assert_eq!(
                self.c.pending_transmit().len(),
                before,
                "a refused call wrote"
            );
        }
    }

    fn envelope(&self, d: &mut Decisions) -> Envelope {
        let from = ReversePath::Mailbox(Mailbox::parse("a@example.com", false).expect("mailbox"));
        let n = 1 + usize::from(d.next() % 3);
        let to = (0..n).map(|i| {
            ForwardPath::Mailbox(
                Mailbox::parse(&format!("r{i}@example.net"), false).expect("mailbox"),
            )
        });
        let mode = match d.next() % 4 {
            0 | 1 => BodyMode::Auto,
            2 => BodyMode::Data,
            _ => BodyMode::Bdat {
                chunk_size: Some(1 + usize::from(d.next() % 16)),
            },
        };
        Envelope::new(from, to).with_body_mode(mode)
    }

    fn start_mail(&mut self, d: &mut Decisions) {
        if self.transactions >= 2 {
            return self.quit();
        }
        self.transactions += 1;
        let env = self.envelope(d);
        let pipelining = self.c.capabilities().is_some_and(|c| c.has("PIPELINING"));
        self.window = (pipelining && self.max_in_flight > 0).then_some(self.max_in_flight as u64);
        let before = self.c.pending_transmit().len();
        let r = self.c.send_mail(&env);
        self.call(&r, before);
        if r.is_err() {
            self.quit();
        }
    }

    fn quit(&mut self) {
        if !self.quit {
            self.quit = true;
            let before = self.c.pending_transmit().len();
            let r = self.c.quit().map(|_| ());
            self.call(&r, before);
        }
    }

    fn event(&mut self, e: Event, d: &mut Decisions) {
        assert!(!self.done, "event after a final event: {e:?}");
        assert_eq!(
            e.is_final(),
            matches!(
                e,
                Event::Closed { .. } | Event::Failed(_) | Event::TimedOut { .. }
            ),
            "is_final disagrees on {e:?}"
        );
        let before = self.c.pending_transmit().len();
        match e {
            e if e.is_final() => self.done = true,
            Event::EhloAccepted { .. } | Event::HeloAccepted { .. } => {
                let offers = |kw: &str| self.c.capabilities().is_some_and(|c| c.has(kw));
                if !self.tls_tried && offers("STARTTLS") && d.next() % 2 == 0 {
                    self.tls_tried = true;
                    let r = self.c.starttls();
                    self.call(&r, before);
                } else if !self.authed_tried && offers("AUTH") && d.next() % 2 == 0 {
                    self.authed_tried = true;
                    let r = self
                        .c
                        .authenticate(Credentials::password("user", "pencil"), Some(CNONCE));
                    self.call(&r, before);
                    if r.is_err() {
                        self.start_mail(d);
                    }
                } else {
                    self.start_mail(d);
                }
            }
            Event::EhloRefused {
                falling_back: false,
                ..
            }
            | Event::HeloRefused { .. } => self.quit(),
            Event::GreetingRefused { .. } => self.quit(),
            Event::TlsHandshake { .. } => {
                // Refused when a later event (e.g. bytes after the 220,
                // RFC 3207 §5) already ended the session.
                if self.c.tls_established(Timestamp(self.now)).is_ok() {
                    assert!(self.c.is_tls());
                } else {
                    assert!(self.c.is_closed(), "handshake refused on a live session");
                }
            }
            Event::StartTlsRefused { .. }
            | Event::AuthSucceeded { .. }
            | Event::AuthFailed { .. } => self.start_mail(d),
            Event::ReadyForBody => {
                self.take();
                if self.after_data {
                    assert!(
                        matches!(self.wire, Wire::Commands) && self.buf.is_empty(),
                        "output after DATA before its 354"
                    );
                    self.wire = Wire::Dot(DotUnstuffer::new(), Vec::new());
                }
                self.data.clear();
                let m = self.message;
                self.piece = 1 + usize::from(d.next()) % m.len().max(1);
                self.expected = Some(m.to_vec());
                self.body_left = Some(m);
            }
            Event::TransactionFinished { .. } | Event::TransactionFailed { .. } => {
                self.body_left = None;
                self.start_mail(d)
            }
            Event::AuthChallenge { .. } => {
                let r = self.c.auth_cancel();
                self.call(&r, before);
            }
            _ => {}
        }
    }

    fn drain(&mut self, d: &mut Decisions) {
        // Body calls make no events: one pass is enough.
        while let Some(e) = self.c.poll_event() {
            self.event(e, d);
        }
        self.feed_body();
        self.take();
        self.check_window();
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let (f1, f2, f3) = (src.byte(), src.byte(), src.byte());
    let n = usize::from(src.byte());
    let mut d = Decisions::new(src.take(n));
    let stream = smtp_bytes(src.rest());

    let domain = Domain::Name("client.example".into());
    let mut cfg = if f1 & 1 != 0 {
        ClientConfig::lmtp(domain)
    } else {
        ClientConfig::new(domain)
    };
    cfg.auth_initial_response = f1 & 2 == 0;
    cfg.login_initial_username = f1 & 4 != 0;
    if f1 & 8 != 0 {
        cfg.line_endings = BareLineEndingPolicy::Refuse;
    }
    if f1 & 16 != 0 {
        cfg.reply_limits.max_line = 64;
        cfg.reply_limits.max_lines = 4;
        cfg.reply_limits.max_octets = 256;
    }
    cfg.reply_limits.allow_bare_lf = f1 & 32 == 0;
    cfg.bdat_chunk_size = 1 + usize::from(f2 & 31);
    cfg.transmit_high_water = 16 + usize::from(f2 >> 5) * 64;
    cfg.max_in_flight = match (f3 >> 2) & 3 {
        0 => cfg.max_in_flight,
        1 => 0,
        // Smaller than most chunks: chunks are cut to it.
        2 => 1 + usize::from(f3 >> 4),
        _ => 8,
    };
    let max_in_flight = cfg.max_in_flight;
    let message = MESSAGES[usize::from(f3 & 3)];
    let Ok(c) = ClientConnection::new(cfg, Timestamp(0)) else {
        panic!("a valid hello domain refused");
    };
    let mut h = Harness {
        c,
        buf: Vec::new(),
        wire: Wire::Commands,
        after_data: false,
        data: Vec::new(),
        expected: None,
        now: 0,
        done: false,
        message,
        body_left: None,
        piece: 1,
        sent: Vec::new(),
        window: None,
        max_in_flight,
        transactions: 0,
        authed_tried: false,
        tls_tried: false,
        quit: false,
    };

    let mut rest = &stream[..];
    while !rest.is_empty() {
        let size = if d.is_empty() {
            rest.len()
        } else {
            1 + usize::from(d.next())
        };
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        let done = h.done;
        h.c.receive_data(chunk, Timestamp(h.now));
        if done {
            assert!(
                h.c.poll_event().is_none(),
                "input after a final event made an event"
            );
            assert!(h.c.ehlo().is_err(), "a command after a final event");
        }
        h.drain(&mut d);
        if d.next() % 32 == 31 {
            h.now += 60_000 * u64::from(d.next() % 16);
            h.c.handle_timeout(Timestamp(h.now));
            h.drain(&mut d);
        }
    }
    h.c.receive_eof(Timestamp(h.now));
    h.drain(&mut d);
    assert!(h.done, "no final event after EOF");
    assert!(h.c.is_closed());
});
