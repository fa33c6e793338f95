//! The server machine for Python.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use smtp_core::auth::{Mechanism, Verification};
use smtp_core::command::CommandRef;
use smtp_core::server::{
    BareLineEndings, Event as SEvent, Greeting, LongLines, ServerConfig,
    ServerConnection as CoreServer,
};
use smtp_core::{Extensions, Reply, ReplyCode};

use super::{clock, event, reply, sans_io_pymethods, Event};
use crate::driver::refusals;
use crate::reply::value_error;

/// The server machine.
#[pyclass(module = "smtplib_rs._core")]
pub struct ServerConnection {
    core: CoreServer,
    start: Instant,
}

fn verification(py: Python<'_>, d: &Bound<'_, PyDict>, v: &Verification) -> PyResult<()> {
    let _ = py;
    match v {
        Verification::Plain {
            authzid,
            username,
            password,
        } => {
            d.set_item("authzid", authzid.clone())?;
            d.set_item("username", username)?;
            d.set_item("password", password)?;
        }
        Verification::Login { username, password } => {
            d.set_item("username", username)?;
            d.set_item("password", password)?;
        }
        Verification::OAuth { username, token } => {
            d.set_item("username", username.clone())?;
            d.set_item("token", token)?;
        }
        other => d.set_item("verification", format!("{other:?}"))?,
    }
    Ok(())
}

/// The fields of the command an event is about, as the machine lends it.
fn command_fields(d: &Bound<'_, PyDict>, command: Option<CommandRef<'_>>) -> PyResult<()> {
    match command {
        Some(
            CommandRef::Ehlo { domain } | CommandRef::Helo { domain } | CommandRef::Lhlo { domain },
        ) => d.set_item("domain", domain.to_string()),
        Some(command @ CommandRef::Mail { .. }) => {
            d.set_item("params", params_text(&command))?;
            let CommandRef::Mail { from, params } = command else {
                return Ok(());
            };
            d.set_item("from_addr", from.to_string())?;
            d.set_item("size", params.size)?;
            d.set_item("smtputf8", params.smtputf8)
        }
        Some(command @ CommandRef::Rcpt { .. }) => {
            d.set_item("params", params_text(&command))?;
            let CommandRef::Rcpt { to, .. } = command else {
                return Ok(());
            };
            d.set_item("to_addr", to.to_string())
        }
        Some(CommandRef::Vrfy { argument } | CommandRef::Expn { argument }) => {
            d.set_item("argument", argument)
        }
        Some(CommandRef::Help { topic }) => d.set_item("topic", topic),
        _ => Ok(()),
    }
}

/// A MAIL/RCPT command's parameters in canonical form (`SIZE=10
/// BODY=8BITMIME`): the encoded command after its path.
fn params_text(command: &CommandRef<'_>) -> String {
    let path = match command {
        CommandRef::Mail { from, .. } => from.to_string(),
        CommandRef::Rcpt { to, .. } => to.to_string(),
        _ => return String::new(),
    };
    let mut line = Vec::new();
    command.encode(&mut line);
    let text = String::from_utf8_lossy(&line);
    let start = text.find(&path).map_or(text.len(), |i| i + path.len());
    text.get(start..).unwrap_or_default().trim().to_string()
}

