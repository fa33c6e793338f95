//! Scripted-server harness for the client machine.
//!
//! A script is a list of steps `(client, server)`: the bytes the client
//! must have written since the previous step, then the bytes the server
//! answers with. The server bytes are fed whole, one byte at a time, or
//! split at an offset; every chunking must give the same events and the
//! same client bytes.
#![allow(dead_code)]

use smtp_core::client::{ClientConfig, ClientConnection, Envelope, Event};
use smtp_core::{Domain, ForwardPath, ReversePath, Timestamp};

/// How server bytes are handed to `receive_data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feed {
    /// Each step's bytes in one call.
    Whole,
    /// One byte per call.
    Bytes,
    /// Each step's bytes split in two at this offset (when shorter, whole).
    Split(usize),
}

/// Reacts to each event (the application's part).
pub type Driver = Box<dyn FnMut(&mut ClientConnection, &Event)>;

/// What a scripted run produced.
pub struct Run {
    /// Every event, in order.
    pub events: Vec<Event>,
    /// Every byte the client wrote.
    pub client: Vec<u8>,
    /// Bytes the client wrote after the last step.
    pub trailing: String,
    /// The machine, for getters.
    pub conn: ClientConnection,
}

pub fn domain() -> Domain {
    Domain::Name("client.example".into())
}

pub fn config() -> ClientConfig {
    ClientConfig::new(domain())
}

pub fn fwd(s: &str) -> ForwardPath {
    ForwardPath::parse(s, true).expect("test forward path")
}

pub fn rev(s: &str) -> ReversePath {
    ReversePath::parse(s, true).expect("test reverse path")
}

pub fn envelope(from: &str, to: &[&str]) -> Envelope {
    Envelope::new(rev(from), to.iter().map(|t| fwd(t)))
}

fn pieces(s: &[u8], feed: Feed) -> Vec<&[u8]> {
    match feed {
        Feed::Whole => vec![s],
        Feed::Bytes => s.chunks(1).collect(),
        Feed::Split(k) if k > 0 && k < s.len() => {
            let (a, b) = s.split_at(k);
            vec![a, b]
        }
        Feed::Split(_) => vec![s],
    }
}

