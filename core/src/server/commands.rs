//! The command phase: what to do with one command line, parsed without
//! copying ([`CommandRef`]), by the sequencing rules of RFC 5321 §4.1.4
//! and §4.3.2 and the extensions in force, before the application sees
//! anything. [`decide`] reads the session and changes nothing; the machine
//! carries out its [`Decision`].

use crate::address::{ForwardPathRef, MailboxRef, ReversePathRef};
use crate::auth::Mechanism;
use crate::command::{BodyType, CommandError, CommandRef, MailParametersRef, RcptParametersRef};
use crate::ehlo::Extensions;
use crate::session::HelloKind;

use super::answers::Awaiting;
use super::auth::AUTH_LINE_LIMIT;
use super::config::ServerConfig;
use super::events::{Event, Refusal};
use super::message::Drain;
use super::replies::Canned;
use super::session::Session;

/// What the machine does with a command; borrows from its line.
pub(super) enum Decision<'a> {
    /// Report `event` and wait for the application's answer; the command
    /// line is kept (for `ServerConnection::command`) until then.
    Ask(Event, Awaiting),
    /// Report `RCPT TO` as [`Decision::Ask`] does, and keep its recipient
    /// tentatively (the line is gone once answered).
    Rcpt(ForwardPathRef<'a>),
    /// Answer by itself. A `bad` command counts toward
    /// [`ServerConfig::max_bad_commands`].
    Refuse {
        reason: Refusal,
        reply: Canned<'static>,
        bad: bool,
    },
    /// Read a BDAT chunk's octets; `drain` when they are only thrown away
    /// and the chunk refused afterwards (RFC 3030 §2).
    Chunk {
        size: u64,
        last: bool,
        drain: Option<Drain>,
    },
    /// Run a SASL exchange (RFC 4954 §4); `by_application` when the
    /// application runs the mechanism
    /// ([`ServerConfig::application_mechanisms`]).
    Auth {
        mechanism: Mechanism,
        initial_response: Option<&'a str>,
        by_application: bool,
    },
}

/// The line limit for a line starting with `front`: AUTH lines may carry a
/// long initial response (RFC 4954 §4), and each extension in force that
/// adds a MAIL parameter lengthens the MAIL line by what its RFC says.
pub(super) fn line_limit(front: &[u8], session: &Session, cfg: &ServerConfig) -> usize {
    let verb = |v: &[u8]| front.get(..5).is_some_and(|f| f.eq_ignore_ascii_case(v));
    if verb(b"AUTH ") && !cfg.auth_mechanisms.is_empty() {
        return AUTH_LINE_LIMIT.max(cfg.max_command_line);
    }
    if !verb(b"MAIL ") {
        return cfg.max_command_line;
    }
    let on = |ext| session.ext_on(cfg, ext);
    let mut extra = 0;
    if on(Extensions::SIZE) {
        extra += 26; // RFC 1870 §4 (5)
    }
    if on(Extensions::SMTPUTF8) {
        extra += 10; // RFC 6531 §3.1 item 5
    }
    if on(Extensions::REQUIRETLS) && session.is_tls() {
        extra += 11; // RFC 8689 §2 item 5
    }
    if session.hello().is_some_and(HelloKind::is_extended) && session.auth_usable(cfg) {
        extra += 500; // RFC 4954 §3 item 5
    }
    cfg.max_command_line + extra
}

/// The decision for a command line whose verb the application serves
/// ([`ServerConfig::application_verbs`]) and this configuration does not;
/// `None` for every other line.
pub(super) fn application_verb(
    line: &[u8],
    session: &Session,
    cfg: &ServerConfig,
) -> Option<Decision<'static>> {
    if cfg.application_verbs.is_empty() {
        return None;
    }
    let verb = line.split(|&b| b == b' ').next().unwrap_or_default();
    let listed = cfg
        .application_verbs
        .iter()
        .any(|v| v.as_bytes().eq_ignore_ascii_case(verb));
    if !listed || served(verb, session, cfg) {
        return None;
    }
    if tls_gated(session, cfg) {
        return Some(refuse(Refusal::TlsRequired, Canned::TlsRequired, false));
    }
    Some(Decision::Ask(Event::Command, Awaiting::Command))
}

