//! Replays a transcript against `ClientConnection`: the `S:` bytes are its
//! input, the `@client` actions its application's calls, and everything it
//! transmits must equal the `C:` bytes, flight by flight.

use std::collections::VecDeque;

use conformance::{bdat_chunks, data_body, unescape, Side, Step, Transcript};
use smtp_core::auth::{Credentials, Mechanism};
use smtp_core::body::BareLineEndingPolicy;
use smtp_core::client::{
    BodyMode, ClientConfig, ClientConnection, Envelope, Event, Recipient, ResetPolicy,
};
use smtp_core::{Command, RemoteError, Timestamp};

use crate::{diff, Cut};

const NOW: Timestamp = Timestamp(0);

enum BodyOp {
    Chunk(Vec<u8>),
    End,
}

struct Run {
    c: ClientConnection,
    sent: Vec<u8>,
    expected: Vec<u8>,
    failed: Option<RemoteError>,
    /// Events so far, formatted only for a failure message.
    log: Vec<Event>,
    ready: bool,
    queue: VecDeque<BodyOp>,
    fallback: bool,
    hello: &'static str,
    envelope: Option<Envelope>,
}

/// Replays `t` with the server's bytes cut as `cut` says.
pub fn replay(t: &Transcript, cut: Cut) -> Result<(), String> {
    let steps = t.steps().map_err(|e| e.to_string())?;
    let actions = || {
        steps.iter().filter_map(|s| match s {
            Step::Action { verb, args, .. } => Some((verb.as_str(), args.as_str())),
            _ => None,
        })
    };
    let domain = actions()
        .find(|(v, _)| matches!(*v, "ehlo" | "helo" | "lhlo"))
        .map_or("client.example.com", |(_, a)| a);
    let Ok(Command::Ehlo { domain }) = Command::parse(format!("EHLO {domain}").as_bytes(), true)
    else {
        return Err(format!("bad hello domain {domain:?}"));
    };
    let mut cfg = if t.is_lmtp() {
        ClientConfig::lmtp(domain)
    } else {
        ClientConfig::new(domain)
    };
    cfg.auto_hello = false;
    if actions().any(|(v, a)| v == "auth" && a.split_whitespace().any(|w| w == "initial=no")) {
        cfg.auth_initial_response = false;
    }
    if t.config_value(Side::Client, "line-endings").as_deref() == Some("refuse") {
        cfg.line_endings = BareLineEndingPolicy::Refuse;
    }
    if t.config_value(Side::Client, "reset").as_deref() == Some("deferred") {
        cfg.reset_after_failure = ResetPolicy::Deferred;
    }
    let c = ClientConnection::new(cfg, NOW).map_err(|e| format!("ClientConnection::new: {e}"))?;
    let mut run = Run {
        c,
        sent: Vec::new(),
        expected: Vec::new(),
        failed: None,
        log: Vec::new(),
        ready: false,
        queue: VecDeque::new(),
        fallback: t.config_value(Side::Client, "ehlo-fallback").as_deref() != Some("no"),
        hello: "ehlo",
        envelope: None,
    };
    let mut bdat_groups: VecDeque<_> = bdat_chunks(&t.bytes_of(Side::Client)).into();

    let mut offset = 0;
    for (i, step) in steps.iter().enumerate() {
        if !matches!(step, Step::Action { verb, .. } if verb == "mail" || verb == "rcpt") {
            run.send_envelope(&steps[i..], &bdat_groups)?;
        }
        match step {
            Step::Client { bytes, .. } => run.expected.extend_from_slice(bytes),
            Step::Server { replies } => {
                run.pump()?;
                run.check_sent(replies.first().map_or(0, |r| r.line))?;
                // The whole flight in one call (pipelined replies arrive
                // together), unless the cut falls inside it.
                let flight: Vec<u8> = replies
                    .iter()
                    .flat_map(|r| r.bytes.iter().copied())
                    .collect();
                for piece in cut.pieces(offset, &flight) {
                    run.c.receive_data(piece, NOW);
                    run.pump()?;
                }
                offset += flight.len();
            }
            Step::Action { verb, args, line } => run
                .action(verb, args, data_body_after(&steps[i..]), &mut bdat_groups)
                .map_err(|e| format!("line {line}: @client {verb} {args}: {e}{}", run.context()))?,
            Step::Tls { line } => {
                run.pump()?;
                run.check_sent(*line)?;
                run.c
                    .tls_established(NOW)
                    .map_err(|e| format!("line {line}: tls_established: {e}"))?;
                // RFC 3207 §4.2: the client greets again after the handshake.
                match run.hello {
                    "helo" => run.c.helo(),
                    _ if run.fallback => run.c.hello(),
                    _ => run.c.ehlo(),
                }
                .map_err(|e| format!("line {line}: hello after TLS: {e}"))?;
            }
            Step::Close { .. } => run.c.receive_eof(NOW),
        }
        run.pump()?;
    }
    run.send_envelope(&[], &bdat_groups)?;
    run.pump()?;
    run.check_sent(usize::MAX)?;
    check_expectations(t, &run)
}

