//! The command phase: what to do with one parsed command line, by the
//! sequencing rules of RFC 5321 §4.1.4 and §4.3.2 and the extensions in
//! force, before the application sees anything. [`decide`] reads the
//! session and changes nothing; the machine carries out its
//! [`Decision`].

use crate::address::{ForwardPath, ReversePath};
use crate::auth::Mechanism;
use crate::command::{Command, CommandError, MailParameters, RcptParameters};
use crate::ehlo::Extensions;
use crate::reply::Reply;
use crate::session::HelloKind;

use super::answers::Awaiting;
use super::auth::AUTH_LINE_LIMIT;
use super::config::ServerConfig;
use super::defaults::{display, Defaults};
use super::events::{Event, Refusal};
use super::message::Drain;
use super::session::Session;

/// What the machine does with a command.
pub(super) enum Decision {
    /// Report `event` and wait for the application's answer.
    Ask(Event, Awaiting),
    /// Answer by itself. A `bad` command counts toward
    /// [`ServerConfig::max_bad_commands`].
    Refuse {
        reason: Refusal,
        reply: Reply,
        bad: bool,
    },
    /// Read a BDAT chunk's octets; `drain` when they are only thrown away
    /// and the chunk refused afterwards (RFC 3030 §2).
    Chunk {
        size: u64,
        last: bool,
        drain: Option<Drain>,
    },
    /// Run a SASL exchange (RFC 4954 §4).
    Auth {
        mechanism: Mechanism,
        initial_response: Option<alloc::string::String>,
    },
}

/// The line limit for a line starting with `front`: AUTH lines may carry a
/// long initial response (RFC 4954 §4).
pub(super) fn line_limit(front: &[u8], cfg: &ServerConfig) -> usize {
    let auth = front
        .get(..5)
        .is_some_and(|v| v.eq_ignore_ascii_case(b"AUTH "));
    if auth && !cfg.auth_mechanisms.is_empty() {
        AUTH_LINE_LIMIT.max(cfg.max_command_line)
    } else {
        cfg.max_command_line
    }
}