fn server_event(py: Python<'_>, ev: SEvent, core: &CoreServer) -> PyResult<Py<Event>> {
    let d = PyDict::new(py);
    if ev.needs_answer() {
        command_fields(&d, core.command())?;
        if let Some(line) = core.command_line() {
            d.set_item("line", String::from_utf8_lossy(line))?;
        }
    }
    let kind = match ev {
        SEvent::Ehlo => "Ehlo",
        SEvent::Helo => "Helo",
        SEvent::Lhlo => "Lhlo",
        SEvent::MailFrom => "MailFrom",
        SEvent::RcptTo => "RcptTo",
        SEvent::Data => "Data",
        SEvent::Bdat { size, last } => {
            d.set_item("size", size)?;
            d.set_item("last", last)?;
            "Bdat"
        }
        SEvent::MessageData { .. } => {
            d.set_item("data", PyBytes::new(py, core.message_data()))?;
            "MessageData"
        }
        SEvent::ChunkEnd { size } => {
            d.set_item("size", size)?;
            "ChunkEnd"
        }
        SEvent::MessageEnd { size } => {
            d.set_item("size", size)?;
            let r: Vec<String> = core.recipients().map(|r| r.to_string()).collect();
            d.set_item("recipients", r)?;
            "MessageEnd"
        }
        SEvent::MessageRefused { reason, reply: r } => {
            d.set_item("reasons", vec![refusals::message_reason(&reason)])?;
            d.set_item("reason", format!("{reason:?}"))?;
            d.set_item("reply", reply(py, &r)?)?;
            "MessageRefused"
        }
        SEvent::Command => "Command",
        SEvent::Rset => "Rset",
        SEvent::Noop => "Noop",
        SEvent::Vrfy => "Vrfy",
        SEvent::Expn => "Expn",
        SEvent::Help => "Help",
        SEvent::Quit => "Quit",
        SEvent::StartTls => "StartTls",
        SEvent::TlsHandshake => "TlsHandshake",
        SEvent::DataAfterStartTls { discarded } => {
            d.set_item("discarded", discarded)?;
            "DataAfterStartTls"
        }
        SEvent::Auth(req) => {
            d.set_item("mechanism", req.mechanism.name())?;
            verification(py, &d, &req.verification)?;
            "Auth"
        }
        SEvent::CommandRefused { reason, reply: r } => {
            // Under worded_refusals the refused line is the one kept.
            if core.config().worded_refusals {
                d.set_item("verb", refusals::verb(core.command_line()))?;
            }
            d.set_item("reasons", refusals::command_reason(&reason))?;
            d.set_item("reason", format!("{reason:?}"))?;
            d.set_item("reply", reply(py, &r)?)?;
            "CommandRefused"
        }
        SEvent::TimedOut { lost } => {
            d.set_item("lost", lost.map(|l| format!("{l:?}")))?;
            "TimedOut"
        }
        SEvent::Closed { clean, lost } => {
            d.set_item("clean", clean)?;
            d.set_item("lost", lost.map(|l| format!("{l:?}")))?;
            "Closed"
        }
        SEvent::Failed(e) => {
            d.set_item("error", e.to_string())?;
            "Failed"
        }
        other => {
            d.set_item("debug", format!("{other:?}"))?;
            "Other"
        }
    };
    event(py, kind, d)
}

