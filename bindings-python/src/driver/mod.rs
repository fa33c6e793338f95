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
use smtp_core::auth::ScramCredentials;
use smtp_core::command::CommandRef;
use smtp_core::server::Event as SEvent;
use smtp_core::{Reply, ServerConnection as CoreServer};

use crate::reply::value_error;
use crate::sansio::clock;

mod events;
mod face;
mod proxy;
pub(crate) mod refusals;

use events::{forward_path, kind_str, lost_name, reverse_path, strings, tuple};
pub use face::ServerFace;
use face::{parse_status, Body, Kind};

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

    fn on_event<'py>(
        &mut self,
        py: Python<'py>,
        ev: SEvent,
        events: &mut Option<Bound<'py, PyList>>,
        stream: &mut Vec<u8>,
    ) -> PyResult<()> {
        if let SEvent::MessageData { .. } = ev {
            // Lent by the machine until the next poll_event.
            let data = self.core.message_data();
            match self.face.get().body {
                Body::Keep => keep(&mut self.body, &mut self.body_len, data),
                Body::Stream => stream.extend_from_slice(data),
                Body::Discard => {}
            }
            return Ok(());
        }
        flush_stream(py, stream, events)?;
        let item: Option<(Kind, Pending, Bound<'py, PyAny>)> = match ev {
            SEvent::Ehlo => self.hello_event(py, Kind::Ehlo, "EHLO")?,
            SEvent::Helo => self.hello_event(py, Kind::Helo, "HELO")?,
            SEvent::Lhlo => self.hello_event(py, Kind::Lhlo, "LHLO")?,
            SEvent::MailFrom => {
                let (addr, opts) = match self.core.command() {
                    Some(CommandRef::Mail { from, params }) => {
                        (reverse_path(&from), events::mail_options(&params))
                    }
                    _ => (String::new(), Vec::new()),
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::MailFrom).into_any(),
                        addr.clone().into_bound_py_any(py)?,
                        strings(py, opts.clone())?,
                    ],
                )?;
                Some((Kind::MailFrom, Pending::Mail(addr, opts), t))
            }
            SEvent::RcptTo => {
                let (addr, opts) = match self.core.command() {
                    Some(CommandRef::Rcpt { to, params }) => {
                        (forward_path(&to), events::rcpt_options(&params))
                    }
                    _ => (String::new(), Vec::new()),
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::RcptTo).into_any(),
                        addr.clone().into_bound_py_any(py)?,
                        strings(py, opts.clone())?,
                    ],
                )?;
                Some((Kind::RcptTo, Pending::Rcpt(addr, opts), t))
            }
            SEvent::Data => Some(self.bare(py, Kind::Data, Pending::Other)?),
            SEvent::ChunkEnd { size } => {
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::ChunkEnd).into_any(),
                        size.into_bound_py_any(py)?,
                    ],
                )?;
                Some((Kind::ChunkEnd, Pending::Chunk, t))
            }
            SEvent::MessageEnd { .. } => {
                let left = if self.face().config.lmtp {
                    self.core.recipients().len().max(1)
                } else {
                    1
                };
                let t = self.message_end(py)?;
                Some((Kind::MessageEnd, Pending::MessageEnd { left }, t))
            }
            SEvent::Rset => Some(self.bare(py, Kind::Rset, Pending::Rset)?),
            SEvent::Noop => {
                let argument = match self.core.command() {
                    Some(CommandRef::Noop { argument }) => argument.map(String::from),
                    _ => None,
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::Noop).into_any(),
                        argument.into_bound_py_any(py)?,
                    ],
                )?;
                Some((Kind::Noop, Pending::Other, t))
            }
            SEvent::Quit => Some(self.bare(py, Kind::Quit, Pending::Other)?),
            SEvent::StartTls => Some(self.bare(py, Kind::StartTls, Pending::Other)?),
            SEvent::Vrfy => {
                let argument = match self.core.command() {
                    Some(CommandRef::Vrfy { argument }) => String::from(argument),
                    _ => String::new(),
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::Vrfy).into_any(),
                        argument.into_bound_py_any(py)?,
                    ],
                )?;
                Some((Kind::Vrfy, Pending::Other, t))
            }
            SEvent::Expn => {
                let argument = match self.core.command() {
                    Some(CommandRef::Expn { argument }) => String::from(argument),
                    _ => String::new(),
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::Expn).into_any(),
                        argument.into_bound_py_any(py)?,
                    ],
                )?;
                Some((Kind::Expn, Pending::Other, t))
            }
            SEvent::Help => {
                let topic = match self.core.command() {
                    Some(CommandRef::Help { topic }) => topic.map(String::from),
                    _ => None,
                };
                let t = tuple(
                    py,
                    [
                        kind_str(py, Kind::Help).into_any(),
                        topic.into_bound_py_any(py)?,
                    ],
                )?;
                Some((Kind::Help, Pending::Other, t))
            }
            SEvent::Auth(req) => {
                let t = events::auth(py, &req)?.into_any();
                Some((Kind::Auth, Pending::Other, t))
            }
            SEvent::Bdat { size, last } => {
                if self.face().wants(Kind::Bdat) {
                    let t = tuple(
                        py,
                        [
                            kind_str(py, Kind::Bdat).into_any(),
                            size.into_bound_py_any(py)?,
                            last.into_bound_py_any(py)?,
                        ],
                    )?;
                    Self::push(events, py, t)?;
                }
                None
            }
            SEvent::MessageRefused { reason, reply } => {
                self.drop_body();
                self.reset_envelope();
                let reasons = [String::from(refusals::message_reason(&reason))];
                let said = self.word_refusal(&reasons)?;
                self.info_reply(
                    py,
                    Kind::MessageRefused,
                    said.as_ref().unwrap_or(&reply),
                    events,
                )?;
                None
            }
            SEvent::CommandRefused { reason, reply } => {
                let said = self.word_refusal(&refusals::command_reason(&reason))?;
                self.info_reply(
                    py,
                    Kind::CommandRefused,
                    said.as_ref().unwrap_or(&reply),
                    events,
                )?;
                None
            }
            SEvent::TlsHandshake => {
                // RFC 3207 §5: what was read behind STARTTLS is never used.
                let discarded = self.backlog.len() - self.pos;
                self.tls_pending = true;
                self.backlog.clear();
                self.pos = 0;
                let t = tuple(py, [kind_str(py, Kind::TlsHandshake).into_any()])?;
                Self::push(events, py, t)?;
                if discarded > 0 && self.face().wants(Kind::DataAfterStartTls) {
                    let t = tuple(
                        py,
                        [
                            kind_str(py, Kind::DataAfterStartTls).into_any(),
                            discarded.into_bound_py_any(py)?,
                        ],
                    )?;
                    Self::push(events, py, t)?;
                }
                None
            }
            SEvent::DataAfterStartTls { discarded: bytes } => {
                if self.face().wants(Kind::DataAfterStartTls) {
                    let t = tuple(
                        py,
                        [
                            kind_str(py, Kind::DataAfterStartTls).into_any(),
                            bytes.into_bound_py_any(py)?,
                        ],
                    )?;
                    Self::push(events, py, t)?;
                }
                None
            }
            other => {
                self.on_final(py, other, events)?;
                None
            }
        };
        let Some((kind, pending, t)) = item else {
            return Ok(());
        };
        if self.face().wants(kind) {
            self.pending = Some((kind, pending));
            return Self::push(events, py, t);
        }
        // Answered here: the face's own answer or the machine's default.
        let reply = self.face().answer(kind).cloned();
        let times = match pending {
            Pending::MessageEnd { left } => left,
            _ => 1,
        };
        self.pending = Some((kind, pending));
        for _ in 0..times {
            self.answer(reply.clone())?;
        }
        Ok(())
    }

    /// The final events, in the vocabulary both machines share: `Closed`
    /// (with whether QUIT ended it and what was lost), `TimedOut`, `Failed`.
    fn on_final<'py>(
        &mut self,
        py: Python<'py>,
        ev: SEvent,
        events: &mut Option<Bound<'py, PyList>>,
    ) -> PyResult<()> {
        let t = match ev {
            SEvent::TimedOut { lost } => tuple(
                py,
                [
                    pyo3::intern!(py, "TimedOut").clone().into_any(),
                    lost_name(&lost).into_bound_py_any(py)?,
                ],
            )?,
            SEvent::Failed(e) => tuple(
                py,
                [
                    pyo3::intern!(py, "Failed").clone().into_any(),
                    e.to_string().into_bound_py_any(py)?,
                ],
            )?,
            SEvent::Closed { clean, lost } => tuple(
                py,
                [
                    pyo3::intern!(py, "Closed").clone().into_any(),
                    clean.into_bound_py_any(py)?,
                    lost_name(&lost).into_bound_py_any(py)?,
                ],
            )?,
            _ => return Ok(()),
        };
        self.drop_body();
        Self::push(events, py, t)
    }

    fn bare<'py>(
        &self,
        py: Python<'py>,
        kind: Kind,
        pending: Pending,
    ) -> PyResult<(Kind, Pending, Bound<'py, PyAny>)> {
        let t = tuple(py, [kind_str(py, kind).into_any()])?;
        Ok((kind, pending, t))
    }

    fn hello_event<'py>(
        &self,
        py: Python<'py>,
        kind: Kind,
        verb: &'static str,
    ) -> PyResult<Option<(Kind, Pending, Bound<'py, PyAny>)>> {
        let domain = match self.core.command() {
            Some(
                CommandRef::Ehlo { domain }
                | CommandRef::Helo { domain }
                | CommandRef::Lhlo { domain },
            ) => domain.to_string(),
            _ => String::new(),
        };
        let t = tuple(
            py,
            [
                kind_str(py, kind).into_any(),
                domain.clone().into_bound_py_any(py)?,
            ],
        )?;
        Ok(Some((kind, Pending::Hello(verb, domain), t)))
    }

    fn info_reply<'py>(
        &self,
        py: Python<'py>,
        kind: Kind,
        reply: &Reply,
        events: &mut Option<Bound<'py, PyList>>,
    ) -> PyResult<()> {
        if !self.face().wants(kind) {
            return Ok(());
        }
        let (code, text) = events::reply_pair(reply);
        let t = tuple(
            py,
            [
                kind_str(py, kind).into_any(),
                code.into_bound_py_any(py)?,
                text.into_bound_py_any(py)?,
            ],
        )?;
        Self::push(events, py, t)
    }

    /// `("MessageEnd", body, mail_from, rcpt_tos, mail_options,
    /// rcpt_options)`; `body` is None unless the face keeps it.
    fn message_end<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let body = if self.face().body == Body::Keep {
            let chunks = std::mem::take(&mut self.body);
            let total = std::mem::take(&mut self.body_len);
            PyBytes::new_with(py, total, move |dst| {
                let mut at = 0;
                // Each block is freed once copied: the message is held
                // about once, not twice.
                for chunk in chunks {
                    dst[at..at + chunk.len()].copy_from_slice(&chunk);
                    at += chunk.len();
                }
                Ok(())
            })?
            .into_any()
        } else {
            py.None().into_bound(py)
        };
        let env = &self.envelope;
        tuple(
            py,
            [
                kind_str(py, Kind::MessageEnd).into_any(),
                body,
                env.mail_from.clone().into_bound_py_any(py)?,
                strings(py, env.rcpt_tos.clone())?,
                strings(py, env.mail_options.clone())?,
                strings(py, env.rcpt_options.clone())?,
            ],
        )
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

    /// Answers a refusal awaiting its wording with the face's template, or
    /// the machine's own reply; returns the reply sent when it is the
    /// face's.
    fn word_refusal(&mut self, reasons: &[String]) -> PyResult<Option<Reply>> {
        if !self.core.awaiting_answer() {
            return Ok(None);
        }
        let verb = refusals::verb(self.core.command_line());
        let qualifier = match &self.hello {
            None => "nohello",
            Some(("HELO", _)) => "smtp",
            Some(_) => "esmtp",
        };
        let face = self.face.get();
        let text = refusals::word(
            &face.refusals,
            reasons,
            &verb,
            qualifier,
            &face.config.hostname,
        );
        let reply = text.map(|t| parse_status(t.as_bytes())).transpose()?;
        if let Some(r) = &reply {
            if self.core.reply(r.clone()).is_ok() {
                return Ok(reply);
            }
        }
        // No wording, or one of another class: the machine's reply.
        self.core.accept().map_err(value_error)?;
        Ok(None)
    }

    /// The face's default answer for the event Python holds.
    fn default_answer(&self) -> Option<Reply> {
        let (kind, _) = self.pending.as_ref()?;
        self.face().answer(*kind).cloned()
    }
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
    let t = tuple(
        py,
        [
            kind_str(py, Kind::MessageData).into_any(),
            PyBytes::new(py, stream).into_any(),
        ],
    )?;
    stream.clear();
    ServerDriver::push(events, py, t)
}

#[pymethods]
impl ServerDriver {
    /// A session on a just-accepted connection; `out` of the first call
    /// (or `start()`) holds the greeting. `nonce`: random text for
    /// CRAM-MD5 / SCRAM-SHA-256 challenges (the engine draws no
    /// randomness).
    #[new]
    #[pyo3(signature = (face, *, nonce = None))]
    fn new(face: Py<ServerFace>, nonce: Option<&str>) -> Self {
        let start = Instant::now();
        let config = face.get().config.clone();
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

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ServerFace>()?;
    m.add_class::<ServerDriver>()?;
    m.add_function(pyo3::wrap_pyfunction!(proxy::proxy_header, m)?)?;
    m.add_function(pyo3::wrap_pyfunction!(proxy::proxy_tlvs, m)?)?;
    Ok(())
}
