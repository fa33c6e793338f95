//! Sends one message with `ClientConnection` to a scripted server and
//! prints the transcript (`C:` client, `S:` server).
//!
//! Run: `cargo run -p smtp-core --example client_session`

use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event};
use smtp_core::{Domain, ForwardPath, ReversePath, Timestamp};

/// A toy server: answers each complete client line by its verb, and the
/// body until the lone dot.
struct ScriptedServer {
    pending: Vec<u8>,
    in_body: bool,
}

impl ScriptedServer {
    fn answer(&mut self, line: &str) -> Option<&'static str> {
        if self.in_body {
            if line == "." {
                self.in_body = false;
                return Some("250 2.0.0 Ok: queued as 4F2A1\r\n");
            }
            return None;
        }
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        Some(match verb.as_str() {
            "EHLO" => "250-mx.example.org greets client.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "MAIL" => "250 2.1.0 Ok\r\n",
            "RCPT" if line.contains("nobody") => "550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n",
            "RCPT" => "250 2.1.5 Ok\r\n",
            "DATA" => {
                self.in_body = true;
                "354 End data with <CR><LF>.<CR><LF>\r\n"
            }
            "QUIT" => "221 2.0.0 Bye\r\n",
            _ => "502 5.5.2 Error: command not recognized\r\n",
        })
    }

    /// Takes client bytes; returns the server's answer bytes.
    fn feed(&mut self, bytes: &[u8]) -> Vec<u8> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(i) = self.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.pending.drain(..=i).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\r', '\n']);
            println!("C: {line}");
            if let Some(a) = self.answer(line) {
                out.extend_from_slice(a.as_bytes());
            }
        }
        out
    }
}

fn show_server(bytes: &[u8]) {
    for line in String::from_utf8_lossy(bytes).lines() {
        println!("S: {line}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut clock = 0u64;
    let mut now = || {
        clock += 10;
        Timestamp(clock)
    };
    let config = ClientConfig::new(Domain::Name("client.example.com".into()));
    let mut conn = ClientConnection::new(config, now())?;
    let mut server = ScriptedServer {
        pending: Vec::new(),
        in_body: false,
    };

    let from = ReversePath::parse("<alice@example.com>", false)?;
    let to = ["<bob@example.org>", "<nobody@example.org>"]
        .iter()
        .map(|t| ForwardPath::parse(t, false))
        .collect::<Result<Vec<_>, _>>()?;
    let body: &[u8] = b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hello\r\n\r\n.A line starting with a dot.\r\n";
    let envelope = Envelope::new(from, to).with_size(body.len() as u64);

    let greeting = b"220 mx.example.org ESMTP ready\r\n";
    show_server(greeting);
    let mut inbound = greeting.to_vec();
    let mut sent = false;
    loop {
        if !inbound.is_empty() {
            conn.receive_data(&inbound, now());
            inbound.clear();
        }
        while let Some(event) = conn.poll_event() {
            match &event {
                Event::EhloAccepted { .. } if !sent => {
                    sent = true;
                    conn.send_mail(&envelope)?;
                }
                Event::ReadyForBody => {
                    conn.send_body(body)?;
                    conn.finish_body()?;
                }
                Event::TransactionFinished { result } => {
                    println!("-- delivered to {} recipient(s)", result.accepted());
                    for (r, reply) in result.refused() {
                        println!(
                            "-- refused {}: {} {}",
                            r.path,
                            reply.code().get(),
                            String::from_utf8_lossy(&reply.trimmed_text())
                        );
                    }
                    conn.quit()?;
                }
                Event::TransactionFailed { stage, reply, .. } => {
                    println!("-- failed at {stage:?}: {}", reply.code().get());
                    conn.quit()?;
                }
                Event::Closed { clean, .. } => {
                    println!("-- closed (clean: {clean})");
                    return Ok(());
                }
                Event::Failed(e) => return Err(e.clone().into()),
                Event::TimedOut { phase } => return Err(format!("timed out in {phase:?}").into()),
                _ => {}
            }
        }
        let out = conn.pending_transmit().to_vec();
        conn.consume_transmit(out.len());
        let answer = server.feed(&out);
        show_server(&answer);
        if answer.starts_with(b"221") {
            conn.receive_data(&answer, now());
            conn.receive_eof(now());
            continue;
        }
        if answer.is_empty() && out.is_empty() {
            return Err("stalled".into());
        }
        inbound = answer;
    }
}
