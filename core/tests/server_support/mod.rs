//! Shared driver for the server tests: feeds bytes, answers events with a
//! policy, records events and transmitted bytes.
#![allow(dead_code)]

use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{Command, ForwardPath, Reply, ReplyCode, Timestamp};

/// How a test answers an answerable event.
pub enum Answer {
    Accept,
    Reply(Reply),
    /// Leave it unanswered.
    Hold,
}

/// Whether `e` leaves the machine waiting for an answer.
pub fn answerable(e: &Event) -> bool {
    e.needs_answer()
}

pub fn reply(code: u16, text: &str) -> Reply {
    Reply::new(ReplyCode::new(code).unwrap(), text)
}

pub struct Harness {
    pub s: ServerConnection,
    pub events: Vec<Event>,
    /// The command behind each answerable event that has one (read with
    /// `command()` when the event came), in order.
    pub commands: Vec<Command>,
    /// The recipients at each `MessageEnd` (read with `recipients()`).
    pub delivered_to: Vec<Vec<ForwardPath>>,
    /// Message octets, as `message_data()` lent them.
    pub message: Vec<u8>,
    pub wire: Vec<u8>,
    pub now: u64,
    pub policy: Box<dyn FnMut(&Event) -> Answer>,
}

impl Harness {
    /// A server accepting everything.
    pub fn new(cfg: ServerConfig) -> Self {
        Self::with_policy(cfg, |_| Answer::Accept)
    }

    pub fn with_policy(cfg: ServerConfig, policy: impl FnMut(&Event) -> Answer + 'static) -> Self {
        let s = ServerConnection::new(cfg, Timestamp(0));
        let mut h = Harness {
            s,
            events: Vec::new(),
            commands: Vec::new(),
            delivered_to: Vec::new(),
            message: Vec::new(),
            wire: Vec::new(),
            now: 0,
            policy: Box::new(policy),
        };
        h.drain();
        h
    }

    /// Drains events (answering them) and the transmit buffer.
    pub fn drain(&mut self) {
        while let Some(e) = self.s.poll_event() {
            let answer = if answerable(&e) {
                Some((self.policy)(&e))
            } else {
                None
            };
            if let Event::MessageData { len } = e {
                assert_eq!(self.s.message_data().len(), len);
                self.message.extend_from_slice(self.s.message_data());
            }
            if let Some(command) = self.s.command().filter(|_| answerable(&e)) {
                self.commands.push(command.into_owned());
            }
            let recipients: Vec<ForwardPath> =
                self.s.recipients().map(|r| r.into_owned()).collect();
            let times = match &e {
                Event::MessageEnd { .. } => {
                    let n = recipients.len();
                    self.delivered_to.push(recipients);
                    if self.s.config().lmtp {
                        n
                    } else {
                        1
                    }
                }
                _ => 1,
            };
            self.events.push(e);
            match answer {
                Some(Answer::Accept) => {
                    for _ in 0..times {
                        self.s.accept().unwrap();
                    }
                }
                Some(Answer::Reply(r)) => {
                    for _ in 0..times {
                        self.s.reply(r.clone()).unwrap();
                    }
                }
                Some(Answer::Hold) | None => {}
            }
        }
        let out = self.s.pending_transmit().to_vec();
        self.s.consume_transmit(out.len());
        self.wire.extend_from_slice(&out);
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.now += 1;
        self.s.receive_data(bytes, Timestamp(self.now));
        self.drain();
    }

    /// Feeds and returns only the bytes transmitted in response.
    pub fn exchange(&mut self, bytes: &[u8]) -> String {
        let before = self.wire.len();
        self.feed(bytes);
        String::from_utf8_lossy(&self.wire[before..]).into_owned()
    }

    pub fn eof(&mut self) {
        self.s.receive_eof(Timestamp(self.now));
        self.drain();
    }

    pub fn wire_text(&self) -> String {
        String::from_utf8_lossy(&self.wire).into_owned()
    }

    /// Reply codes sent, one per reply (last line of each reply).
    pub fn codes(&self) -> Vec<u16> {
        codes(&self.wire)
    }

    /// The message bytes the application received, concatenated.
    pub fn message_bytes(&self) -> Vec<u8> {
        self.message.clone()
    }

    /// Events with consecutive `MessageData` (and `DataAfterStartTls`) merged:
    /// what must not depend on how the input was split.
    pub fn normalized_events(&self) -> Vec<Event> {
        normalize(&self.events)
    }
}

pub fn normalize(events: &[Event]) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for e in events {
        match (e, out.last_mut()) {
            (Event::MessageData { len }, Some(Event::MessageData { len: prev })) => {
                *prev += len;
                continue;
            }
            (
                Event::DataAfterStartTls { discarded },
                Some(Event::DataAfterStartTls { discarded: prev }),
            ) => {
                *prev += discarded;
                continue;
            }
            _ => {}
        }
        out.push(e.clone());
    }
    out
}

/// The code of each complete reply in `wire` (lines `NNN ` end a reply).
pub fn codes(wire: &[u8]) -> Vec<u16> {
    wire.split(|&b| b == b'\n')
        .filter(|l| l.len() >= 4 && l[3] == b' ' || l.len() == 4 && l[3] == b'\r')
        .map(|l| std::str::from_utf8(&l[..3]).unwrap().parse().unwrap())
        .collect()
}

/// A session start: greeting consumed, EHLO accepted.
pub fn greeted(cfg: ServerConfig) -> Harness {
    let mut h = Harness::new(cfg);
    h.feed(b"EHLO client.example\r\n");
    h.wire.clear();
    h.events.clear();
    h.commands.clear();
    h
}