sans_io_pymethods!(
    ServerConnection,
    server_event,
    "Every event since the last call, oldest first. An event that needs an \
     answer stops the machine until accept() or reply().",
    {
        /// A session on a just-accepted connection; the greeting is queued.
        /// Extensions offered: PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES,
        /// SMTPUTF8, SIZE, plus CHUNKING with `chunking`; AUTH mechanisms from
        /// `auth_mechanisms` (allowed without TLS when `auth_without_tls`).
        #[new]
        ///
        /// For servers with another face (smtplib_rs.smtpd): `extensions`
        /// replaces the offered set by these EHLO keywords (e.g.
        /// `["SIZE", "8BITMIME", "HELP"]`), `greeting` is the text after the
        /// host name in the 220, `max_command_line` the command line limit
        /// (CRLF included), `bare_line_endings` "refuse" or "normalize" and
        /// `long_lines` "refuse" or "accept" (inside DATA);
        /// `unbracketed_paths` and `quit_argument` are `command::Leniency`'s,
        /// `application_verbs` the verbs answered as `Command` events;
        /// with `worded_refusals` the machine's refusals await an answer
        /// (same code class), `ehlo_greeting` replaces the EHLO reply's
        /// first line, `unlisted` names extensions served but not listed.
        #[pyo3(signature = (hostname, *, lmtp = false, chunking = true, pipelining = true,
                        max_message_size = None, auth_mechanisms = Vec::new(),
                        auth_without_tls = false, idle_timeout = None,
                        extensions = None, greeting = None, max_command_line = None,
                        bare_line_endings = None, long_lines = None,
                        unbracketed_paths = false, quit_argument = false,
                        application_verbs = Vec::new(), worded_refusals = false,
                        ehlo_greeting = None, unlisted = Vec::new()))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            hostname: &str,
            lmtp: bool,
            chunking: bool,
            pipelining: bool,
            max_message_size: Option<u64>,
            auth_mechanisms: Vec<String>,
            auth_without_tls: bool,
            idle_timeout: Option<f64>,
            extensions: Option<Vec<String>>,
            greeting: Option<String>,
            max_command_line: Option<usize>,
            bare_line_endings: Option<&str>,
            long_lines: Option<&str>,
            unbracketed_paths: bool,
            quit_argument: bool,
            application_verbs: Vec<String>,
            worded_refusals: bool,
            ehlo_greeting: Option<String>,
            unlisted: Vec<String>,
        ) -> PyResult<Self> {
            let mut config = ServerConfig::new(hostname);
            // Seconds; the default is core's (RFC 5321 §4.5.3.2.7, 5 min).
            if let Some(seconds) = idle_timeout {
                if !(seconds.is_finite() && seconds > 0.0) {
                    return Err(value_error(
                        "idle_timeout must be a positive number of seconds",
                    ));
                }
                config.timeout_ms = Some((seconds * 1000.0).ceil() as u64);
            }
            if lmtp {
                config = config.lmtp();
            }
            let mut ext = Extensions::EIGHT_BIT_MIME
                | Extensions::ENHANCED_STATUS_CODES
                | Extensions::SMTPUTF8
                | Extensions::SIZE;
            if pipelining {
                ext |= Extensions::PIPELINING;
            }
            if chunking {
                ext |= Extensions::CHUNKING;
            }
            if !auth_mechanisms.is_empty() {
                ext |= Extensions::AUTH;
            }
            if let Some(keywords) = extensions {
                ext = Extensions::NONE;
                for k in &keywords {
                    ext |= Extensions::from_keyword(k)
                        .ok_or_else(|| value_error(format!("unknown extension {k:?}")))?;
                }
            }
            config.extensions = ext;
            config.max_message_size = max_message_size;
            if let Some(text) = greeting {
                config.greeting = Greeting::Ready(text);
            }
            if let Some(n) = max_command_line {
                config.max_command_line = n;
            }
            config.bare_line_endings = match bare_line_endings {
                None | Some("refuse") => BareLineEndings::Refuse,
                Some("normalize") => BareLineEndings::Normalize,
                Some(o) => return Err(value_error(format!("bare_line_endings: {o:?}"))),
            };
            config.long_lines = match long_lines {
                None | Some("refuse") => LongLines::Refuse,
                Some("accept") => LongLines::Accept,
                Some(o) => return Err(value_error(format!("long_lines: {o:?}"))),
            };
            config.worded_refusals = worded_refusals;
            config.ehlo_greeting = ehlo_greeting;
            for k in &unlisted {
                config.unlisted |= Extensions::from_keyword(k)
                    .ok_or_else(|| value_error(format!("unknown extension {k:?}")))?;
            }
            config.leniency.unbracketed_paths = unbracketed_paths;
            config.leniency.quit_argument = quit_argument;
            config.application_verbs = application_verbs
                .iter()
                .map(|v| v.to_ascii_uppercase())
                .collect();
            for m in &auth_mechanisms {
                if Mechanism::parse(m).is_none() {
                    return Err(value_error(format!("unknown mechanism {m:?}")));
                }
            }
            config.auth_mechanisms = auth_mechanisms;
            config.auth_requires_tls = !auth_without_tls;
            let start = Instant::now();
            let core = CoreServer::new(config, clock(&start));
            Ok(ServerConnection { core, start })
        }

        /// Answers the pending event with the RFC default reply.
        fn accept(&mut self) -> PyResult<()> {
            self.core.accept().map_err(value_error)
        }

        /// Answers the pending event with `code text`.
        fn reply(&mut self, code: u16, text: &str) -> PyResult<()> {
            let code =
                ReplyCode::new(code).ok_or_else(|| value_error("reply code must be 200-599"))?;
            self.core.reply(Reply::new(code, text)).map_err(value_error)
        }

        /// A new message size limit (None: none) from the next MAIL/DATA on.
        fn set_max_message_size(&mut self, limit: Option<u64>) {
            self.core.set_max_message_size(limit);
        }

        /// Whether the machine waits for accept()/reply().
        #[getter]
        fn awaiting_answer(&self) -> bool {
            self.core.awaiting_answer()
        }
    }
);