fn check_expectations(t: &Transcript, run: &Run) -> Result<(), String> {
    let expectations = t.expectations(Side::Client);
    let mut error_expected = false;
    for e in &expectations {
        let words: Vec<&str> = e.split_whitespace().collect();
        match words.as_slice() {
            ["error", rest @ ..] => {
                error_expected = true;
                let got = run.failed.as_ref().map(|e| format!("{e:?}"));
                if !crate::error_matches(rest.first().copied(), got.as_deref()) {
                    return Err(format!(
                        "expected client error {e:?}, got {got:?}{}",
                        run.context()
                    ));
                }
            }
            ["ok"] => {}
            _ => return Err(format!("unknown client expectation {e:?}")),
        }
    }
    match &run.failed {
        Some(e) if !error_expected => Err(format!("client failed: {e:?}{}", run.context())),
        _ => Ok(()),
    }
}

impl Run {
    fn context(&self) -> String {
        let skip = self.log.len().saturating_sub(6);
        let tail: Vec<String> = self.log.iter().skip(skip).map(event_text).collect();
        format!("\n    last events: {}", tail.join("\n                 "))
    }

    fn check_sent(&self, line: usize) -> Result<(), String> {
        if self.sent == self.expected {
            return Ok(());
        }
        let label = if line == usize::MAX {
            "client output at the end".to_string()
        } else {
            format!("client output before line {line}")
        };
        Err(format!(
            "{}{}",
            diff(&label, &self.expected, &self.sent),
            self.context()
        ))
    }

    /// Drains events, hands over queued body pieces, collects output.
    fn pump(&mut self) -> Result<(), String> {
        loop {
            let mut busy = false;
            while let Some(ev) = self.c.poll_event() {
                busy = true;
                match &ev {
                    Event::ReadyForBody => self.ready = true,
                    Event::TransactionFinished { .. } => self.ready = false,
                    Event::TransactionFailed { .. } => {
                        // The body the application had lined up is not wanted.
                        self.ready = false;
                        self.queue.clear();
                    }
                    Event::Failed(e) => {
                        self.failed.get_or_insert(e.clone());
                    }
                    _ => {}
                }
                self.log.push(ev.clone());
            }
            while self.ready {
                let Some(op) = self.queue.pop_front() else {
                    break;
                };
                busy = true;
                match op {
                    BodyOp::Chunk(chunk) => self
                        .c
                        .send_body(&chunk)
                        .map_err(|e| format!("send_body: {e}{}", self.context()))?,
                    BodyOp::End => {
                        self.c
                            .finish_body()
                            .map_err(|e| format!("finish_body: {e}{}", self.context()))?;
                        self.ready = false;
                    }
                }
                self.take_output();
            }
            busy |= self.take_output();
            if !busy {
                return Ok(());
            }
        }
    }

    fn take_output(&mut self) -> bool {
        let n = self.c.pending_transmit().len();
        self.sent.extend_from_slice(self.c.pending_transmit());
        self.c.consume_transmit(n);
        n > 0
    }

    /// Sends the envelope collected from `@client mail`/`rcpt`, with the
    /// body mode the next body action asks for.
    fn send_envelope(
        &mut self,
        rest: &[Step],
        bdat: &VecDeque<Vec<Vec<u8>>>,
    ) -> Result<(), String> {
        let Some(mut env) = self.envelope.take() else {
            return Ok(());
        };
        let next_body = rest.iter().find_map(|s| match s {
            Step::Action { verb, .. }
                if matches!(
                    verb.as_str(),
                    "data" | "bdat" | "body" | "body-last" | "end"
                ) =>
            {
                Some(verb.as_str())
            }
            _ => None,
        });
        env.body_mode = match next_body {
            Some("bdat") => {
                let group = bdat.front().cloned().unwrap_or_default();
                // More than one chunk: the transcript's chunks are full ones.
                let chunk_size =
                    (group.len() > 1).then(|| group.first().map_or(1, Vec::len).max(1));
                BodyMode::Bdat { chunk_size }
            }
            _ => BodyMode::Data,
        };
        env.size = env.mail_params.size;
        self.c
            .send_mail(&env)
            .map_err(|e| format!("send_mail: {e}{}", self.context()))?;
        Ok(())
    }

