//! `smtp-core`: a sans-IO SMTP, ESMTP and LMTP engine.
//!
//! Two state machines, [`ClientConnection`] and [`ServerConnection`], hold
//! every protocol rule once; the Python and JavaScript bindings and your own
//! Rust code only move bytes and time in and out. The crate is `no_std` +
//! `alloc`, has no `unsafe`, and never touches a socket, a clock, a thread or
//! a random number generator.
//!
//! The architecture is in `ARCHITECTURE.md` at the root of the repository:
//! the module layout, how events and answers flow, the vocabulary both
//! machines share, and where each RFC rule lives.
//!
//! # The sans-IO contract
//!
//! **Every mutation must be followed by a complete drain of the outputs.**
//! After any input or application call, take every [`poll_event`] until
//! `None`, write out [`pending_transmit`] (and say how much the socket took
//! with [`consume_transmit`]: partial writes, no copies), and sleep no
//! longer than [`poll_timeout`].
//!
//! | kind | client and server |
//! |---|---|
//! | inputs | `receive_data(bytes, now)`, `receive_eof(now)`, `handle_timeout(now)`, `tls_established(now)` |
//! | outputs | `poll_event()`, `pending_transmit()` + `consume_transmit(n)`, `poll_timeout()` |
//! | app calls | client: `send_mail`, `send_body`, `finish_body`, `authenticate`, `starttls`, `send_command`...; server: `accept()`, `reply(Reply)` |
//! | lent views (server) | `command()`, `message_data()`, `recipients()`: what an event is about, borrowed, nothing copied |
//!
//! * Time is an input ([`Timestamp`], milliseconds on the caller's clock);
//!   an expired timer is an event, never a hang (RFC 5321 §4.5.3.2).
//! * Incomplete input is not an error: nothing happens until more comes.
//! * Every buffer has a named bound citing its RFC section; a peer that
//!   exceeds one gets the RFC reply, and memory never grows with its input.
//! * Errors come in two kinds ([`error`]): a [`LocalError`] is the caller's
//!   misuse, returned with the state unchanged; a [`RemoteError`] is the
//!   peer's violation, reported once as an event and sticky.
//! * Each session ends with exactly one final event, `Closed`, `TimedOut`
//!   or `Failed` ([`ClientEvent::is_final`], [`ServerEvent::is_final`]);
//!   then `is_closed()` is true. Write what `pending_transmit()` still
//!   holds, then close the socket.
//! * Only `CR LF . CR LF` ends DATA ([`body::DotUnstuffer`]): no SMTP
//!   smuggling. Bytes pipelined behind STARTTLS are discarded and reported
//!   on both sides, and `tls_established(now)` forgets what was said before
//!   (RFC 3207 §4.2, §5).
//!
//! # Run loop
//!
//! A client sending one message over a blocking socket (the same loop fits
//! `async` I/O: only the two socket calls change):
//!
//! ```no_run
//! use smtp_core::client::{Envelope, Event};
//! use smtp_core::{ClientConfig, ClientConnection, Domain, ForwardPath, ReversePath, Timestamp};
//! # fn socket_read(_: &mut [u8], _deadline: Option<Timestamp>) -> Option<usize> { None }
//! # fn socket_write(_: &[u8]) -> usize { 0 }
//! # fn clock() -> Timestamp { Timestamp(0) }
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let envelope = Envelope::new(
//!     ReversePath::parse("alice@example.org", false)?,
//!     [ForwardPath::parse("bob@example.net", false)?],
//! );
//! let config = ClientConfig::new(Domain::Name("client.example.org".into()));
//! let mut conn = ClientConnection::new(config, clock())?;
//! let mut buf = [0u8; 16 * 1024];
//! loop {
//!     while let Some(event) = conn.poll_event() {
//!         match event {
//!             Event::EhloAccepted { .. } | Event::HeloAccepted { .. } => conn.send_mail(&envelope)?,
//!             Event::ReadyForBody => {
//!                 conn.send_body(b"Subject: hi\r\n\r\nHello.\r\n")?;
//!                 conn.finish_body()?;
//!             }
//!             Event::TransactionFinished { .. } | Event::TransactionFailed { .. } => {
//!                 conn.quit()?;
//!             }
//!             Event::Closed { .. } | Event::TimedOut { .. } => return Ok(()),
//!             Event::Failed(e) => return Err(e.into()),
//!             _ => {}
//!         }
//!     }
//!     while !conn.pending_transmit().is_empty() {
//!         let n = socket_write(conn.pending_transmit());
//!         conn.consume_transmit(n);
//!     }
//!     match socket_read(&mut buf, conn.poll_timeout()) {
//!         Some(0) => conn.receive_eof(clock()),
//!         Some(n) => conn.receive_data(&buf[..n], clock()),
//!         None => conn.handle_timeout(clock()),
//!     }
//! }
//! # }
//! ```
//!
//! `examples/in_memory_session.rs` runs both machines against each other in
//! memory; `examples/client_session.rs` and `examples/server_session.rs`
//! drive one side against a script.
//!
//! # One vocabulary
//!
//! The same word means the same moment on both sides. A server event that
//! awaits an answer is named after the command ([`ServerEvent::Ehlo`],
//! [`ServerEvent::MailFrom`]...); a client event that reports one reply is
//! `<Command>Accepted` / `<Command>Refused` ([`ClientEvent::EhloAccepted`]).
//! Both name the handshake moment `TlsHandshake`, the expired timer
//! `TimedOut`, the end `Closed { clean, .. }`.
//!
//! # Tests
//!
//! Two conventions. Codec tables and unit tests are a child module file
//! next to the code, declared `#[cfg(test)] mod tests;` (`command/tests.rs`,
//! `reply/tests.rs`...). Machine behaviour is tested through the public
//! API in `core/tests/` (`client_*`, `server_*`, `pair_matrix`), with
//! helpers in `core/tests/<x>_support/mod.rs`.
//!
//! [`poll_event`]: ClientConnection::poll_event
//! [`pending_transmit`]: ClientConnection::pending_transmit
//! [`consume_transmit`]: ClientConnection::consume_transmit
//! [`poll_timeout`]: ClientConnection::poll_timeout
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod address;
pub mod auth;
pub mod body;
mod buffer;
pub mod client;
pub mod command;
pub mod ehlo;
pub mod error;
pub mod framing;
pub mod proxy;
pub mod reply;
mod scan;
pub mod server;
pub mod session;
mod syntax;
pub mod timer;

pub use address::{Domain, ForwardPath, Mailbox, ReversePath};
pub use client::{ClientConfig, ClientConnection, Event as ClientEvent};
pub use command::{Command, CommandError, MailParameters, RcptParameters};
pub use ehlo::{Capabilities, Extensions};
pub use error::{LocalError, RemoteError, SessionState};
pub use reply::{EnhancedStatus, Reply, ReplyCode};
pub use server::{Event as ServerEvent, ServerConfig, ServerConnection};
pub use session::{HelloKind, Security};
pub use timer::{ClientTimeouts, Timestamp};