/// Whether the machine itself serves `verb` under `cfg`.
fn served(verb: &[u8], session: &Session, cfg: &ServerConfig) -> bool {
    let is = |v: &[u8]| verb.eq_ignore_ascii_case(v);
    if ["MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT"]
        .iter()
        .any(|v| is(v.as_bytes()))
        || is(b"BDAT")
    {
        return true;
    }
    if is(b"HELO") || is(b"EHLO") {
        return !cfg.lmtp;
    }
    if is(b"LHLO") {
        return cfg.lmtp;
    }
    let offered = |ext| cfg.offers(ext);
    (is(b"VRFY") && offered(Extensions::VRFY))
        || (is(b"EXPN") && offered(Extensions::EXPN))
        || (is(b"HELP") && offered(Extensions::HELP))
        || (is(b"STARTTLS") && offered(Extensions::STARTTLS) && !session.is_tls())
        || (is(b"AUTH") && !cfg.auth_mechanisms.is_empty())
}

/// The decision for one parsed command line.
pub(super) fn decide<'a>(
    parsed: Result<CommandRef<'a>, CommandError>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision<'a> {
    if cfg.greeting_refused() || session.service_refused() {
        // RFC 5321 §3.1: after 554, wait for QUIT and answer 503.
        let reason = if cfg.greeting_refused() {
            Refusal::NoService
        } else {
            Refusal::ServiceRefused
        };
        return match parsed {
            Ok(CommandRef::Quit) => Decision::Ask(Event::Quit, Awaiting::Quit),
            _ => refuse(reason, Canned::NoService, true),
        };
    }
    let cmd = match parsed {
        Ok(cmd) => cmd,
        Err(e) => {
            let reply = match &e {
                CommandError::UnknownCommand => Canned::Unrecognized,
                CommandError::Utf8NotAllowed => Canned::Utf8NotAllowed,
                _ => Canned::Syntax,
            };
            return refuse(Refusal::Syntax(e), reply, true);
        }
    };
    if tls_gated(session, cfg) && !allowed_before_tls(&cmd, cfg) {
        return refuse(Refusal::TlsRequired, Canned::TlsRequired, false);
    }
    let ask = |event, awaiting| Decision::Ask(event, awaiting);
    let hello = |kind| Decision::Ask(hello_event(kind), Awaiting::Hello { kind });
    let lmtp = cfg.lmtp;
    match cmd {
        CommandRef::Ehlo { .. } if !lmtp => hello(HelloKind::Ehlo),
        CommandRef::Helo { .. } if !lmtp => hello(HelloKind::Helo),
        CommandRef::Lhlo { .. } if lmtp => hello(HelloKind::Lhlo),
        // RFC 2033 §4.1: no positive reply to the other protocol's
        // greeting; 500 recommended.
        CommandRef::Ehlo { .. } | CommandRef::Helo { .. } | CommandRef::Lhlo { .. } => {
            refuse(Refusal::NotImplemented, Canned::WrongProtocol, true)
        }
        CommandRef::Mail { from, params } => mail(&from, &params, session, cfg),
        CommandRef::Rcpt { to, params } => rcpt(to, &params, session, cfg),
        CommandRef::Data => data(session),
        CommandRef::Bdat { size, last } => bdat(size, last, session, cfg),
        CommandRef::Rset => ask(Event::Rset, Awaiting::Rset),
        CommandRef::Noop { .. } => ask(Event::Noop, Awaiting::Noop),
        CommandRef::Quit => ask(Event::Quit, Awaiting::Quit),
        CommandRef::Vrfy { .. } if cfg.offers(Extensions::VRFY) => ask(Event::Vrfy, Awaiting::Vrfy),
        CommandRef::Expn { .. } if cfg.offers(Extensions::EXPN) => ask(Event::Expn, Awaiting::Expn),
        CommandRef::Help { .. } if cfg.offers(Extensions::HELP) => ask(Event::Help, Awaiting::Help),
        CommandRef::StartTls if cfg.offers(Extensions::STARTTLS) => {
            if session.is_tls() {
                sequence_error("TLS already active")
            } else {
                ask(Event::StartTls, Awaiting::StartTls)
            }
        }
        CommandRef::Auth {
            mechanism,
            initial_response,
        } => auth(&mechanism, initial_response, session, cfg),
        // VRFY, EXPN, HELP or STARTTLS switched off.
        _ => refuse(Refusal::NotImplemented, Canned::NotImplemented, true),
    }
}

