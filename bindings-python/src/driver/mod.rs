//! The shared server driver both Python server faces run on
//! (`smtplib_rs.aiosmtpd` on asyncio, `smtplib_rs.smtpd`): one
//! `ServerDriver` per connection feeds a read into `smtp_core`'s
//! `ServerConnection` and drains it in the same call. Events the face did
//! not subscribe to are answered here, in Rust (the face's own answer or
//! the machine's default), so a hook the handler lacks costs no call into
//! Python; message data the face keeps accumulates here and reaches Python
//! once, as one bytes object. Every call returns `(events, out)`: the
//! events Python must handle, as tuples, and the bytes to write.

use std::time::Instant;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use pyo3::IntoPyObjectExt;
use smtp_core::{Reply, ServerConnection as CoreServer};

use crate::reply::value_error;
use crate::sansio::clock;

mod api;
mod events;
mod face;
mod kept_body;
mod proxy;
pub(crate) mod refusals;
mod translate;

use events::{kind_str, tuple};
use face::Kind;
pub use face::ServerFace;

/// Kept message data grows in blocks of this size, so the memory held is
/// the message plus at most one block (a growing `Vec` would hold up to
/// twice the message while it reallocates).
const BODY_BLOCK: usize = 1 << 20;

/// The envelope as the machine accepted it, for faces whose handler reads
/// it (`Envelope.mail_from`, `rcpt_tos`...) without seeing MAIL/RCPT.
#[derive(Default)]
struct Envelope {
    mail_from: Option<String>,
    mail_options: Vec<String>,
    rcpt_tos: Vec<String>,
    rcpt_options: Vec<String>,
}

/// An answerable event surfaced to Python, waiting for its answer.
enum Pending {
    /// MAIL: committed to the envelope when the answer is positive.
    Mail(String, Vec<String>),
    /// RCPT: likewise.
    Rcpt(String, Vec<String>),
    /// EHLO/HELO/LHLO: the envelope is cleared when positive.
    Hello(&'static str, String),
    /// RSET: likewise.
    Rset,
    /// The end of a message: `left` answers still due (LMTP: one per
    /// recipient).
    MessageEnd {
        left: usize,
    },
    /// A BDAT chunk: a negative answer fails the transaction.
    Chunk,
    Other,
}

/// One session (see the module docs and `_core.pyi`).
#[pyclass(module = "smtplib_rs._core")]
pub struct ServerDriver {
    face: Py<ServerFace>,
    core: CoreServer,
    start: Instant,
    /// Read but not yet fed: the machine takes input while it reads, and
    /// this holds the rest while an answer is awaited.
    backlog: Vec<u8>,
    pos: usize,
    eof: bool,
    eof_fed: bool,
    body: Vec<Vec<u8>>,
    body_len: usize,
    envelope: Envelope,
    /// Bumped at every end of a transaction (RSET, EHLO/HELO, end of
    /// message, STARTTLS): a face keeping its own envelope object starts a
    /// new one when this changes.
    generation: u64,
    hello: Option<(&'static str, String)>,
    pending: Option<(Kind, Pending)>,
    /// Between `TlsHandshake` and `tls_established()`: reads are the
    /// plaintext an attacker may have pipelined, never to be parsed.
    tls_pending: bool,
    /// Until the PROXY header is read and accepted: what was received.
    proxy_wait: Option<Vec<u8>>,
    /// Why the PROXY header was refused (the session is then over).
    proxy_failed: Option<String>,
}

/// Whether an answer lets the command take effect (RFC 5321 §4.2.1:
/// 2yz and 3yz are positive).
fn positive(reply: Option<&Reply>) -> bool {
    reply.is_none_or(|r| r.code().get() < 400)
}

impl ServerDriver {
    fn face(&self) -> &ServerFace {
        self.face.get()
    }

    /// Feeds the backlog while the machine reads, answers what the face
    /// left to Rust, and collects what Python must see, then returns
    /// `(events, out)`.
    fn run<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if self.proxy_wait.is_some() || self.proxy_failed.is_some() {
            // Nothing is said before the PROXY header is accepted.
            return quiet(py);
        }
        let mut events: Option<Bound<'py, PyList>> = None;
        let mut stream: Vec<u8> = Vec::new();
        let slice = (self.face().config.max_buffered_input / 2).max(4096);
        loop {
            while let Some(ev) = self.core.poll_event() {
                self.on_event(py, ev, &mut events, &mut stream)?;
            }
            if self.core.is_closed() || self.core.awaiting_answer() {
                break;
            }
            if self.pos < self.backlog.len() && self.core.wants_input() {
                let end = (self.pos + slice).min(self.backlog.len());
                let now = clock(&self.start);
                self.core.receive_data(&self.backlog[self.pos..end], now);
                self.pos = end;
                if self.pos == self.backlog.len() {
                    self.backlog.clear();
                    self.pos = 0;
                }
                continue;
            }
            if self.eof && !self.eof_fed && self.pos >= self.backlog.len() {
                self.eof_fed = true;
                self.core.receive_eof(clock(&self.start));
                continue;
            }
            break;
        }
        flush_stream(py, &mut stream, &mut events)?;
        let out = self.core.pending_transmit();
        let out = if out.is_empty() {
            py.None().into_bound(py)
        } else {
            let b = PyBytes::new(py, out).into_any();
            let n = out.len();
            self.core.consume_transmit(n);
            b
        };
        let events = match events {
            Some(list) => list.into_any(),
            None => py.None().into_bound(py),
        };
        PyTuple::new(py, [events, out])
    }