/// The decision for one parsed command line.
pub(super) fn decide(
    parsed: Result<Command, CommandError>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision {
    let d = Defaults::new(cfg);
    if cfg.greeting_refused() {
        // RFC 5321 §3.1: after 554, wait for QUIT and answer 503.
        return match parsed {
            Ok(Command::Quit) => Decision::Ask(Event::Quit, Awaiting::Quit),
            _ => refuse(Refusal::NoService, d.no_service(), true),
        };
    }
    let cmd = match parsed {
        Ok(cmd) => cmd,
        Err(e) => {
            let reply = match &e {
                CommandError::UnknownCommand => d.unrecognized(),
                CommandError::Utf8NotAllowed => d.utf8_not_allowed(),
                _ => d.syntax("5.5.4"),
            };
            return refuse(Refusal::Syntax(e), reply, true);
        }
    };
    let lmtp = cfg.lmtp;
    let hello = |kind: HelloKind, domain| {
        let client = display(&domain);
        let event = match kind {
            HelloKind::Ehlo => Event::Ehlo { domain },
            HelloKind::Helo => Event::Helo { domain },
            HelloKind::Lhlo => Event::Lhlo { domain },
        };
        Decision::Ask(event, Awaiting::Hello { kind, client })
    };
    match cmd {
        Command::Ehlo { domain } if !lmtp => hello(HelloKind::Ehlo, domain),
        Command::Helo { domain } if !lmtp => hello(HelloKind::Helo, domain),
        Command::Lhlo { domain } if lmtp => hello(HelloKind::Lhlo, domain),
        // RFC 2033 §4.1: no positive reply to the other protocol's
        // greeting; 500 recommended.
        Command::Ehlo { .. } | Command::Helo { .. } | Command::Lhlo { .. } => {
            refuse(Refusal::NotImplemented, d.wrong_protocol(), true)
        }
        Command::Mail { from, params } => mail(from, params, session, cfg),
        Command::Rcpt { to, params } => rcpt(to, params, session, cfg),
        Command::Data => data(session, cfg),
        Command::Bdat { size, last } => bdat(size, last, session, cfg),
        Command::Rset => Decision::Ask(Event::Rset, Awaiting::Rset),
        Command::Noop { .. } => Decision::Ask(Event::Noop, Awaiting::Noop),
        Command::Quit => Decision::Ask(Event::Quit, Awaiting::Quit),
        Command::Vrfy { argument } if cfg.offers(Extensions::VRFY) => {
            Decision::Ask(Event::Vrfy { argument }, Awaiting::Vrfy)
        }
        Command::Expn { argument } if cfg.offers(Extensions::EXPN) => {
            Decision::Ask(Event::Expn { argument }, Awaiting::Expn)
        }
        Command::Help { topic } if cfg.offers(Extensions::HELP) => {
            Decision::Ask(Event::Help { topic }, Awaiting::Help)
        }
        Command::StartTls if cfg.offers(Extensions::STARTTLS) => {
            if session.is_tls() {
                refuse(
                    Refusal::BadSequence,
                    d.bad_sequence("TLS already active"),
                    true,
                )
            } else {
                Decision::Ask(Event::StartTls, Awaiting::StartTls)
            }
        }
        Command::Auth {
            mechanism,
            initial_response,
        } => auth(&mechanism, initial_response, session, cfg),
        // VRFY, EXPN, HELP or STARTTLS switched off.
        _ => refuse(Refusal::NotImplemented, d.not_implemented(), true),
    }
}

fn refuse(reason: Refusal, reply: Reply, bad: bool) -> Decision {
    Decision::Refuse { reason, reply, bad }
}

fn sequence_error(cfg: &ServerConfig, text: &str) -> Decision {
    refuse(
        Refusal::BadSequence,
        Defaults::new(cfg).bad_sequence(text),
        true,
    )
}

fn mail(
    from: ReversePath,
    params: MailParameters,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision {
    let d = Defaults::new(cfg);
    if session.hello().is_none() {
        let text = if cfg.lmtp {
            "Send LHLO first"
        } else {
            "Send EHLO or HELO first"
        };
        return sequence_error(cfg, text);
    }
    if session.transaction().is_some() {
        return sequence_error(cfg, "Nested MAIL command");
    }
    if cfg.tls_required && !session.is_tls() {
        return refuse(Refusal::TlsRequired, d.tls_required(), false);
    }
    if cfg.auth_required && !session.is_authenticated() {
        return refuse(Refusal::AuthRequired, d.auth_required(), false);
    }
    if !mail_params_allowed(&params, session, cfg) {
        return refuse(
            Refusal::ParameterNotImplemented,
            d.param_not_implemented(),
            true,
        );
    }
    if let (Some(size), Some(max)) = (params.size, cfg.max_message_size) {
        if size > max {
            // RFC 1870 §6: refuse at once a declared size over the limit.
            return refuse(Refusal::MessageTooLarge, d.size_exceeded(), false);
        }
    }
    let awaiting = Awaiting::Mail {
        smtputf8: params.smtputf8,
        body: params.body,
    };
    Decision::Ask(Event::MailFrom { from, params }, awaiting)
}

/// RFC 5321 §4.1.1.11: parameters of extensions not in force, and unknown
/// ones, are refused (555). Which parameter needs which keyword is the
/// command module's one table.
fn mail_params_allowed(p: &MailParameters, session: &Session, cfg: &ServerConfig) -> bool {
    let needed = p.needed_extensions();
    // AUTH= (RFC 4954 §5) follows AUTH's own rule: offered where usable.
    let auth_ok = p.auth.is_none() || session.auth_usable(cfg);
    // REQUIRETLS (RFC 8689 §4.1) only over TLS.
    let tls_ok = !p.requiretls || session.is_tls();
    in_force(needed.difference(Extensions::AUTH), session, cfg)
        && auth_ok
        && tls_ok
        && p.other.is_empty()
}

/// Whether every extension in `needed` is in force.
fn in_force(needed: Extensions, session: &Session, cfg: &ServerConfig) -> bool {
    needed.is_empty() || session.ext_on(cfg, needed)
}

fn rcpt(
    to: ForwardPath,
    params: RcptParameters,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision {
    let Some(txn) = session.transaction() else {
        return sequence_error(cfg, "Need MAIL before RCPT");
    };
    if txn.bdat_used() {
        return sequence_error(cfg, "RCPT after BDAT");
    }
    let d = Defaults::new(cfg);
    if txn.recipients().len() >= cfg.max_recipients {
        return refuse(Refusal::TooManyRecipients, d.too_many_recipients(), false);
    }
    if !in_force(params.needed_extensions(), session, cfg) || !params.other.is_empty() {
        return refuse(
            Refusal::ParameterNotImplemented,
            d.param_not_implemented(),
            true,
        );
    }
    let event = Event::RcptTo {
        to: to.clone(),
        params,
    };
    Decision::Ask(event, Awaiting::Rcpt(to))
}

fn data(session: &Session, cfg: &ServerConfig) -> Decision {
    let Some(txn) = session.transaction() else {
        return sequence_error(cfg, "Need MAIL command");
    };
    if txn.recipients().is_empty() {
        // RFC 5321 §3.3 allows 503 or 554 when every RCPT was refused;
        // 554 is what a pipelining client expects (RFC 2920 §4).
        let reply = Defaults::new(cfg).no_valid_recipients();
        return refuse(Refusal::NoValidRecipients, reply, false);
    }
    if txn.bdat_used() {
        // RFC 3030 §2: DATA after BDAT in one transaction.
        return sequence_error(cfg, "DATA after BDAT");
    }
    if txn.body() == Some(crate::command::BodyType::BinaryMime) {
        // RFC 3030 §3: BINARYMIME needs BDAT.
        return sequence_error(cfg, "BINARYMIME requires BDAT");
    }
    Decision::Ask(Event::Data, Awaiting::Data)
}

/// BDAT: the chunk is always read off the wire, even when refused, so its
/// data is never taken for commands (RFC 3030 §2).
fn bdat(size: u64, last: bool, session: &Session, cfg: &ServerConfig) -> Decision {
    let drain = if !session.ext_on(cfg, Extensions::CHUNKING) {
        Some(Drain::NotImplemented)
    } else if session
        .transaction()
        .is_some_and(|t| !t.recipients().is_empty())
    {
        None
    } else {
        Some(Drain::BadSequence)
    };
    Decision::Chunk { size, last, drain }
}

fn auth(
    mechanism: &str,
    initial_response: Option<alloc::string::String>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision {
    let d = Defaults::new(cfg);
    if cfg.auth_mechanisms.is_empty() {
        return refuse(Refusal::NotImplemented, d.not_implemented(), true);
    }
    if session.hello().is_none() || session.is_authenticated() || session.transaction().is_some() {
        // RFC 4954 §4: not before EHLO, not twice, not in a transaction.
        return sequence_error(cfg, "Bad sequence of commands");
    }
    if !session.auth_usable(cfg) {
        return refuse(Refusal::EncryptionRequired, d.encryption_required(), false);
    }
    let offered = cfg
        .auth_mechanisms
        .iter()
        .any(|m| m.eq_ignore_ascii_case(mechanism));
    let known = Mechanism::parse(mechanism).filter(|m| !matches!(m, Mechanism::Other(_)));
    match known.filter(|_| offered) {
        Some(mechanism) => Decision::Auth {
            mechanism,
            initial_response,
        },
        None => refuse(Refusal::UnknownMechanism, d.unknown_mechanism(), true),
    }
}
