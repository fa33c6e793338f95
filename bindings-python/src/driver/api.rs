//! `ServerDriver`'s Python methods: feed reads, answer events, the
//! clock, TLS, and what a face reads of the session. Each call runs the
//! machine as far as it goes and returns `(events, out)`.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::IntoPyObjectExt;
use smtp_core::auth::ScramCredentials;
use smtp_core::ServerConnection as CoreServer;

use super::events::strings;
use super::face::{parse_status, Kind, ServerFace};
use super::{quiet, Envelope, ServerDriver};
use crate::reply::value_error;
use crate::sansio::clock;

#[pymethods]
impl ServerDriver {
    /// A session on a just-accepted connection; `out` of the first call
    /// (or `start()`) holds the greeting. `nonce`: random text for
    /// CRAM-MD5 / SCRAM-SHA-256 challenges (the engine draws no
    /// randomness). `unavailable`: refuse this connection with a 421
    /// greeting carrying this text; the session ends at once.
    #[new]
    #[pyo3(signature = (face, *, nonce = None, unavailable = None))]
    fn new(face: Py<ServerFace>, nonce: Option<&str>, unavailable: Option<String>) -> Self {
        let start = Instant::now();
        let mut config = face.get().config.clone();
        if let Some(text) = unavailable {
            // RFC 5321 §3.1: 421 as the greeting, then the session ends
            // (e.g. too many connections).
            config.greeting = smtp_core::server::Greeting::Unavailable(text);
        }
        let face_proxy = face.get().proxy_protocol;
        let mut core = CoreServer::new(config, clock(&start));
        if let Some(n) = nonce {
            core.set_nonce(n);
        }
        ServerDriver {
            face,
            core,
            start,
            backlog: Vec::new(),
            pos: 0,
            eof: false,
            eof_fed: false,
            body: Vec::new(),
            body_len: 0,
            envelope: Envelope::default(),
            generation: 0,
            hello: None,
            pending: None,
            tls_pending: false,
            proxy_wait: face_proxy.then(Vec::new),
            proxy_failed: None,
        }
    }