    fn push<'py>(
        events: &mut Option<Bound<'py, PyList>>,
        py: Python<'py>,
        item: Bound<'py, PyAny>,
    ) -> PyResult<()> {
        match events {
            Some(list) => list.append(item),
            None => {
                *events = Some(PyList::new(py, [item])?);
                Ok(())
            }
        }
    }

    fn reset_envelope(&mut self) {
        self.envelope = Envelope::default();
        self.generation += 1;
    }

    fn drop_body(&mut self) {
        self.body = Vec::new();
        self.body_len = 0;
    }

    /// Answers what is pending (`None`: the face's answer or the machine's
    /// default) and applies its effect to the envelope.
    fn answer(&mut self, reply: Option<Reply>) -> PyResult<()> {
        let ok = positive(reply.as_ref());
        let result = match &reply {
            Some(r) => self.core.reply(r.clone()),
            None => self.core.accept(),
        };
        result.map_err(value_error)?;
        let Some((kind, pending)) = self.pending.take() else {
            return Ok(());
        };
        match pending {
            Pending::Mail(from, opts) if ok => {
                self.envelope = Envelope {
                    mail_from: Some(from),
                    mail_options: opts,
                    ..Envelope::default()
                };
            }
            Pending::Rcpt(to, opts) if ok => {
                self.envelope.rcpt_tos.push(to);
                self.envelope.rcpt_options.extend(opts);
            }
            Pending::Hello(verb, domain) if ok => {
                self.hello = Some((verb, domain));
                self.reset_envelope();
            }
            Pending::Rset if ok => self.reset_envelope(),
            Pending::Chunk if !ok => {
                self.drop_body();
                self.reset_envelope();
            }
            Pending::MessageEnd { left } => {
                if left > 1 {
                    self.pending = Some((kind, Pending::MessageEnd { left: left - 1 }));
                } else {
                    self.reset_envelope();
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// The face's default answer for the event Python holds.
    fn default_answer(&self) -> Option<Reply> {
        let (kind, _) = self.pending.as_ref()?;
        self.face().answer(*kind).cloned()
    }
}

/// `(kind, *args)`.
fn with_args<'py, const N: usize>(
    py: Python<'py>,
    kind: Kind,
    args: [Bound<'py, PyAny>; N],
) -> PyResult<Bound<'py, PyAny>> {
    let mut items = Vec::with_capacity(N + 1);
    items.push(kind_str(py, kind).into_any());
    items.extend(args);
    Ok(PyTuple::new(py, items)?.into_any())
}

/// Appends kept message data in fixed blocks.
fn keep(body: &mut Vec<Vec<u8>>, body_len: &mut usize, mut data: &[u8]) {
    while !data.is_empty() {
        let room = body.last().map_or(0, |b| b.capacity() - b.len());
        if room == 0 {
            body.push(Vec::with_capacity(BODY_BLOCK));
            continue;
        }
        let n = room.min(data.len());
        if let Some(block) = body.last_mut() {
            block.extend_from_slice(&data[..n]);
        }
        *body_len += n;
        data = &data[n..];
    }
}

/// `(None, None)`: nothing to handle, nothing to write.
fn quiet(py: Python<'_>) -> PyResult<Bound<'_, PyTuple>> {
    PyTuple::new(py, [py.None(), py.None()])
}

impl ServerDriver {
    /// Parses what was received of the PROXY header.
    fn read_proxy<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let Some(buf) = self.proxy_wait.as_ref() else {
            return self.run(py);
        };
        match smtp_core::proxy::parse(buf) {
            Ok(smtp_core::proxy::Parsed::Incomplete) => quiet(py),
            Err(e) => self.refuse_proxy_with(py, e.to_string()),
            Ok(smtp_core::proxy::Parsed::Complete { header, consumed }) => {
                let (raw, rest) = buf.split_at(consumed.min(buf.len()));
                let event = proxy::event(py, &header, raw)?;
                let mut rest = rest.to_vec();
                rest.extend_from_slice(&self.backlog[self.pos..]);
                self.backlog = rest;
                self.pos = 0;
                if self.face().wants(Kind::Proxy) {
                    // Held (with what followed it) until Python accepts.
                    self.pending = Some((Kind::Proxy, Pending::Other));
                    return PyTuple::new(
                        py,
                        [
                            PyList::new(py, [event])?.into_any(),
                            py.None().into_bound(py),
                        ],
                    );
                }
                self.proxy_wait = None;
                self.run(py)
            }
        }
    }

    /// Ends the session before its greeting (nothing is written).
    fn refuse_proxy_with<'py>(
        &mut self,
        py: Python<'py>,
        why: String,
    ) -> PyResult<Bound<'py, PyTuple>> {
        self.proxy_wait = None;
        self.backlog.clear();
        self.pos = 0;
        self.proxy_failed = Some(why.clone());
        let t = tuple(
            py,
            [
                pyo3::intern!(py, "Failed").clone().into_any(),
                why.into_bound_py_any(py)?,
            ],
        )?;
        PyTuple::new(
            py,
            [PyList::new(py, [t])?.into_any(), py.None().into_bound(py)],
        )
    }
}

fn flush_stream<'py>(
    py: Python<'py>,
    stream: &mut Vec<u8>,
    events: &mut Option<Bound<'py, PyList>>,
) -> PyResult<()> {
    if stream.is_empty() {
        return Ok(());
    }
    let t = with_args(py, Kind::MessageData, [PyBytes::new(py, stream).into_any()])?;
    stream.clear();
    ServerDriver::push(events, py, t)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerFace>()?;
    m.add_class::<ServerDriver>()?;
    m.add_function(pyo3::wrap_pyfunction!(proxy::proxy_header, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(proxy::proxy_tlvs, m)?)?;
    Ok(())
}
