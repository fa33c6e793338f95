//! The sans-IO machines for Python: `smtp_core`'s `ClientConnection` and
//! `ServerConnection`, with events as Python objects. The caller brings the
//! I/O (asyncio streams, trio, plain sockets): feed bytes in, write
//! `transmit()` out, drain `events()` after every input or call.

use std::time::Instant;

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use smtp_core::auth::{Credentials, Mechanism, Verification};
use smtp_core::client::{
    ClientConfig, ClientConnection as CoreClient, Envelope, Event as CEvent, MailResult,
};
use smtp_core::server::{Event as SEvent, ServerConfig, ServerConnection as CoreServer};
use smtp_core::{Domain, Extensions, ForwardPath, Reply, ReplyCode, ReversePath, Timestamp};

use crate::reply::{smtplib_text, value_error};

/// One event of a machine: `kind` names it (the Rust variant), the other
/// attributes are its fields.
#[pyclass(module = "smtplib_rs._core", frozen)]
pub struct Event {
    #[pyo3(get)]
    kind: String,
    fields: Py<PyDict>,
}

#[pymethods]
impl Event {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyAttributeError::new_err(format!(
                "{} event has no {name:?}",
                self.kind
            ))),
        }
    }

    /// The fields as a dict.
    #[getter]
    fn fields(&self, py: Python<'_>) -> Py<PyDict> {
        self.fields.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Event({}, {})",
            self.kind,
            self.fields.bind(py).repr()?
        ))
    }
}

fn event<'py>(py: Python<'py>, kind: &str, fields: Bound<'py, PyDict>) -> PyResult<Py<Event>> {
    Py::new(
        py,
        Event {
            kind: kind.to_string(),
            fields: fields.unbind(),
        },
    )
}

/// A reply as `(code, text)`, text in smtplib's form.
fn reply<'py>(py: Python<'py>, r: &Reply) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            r.code().get().into_pyobject(py)?.into_any(),
            PyBytes::new(py, &smtplib_text(r)).into_any(),
        ],
    )
}

fn result<'py>(py: Python<'py>, r: &MailResult) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let refused = PyList::empty(py);
    for (rcpt, rep) in r.refused() {
        refused.append((rcpt.index, rcpt.path.to_string(), reply(py, rep)?))?;
    }
    d.set_item("refused", refused)?;
    d.set_item("accepted", r.accepted())?;
    Ok(d)
}

