//! The client machine for Python.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use smtp_core::auth::Credentials;
use smtp_core::client::{
    ClientConfig, ClientConnection as CoreClient, Envelope, Event as CEvent, DEFAULT_MAX_IN_FLIGHT,
};
use smtp_core::{Domain, ForwardPath, ReversePath};

use super::{clock, event, reply, result, sans_io_pymethods, Event};
use crate::reply::value_error;

/// The client machine (RFC 5321 / 2920 / 3030 / 2033 / 4954 / 3207).
#[pyclass(module = "smtplib_rs._core")]
pub struct ClientConnection {
    core: CoreClient,
    start: Instant,
}

fn client_event(py: Python<'_>, ev: CEvent, _core: &CoreClient) -> PyResult<Py<Event>> {
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
        CEvent::EhloAccepted {
            reply: r,
            capabilities,
        } => {
            d.set_item("reply", reply(py, &r)?)?;
            let kws: Vec<(String, String)> = capabilities
                .keywords()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            d.set_item("capabilities", kws)?;
            "EhloAccepted"
        }
        CEvent::EhloRefused {
            reply: r,
            falling_back,
        } => {
            d.set_item("reply", reply(py, &r)?)?;
            d.set_item("falling_back", falling_back)?;
            "EhloRefused"
        }
        CEvent::HeloAccepted { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "HeloAccepted"
        }
        CEvent::HeloRefused { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "HeloRefused"
        }
        CEvent::TlsHandshake { reply: r } => {
            d.set_item("reply", reply(py, &r)?)?;
            "TlsHandshake"
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

sans_io_pymethods!(
    ClientConnection,
    client_event,
    "Every event since the last call, oldest first.",
    {
        /// A connection just opened: the machine waits for the greeting, then
        /// sends EHLO (LHLO with `lmtp`) with `hello_domain` by itself.
        /// `max_in_flight`: BDAT body octets sent ahead of their replies
        /// when the server offers PIPELINING and CHUNKING (0: none).
        #[new]
        #[pyo3(signature = (hello_domain, *, lmtp = false, max_in_flight = DEFAULT_MAX_IN_FLIGHT))]
        fn new(hello_domain: &str, lmtp: bool, max_in_flight: usize) -> PyResult<Self> {
            let domain =
                Domain::parse(hello_domain, true).map_err(|e| value_error(format!("{e:?}")))?;
            let mut config = if lmtp {
                ClientConfig::lmtp(domain)
            } else {
                ClientConfig::new(domain)
            };
            config.max_in_flight = max_in_flight;
            let start = Instant::now();
            let core = CoreClient::new(config, clock(&start)).map_err(value_error)?;
            Ok(ClientConnection { core, start })
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
                to.push(
                    ForwardPath::parse(a, true)
                        .map_err(|e| value_error(format!("{a:?}: {e:?}")))?,
                );
            }
            let mut env = Envelope::new(from, to);
            if let Some(n) = size {
                env = env.with_size(n);
            }
            self.core.send_mail(&env).map_err(value_error)
        }

        /// Whether send_body takes a piece now; when not, write transmit()
        /// and feed the replies first.
        fn body_ready(&self) -> bool {
            self.core.body_ready()
        }

        /// Appends body bytes after the ReadyForBody event (with BDAT
        /// pipelined, that comes right after send_mail).
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

        /// STARTTLS; on TlsHandshake do the handshake, then tls_established().
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
    }
);
