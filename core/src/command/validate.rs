//! [`Command::validate`]: what a client checks before sending a command it
//! built itself.

use alloc::string::ToString;
use alloc::vec::Vec;

use super::{Command, CommandError};
use crate::address::{grammar, Domain, ForwardPath, Mailbox, ReversePath};
use crate::syntax::finish;
use crate::LocalError;

/// CR and LF end a command line early; NUL truncates it in C peers. Either
/// would let a field smuggle a second command (RFC 5321 §2.3.8).
fn injection(s: &str, field: &'static str) -> Result<(), LocalError> {
    if s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Err(LocalError::CommandInjection { field })
    } else {
        Ok(())
    }
}

fn domain_injection(d: &Domain, field: &'static str) -> Result<(), LocalError> {
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
fn mailbox(m: &Mailbox, field: &'static str) -> Result<(), LocalError> {
    injection(&m.local_part, field)?;
    domain_injection(&m.domain, field)?;
    let mut buf = Vec::new();
    m.encode(&mut buf);
    // The encoder copies UTF-8 strings and ASCII only.
    let text = core::str::from_utf8(&buf).map_err(|_| invalid_address(m, "Mailbox"))?;
    match finish(grammar::mailbox(text), "Mailbox") {
        Ok(back) if back == *m => Ok(()),
        Ok(_) => Err(invalid_address(m, "Mailbox")),
        Err(CommandError::Syntax { rule }) => Err(invalid_address(m, rule)),
        Err(_) => Err(invalid_address(m, "Mailbox")),
    }
}

fn invalid_address(m: &Mailbox, rule: &'static str) -> LocalError {
    LocalError::InvalidAddress {
        address: m.to_string(),
        rule,
    }
}

impl Command {
    /// Checks that this command can be sent: no CR, LF or NUL in any field
    /// ([`LocalError::CommandInjection`]), every mailbox valid
    /// ([`LocalError::InvalidAddress`]), and the whole command encodes to a
    /// line that [`Command::parse`] reads back as the same command
    /// ([`LocalError::InvalidArgument`]), e.g. no `Notify::On` without a
    /// condition, no `OtherParameter` spelled like a typed one, no HELO
    /// argument with a space. UTF-8 is judged possible here; whether the
    /// server offered SMTPUTF8 is the caller's check (`Mailbox::is_ascii`).
    /// The AUTH mechanism may be in any case: `encode` upper-cases it.
    pub fn validate(&self) -> Result<(), LocalError> {
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
            Ok(_) => Err(LocalError::InvalidArgument {
                field,
                rule: "canonical form",
            }),
            Err(CommandError::Syntax { rule }) => Err(LocalError::InvalidArgument { field, rule }),
            Err(CommandError::InvalidParameter { .. }) => Err(LocalError::InvalidArgument {
                field,
                rule: "esmtp-param",
            }),
            Err(_) => Err(LocalError::InvalidArgument {
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