fn clock(start: &Instant) -> Timestamp {
    Timestamp(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

/// The client machine (RFC 5321 / 2920 / 3030 / 2033 / 4954 / 3207).
#[pyclass(module = "smtplib_rs._core")]
pub struct ClientConnection {
    core: CoreClient,
    start: Instant,
}

fn client_event(py: Python<'_>, ev: CEvent) -> PyResult<Py<Event>> {
    let d = PyDict::new(py);
    let kind = match ev {
        CEvent::Greeting { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "Greeting"
        }
        CEvent::GreetingRefused { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "GreetingRefused"
        }
        CEvent::Ehlo {
            reply: r,
            capabilities,
        } => {
            d.set_item("reply", reply(py, &r)?)?;
            let kws: Vec<(String, String)> = capabilities
                .keywords()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            d.set_item("capabilities", kws)?;
            "Ehlo"
        }
        CEvent::EhloRefused {
            reply: r,
            falling_back,
        } => {
            d.set_item("reply", reply(py, &r)?)?;
            d.set_item("falling_back", falling_back)?;
            "EhloRefused"
        }
        CEvent::Helo { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "Helo"
        }
        CEvent::HeloRefused { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "HeloRefused"
        }
        CEvent::StartTlsReady { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "StartTlsReady"
        }
        CEvent::StartTlsRefused { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "StartTlsRefused"
        }
        CEvent::AuthSucceeded {
            mechanism,
            reply: r,
        } => {
            d.set_item("mechanism", mechanism)?;
            d.set_item("reply", reply(py, &r)?)?;
            "AuthSucceeded"
        }
        CEvent::AuthFailed {
            mechanism,
            reply: r,
        } => {
            d.set_item("mechanism", mechanism)?;
            d.set_item("reply", reply(py, &r)?)?;
            "AuthFailed"
        }
        CEvent::RecipientReply { index, reply: r } => {
            d.set_item("index", index)?;
            d.set_item("reply", reply(py, &r)?)?;
            "RecipientReply"
        }
        CEvent::ReadyForBody => "ReadyForBody",
        CEvent::DeliveryReply { index, reply: r } => {
            d.set_item("index", index)?;
            d.set_item("reply", reply(py, &r)?)?;
            "DeliveryReply"
        }
        CEvent::TransactionFinished { result: r } => {
            d.set_item("result", result(py, &r)?)?;
            "TransactionFinished"
        }
        CEvent::TransactionFailed {
            stage,
            reply: r,
            result: res,
        } => {
            d.set_item("stage", format!("{stage:?}"))?;
            d.set_item("reply", reply(py, &r)?)?;
            d.set_item("result", result(py, &res)?)?;
            "TransactionFailed"
        }
        CEvent::Reply { id, reply: r } => {
            d.set_item("id", id.get())?;
            d.set_item("reply", reply(py, &r)?)?;
            "Reply"
        }
        CEvent::ServiceClosing {
            reply: r,
            in_flight,
        } => {
            d.set_item("reply", reply(py, &r)?)?;
            d.set_item("in_flight", format!("{in_flight:?}"))?;
            "ServiceClosing"
        }
        CEvent::TimedOut { phase } => {
            d.set_item("phase", format!("{phase:?}"))?;
            "TimedOut"
        }
        CEvent::Closed { clean, in_flight } => {
            d.set_item("clean", clean)?;
            d.set_item("in_flight", format!("{in_flight:?}"))?;
            "Closed"
        }
        CEvent::Failed(e) => {
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

#[pymethods]
impl ClientConnection {
    /// A connection just opened: the machine waits for the greeting, then
    /// sends EHLO (LHLO with `lmtp`) with `hello_domain` by itself.
    #[new]
    #[pyo3(signature = (hello_domain, *, lmtp = false))]
    fn new(hello_domain: &str, lmtp: bool) -> PyResult<Self> {
        let domain =
            Domain::parse(hello_domain, true).map_err(|e| value_error(format!("{e:?}")))?;
        let config = if lmtp {
            ClientConfig::lmtp(domain)
        } else {
            ClientConfig::new(domain)
        };
        let start = Instant::now();
        let core = CoreClient::new(config, clock(&start)).map_err(value_error)?;
        Ok(ClientConnection { core, start })
    }

    /// Bytes read from the server; b"" is EOF.
    fn receive_data(&mut self, data: &[u8]) {
        let now = clock(&self.start);
        if data.is_empty() {
            self.core.receive_eof(now);
        } else {
            self.core.receive_data(data, now);
        }
    }

    /// Call when `timeout()` has passed.
    fn handle_timeout(&mut self) {
        self.core.handle_timeout(clock(&self.start));
    }

    /// Seconds until `handle_timeout()` is due, or None.
    fn timeout(&self) -> Option<f64> {
        let now = clock(&self.start).as_millis();
        self.core
            .poll_timeout()
            .map(|t| t.as_millis().saturating_sub(now) as f64 / 1000.0)
    }

    /// Bytes to write now (taken out of the machine).
    fn transmit<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let out = PyBytes::new(py, self.core.pending_transmit());
        let n = self.core.pending_transmit().len();
        self.core.consume_transmit(n);
        out
    }

    /// Every event since the last call, oldest first.
    fn events(&mut self, py: Python<'_>) -> PyResult<Vec<Py<Event>>> {
        let mut out = Vec::new();
        while let Some(ev) = self.core.poll_event() {
            out.push(client_event(py, ev)?);
        }
        Ok(out)
    }

    /// Starts a transaction (MAIL, RCPT..., DATA or BDAT), pipelined when
    /// the server offers PIPELINING. Addresses are RFC 5321 mailboxes
    /// (`""` for the null reverse path).
    #[pyo3(signature = (from_addr, to_addrs, size = None))]
    fn send_mail(
        &mut self,
        from_addr: &str,
        to_addrs: Vec<String>,
        size: Option<u64>,
    ) -> PyResult<()> {
        let from = if from_addr.is_empty() {
            ReversePath::parse("<>", true)
        } else {
            ReversePath::parse(from_addr, true)
        }
        .map_err(|e| value_error(format!("from address: {e:?}")))?;
        let mut to = Vec::with_capacity(to_addrs.len());
        for a in &to_addrs {
            to.push(ForwardPath::parse(a, true).map_err(|e| value_error(format!("{a:?}: {e:?}")))?);
        }
        let mut env = Envelope::new(from, to);
        if let Some(n) = size {
            env = env.with_size(n);
        }
        self.core.send_mail(&env).map_err(value_error)
    }

    /// Appends body bytes after the ReadyForBody event.
    fn send_body(&mut self, chunk: &[u8]) -> PyResult<()> {
        self.core.send_body(chunk).map_err(value_error)
    }

    /// Ends the body.
    fn finish_body(&mut self) -> PyResult<()> {
        self.core.finish_body().map_err(value_error)
    }

    /// AUTH with the strongest mechanism both sides support.
    #[pyo3(signature = (username, password = None, token = None))]
    fn authenticate(
        &mut self,
        username: &str,
        password: Option<&str>,
        token: Option<&str>,
    ) -> PyResult<()> {
        let creds = match (password, token) {
            (Some(p), None) => Credentials::password(username, p),
            (None, Some(t)) => Credentials::bearer(username, t),
            _ => return Err(value_error("give exactly one of password and token")),
        };
        let nonce = smtp_core::auth::encode_challenge(&std::process::id().to_le_bytes());
        let nonce = format!("{nonce}{}", self.start.elapsed().as_nanos());
        self.core
            .authenticate(creds, Some(&nonce))
            .map_err(value_error)
    }

    /// STARTTLS; on StartTlsReady do the handshake, then tls_established().
    fn starttls(&mut self) -> PyResult<()> {
        self.core.starttls().map_err(value_error)
    }

    /// After the TLS handshake.
    fn tls_established(&mut self) -> PyResult<()> {
        self.core
            .tls_established(clock(&self.start))
            .map_err(value_error)
    }

    /// One raw command line (CRLF added); its reply comes as a Reply event
    /// with the returned id.
    fn send_raw(&mut self, line: &str) -> PyResult<u64> {
        self.core
            .send_raw(line)
            .map(|id| id.get())
            .map_err(value_error)
    }

    /// NOOP; returns the command id.
    fn noop(&mut self) -> PyResult<u64> {
        self.core.noop().map(|id| id.get()).map_err(value_error)
    }

    /// QUIT; returns the command id.
    fn quit(&mut self) -> PyResult<u64> {
        self.core.quit().map(|id| id.get()).map_err(value_error)
    }

    /// What the server advertised, as `(keyword, params)` pairs.
    fn capabilities(&self) -> Option<Vec<(String, String)>> {
        self.core.capabilities().map(|c| {
            c.keywords()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
    }

    /// Whether a final event (Closed, Failed, TimedOut) happened.
    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed()
    }
}

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

fn server_event(py: Python<'_>, ev: SEvent) -> PyResult<Py<Event>> {
    let d = PyDict::new(py);
    let kind = match ev {
        SEvent::Ehlo { domain } => {
            d.set_item("domain", domain.to_string())?;
            "Ehlo"
        }
        SEvent::Helo { domain } => {
            d.set_item("domain", domain.to_string())?;
            "Helo"
        }
        SEvent::Lhlo { domain } => {
            d.set_item("domain", domain.to_string())?;
            "Lhlo"
        }
        SEvent::MailFrom { from, params } => {
            d.set_item("from_addr", from.to_string())?;
            d.set_item("size", params.size)?;
            d.set_item("smtputf8", params.smtputf8)?;
            "MailFrom"
        }
        SEvent::RcptTo { to, .. } => {
            d.set_item("to_addr", to.to_string())?;
            "RcptTo"
        }
        SEvent::Data => "Data",
        SEvent::Bdat { size, last } => {
            d.set_item("size", size)?;
            d.set_item("last", last)?;
            "Bdat"
        }
        SEvent::MessageData(bytes) => {
            d.set_item("data", PyBytes::new(py, &bytes))?;
            "MessageData"
        }
        SEvent::ChunkEnd { size } => {
            d.set_item("size", size)?;
            "ChunkEnd"
        }
        SEvent::MessageEnd { size, recipients } => {
            d.set_item("size", size)?;
            let r: Vec<String> = recipients.iter().map(ToString::to_string).collect();
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
        SEvent::Vrfy { argument } => {
            d.set_item("argument", argument)?;
            "Vrfy"
        }
        SEvent::Expn { argument } => {
            d.set_item("argument", argument)?;
            "Expn"
        }
        SEvent::Help { topic } => {
            d.set_item("topic", topic)?;
            "Help"
        }
        SEvent::Quit => "Quit",
        SEvent::StartTls => "StartTls",
        SEvent::TlsHandshake => "TlsHandshake",
        SEvent::InjectionDiscarded { bytes } => {
            d.set_item("bytes", bytes)?;
            "InjectionDiscarded"
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
        SEvent::Timeout => "Timeout",
        SEvent::Eof { lost } => {
            d.set_item("lost", lost.map(|l| format!("{l:?}")))?;
            "Eof"
        }
        SEvent::Failed(e) => {
            d.set_item("error", e.to_string())?;
            "Failed"
        }
        SEvent::Closed => "Closed",
        other => {
            d.set_item("debug", format!("{other:?}"))?;
            "Other"
        }
    };
    event(py, kind, d)
}

#[pymethods]
impl ServerConnection {
    /// A session on a just-accepted connection; the greeting is queued.
    /// Extensions offered: PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES,
    /// SMTPUTF8, SIZE, plus CHUNKING with `chunking`; AUTH mechanisms from
    /// `auth_mechanisms` (allowed without TLS when `auth_without_tls`).
    #[new]
    #[pyo3(signature = (hostname, *, lmtp = false, chunking = true, pipelining = true,
                        max_message_size = None, auth_mechanisms = Vec::new(),
                        auth_without_tls = false))]
    fn new(
        hostname: &str,
        lmtp: bool,
        chunking: bool,
        pipelining: bool,
        max_message_size: Option<u64>,
        auth_mechanisms: Vec<String>,
        auth_without_tls: bool,
    ) -> PyResult<Self> {
        let mut config = ServerConfig::new(hostname);
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

    /// Bytes read from the client; b"" is EOF.
    fn receive_data(&mut self, data: &[u8]) {
        let now = clock(&self.start);
        if data.is_empty() {
            self.core.receive_eof(now);
        } else {
            self.core.receive_data(data, now);
        }
    }

    /// Call when `timeout()` has passed.
    fn handle_timeout(&mut self) {
        self.core.handle_timeout(clock(&self.start));
    }

    /// Seconds until `handle_timeout()` is due, or None.
    fn timeout(&self) -> Option<f64> {
        let now = clock(&self.start).as_millis();
        self.core
            .poll_timeout()
            .map(|t| t.as_millis().saturating_sub(now) as f64 / 1000.0)
    }

    /// Bytes to write now (taken out of the machine).
    fn transmit<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let out = PyBytes::new(py, self.core.pending_transmit());
        let n = self.core.pending_transmit().len();
        self.core.consume_transmit(n);
        out
    }

    /// Every event since the last call, oldest first. An event that needs
    /// an answer stops the machine until accept() or reply().
    fn events(&mut self, py: Python<'_>) -> PyResult<Vec<Py<Event>>> {
        let mut out = Vec::new();
        while let Some(ev) = self.core.poll_event() {
            out.push(server_event(py, ev)?);
        }
        Ok(out)
    }

    /// Answers the pending event with the RFC default reply.
    fn accept(&mut self) -> PyResult<()> {
        self.core.accept().map_err(value_error)
    }

    /// Answers the pending event with `code text`.
    fn reply(&mut self, code: u16, text: &str) -> PyResult<()> {
        let code = ReplyCode::new(code).ok_or_else(|| value_error("reply code must be 200-599"))?;
        self.core.reply(Reply::new(code, text)).map_err(value_error)
    }

    /// Whether the machine waits for accept()/reply().
    #[getter]
    fn awaiting_answer(&self) -> bool {
        self.core.awaiting_answer()
    }

    /// Whether the session is over (write transmit(), then close).
    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed()
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Event>()?;
    m.add_class::<ClientConnection>()?;
    m.add_class::<ServerConnection>()?;
    Ok(())
}