/// Whether TLS is required and not in force yet.
fn tls_gated(session: &Session, cfg: &ServerConfig) -> bool {
    cfg.tls_required && !session.is_tls()
}

/// RFC 3207 §4: a server requiring TLS answers 530 to every command other
/// than NOOP, EHLO, STARTTLS or QUIT (LHLO is LMTP's EHLO, RFC 2033 §4.1).
fn allowed_before_tls(cmd: &CommandRef<'_>, cfg: &ServerConfig) -> bool {
    match cmd {
        CommandRef::Noop { .. } | CommandRef::Quit | CommandRef::StartTls => true,
        CommandRef::Ehlo { .. } => !cfg.lmtp,
        CommandRef::Lhlo { .. } => cfg.lmtp,
        _ => false,
    }
}

fn hello_event(kind: HelloKind) -> Event {
    match kind {
        HelloKind::Ehlo => Event::Ehlo,
        HelloKind::Helo => Event::Helo,
        HelloKind::Lhlo => Event::Lhlo,
    }
}

fn refuse<'a>(reason: Refusal, reply: Canned<'static>, bad: bool) -> Decision<'a> {
    Decision::Refuse { reason, reply, bad }
}

fn sequence_error<'a>(text: &'static str) -> Decision<'a> {
    refuse(Refusal::BadSequence, Canned::BadSequence(text), true)
}

/// Whether `mailbox`'s local part is longer than the configured limit.
fn local_part_too_long(mailbox: Option<&MailboxRef<'_>>, cfg: &ServerConfig) -> bool {
    match (mailbox, cfg.max_local_part) {
        (Some(m), Some(max)) => m.local_part.len() > max,
        _ => false,
    }
}

fn mail<'a>(
    from: &ReversePathRef<'_>,
    params: &MailParametersRef<'_>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision<'a> {
    if session.hello().is_none() {
        return sequence_error(if cfg.lmtp {
            "Send LHLO first"
        } else {
            "Send EHLO or HELO first"
        });
    }
    if session.transaction().is_some() {
        return sequence_error("Nested MAIL command");
    }
    if cfg.auth_required && !session.is_authenticated() {
        return refuse(Refusal::AuthRequired, Canned::AuthRequired, false);
    }
    if !mail_params_allowed(params, session, cfg) {
        let reply = Canned::ParamNotImplemented;
        return refuse(Refusal::ParameterNotImplemented, reply, true);
    }
    let mailbox = match from {
        ReversePathRef::Mailbox(m) => Some(m),
        _ => None,
    };
    if local_part_too_long(mailbox, cfg) {
        return refuse(Refusal::LocalPartTooLong, Canned::LocalPartTooLong, false);
    }
    if let (Some(size), Some(max)) = (params.size, cfg.max_message_size) {
        if size > max {
            // RFC 1870 §6: refuse at once a declared size over the limit.
            return refuse(Refusal::MessageTooLarge, Canned::SizeExceeded, false);
        }
    }
    let awaiting = Awaiting::Mail {
        smtputf8: params.smtputf8,
        body: params.body,
    };
    Decision::Ask(Event::MailFrom, awaiting)
}

