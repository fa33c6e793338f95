//! `ServerFace`: what one Python server face (aiosmtpd's `SMTP`, smtpd's
//! `SMTPServer`...) asks of every session, built once per server: the
//! machine's configuration, the events the face handles in Python, and the
//! answers Rust gives for the others.

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use smtp_core::auth::Mechanism;
use smtp_core::reply::ReplyParser;
use smtp_core::server::{BareLineEndings, CallLimits, LongLines, ServerConfig};
use smtp_core::{Extensions, Reply};

use crate::reply::value_error;

/// The events a face can see, one bit each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ehlo,
    Helo,
    Lhlo,
    MailFrom,
    RcptTo,
    Data,
    Bdat,
    MessageData,
    ChunkEnd,
    MessageEnd,
    MessageRefused,
    Rset,
    Noop,
    Vrfy,
    Expn,
    Help,
    Quit,
    StartTls,
    TlsHandshake,
    DataAfterStartTls,
    Auth,
    CommandRefused,
    Proxy,
    SaslStep,
}

impl Kind {
    pub(crate) const ALL: [Kind; 24] = [
        Kind::Ehlo,
        Kind::Helo,
        Kind::Lhlo,
        Kind::MailFrom,
        Kind::RcptTo,
        Kind::Data,
        Kind::Bdat,
        Kind::MessageData,
        Kind::ChunkEnd,
        Kind::MessageEnd,
        Kind::MessageRefused,
        Kind::Rset,
        Kind::Noop,
        Kind::Vrfy,
        Kind::Expn,
        Kind::Help,
        Kind::Quit,
        Kind::StartTls,
        Kind::TlsHandshake,
        Kind::DataAfterStartTls,
        Kind::Auth,
        Kind::CommandRefused,
        Kind::Proxy,
        Kind::SaslStep,
    ];

    /// The name Python uses: the core event's variant name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Ehlo => "Ehlo",
            Kind::Helo => "Helo",
            Kind::Lhlo => "Lhlo",
            Kind::MailFrom => "MailFrom",
            Kind::RcptTo => "RcptTo",
            Kind::Data => "Data",
            Kind::Bdat => "Bdat",
            Kind::MessageData => "MessageData",
            Kind::ChunkEnd => "ChunkEnd",
            Kind::MessageEnd => "MessageEnd",
            Kind::MessageRefused => "MessageRefused",
            Kind::Rset => "Rset",
            Kind::Noop => "Noop",
            Kind::Vrfy => "Vrfy",
            Kind::Expn => "Expn",
            Kind::Help => "Help",
            Kind::Quit => "Quit",
            Kind::StartTls => "StartTls",
            Kind::TlsHandshake => "TlsHandshake",
            Kind::DataAfterStartTls => "DataAfterStartTls",
            Kind::Auth => "Auth",
            Kind::CommandRefused => "CommandRefused",
            Kind::Proxy => "Proxy",
            Kind::SaslStep => "SaslStep",
        }
    }

    fn parse(name: &str) -> PyResult<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| value_error(format!("unknown server event kind {name:?}")))
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// Whether the machine waits for an answer after this event.
    pub(crate) fn needs_answer(self) -> bool {
        !matches!(
            self,
            Kind::Bdat
                | Kind::MessageData
                | Kind::MessageRefused
                | Kind::TlsHandshake
                | Kind::DataAfterStartTls
                | Kind::CommandRefused
        )
    }
}

/// What happens to message data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Body {
    /// Kept in Rust; `MessageEnd` carries it as one bytes object.
    Keep,
    /// Handed to Python as `MessageData` events as it arrives (consecutive
    /// chunks of one crossing joined); `MessageEnd` carries None.
    Stream,
    /// Dropped; `MessageEnd` carries None.
    Discard,
}

/// Parses a status line as a handler returns it: `"250 OK"`, or several
/// lines joined by CRLF or LF (`"250-a\r\n250 b"`), through core's reply
/// parser.
pub(crate) fn parse_status(status: &[u8]) -> PyResult<Reply> {
    let mut wire = Vec::with_capacity(status.len() + 2);
    for line in status.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        wire.extend_from_slice(line);
        wire.extend_from_slice(b"\r\n");
    }
    let mut parser = ReplyParser::new();
    match parser.parse(&wire) {
        (n, Some(Ok(reply))) if n == wire.len() => Ok(reply),
        _ => Err(PyValueError::new_err(format!(
            "not an SMTP reply: {:?} (expected e.g. \"250 OK\")",
            String::from_utf8_lossy(status)
        ))),
    }
}

