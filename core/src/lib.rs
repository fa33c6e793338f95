//! `smtp-core`: a sans-IO SMTP, ESMTP and LMTP engine.
//!
//! (Crate docs with the run loop come with the machines.)
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod address;
pub mod auth;
pub mod body;
pub mod client;
pub mod command;
pub mod ehlo;
pub mod error;
pub mod framing;
pub mod reply;
pub mod server;
pub mod timer;

pub use address::{Domain, ForwardPath, Mailbox, ReversePath};
pub use client::{ClientConfig, ClientConnection};
pub use command::{Command, CommandError, MailParameters, RcptParameters};
pub use ehlo::{Capabilities, Extensions};
pub use error::{LocalError, RemoteError};
pub use reply::{EnhancedStatus, Reply, ReplyCode};
pub use server::{Event as ServerEvent, ServerConfig, ServerConnection};
pub use timer::{ClientTimeouts, Timestamp};
