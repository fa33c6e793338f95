//! [`Command::validate`]: what a client checks before sending a command it
//! built itself.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use super::{Command, CommandError};
use crate::address::{grammar, Domain, ForwardPath, Mailbox, ReversePath};
use crate::syntax::finish;

/// Why [`Command::validate`] refused a command built in code. The client
/// machine returns it as the matching [`LocalError`](crate::LocalError).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidCommand {
    /// A field holds CR, LF or NUL: sending it would inject commands
    /// (RFC 5321 §2.3.8).
    Injection {
        /// Which field, e.g. `"reverse-path"`, `"ENVID"`.
        field: &'static str,
    },
    /// A mailbox that does not encode to valid RFC 5321 §4.1.2 syntax.
    InvalidAddress {
        /// The address as given.
        address: String,
        /// The grammar rule that failed.
        rule: &'static str,
    },
    /// The command would not encode to a line that parses back as itself.
    InvalidArgument {
        /// The command verb, e.g. `"MAIL"`.
        field: &'static str,
        /// The grammar rule the encoded line broke.
        rule: &'static str,
    },
}

impl fmt::Display for InvalidCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidCommand::Injection { field } => write!(f, "{field} contains CR, LF or NUL"),
            InvalidCommand::InvalidAddress { address, rule } => {
                write!(f, "invalid address {address:?}: {rule}")
            }
            InvalidCommand::InvalidArgument { field, rule } => {
                write!(f, "{field} would not encode to a valid command: {rule}")
            }
        }
    }
}

impl core::error::Error for InvalidCommand {}

/// CR and LF end a command line early; NUL truncates it in C peers. Either
/// would let a field smuggle a second command (RFC 5321 §2.3.8).
fn injection(s: &str, field: &'static str) -> Result<(), InvalidCommand> {
    if s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Err(InvalidCommand::Injection { field })
    } else {
        Ok(())
    }
}

fn domain_injection(d: &Domain, field: &'static str) -> Result<(), InvalidCommand> {
    match d {
        Domain::Name(n) => injection(n, field),
        Domain::General { tag, content } => {
            injection(tag, field)?;
            injection(content, field)
        }
        Domain::Ipv4(_) | Domain::Ipv6(_) => Ok(()),
    }
}

/// Checks a mailbox field: no injection, and its encoding parses back to
/// the same mailbox.
fn mailbox(m: &Mailbox, field: &'static str) -> Result<(), InvalidCommand> {
    injection(&m.local_part, field)?;
    domain_injection(&m.domain, field)?;
    let mut buf = Vec::new();
    m.encode(&mut buf);
    // The encoder copies UTF-8 strings and ASCII only.
    let text = core::str::from_utf8(&buf).map_err(|_| invalid_address(m, "Mailbox"))?;
    match finish(grammar::mailbox(text), "Mailbox") {
        Ok(back) if back == m.as_borrowed() => Ok(()),
        Ok(_) => Err(invalid_address(m, "Mailbox")),
        Err(CommandError::Syntax { rule }) => Err(invalid_address(m, rule)),
        Err(_) => Err(invalid_address(m, "Mailbox")),
    }
}

fn invalid_address(m: &Mailbox, rule: &'static str) -> InvalidCommand {
    InvalidCommand::InvalidAddress {
        address: m.to_string(),
        rule,
    }
}

impl Command {
    /// Checks that this command can be sent: no CR, LF or NUL in any field
    /// ([`InvalidCommand::Injection`]), every mailbox valid
    /// ([`InvalidCommand::InvalidAddress`]), and the whole command encodes to a
    /// line that [`Command::parse`] reads back as the same command
    /// ([`InvalidCommand::InvalidArgument`]), e.g. no `Notify::On` without a
    /// condition, no `OtherParameter` spelled like a typed one, no HELO
    /// argument with a space. UTF-8 is judged possible here; whether the
    /// server offered SMTPUTF8 is the caller's check (`Mailbox::is_ascii`).
    /// The AUTH mechanism may be in any case: `encode` upper-cases it.
    pub fn validate(&self) -> Result<(), InvalidCommand> {
        match self {
            Command::Ehlo { domain } | Command::Helo { domain } | Command::Lhlo { domain } => {
                domain_injection(domain, "domain")?;
            }
            Command::Mail { from, params } => {
                if let ReversePath::Mailbox(m) = from {
                    mailbox(m, "reverse-path")?;
                }
                if let Some(e) = &params.envid {
                    injection(e, "ENVID")?;
                }
                if let Some(a) = &params.auth {
                    injection(a, "AUTH")?;
                }
                for o in &params.other {
                    injection(&o.keyword, "parameter")?;
                    injection(o.value.as_deref().unwrap_or_default(), "parameter")?;
                }
            }
            Command::Rcpt { to, params } => {
                if let ForwardPath::Mailbox(m) = to {
                    mailbox(m, "forward-path")?;
                }
                if let Some(o) = &params.orcpt {
                    injection(&o.addr_type, "ORCPT")?;
                    injection(&o.address, "ORCPT")?;
                }
                for o in &params.other {
                    injection(&o.keyword, "parameter")?;
                    injection(o.value.as_deref().unwrap_or_default(), "parameter")?;
                }
            }
            Command::Vrfy { argument } | Command::Expn { argument } => {
                injection(argument, "argument")?;
            }
            Command::Help { topic: a } | Command::Noop { argument: a } => {
                injection(a.as_deref().unwrap_or_default(), "argument")?;
            }
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                injection(mechanism, "mechanism")?;
                injection(
                    initial_response.as_deref().unwrap_or_default(),
                    "initial-response",
                )?;
            }
            Command::Data
            | Command::Bdat { .. }
            | Command::Rset
            | Command::Quit
            | Command::StartTls => {}
        }
        // The authoritative check: what we send must read back unchanged.
        let mut line = Vec::new();
        self.encode(&mut line);
        line.truncate(line.len().saturating_sub(2));
        let field = self.verb();
        match Command::parse(&line, true) {
            Ok(back) if back == self.canonical() => Ok(()),
            Ok(_) => Err(InvalidCommand::InvalidArgument {
                field,
                rule: "canonical form",
            }),
            Err(CommandError::Syntax { rule }) => {
                Err(InvalidCommand::InvalidArgument { field, rule })
            }
            Err(CommandError::InvalidParameter { .. }) => Err(InvalidCommand::InvalidArgument {
                field,
                rule: "esmtp-param",
            }),
            Err(_) => Err(InvalidCommand::InvalidArgument {
                field,
                rule: "command",
            }),
        }
    }

    /// The command as `parse(encode(self))` should return it: the only
    /// normalisation `encode` performs is upper-casing the AUTH mechanism.
    fn canonical(&self) -> Command {
        match self {
            Command::Auth {
                mechanism,
                initial_response,
            } => Command::Auth {
                mechanism: mechanism.to_ascii_uppercase(),
                initial_response: initial_response.clone(),
            },
            other => other.clone(),
        }
    }
}