/// One server's settings for all its sessions (immutable once built).
#[pyclass(module = "smtplib_rs._core", frozen)]
pub struct ServerFace {
    pub(crate) config: ServerConfig,
    subscribed: u32,
    answers: Vec<Option<Reply>>,
    pub(crate) body: Body,
    /// Sessions start with a PROXY protocol header (`smtp_core::proxy`).
    pub(crate) proxy_protocol: bool,
    /// The face's wording of refusals (see `refusals.rs`).
    pub(crate) refusals: HashMap<String, String>,
}

impl ServerFace {
    pub(crate) fn wants(&self, kind: Kind) -> bool {
        self.subscribed & kind.bit() != 0
    }

    /// The face's own answer for an event it leaves to Rust (`None`: the
    /// machine's default, `accept()`).
    pub(crate) fn answer(&self, kind: Kind) -> Option<&Reply> {
        self.answers.get(kind as usize).and_then(Option::as_ref)
    }
}

fn extensions(names: &[String]) -> PyResult<Extensions> {
    let mut ext = Extensions::NONE;
    for name in names {
        let one = Extensions::from_keyword(name)
            .ok_or_else(|| value_error(format!("unknown EHLO keyword {name:?}")))?;
        ext |= one;
    }
    Ok(ext)
}

#[pymethods]
impl ServerFace {
    /// `subscribe`: the event kinds Python handles (see `_core.pyi`); every
    /// other event that needs an answer is answered in Rust with
    /// `answers[kind]` (a status string such as `"250 OK"`) or, without
    /// one, the machine's default reply. `body`: "keep", "stream" or
    /// "discard". The rest configures the machine (`ServerConfig`).
    #[new]
    #[pyo3(signature = (hostname, *, subscribe = Vec::new(), answers = Vec::new(),
                        body = "keep", lmtp = false, extensions = Vec::new(),
                        max_message_size = None, auth_mechanisms = Vec::new(),
                        auth_requires_tls = true, auth_required = false,
                        tls_required = false, implicit_tls = false, idle_timeout = None,
                        max_recipients = None, max_command_line = None,
                        max_bad_commands = None, greeting = None,
                        normalize_bare_line_endings = false, accept_long_lines = false,
                        proxy_protocol = false, refusals = Vec::new(),
                        ehlo_greeting = None, unlisted = Vec::new(),
                        login_prompts = None, unbracketed_paths = false,
                        application_mechanisms = Vec::new(), call_limits = None,
                        max_unknown_commands = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        hostname: &str,
        subscribe: Vec<String>,
        answers: Vec<(String, Vec<u8>)>,
        body: &str,
        lmtp: bool,
        extensions: Vec<String>,
        max_message_size: Option<u64>,
        auth_mechanisms: Vec<String>,
        auth_requires_tls: bool,
        auth_required: bool,
        tls_required: bool,
        implicit_tls: bool,
        idle_timeout: Option<f64>,
        max_recipients: Option<usize>,
        max_command_line: Option<usize>,
        max_bad_commands: Option<u32>,
        greeting: Option<String>,
        normalize_bare_line_endings: bool,
        accept_long_lines: bool,
        proxy_protocol: bool,
        refusals: Vec<(String, String)>,
        ehlo_greeting: Option<String>,
        unlisted: Vec<String>,
        login_prompts: Option<(String, String)>,
        unbracketed_paths: bool,
        application_mechanisms: Vec<String>,
        call_limits: Option<(u32, Vec<(String, u32)>)>,
        max_unknown_commands: Option<u32>,
    ) -> PyResult<Self> {
        let mut config = ServerConfig::new(hostname);
        if lmtp {
            config = config.lmtp();
        }
        if let Some(text) = greeting {
            config.greeting = smtp_core::server::Greeting::Ready(text);
        }
        let mut ext = self::extensions(&extensions)?;
        for m in auth_mechanisms.iter().chain(&application_mechanisms) {
            if Mechanism::parse(m).is_none() {
                return Err(value_error(format!("invalid mechanism name {m:?}")));
            }
        }
        if !auth_mechanisms.is_empty() {
            ext |= Extensions::AUTH;
        }
        config.extensions = ext;
        config.auth_mechanisms = auth_mechanisms.iter().map(|m| m.to_uppercase()).collect();
        config.application_mechanisms = application_mechanisms
            .iter()
            .map(|m| m.to_uppercase())
            .collect();
        config.max_message_size = max_message_size;
        config.auth_requires_tls = auth_requires_tls;
        config.auth_required = auth_required;
        config.tls_required = tls_required;
        config.implicit_tls = implicit_tls;
        config.timeout_ms = match idle_timeout {
            None => None,
            Some(s) if s.is_finite() && s > 0.0 => Some((s * 1000.0).ceil() as u64),
            Some(_) => return Err(value_error("idle_timeout must be a positive number")),
        };
        if let Some(n) = max_recipients {
            config.max_recipients = n;
        }
        if let Some(n) = max_command_line {
            config.max_command_line = n;
        }
        if let Some(n) = max_bad_commands {
            config.max_bad_commands = n;
        }
        if normalize_bare_line_endings {
            config.bare_line_endings = BareLineEndings::Normalize;
        }
        if accept_long_lines {
            config.long_lines = LongLines::Accept;
        }
        config.ehlo_greeting = ehlo_greeting;
        config.login_prompts = login_prompts;
        // `MAIL FROM:a@b`: the path's grammar is still enforced.
        config.leniency.unbracketed_paths = unbracketed_paths;
        config.call_limits = call_limits.map(|(default, verbs)| {
            verbs.iter().fold(CallLimits::new(default), |l, (verb, n)| {
                l.with_verb(verb, *n)
            })
        });
        config.max_unknown_commands = max_unknown_commands;
        config.unlisted = self::extensions(&unlisted)?;
        for (_, template) in &refusals {
            // Checked once here: a template must read as a reply.
            parse_status(
                template
                    .replace("{verb}", "X")
                    .replace("{host}", "h")
                    .as_bytes(),
            )?;
        }
        config.worded_refusals = !refusals.is_empty();
        let mut subscribed = 0;
        for name in &subscribe {
            subscribed |= Kind::parse(name)?.bit();
        }
        let mut table: Vec<Option<Reply>> = vec![None; Kind::ALL.len()];
        for (name, status) in &answers {
            let kind = Kind::parse(name)?;
            if !kind.needs_answer() || kind == Kind::Proxy || kind == Kind::SaslStep {
                return Err(value_error(format!("{name} takes no answer")));
            }
            table[kind as usize] = Some(parse_status(status)?);
        }
        let auth_answered =
            subscribed & Kind::Auth.bit() != 0 || table[Kind::Auth as usize].is_some();
        let runs = |m: &String| config.application_mechanisms.contains(m);
        let by_engine = config.auth_mechanisms.iter().any(|m| !runs(m));
        let by_application = config.auth_mechanisms.iter().any(runs);
        if by_application && subscribed & Kind::SaslStep.bit() == 0 {
            return Err(value_error(
                "application_mechanisms are offered: subscribe to \"SaslStep\"",
            ));
        }
        if by_engine && !auth_answered {
            // Accepting every credential by default would be an open door.
            return Err(value_error(
                "AUTH mechanisms are offered: subscribe to \"Auth\" or give its answer",
            ));
        }
        let body = match body {
            "keep" => Body::Keep,
            "stream" => Body::Stream,
            "discard" => Body::Discard,
            other => {
                return Err(value_error(format!(
                    "body must be keep, stream or discard, not {other:?}"
                )))
            }
        };
        Ok(ServerFace {
            config,
            subscribed,
            answers: table,
            body,
            proxy_protocol,
            refusals: refusals.into_iter().collect(),
        })
    }

    /// The host name sessions announce.
    #[getter]
    fn hostname(&self) -> &str {
        &self.config.hostname
    }
}
