//! The server machine for Python.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use smtp_core::auth::{Mechanism, Verification};
use smtp_core::command::CommandRef;
use smtp_core::server::{Event as SEvent, ServerConfig, ServerConnection as CoreServer};
use smtp_core::{Extensions, Reply, ReplyCode};

use super::{clock, event, reply, sans_io_pymethods, Event};
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
        Some(CommandRef::Mail { from, params }) => {
            d.set_item("from_addr", from.to_string())?;
            d.set_item("size", params.size)?;
            d.set_item("smtputf8", params.smtputf8)
        }
        Some(CommandRef::Rcpt { to, .. }) => d.set_item("to_addr", to.to_string()),
        Some(CommandRef::Vrfy { argument } | CommandRef::Expn { argument }) => {
            d.set_item("argument", argument)
        }
        Some(CommandRef::Help { topic }) => d.set_item("topic", topic),
        _ => Ok(()),
    }
}

fn server_event(py: Python<'_>, ev: SEvent, core: &CoreServer) -> PyResult<Py<Event>> {
    let d = PyDict::new(py);
    if ev.needs_answer() {
        command_fields(&d, core.command())?;
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
            d.set_item("reason", format!("{reason:?}"))?;
            d.set_item("reply", reply(py, &r)?)?;
            "MessageRefused"
        }
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
        #[pyo3(signature = (hostname, *, lmtp = false, chunking = true, pipelining = true,
                        max_message_size = None, auth_mechanisms = Vec::new(),
                        auth_without_tls = false, idle_timeout = None))]
        fn new(
            hostname: &str,
            lmtp: bool,
            chunking: bool,
            pipelining: bool,
            max_message_size: Option<u64>,
            auth_mechanisms: Vec<String>,
            auth_without_tls: bool,
            idle_timeout: Option<f64>,
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
            config.extensions = ext;
            config.max_message_size = max_message_size;
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

        /// Whether the machine waits for accept()/reply().
        #[getter]
        fn awaiting_answer(&self) -> bool {
            self.core.awaiting_answer()
        }
    }
);
