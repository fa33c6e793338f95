//! The parser workloads of `core/benches` (the same inputs), as one
//! library compiled twice: natively (`src/bin/native.rs` times them) and to
//! wasm (`run.mjs` times them from JavaScript). Both sides run exactly this
//! code, so the ratio is the cost of WebAssembly alone.

use std::hint::black_box;

use smtp_core::body::{BareLineEndingPolicy, DotStuffer, DotUnstuffer};
use smtp_core::reply::ReplyParser;
use smtp_core::{Capabilities, Command};
use wasm_bindgen::prelude::*;

/// The names of the workloads, in report order.
pub const NAMES: [&str; 4] = ["command-stream", "ehlo", "reply-stream", "unstuff"];

/// `core/benches/commands.rs`: ~1 MiB of pipelined sessions (EHLO, MAIL
/// with SIZE/BODY, 20 RCPT with NOTIFY, DATA, RSET, NOOP, QUIT).
fn command_stream() -> Vec<u8> {
    let mut out = Vec::with_capacity((1 << 20) + 4096);
    let mut n = 0;
    while out.len() < 1 << 20 {
        out.extend_from_slice(format!("EHLO client{n}.example.com\r\n").as_bytes());
        out.extend_from_slice(
            format!(
                "MAIL FROM:<sender.{n}@mail.example.com> SIZE={} BODY=8BITMIME\r\n",
                10_000 + n
            )
            .as_bytes(),
        );
        for r in 0..20 {
            out.extend_from_slice(
                format!(
                    "RCPT TO:<recipient{r}.user@dept{n}.example.org> NOTIFY=SUCCESS,FAILURE\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(b"DATA\r\nRSET\r\nNOOP\r\nQUIT\r\n");
        n += 1;
    }
    out
}

/// `core/benches/replies.rs`: a realistic 12-line EHLO reply.
const EHLO: &[u8] = b"250-smtp.example.com at your service, [192.0.2.1]\r\n\
250-SIZE 35882577\r\n\
250-8BITMIME\r\n\
250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-PIPELINING\r\n\
250-CHUNKING\r\n\
250-STARTTLS\r\n\
250-DSN\r\n\
250-DELIVERBY\r\n\
250-REQUIRETLS\r\n\
250 SMTPUTF8\r\n";

/// `core/benches/replies.rs`: the replies of a session, cycled past 1 MiB.
fn reply_stream() -> Vec<u8> {
    const MIX: &[&[u8]] = &[
        b"220 mx.example.org ESMTP Postfix (Debian/GNU)\r\n",
        EHLO,
        b"250 2.1.0 Ok\r\n",
        b"250 2.1.5 Ok\r\n",
        b"550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table\r\n",
        b"354 End data with <CR><LF>.<CR><LF>\r\n",
        b"250 2.0.0 Ok: queued as 4Xk9Qd2Lm1z3vB\r\n",
        b"451-4.7.1 Please try again later; this server is greylisting you\r\n\
451-4.7.1 for a few minutes. See https://example.org/greylisting for\r\n\
451 4.7.1 more information about why this happens.\r\n",
        b"334 VXNlcm5hbWU6\r\n",
        b"235 2.7.0 Authentication successful\r\n",
        b"221 2.0.0 Bye\r\n",
    ];
    let mut out = Vec::with_capacity(1 << 20);
    while out.len() < 1 << 20 {
        for r in MIX {
            out.extend_from_slice(r);
        }
    }
    out
}

/// `core/benches/body.rs`: a 10 MiB message of 60-76 octet lines, one in
/// 40 starting with '.', from a fixed LCG; dot-stuffed as on the wire.
fn message_wire() -> Vec<u8> {
    let mut seed: u64 = 0x5eed_cafe_f00d_d00d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let words: &[&[u8]] = &[
        b"the",
        b"message",
        b"body",
        b"of",
        b"an",
        b"SMTP",
        b"transaction",
        b"is",
        b"text",
        b"with",
        b"lines",
        b"quoted-printable",
        b"=3D",
        b"and",
        b"some",
        b"longer",
        b"words",
    ];
    let target = 10 * 1024 * 1024;
    let mut msg = Vec::with_capacity(target + 128);
    while msg.len() < target {
        let len = 60 + next() % 17;
        let start = msg.len();
        if next() % 40 == 0 {
            msg.push(b'.');
        }
        while msg.len() - start < len {
            msg.extend_from_slice(words[next() % words.len()]);
            msg.push(b' ');
        }
        msg.extend_from_slice(b"\r\n");
    }
    let mut wire = Vec::with_capacity(msg.len() + msg.len() / 64);
    let mut s = DotStuffer::new(BareLineEndingPolicy::Refuse);
    let _ = s.push(&msg, &mut wire);
    let _ = s.finish(&mut wire);
    wire
}

/// One workload: its input, built once, and a scratch output buffer.
#[wasm_bindgen]
pub struct Workload {
    name: String,
    input: Vec<u8>,
    out: Vec<u8>,
}

#[wasm_bindgen]
impl Workload {
    /// `name` is one of [`NAMES`]; unknown names get an empty workload.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> Workload {
        let input = match name {
            "command-stream" => command_stream(),
            "ehlo" => EHLO.to_vec(),
            "reply-stream" => reply_stream(),
            "unstuff" => message_wire(),
            _ => Vec::new(),
        };
        Workload {
            name: name.to_string(),
            out: Vec::with_capacity(input.len() + 1024),
            input,
        }
    }

    /// Octets one run reads.
    #[wasm_bindgen(getter)]
    pub fn bytes(&self) -> usize {
        self.input.len()
    }

    /// Runs the workload `times` times; returns what the last run counted
    /// (commands, capabilities' extension bits, replies, message octets),
    /// so both sides can check they did the same work.
    pub fn run(&mut self, times: u32) -> f64 {
        let mut result = 0;
        for _ in 0..times {
            result = match self.name.as_str() {
                "command-stream" => parse_commands(black_box(&self.input)),
                "ehlo" => parse_ehlo(black_box(&self.input)),
                "reply-stream" => parse_replies(black_box(&self.input)),
                "unstuff" => unstuff(black_box(&self.input), &mut self.out),
                _ => 0,
            };
        }
        result as f64
    }
}

/// Splits on LF and parses each line, as the criterion bench does.
fn parse_commands(input: &[u8]) -> usize {
    let mut count = 0;
    let mut rest = input;
    while let Some(n) = memchr::memchr(b'\n', rest) {
        let line = &rest[..n];
        rest = &rest[n + 1..];
        if let Some(line) = line.strip_suffix(b"\r") {
            if let Ok(c) = Command::parse(line, false) {
                black_box(c);
                count += 1;
            }
        }
    }
    count
}

fn parse_ehlo(input: &[u8]) -> usize {
    match ReplyParser::new().parse(input) {
        (_, Some(Ok(reply))) => black_box(Capabilities::from_reply(&reply))
            .extensions()
            .bits() as usize,
        _ => 0,
    }
}

fn parse_replies(input: &[u8]) -> usize {
    let mut parser = ReplyParser::new();
    let mut rest = input;
    let mut n = 0;
    loop {
        let (used, r) = parser.parse(rest);
        rest = rest.get(used..).unwrap_or_default();
        match r {
            Some(Ok(reply)) => {
                black_box(&reply);
                n += 1;
            }
            _ => return n,
        }
    }
}

fn unstuff(input: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    let mut u = DotUnstuffer::new();
    black_box(u.decode(input, out));
    out.len()
}