/// RFC 5321 §4.1.1.11: parameters of extensions not in force, and unknown
/// ones, are refused (555). Which parameter needs which keyword is the
/// command module's one table.
fn mail_params_allowed(p: &MailParametersRef<'_>, session: &Session, cfg: &ServerConfig) -> bool {
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

fn rcpt<'a>(
    to: ForwardPathRef<'a>,
    params: &RcptParametersRef<'_>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision<'a> {
    let Some(txn) = session.transaction() else {
        return sequence_error("Need MAIL before RCPT");
    };
    if txn.bdat_used() {
        return sequence_error("RCPT after BDAT");
    }
    if session.recipients().len() >= cfg.max_recipients {
        return refuse(Refusal::TooManyRecipients, Canned::TooManyRecipients, false);
    }
    if !in_force(params.needed_extensions(), session, cfg) || !params.other.is_empty() {
        let reply = Canned::ParamNotImplemented;
        return refuse(Refusal::ParameterNotImplemented, reply, true);
    }
    let mailbox = match &to {
        ForwardPathRef::Mailbox(m) => Some(m),
        _ => None,
    };
    if local_part_too_long(mailbox, cfg) {
        return refuse(Refusal::LocalPartTooLong, Canned::LocalPartTooLong, false);
    }
    Decision::Rcpt(to)
}

fn data<'a>(session: &Session) -> Decision<'a> {
    let Some(txn) = session.transaction() else {
        return sequence_error("Need MAIL command");
    };
    if session.recipients().len() == 0 {
        // RFC 5321 §3.3 allows 503 or 554 when every RCPT was refused;
        // 554 is what a pipelining client expects (RFC 2920 §4).
        return refuse(Refusal::NoValidRecipients, Canned::NoValidRecipients, false);
    }
    if txn.bdat_used() {
        // RFC 3030 §2: DATA after BDAT in one transaction.
        return sequence_error("DATA after BDAT");
    }
    if txn.body() == Some(BodyType::BinaryMime) {
        // RFC 3030 §3: BINARYMIME needs BDAT.
        return sequence_error("BINARYMIME requires BDAT");
    }
    Decision::Ask(Event::Data, Awaiting::Data)
}

/// BDAT: the chunk is always read off the wire, even when refused, so its
/// data is never taken for commands (RFC 3030 §2).
fn bdat<'a>(size: u64, last: bool, session: &Session, cfg: &ServerConfig) -> Decision<'a> {
    let drain = if !session.ext_on(cfg, Extensions::CHUNKING) {
        Some(Drain::NotImplemented)
    } else if session.transaction().is_none() || session.recipients().len() == 0 {
        Some(Drain::BadSequence)
    } else {
        None
    };
    Decision::Chunk { size, last, drain }
}

fn auth<'a>(
    mechanism: &str,
    initial_response: Option<&'a str>,
    session: &Session,
    cfg: &ServerConfig,
) -> Decision<'a> {
    if cfg.auth_mechanisms.is_empty() {
        return refuse(Refusal::NotImplemented, Canned::NotImplemented, true);
    }
    if session.hello().is_none() || session.is_authenticated() || session.transaction().is_some() {
        // RFC 4954 §4: not before EHLO, not twice, not in a transaction.
        return sequence_error("Bad sequence of commands");
    }
    if session.hello() == Some(HelloKind::Helo) {
        // AUTH is an extension: none is in force after HELO (RFC 5321
        // §2.2.1), so the command is not implemented in this session.
        return refuse(Refusal::NotImplemented, Canned::NotImplemented, true);
    }
    if !session.auth_usable(cfg) {
        return refuse(
            Refusal::EncryptionRequired,
            Canned::EncryptionRequired,
            false,
        );
    }
    let offered = cfg
        .auth_mechanisms
        .iter()
        .any(|m| m.eq_ignore_ascii_case(mechanism));
    let by_application = cfg.runs_mechanism(mechanism);
    // The machine runs the mechanisms it knows; the application, those it
    // says it runs.
    let runnable =
        Mechanism::parse(mechanism).filter(|m| by_application || !matches!(m, Mechanism::Other(_)));
    match runnable.filter(|_| offered) {
        Some(mechanism) => Decision::Auth {
            mechanism,
            initial_response,
            by_application,
        },
        None => refuse(Refusal::UnknownMechanism, Canned::UnknownMechanism, true),
    }
}
