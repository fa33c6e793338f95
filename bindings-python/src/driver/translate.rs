//! From the machine's events to what Python sees: each event either
//! becomes a `(kind, *fields)` tuple (the face subscribed to it) or is
//! answered here, in Rust, with the face's own answer or wording.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};
use pyo3::IntoPyObjectExt;
use smtp_core::command::CommandRef;
use smtp_core::server::{Event as SEvent, Refusal};
use smtp_core::Reply;

use super::events::{self, forward_path, kind_str, lost_name, reverse_path, strings, tuple};
use super::face::{parse_status, Body, Kind};
use super::{flush_stream, keep, kept_body, refusals, with_args, Pending, ServerDriver};
use crate::reply::value_error;

impl ServerDriver {
    pub(super) fn on_event<'py>(
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
            SEvent::MailFrom | SEvent::RcptTo => {
                let (kind, addr, opts) = match self.core.command() {
                    Some(CommandRef::Mail { from, params }) => (
                        Kind::MailFrom,
                        reverse_path(&from),
                        events::mail_options(&params),
                    ),
                    Some(CommandRef::Rcpt { to, params }) => (
                        Kind::RcptTo,
                        forward_path(&to),
                        events::rcpt_options(&params),
                    ),
                    _ => return Ok(()),
                };
                let t = with_args(
                    py,
                    kind,
                    [
                        addr.clone().into_bound_py_any(py)?,
                        strings(py, opts.clone())?,
                    ],
                )?;
                let pending = if kind == Kind::MailFrom {
                    Pending::Mail(addr, opts)
                } else {
                    Pending::Rcpt(addr, opts)
                };
                Some((kind, pending, t))
            }
            SEvent::Data => Some(self.bare(py, Kind::Data, Pending::Other)?),
            SEvent::ChunkEnd { size } => {
                let t = with_args(py, Kind::ChunkEnd, [size.into_bound_py_any(py)?])?;
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
            SEvent::Quit => Some(self.bare(py, Kind::Quit, Pending::Other)?),
            SEvent::StartTls => Some(self.bare(py, Kind::StartTls, Pending::Other)?),
            SEvent::Noop | SEvent::Vrfy | SEvent::Expn | SEvent::Help => {
                // The one argument each carries, as sent.
                let (kind, arg) = match self.core.command() {
                    Some(CommandRef::Noop { argument }) => (Kind::Noop, argument),
                    Some(CommandRef::Vrfy { argument }) => (Kind::Vrfy, Some(argument)),
                    Some(CommandRef::Expn { argument }) => (Kind::Expn, Some(argument)),
                    Some(CommandRef::Help { topic }) => (Kind::Help, topic),
                    _ => return Ok(()),
                };
                let t = with_args(py, kind, [arg.into_bound_py_any(py)?])?;
                Some((kind, Pending::Other, t))
            }
            SEvent::SaslStep { mechanism, first } => {
                // The client's data, base64-decoded by the machine.
                let data = match self.core.sasl_data() {
                    Some(d) => PyBytes::new(py, d).into_any(),
                    None => py.None().into_bound(py),
                };
                let t = with_args(
                    py,
                    Kind::SaslStep,
                    [
                        mechanism.name().into_bound_py_any(py)?,
                        first.into_bound_py_any(py)?,
                        data,
                    ],
                )?;
                Some((Kind::SaslStep, Pending::Other, t))
            }
            SEvent::Auth(req) => {
                let t = events::auth(py, &req)?.into_any();
                Some((Kind::Auth, Pending::Other, t))
            }
            SEvent::Bdat { size, last } => {
                if self.face().wants(Kind::Bdat) {
                    let t = with_args(
                        py,
                        Kind::Bdat,
                        [size.into_bound_py_any(py)?, last.into_bound_py_any(py)?],
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
                let mut reasons = refusals::command_reason(&reason);
                if let Some(ext) = self.missing_extension(&reason) {
                    // Most specific first: which parameter's extension.
                    reasons.insert(0, format!("ParameterNotImplemented/{ext}"));
                }
                let said = self.word_refusal(&reasons)?;
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
                    let t = with_args(
                        py,
                        Kind::DataAfterStartTls,
                        [discarded.into_bound_py_any(py)?],
                    )?;
                    Self::push(events, py, t)?;
                }
                None
            }
            SEvent::DataAfterStartTls { discarded: bytes } => {
                if self.face().wants(Kind::DataAfterStartTls) {
                    let t = with_args(py, Kind::DataAfterStartTls, [bytes.into_bound_py_any(py)?])?;
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
            // The one copy into Python, the blocks freed as they go.
            kept_body::bytes_from_blocks(py, total, chunks)?.into_any()
        } else {
            py.None().into_bound(py)
        };
        let env = &self.envelope;
        with_args(
            py,
            Kind::MessageEnd,
            [
                body,
                env.mail_from.clone().into_bound_py_any(py)?,
                strings(py, env.rcpt_tos.clone())?,
                strings(py, env.mail_options.clone())?,
                strings(py, env.rcpt_options.clone())?,
            ],
        )
    }

    /// For a MAIL/RCPT refused for a parameter, the EHLO keyword the first
    /// such parameter needs and this face does not offer (core's table),
    /// e.g. "SMTPUTF8"; None for an unknown parameter or another refusal.
    fn missing_extension(&self, reason: &Refusal) -> Option<&'static str> {
        if !matches!(reason, Refusal::ParameterNotImplemented) {
            return None;
        }
        let config = &self.face().config;
        let line = self.core.command_line()?;
        let missing = match CommandRef::parse_lenient(line, true, config.leniency).ok()? {
            CommandRef::Mail { params, .. } => params.missing_extension(config.extensions),
            CommandRef::Rcpt { params, .. } => params.missing_extension(config.extensions),
            _ => None,
        };
        missing.map(|m| m.extension)
    }

    /// Answers a refusal awaiting its wording with the face's template, or
    /// the machine's own reply; returns the reply sent when it is the
    /// face's.
    fn word_refusal(&mut self, reasons: &[String]) -> PyResult<Option<Reply>> {
        if !self.core.awaiting_answer() {
            return Ok(None);
        }
        let verb = refusals::verb(self.core.command_line());
        let hello = match &self.hello {
            None => "nohello",
            Some(("HELO", _)) => "smtp",
            Some(_) => "esmtp",
        };
        let gate = if self.core.is_authenticated() {
            "authenticated"
        } else if self.face.get().config.auth_required {
            // AUTH is required and has not happened: a face may say so
            // rather than what else is wrong.
            "unauthenticated"
        } else {
            ""
        };
        // Before TLS, a face may mention that first (e.g. AUTH needing it).
        let plain = if self.core.is_tls() { "" } else { "plain" };
        let qualifiers: Vec<&str> = [gate, hello, plain]
            .into_iter()
            .filter(|q| !q.is_empty())
            .collect();
        let face = self.face.get();
        let host = &face.config.hostname;
        let text = refusals::word(&face.refusals, reasons, &verb, &qualifiers, host);
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
}
