//! Replays a transcript against `ServerConnection`: the `C:` bytes are its
//! input, every event awaiting an answer is answered with the next `S:`
//! reply (or `accept()` under `@accept`), and everything it transmits must
//! match the `S:` replies, in order and at the right time.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use base64::Engine;
use conformance::{
    bdat_chunks, data_body, reply_parts, split_replies, ExpectedReply, Side, Step, Transcript,
};
use smtp_core::auth::{ScramCredentials, Verification};
use smtp_core::reply::ReplyParser;
use smtp_core::server::{
    AuthRequest, BareLineEndings, Event, Greeting, ServerConfig, ServerConnection,
};
use smtp_core::{Capabilities, Extensions, RemoteError, Reply, Timestamp};

use crate::{diff, show, Cut};

const NOW: Timestamp = Timestamp(0);

fn parse_reply(bytes: &[u8]) -> Result<Reply, String> {
    match ReplyParser::new().parse(bytes) {
        (_, Some(Ok(reply))) => Ok(reply),
        (_, other) => Err(format!(
            "transcript reply {:?} does not parse: {other:?}",
            show(bytes)
        )),
    }
}

/// The server configuration the dialogue implies (README: "The server is
/// configured from the dialogue itself").
fn config(t: &Transcript, steps: &[Step]) -> Result<ServerConfig, String> {
    let greeting = steps
        .iter()
        .find_map(|s| match s {
            Step::Server { replies } => replies.first(),
            _ => None,
        })
        .ok_or("no greeting in the transcript")?;
    let greeting = parse_reply(&greeting.bytes)?;
    let mut lines = greeting
        .lines()
        .map(|l| String::from_utf8_lossy(l).into_owned());
    let first = lines.next().unwrap_or_default();
    let (host, text) = first.split_once(' ').unwrap_or((&first, ""));
    let text = std::iter::once(text.to_string())
        .chain(lines)
        .collect::<Vec<_>>()
        .join("\n");
    let mut cfg = ServerConfig::new(host);
    cfg.greeting = match greeting.code().get() {
        554 => Greeting::NoService(text),
        _ => Greeting::Ready(text),
    };
    cfg.lmtp = t.is_lmtp();
    // Offer what the EHLO/LHLO replies offer, nothing else.
    cfg.extensions = Extensions::NONE;
    let mut after_hello = false;
    let mut after_oauth = false;
    for step in steps {
        match step {
            Step::Client { bytes, .. } => {
                let upper = bytes.to_ascii_uppercase();
                let verb = upper.get(..5);
                after_hello = matches!(verb, Some(b"EHLO " | b"LHLO "));
                after_oauth =
                    upper.starts_with(b"AUTH OAUTHBEARER") || upper.starts_with(b"AUTH XOAUTH2");
            }
            // RFC 7628 §3.2.2: the error a server reports is its own
            // (status, scope...). The transcript shows it as the 334 after
            // an OAuth AUTH, so the server is configured to send that one.
            Step::Server { replies } if after_oauth => {
                after_oauth = false;
                let Some(reply) = replies.first() else {
                    continue;
                };
                let reply = parse_reply(&reply.bytes)?;
                if reply.code().get() == 334 {
                    let json = base64::engine::general_purpose::STANDARD
                        .decode(reply.joined_lines())
                        .map_err(|e| format!("OAuth error challenge: {e}"))?;
                    let json = String::from_utf8(json).map_err(|_| "OAuth error is not UTF-8")?;
                    cfg.oauth_error = Some(json);
                }
            }
            Step::Server { replies } if after_hello => {
                after_hello = false;
                let Some(reply) = replies.first() else {
                    continue;
                };
                let reply = parse_reply(&reply.bytes)?;
                if !reply.code().is_positive() {
                    continue;
                }
                let caps = Capabilities::from_reply(&reply);
                cfg.extensions |= caps.extensions();
                if caps.max_size().is_some_and(|n| n > 0) {
                    cfg.max_message_size = caps.max_size();
                }
                for m in caps.auth_mechanisms() {
                    if !cfg.auth_mechanisms.iter().any(|x| x == m) {
                        cfg.auth_mechanisms.push(m.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    for (key, value) in t.config(Side::Server) {
        match (key.as_str(), value.as_str()) {
            ("max-errors", n) => cfg.max_bad_commands = n.parse().map_err(|_| "bad max-errors")?,
            ("auth-over-plaintext", v) => cfg.auth_requires_tls = v != "yes",
            ("bare-line-endings", "normalize") => {
                cfg.bare_line_endings = BareLineEndings::Normalize
            }
            ("max-line", n) => cfg.max_command_line = n.parse().map_err(|_| "bad max-line")?,
            _ => {} // README: a runner ignores keys it does not know.
        }
    }
    Ok(cfg)
}

/// SCRAM credentials from `auth-user`/`auth-pass`/`scram-salt` (base64)/
/// `scram-iterations`. Derived once per set of inputs: PBKDF2 with the
/// RFC's 4096 iterations is slow in a debug build, and every split replay
/// needs the same keys.
fn scram_credentials(t: &Transcript) -> Result<Option<ScramCredentials>, String> {
    type Cache = Mutex<HashMap<(String, String, u32), ScramCredentials>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let get = |k| t.config_value(Side::Server, k);
    let (Some(pass), Some(salt_b64)) = (get("auth-pass"), get("scram-salt")) else {
        return Ok(None);
    };
    let iterations: u32 = get("scram-iterations")
        .map_or(Ok(4096), |i| i.parse())
        .map_err(|_| "bad scram-iterations")?;
    let key = (pass.clone(), salt_b64.clone(), iterations);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(c) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(Some(c.clone()));
    }
    let salt = base64::engine::general_purpose::STANDARD
        .decode(salt_b64)
        .map_err(|e| format!("scram-salt: {e}"))?;
    let creds = ScramCredentials::derive(&pass, &salt, iterations);
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, creds.clone());
    Ok(Some(creds))
}

struct Run<'a> {
    s: ServerConnection,
    scram: Option<ScramCredentials>,
    log_last_auth: Option<Event>,
    out: Vec<u8>,
    expected: &'a [ExpectedReply],
    messages: Vec<Option<Vec<u8>>>,
    body: Vec<u8>,
    failed: Option<RemoteError>,
    /// Events so far, formatted only for a failure message.
    log: Vec<Event>,
}

/// Replays `t` with the client's bytes cut as `cut` says.
pub fn replay(t: &Transcript, cut: Cut) -> Result<(), String> {
    let steps = t.steps().map_err(|e| e.to_string())?;
    let expected: Vec<ExpectedReply> = steps
        .iter()
        .flat_map(|s| match s {
            Step::Server { replies } => replies.clone(),
            _ => Vec::new(),
        })
        .collect();
    let cfg = config(t, &steps)?;
    let mut s = ServerConnection::new(cfg, NOW);
    // The nonce is an input (the machine draws no randomness): CRAM-MD5's challenge, SCRAM's
    // server nonce, as the transcript gives them.
    if let Some(nonce) = t.config_value(Side::Server, "scram-nonce") {
        s.set_nonce(&nonce);
    } else if let Some(challenge) = t.config_value(Side::Server, "cram-md5-challenge") {
        s.set_nonce(&challenge);
    }
    let scram = scram_credentials(t)?;
    let mut run = Run {
        s,
        scram,
        log_last_auth: None,
        out: Vec::new(),
        expected: &expected,
        messages: Vec::new(),
        body: Vec::new(),
        failed: None,
        log: Vec::new(),
    };
    run.pump()?;
    let (mut offset, mut upto) = (0, 0);
    for step in &steps {
        match step {
            Step::Client { bytes, .. } => {
                for piece in cut.pieces(offset, bytes) {
                    run.s.receive_data(piece, NOW);
                    run.pump()?;
                }
                offset += bytes.len();
            }
            Step::Server { replies } => {
                run.pump()?;
                upto += replies.len();
                run.check_out(upto, false)?;
            }
            Step::Tls { line } => {
                run.pump()?;
                run.s
                    .tls_established(NOW)
                    .map_err(|e| format!("line {line}: tls_established: {e}{}", run.context()))?;
            }
            Step::Action { .. } | Step::Close { .. } => {}
        }
        run.pump()?;
    }
    run.check_out(expected.len(), true)?;
    run.check_bodies(t, &steps)?;
    run.check_expectations(t)
}

impl Run<'_> {
    fn context(&self) -> String {
        let skip = self.log.len().saturating_sub(6);
        let tail: Vec<String> = self.log.iter().skip(skip).map(event_text).collect();
        format!("\n    last events: {}", tail.join("\n                 "))
    }

    fn take_output(&mut self) -> bool {
        let n = self.s.pending_transmit().len();
        self.out.extend_from_slice(self.s.pending_transmit());
        self.s.consume_transmit(n);
        n > 0
    }

    fn pump(&mut self) -> Result<(), String> {
        loop {
            let mut busy = self.take_output();
            while let Some(ev) = self.s.poll_event() {
                busy = true;
                match &ev {
                    Event::MessageData { .. } => self.body.extend_from_slice(self.s.message_data()),
                    Event::MessageEnd { .. } => {
                        self.messages.push(Some(std::mem::take(&mut self.body)))
                    }
                    Event::MessageRefused { .. } => {
                        self.body.clear();
                        self.messages.push(None);
                    }
                    Event::Failed(e) => {
                        self.failed.get_or_insert(e.clone());
                    }
                    Event::Auth(_) => self.log_last_auth = Some(ev.clone()),
                    _ => {}
                }
                self.log.push(ev.clone());
                self.take_output();
            }
            if matches!(
                &self.log_last_auth,
                Some(Event::Auth(AuthRequest {
                    verification: Verification::NeedCredentials { .. },
                    ..
                }))
            ) {
                self.log_last_auth = None;
                let creds = self
                    .scram
                    .clone()
                    .ok_or("SCRAM needs @server-config auth-user/auth-pass/scram-salt")?;
                self.s
                    .provide_scram_credentials(creds)
                    .map_err(|e| format!("provide_scram_credentials: {e}"))?;
                continue;
            }
            if self.s.awaiting_answer() {
                busy = true;
                self.take_output();
                let mut index = split_replies(&self.out).len();
                // The machine sends SASL challenges (334) itself; the
                // application's verdict is the reply after them.
                if matches!(self.log_last_auth.take(), Some(Event::Auth(_))) {
                    while self
                        .expected
                        .get(index)
                        .is_some_and(|r| r.bytes.starts_with(b"334"))
                    {
                        index += 1;
                    }
                }
                let Some(exp) = self.expected.get(index) else {
                    return Err(format!(
                        "the server awaits an answer but the transcript has no reply #{}{}",
                        index + 1,
                        self.context()
                    ));
                };
                let answer = if exp.accept {
                    self.s.accept()
                } else {
                    self.s.reply(parse_reply(&exp.bytes)?)
                };
                answer.map_err(|e| {
                    format!("answering with line {}: {e}{}", exp.line, self.context())
                })?;
            }
            if !busy {
                return Ok(());
            }
        }
    }

    /// The output must be exactly the first `upto` expected replies.
    fn check_out(&self, upto: usize, end: bool) -> Result<(), String> {
        let got = split_replies(&self.out);
        let when = if end {
            "at the end".to_string()
        } else {
            format!("by reply #{upto}")
        };
        for (i, exp) in self.expected.iter().take(upto).enumerate() {
            let Some(g) = got.get(i) else {
                return Err(format!(
                    "server output {when}: missing the reply of line {}: {}{}",
                    exp.line,
                    show(&exp.bytes),
                    self.context()
                ));
            };
            let same = if exp.free_text {
                let (a, b) = (reply_parts(&exp.bytes), reply_parts(g));
                a.0 == b.0 && a.1 == b.1
            } else {
                *g == exp.bytes
            };
            if !same {
                let label = format!(
                    "server reply for line {} (code/enhanced only: {})",
                    exp.line, exp.free_text
                );
                return Err(format!("{}{}", diff(&label, &exp.bytes, g), self.context()));
            }
        }
        if let Some(extra) = got.get(upto) {
            return Err(format!(
                "server output {when}: unexpected reply {}{}",
                show(extra),
                self.context()
            ));
        }
        Ok(())
    }

    /// Every message the application received is the one the transcript
    /// carries (DATA: dot-unstuffed; BDAT: the chunks).
    fn check_bodies(&self, t: &Transcript, steps: &[Step]) -> Result<(), String> {
        let mut want: Vec<Vec<u8>> = Vec::new();
        let mut after_354 = false;
        for step in steps {
            match step {
                Step::Server { replies } => {
                    after_354 = replies.last().is_some_and(|r| r.bytes.starts_with(b"354"))
                }
                Step::Client { bytes, .. } if after_354 => {
                    want.extend(data_body(bytes).map(|(b, _)| b));
                    after_354 = false;
                }
                _ => {}
            }
        }
        if want.is_empty() {
            let wire = t.bytes_of(Side::Client);
            want = bdat_chunks(&wire).into_iter().map(|m| m.concat()).collect();
        }
        for (i, (got, want)) in self.messages.iter().zip(&want).enumerate() {
            if let Some(got) = got {
                if got != want {
                    return Err(diff(&format!("message #{} as delivered", i + 1), want, got));
                }
            }
        }
        Ok(())
    }

    fn check_expectations(&self, t: &Transcript) -> Result<(), String> {
        let mut error_expected = false;
        for e in t.expectations(Side::Server) {
            let words: Vec<&str> = e.split_whitespace().collect();
            match words.as_slice() {
                ["error", rest @ ..] => {
                    error_expected = true;
                    let got = self.failed.as_ref().map(|e| format!("{e:?}"));
                    if !crate::error_matches(rest.first().copied(), got.as_deref()) {
                        return Err(format!(
                            "expected server error {e:?}, got {got:?}{}",
                            self.context()
                        ));
                    }
                }
                ["messages", n] => {
                    let n: usize = n.parse().map_err(|_| format!("bad expectation {e:?}"))?;
                    let got = self.messages.iter().filter(|m| m.is_some()).count();
                    if got != n {
                        return Err(format!(
                            "expected {n} messages delivered, got {got}{}",
                            self.context()
                        ));
                    }
                }
                ["ok"] => {}
                _ => return Err(format!("unknown server expectation {e:?}")),
            }
        }
        match &self.failed {
            Some(e) if !error_expected => Err(format!("server failed: {e:?}{}", self.context())),
            _ => Ok(()),
        }
    }
}

/// An event for failure messages: replies as text, not byte lists.
fn event_text(ev: &Event) -> String {
    let reply = |r: &Reply| {
        let lines: Vec<String> = r
            .lines()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        format!("{} {}", r.code().get(), lines.join(" / "))
    };
    let text = match ev {
        Event::MessageData { len } => format!("MessageData({len} octets)"),
        Event::CommandRefused { reason, reply: r } => {
            format!("CommandRefused({reason:?}: {})", reply(r))
        }
        Event::MessageRefused { reason, reply: r } => {
            format!("MessageRefused({reason:?}: {})", reply(r))
        }
        other => format!("{other:?}"),
    };
    text.chars().take(160).collect()
}