    /// `(events, out)` with nothing fed: the greeting.
    fn start<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.run(py)
    }

    /// Bytes read from the peer (b"" for EOF) -> `(events, out)`. While an
    /// answer is awaited the bytes wait here, unread by the machine.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, PyTuple>> {
        if self.proxy_failed.is_some() {
            return quiet(py);
        }
        if let Some(buf) = self.proxy_wait.as_mut() {
            if self.pending.is_some() || data.is_empty() {
                // Waiting for Python's verdict (or EOF): keep it for later.
                self.backlog.extend_from_slice(data);
                if data.is_empty() {
                    return self.refuse_proxy_with(py, String::from("EOF before the PROXY header"));
                }
                return quiet(py);
            }
            buf.extend_from_slice(data);
            return self.read_proxy(py);
        }
        if data.is_empty() {
            self.eof = true;
        } else if self.tls_pending {
            // The machine drops it and reports DataAfterStartTls.
            self.core.receive_data(data, clock(&self.start));
        } else if !self.core.is_closed() && !self.eof {
            if self.pos > 0 && self.pos == self.backlog.len() {
                self.backlog.clear();
                self.pos = 0;
            }
            self.backlog.extend_from_slice(data);
        }
        self.run(py)
    }

    /// Refuses the pending PROXY header: the session ends without a
    /// greeting -> `(events, out)` with the final `Failed`.
    fn refuse_proxy<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if !matches!(self.pending, Some((Kind::Proxy, _))) {
            return Err(value_error("no PROXY header is waiting for an answer"));
        }
        self.pending = None;
        self.refuse_proxy_with(py, String::from("PROXY header refused"))
    }

    /// Answers the pending event with the face's answer for its kind, or
    /// the machine's default -> `(events, out)`.
    fn accept<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if matches!(self.pending, Some((Kind::Proxy, _))) {
            self.pending = None;
            self.proxy_wait = None;
            return self.run(py);
        }
        let reply = self.default_answer();
        self.answer(reply)?;
        self.run(py)
    }

    /// Answers the pending event with `status` ("250 OK", or lines joined
    /// by CRLF) -> `(events, out)`. ValueError when it is no reply or does
    /// not suit what is pending (e.g. 354 to MAIL).
    fn reply<'py>(&mut self, py: Python<'py>, status: &[u8]) -> PyResult<Bound<'py, PyTuple>> {
        let reply = parse_status(status)?;
        self.answer(Some(reply))?;
        self.run(py)
    }

    /// LMTP: one answer per recipient in one call (None entries: the
    /// default) -> `(events, out)`.
    fn reply_each<'py>(
        &mut self,
        py: Python<'py>,
        statuses: Vec<Option<Vec<u8>>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        for status in statuses {
            let reply = match status {
                Some(s) => Some(parse_status(&s)?),
                None => self.default_answer(),
            };
            self.answer(reply)?;
        }
        self.run(py)
    }

    /// Answers a SCRAM-SHA-256 `Auth` event (secret None) with the user's
    /// password; the engine derives the keys and checks the proof itself.
    #[pyo3(signature = (password, salt, iterations = 4096))]
    fn scram_password<'py>(
        &mut self,
        py: Python<'py>,
        password: &str,
        salt: &[u8],
        iterations: u32,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let creds = ScramCredentials::derive(password, salt, iterations);
        self.core
            .provide_scram_credentials(creds)
            .map_err(value_error)?;
        self.pending = None;
        self.run(py)
    }

    /// Seconds until `handle_timeout()` is due, or None (also while a
    /// PROXY header is awaited: its deadline is the caller's).
    fn timeout(&self) -> Option<f64> {
        if self.proxy_wait.is_some() {
            return None;
        }
        let now = clock(&self.start).as_millis();
        self.core
            .poll_timeout()
            .map(|t| t.as_millis().saturating_sub(now) as f64 / 1000.0)
    }

    /// The clock reached `timeout()` -> `(events, out)`.
    fn handle_timeout<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.core.handle_timeout(clock(&self.start));
        self.run(py)
    }

    /// The TLS handshake asked for by `TlsHandshake` succeeded: the session
    /// starts over before EHLO (RFC 3207 §4.2) -> `(events, out)`.
    fn tls_established<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        self.core
            .tls_established(clock(&self.start))
            .map_err(value_error)?;
        self.tls_pending = false;
        self.hello = None;
        self.reset_envelope();
        self.run(py)
    }

    /// The longest local part accepted in MAIL/RCPT paths from the next
    /// command on (None: no limit); RFC 5321 §4.5.3.1.1 names 64.
    fn set_local_part_limit(&mut self, limit: Option<usize>) {
        self.core.set_max_local_part(limit);
    }

    /// From now on every command but QUIT is refused (a face's wording, or
    /// 503), e.g. after a TLS handshake the application finds wanting.
    fn refuse_service(&mut self) {
        self.core.refuse_service();
        self.reset_envelope();
    }

    /// `(mail_from, rcpt_tos, mail_options, rcpt_options)` as accepted so
    /// far; mail_from None outside a transaction.
    fn envelope<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let e = &self.envelope;
        PyTuple::new(
            py,
            [
                e.mail_from.clone().into_bound_py_any(py)?,
                strings(py, e.rcpt_tos.clone())?,
                strings(py, e.mail_options.clone())?,
                strings(py, e.rcpt_options.clone())?,
            ],
        )
    }

    /// The reply lines (`"250-..."`, CRLF removed) the machine would send to
    /// EHLO/LHLO from `domain` now, for a face whose hook edits them.
    fn ehlo_lines(&self, domain: &str) -> PyResult<Vec<String>> {
        let mut config = self.face().config.clone();
        config.implicit_tls = self.core.is_tls();
        let start = clock(&self.start);
        // A scratch session with the same configuration answers the same
        // EHLO: the capabilities come from the machine, not from Python.
        let mut scratch = CoreServer::new(config, start);
        let n = scratch.pending_transmit().len();
        scratch.consume_transmit(n);
        let verb = if self.face().config.lmtp {
            "LHLO"
        } else {
            "EHLO"
        };
        scratch.receive_data(format!("{verb} {domain}\r\n").as_bytes(), start);
        while let Some(ev) = scratch.poll_event() {
            if ev.needs_answer() {
                scratch.accept().map_err(value_error)?;
            }
        }
        let out = String::from_utf8_lossy(scratch.pending_transmit()).into_owned();
        if !out.starts_with("250") {
            return Err(value_error(format!("EHLO {domain:?} would be refused")));
        }
        Ok(out
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect())
    }

    /// Changes whenever the transaction ends (see `envelope()`).
    #[getter]
    fn generation(&self) -> u64 {
        self.generation
    }

    /// `(verb, domain)` of the accepted EHLO/HELO/LHLO, or None.
    #[getter]
    fn hello(&self) -> Option<(&'static str, String)> {
        self.hello.clone()
    }

    /// Whether the session is over: write the last `out`, then close.
    #[getter]
    fn closed(&self) -> bool {
        self.core.is_closed() || self.proxy_failed.is_some()
    }

    /// Whether an event waits for Python's answer.
    #[getter]
    fn awaiting(&self) -> bool {
        self.core.awaiting_answer()
    }

    /// Octets read but not yet fed to the machine; stop reading the socket
    /// while this grows.
    #[getter]
    fn backlog(&self) -> usize {
        self.backlog.len() - self.pos
    }

    /// Whether the connection is encrypted.
    #[getter]
    fn is_tls(&self) -> bool {
        self.core.is_tls()
    }

    /// Whether AUTH succeeded.
    #[getter]
    fn authenticated(&self) -> bool {
        self.core.is_authenticated()
    }
}