/// Drains events (calling the driver) and transmit until nothing moves.
pub fn pump(
    conn: &mut ClientConnection,
    driver: &mut Driver,
    events: &mut Vec<Event>,
    out: &mut Vec<u8>,
) {
    loop {
        let mut moved = false;
        while let Some(e) = conn.poll_event() {
            driver(conn, &e);
            events.push(e);
            moved = true;
        }
        let p = conn.pending_transmit().to_vec();
        if !p.is_empty() {
            out.extend_from_slice(&p);
            conn.consume_transmit(p.len());
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

/// Runs `script` once with one chunking. `eof` ends with the server's EOF.
pub fn run(
    cfg: ClientConfig,
    script: &[(&str, &str)],
    eof: bool,
    mut driver: Driver,
    feed: Feed,
) -> Run {
    let mut conn = ClientConnection::new(cfg, Timestamp(0)).expect("config");
    let mut events = Vec::new();
    let mut out = Vec::new();
    let mut since = 0;
    pump(&mut conn, &mut driver, &mut events, &mut out);
    for (i, (c, s)) in script.iter().enumerate() {
        assert_eq!(
            String::from_utf8_lossy(&out[since..]),
            *c,
            "step {i} with {feed:?}: client bytes (events so far: {events:#?})"
        );
        since = out.len();
        for piece in pieces(s.as_bytes(), feed) {
            conn.receive_data(piece, Timestamp(0));
            pump(&mut conn, &mut driver, &mut events, &mut out);
        }
    }
    if eof {
        conn.receive_eof(Timestamp(0));
        pump(&mut conn, &mut driver, &mut events, &mut out);
    }
    let trailing = String::from_utf8_lossy(&out[since..]).into_owned();
    Run {
        events,
        client: out,
        trailing,
        conn,
    }
}

/// Runs `script` whole, byte by byte and split at every offset; asserts the
/// events and client bytes never change, and returns the whole run.
pub fn run_all(
    cfg: impl Fn() -> ClientConfig,
    script: &[(&str, &str)],
    eof: bool,
    driver: impl Fn() -> Driver,
) -> Run {
    let whole = run(cfg(), script, eof, driver(), Feed::Whole);
    let longest = script.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let mut feeds = vec![Feed::Bytes];
    feeds.extend((1..longest).map(Feed::Split));
    for feed in feeds {
        let other = run(cfg(), script, eof, driver(), feed);
        assert_eq!(other.events, whole.events, "events differ with {feed:?}");
        assert_eq!(
            other.client, whole.client,
            "client bytes differ with {feed:?}"
        );
    }
    whole
}

/// A driver that does nothing.
pub fn idle() -> Driver {
    Box::new(|_, _| {})
}

/// A driver that sends `env` after the first EHLO/HELO success, the body
/// on ReadyForBody, and QUIT when the transaction ends.
pub fn send_one(env: Envelope, body: &'static [u8]) -> Driver {
    let mut sent = false;
    Box::new(move |c, e| match e {
        Event::EhloAccepted { .. } | Event::HeloAccepted { .. } if !sent => {
            sent = true;
            c.send_mail(&env).expect("send_mail");
        }
        Event::ReadyForBody => {
            c.send_body(body).expect("send_body");
            c.finish_body().expect("finish_body");
        }
        Event::TransactionFinished { .. } | Event::TransactionFailed { .. } => {
            // After a 421 the server is closing: QUIT is refused, fine.
            match c.quit() {
                Ok(_) | Err(smtp_core::LocalError::Closed) => {}
                Err(e) => panic!("quit: {e}"),
            }
        }
        _ => {}
    })
}

/// The event list without its variants' payloads, for short assertions.
pub fn names(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| {
            let s = format!("{e:?}");
            let end = s.find([' ', '(', '{']).unwrap_or(s.len());
            s[..end].to_string()
        })
        .collect()
}

/// The first line of a reply's text, lossy.
pub fn text(r: &smtp_core::Reply) -> String {
    String::from_utf8_lossy(&r.trimmed_text()).into_owned()
}

/// The result of the transaction that finished (panics when none did).
pub fn finished(events: &[Event]) -> smtp_core::client::MailResult {
    events
        .iter()
        .find_map(|e| match e {
            Event::TransactionFinished { result } => Some(result.clone()),
            _ => None,
        })
        .expect("a transaction finished")
}

/// `(index, code)` of every refused recipient of `result`.
pub fn refused_codes(result: &smtp_core::client::MailResult) -> Vec<(usize, u16)> {
    result
        .refused()
        .map(|(r, reply)| (r.index, reply.code().get()))
        .collect()
}

/// `(index, code)` of every LMTP delivery reply.
pub fn deliveries(events: &[Event]) -> Vec<(usize, u16)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::DeliveryReply { index, reply } => Some((*index, reply.code().get())),
            _ => None,
        })
        .collect()
}

/// A reply line `code text code` with its CRLF.
pub fn reply(code: u16) -> String {
    format!("{code} text {code}\r\n")
}

/// The RCPT line for recipient `i` (`<r{i}@b.example>`).
pub fn rcpt_line(i: usize) -> String {
    format!("RCPT TO:<r{i}@b.example>\r\n")
}

/// An envelope from `<a@a.example>` to `n` recipients `<r{i}@b.example>`.
pub fn numbered_envelope(n: usize) -> Envelope {
    Envelope::new(
        rev("<a@a.example>"),
        (0..n).map(|i| fwd(&format!("<r{i}@b.example>"))),
    )
}

/// Runs an owned script whole, sending `env` and `body` after EHLO
/// (`send_one`); returns the events after EhloAccepted and every byte the
/// client wrote.
pub fn run_after_ehlo(
    script: &[(String, String)],
    env: Envelope,
    body: &'static [u8],
) -> (Vec<Event>, Vec<u8>) {
    let refs: Vec<(&str, &str)> = script
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = run(config(), &refs, true, send_one(env, body), Feed::Whole);
    let i = r
        .events
        .iter()
        .position(|e| matches!(e, Event::EhloAccepted { .. }))
        .expect("EHLO accepted");
    (r.events[i + 1..].to_vec(), r.client)
}