    fn action(
        &mut self,
        verb: &str,
        args: &str,
        data_body: Vec<u8>,
        bdat_groups: &mut VecDeque<Vec<Vec<u8>>>,
    ) -> Result<(), String> {
        let e = |e: smtp_core::LocalError| e.to_string();
        match verb {
            "ehlo" | "lhlo" => {
                self.hello = "ehlo";
                if self.fallback && verb == "ehlo" {
                    self.c.hello()
                } else {
                    self.c.ehlo()
                }
                .map_err(e)?
            }
            "helo" => {
                self.hello = "helo";
                self.c.helo().map_err(e)?
            }
            "starttls" => self.c.starttls().map_err(e)?,
            "auth" => self.auth(args)?,
            "mail" => {
                let Ok(Command::Mail { from, params }) =
                    Command::parse(format!("MAIL FROM:{args}").as_bytes(), true)
                else {
                    return Err("does not parse as MAIL FROM:".into());
                };
                let mut env = Envelope::new(from, []);
                env.mail_params = params;
                self.envelope = Some(env);
            }
            "rcpt" => {
                let Ok(Command::Rcpt { to, params }) =
                    Command::parse(format!("RCPT TO:{args}").as_bytes(), true)
                else {
                    return Err("does not parse as RCPT TO:".into());
                };
                let env = self
                    .envelope
                    .as_mut()
                    .ok_or("@client rcpt without @client mail")?;
                env.recipients.push(Recipient { path: to, params });
            }
            "data" => {
                self.queue.push_back(BodyOp::Chunk(data_body));
                self.queue.push_back(BodyOp::End);
            }
            "bdat" => {
                let group = bdat_groups
                    .pop_front()
                    .ok_or("no BDAT chunks in the transcript")?;
                self.queue.extend(
                    group
                        .into_iter()
                        .filter(|c| !c.is_empty())
                        .map(BodyOp::Chunk),
                );
                self.queue.push_back(BodyOp::End);
            }
            "body" | "body-last" => {
                self.queue.push_back(BodyOp::Chunk(unescape(args)?));
                if verb == "body-last" {
                    self.queue.push_back(BodyOp::End);
                }
            }
            "end" => self.queue.push_back(BodyOp::End),
            "send" => {
                self.c.send_raw(args).map_err(e)?;
            }
            "rset" => {
                self.c.rset().map_err(e)?;
            }
            "quit" => {
                self.c.quit().map_err(e)?;
            }
            other => return Err(format!("unknown client action {other:?}")),
        }
        Ok(())
    }

    fn auth(&mut self, args: &str) -> Result<(), String> {
        let mut words = args.split_whitespace();
        let mech = words.next().ok_or("@client auth needs a mechanism")?;
        let kv: Vec<(&str, &str)> = words
            .map(|w| w.split_once('=').unwrap_or((w, "")))
            .collect();
        let get = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
        let user = get("user").unwrap_or("");
        let mut creds = match get("token") {
            Some(token) => Credentials::bearer(user, token),
            None => Credentials::password(user, get("pass").unwrap_or("")),
        };
        if let Some(authzid) = get("authzid") {
            creds = creds.with_authzid(authzid);
        }
        if let (Some(host), Some(port)) = (get("host"), get("port")) {
            creds = creds.with_host_port(host, port.parse().map_err(|_| "bad port")?);
        }
        let nonce = get("nonce");
        match Mechanism::parse(mech).ok_or("bad mechanism name")? {
            // A mechanism this crate does not run (EXTERNAL): the
            // application drives it, with an empty initial response.
            Mechanism::Other(name) => self.c.auth_custom(&name, Some(b"")),
            m => self.c.authenticate_with(m, creds, nonce),
        }
        .map_err(|e| e.to_string())
    }
}

/// The body a `@client data` at the start of `steps` sends: the client
/// flight after the next 354 reply of this transaction, dot-unstuffed, up
/// to its terminator; empty when the server never says 354.
fn data_body_after(steps: &[Step]) -> Vec<u8> {
    let mut after_354 = false;
    for step in steps.iter().skip(1) {
        match step {
            Step::Server { replies } => {
                after_354 = replies.last().is_some_and(|r| r.bytes.starts_with(b"354"));
            }
            Step::Client { bytes, .. } if after_354 => {
                return data_body(bytes).map_or_else(|| bytes.clone(), |(b, _)| b);
            }
            Step::Action { verb, args, .. }
                if verb == "mail"
                    || (verb == "send" && args.to_ascii_uppercase().starts_with("MAIL")) =>
            {
                break
            }
            _ => {}
        }
    }
    Vec::new()
}
/// An event for failure messages: replies as text, not byte lists.
fn event_text(ev: &Event) -> String {
    let reply = |r: &smtp_core::Reply| {
        let lines: Vec<String> = r
            .lines()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        format!("{} {}", r.code().get(), lines.join(" / "))
    };
    let text = match ev {
        Event::Greeting { reply: r } => format!("Greeting({})", reply(r)),
        Event::EhloAccepted { reply: r, .. } => format!("EhloAccepted({})", reply(r)),
        Event::RecipientReply { index, reply: r } => {
            format!("RecipientReply(#{index}: {})", reply(r))
        }
        Event::DeliveryReply { index, reply: r } => {
            format!("DeliveryReply(#{index}: {})", reply(r))
        }
        Event::TransactionFailed {
            stage, reply: r, ..
        } => format!("TransactionFailed({stage:?}: {})", reply(r)),
        Event::TransactionFinished { .. } => "TransactionFinished".to_string(),
        Event::Reply { reply: r, .. } => format!("Reply({})", reply(r)),
        Event::AuthFailed { reply: r, .. } => format!("AuthFailed({})", reply(r)),
        Event::AuthSucceeded { reply: r, .. } => format!("AuthSucceeded({})", reply(r)),
        other => format!("{other:?}"),
    };
    text.chars().take(160).collect()
}
