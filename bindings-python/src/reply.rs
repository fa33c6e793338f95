//! Replies in smtplib's shape, parsed by `smtp_core::reply::ReplyParser`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use smtp_core::client::{classify_first_bytes, FirstBytes};
use smtp_core::reply::{ReplyError, ReplyParser as CoreParser, ReplyParserConfig};
use smtp_core::{RemoteError, Reply};

pyo3::import_exception!(smtplib, SMTPResponseException);
pyo3::import_exception!(smtplib, SMTPConnectError);

/// Most lines in one reply. smtplib has no bound; RFC 5321 §4.2.1 sets
/// none either, so this is ours: far above real EHLO and HELP replies.
pub(crate) const MAX_REPLY_LINES: usize = 10_000;
/// Most octets in one reply (1 MiB), for the same reason.
pub(crate) const MAX_REPLY_OCTETS: usize = 1 << 20;

/// Above this many consumed octets the buffer is compacted, so a long
/// pipelined burst of replies costs O(n), not O(n²).
const COMPACT_AT: usize = 1 << 16;

/// Incremental reply reader: feed it what `recv()` returned, get smtplib's
/// `(code, msg)` for each complete reply (one Rust call per chunk read, no
/// Python loop per line).
#[pyclass(module = "smtplib_rs._core")]
pub struct ReplyParser {
    core: CoreParser,
    buf: Vec<u8>,
    pos: usize,
    /// Add the raw lines of each reply as a third tuple item (smtplib's
    /// debug output prints them).
    #[pyo3(get, set)]
    keep_raw: bool,
    /// Whether the first octets of the connection were checked.
    started: bool,
}

/// smtplib's text of one line: `line[4:].strip(b' \t\r\n')`.
fn strip_ws(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t' | b'\r' | b'\n', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t' | b'\r' | b'\n'] = s {
        s = rest;
    }
    s
}

/// smtplib's message: each line's text stripped, joined by `\n`.
pub(crate) fn smtplib_text(reply: &Reply) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in reply.lines().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(strip_ws(line));
    }
    out
}

/// Splits `raw` after each LF, as `readline()` would.
fn raw_lines<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for line in raw.split_inclusive(|&b| b == b'\n') {
        list.append(PyBytes::new(py, line))?;
    }
    Ok(list)
}

impl ReplyParser {
    /// Runs the core parser on the buffered bytes.
    fn step<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let start = self.pos;
        let (n, res) = self.core.parse(self.buf.get(start..).unwrap_or_default());
        self.pos += n;
        let out = match res {
            None => None,
            Some(Ok(reply)) => {
                let code = i32::from(reply.code().get());
                let text = PyBytes::new(py, &smtplib_text(&reply));
                Some(if self.keep_raw {
                    let raw = self.buf.get(start..self.pos).unwrap_or_default();
                    PyTuple::new(
                        py,
                        [
                            code.into_pyobject(py)?.into_any(),
                            text.into_any(),
                            raw_lines(py, raw)?.into_any(),
                        ],
                    )?
                } else {
                    PyTuple::new(py, [code.into_pyobject(py)?.into_any(), text.into_any()])?
                })
            }
            Some(Err(ReplyError::LineTooLong { .. })) => {
                // smtplib's own words for a line over its 8192 limit.
                return Err(SMTPResponseException::new_err((500, "Line too long.")));
            }
            Some(Err(ReplyError::TooManyOctets { limit })) => {
                return Err(SMTPResponseException::new_err((
                    500,
                    format!("Reply longer than {limit} octets."),
                )));
            }
            Some(Err(ReplyError::TooManyLines { limit })) => {
                return Err(SMTPResponseException::new_err((
                    500,
                    format!("Reply longer than {limit} lines."),
                )));
            }
            Some(Err(_)) => {
                // A line that is not `NNN[ -]text` (or a code outside
                // 200-599): smtplib reports code -1 with that line's text
                // and reads on from the next line.
                let consumed = self.buf.get(start..self.pos).unwrap_or_default();
                let mut line = consumed;
                if consumed.is_empty() {
                    // The parser stopped before the bad line: take it.
                    let rest = self.buf.get(start..).unwrap_or_default();
                    let end = rest
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(rest.len(), |i| i + 1);
                    line = rest.get(..end).unwrap_or_default();
                    self.pos = start + end;
                } else if let Some(last) = consumed
                    .strip_suffix(b"\n")
                    .and_then(|c| c.iter().rposition(|&b| b == b'\n'))
                {
                    line = consumed.get(last + 1..).unwrap_or_default();
                }
                let text = strip_ws(line.get(4..).unwrap_or_default());
                let raw = self.buf.get(start..self.pos).unwrap_or_default();
                let mut items = vec![
                    (-1i32).into_pyobject(py)?.into_any(),
                    PyBytes::new(py, text).into_any(),
                ];
                if self.keep_raw {
                    items.push(raw_lines(py, raw)?.into_any());
                }
                Some(PyTuple::new(py, items)?)
            }
        };
        if self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos >= COMPACT_AT {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        Ok(out)
    }
}

#[pymethods]
impl ReplyParser {
    /// `max_line`: longest reply line accepted, CRLF excluded (smtplib: 8192).
    #[new]
    #[pyo3(signature = (max_line = 8192))]
    fn new(max_line: usize) -> Self {
        let mut config = ReplyParserConfig::default();
        // smtplib reads lines of up to 8192 octets; one more for the LF.
        config.max_line = max_line.saturating_add(1);
        // smtplib sets no bound on a reply's lines; keep one, far above
        // any real EHLO or HELP reply, so memory stays bounded.
        config.max_lines = MAX_REPLY_LINES;
        config.max_octets = MAX_REPLY_OCTETS;
        config.allow_bare_lf = true;
        ReplyParser {
            core: CoreParser::with_config(config),
            buf: Vec::new(),
            pos: 0,
            keep_raw: false,
            started: false,
        }
    }

    /// Appends `data` and returns the first complete reply, or None.
    fn feed<'py>(&mut self, py: Python<'py>, data: &[u8]) -> PyResult<Option<Bound<'py, PyTuple>>> {
        self.buf.extend_from_slice(data);
        if !self.started {
            // The rule is core's (RFC 8314 §3.3): a TLS record where the
            // greeting should be.
            match classify_first_bytes(&self.buf) {
                FirstBytes::Undecided => return Ok(None),
                FirstBytes::TlsRecord => {
                    self.reset();
                    let e = RemoteError::ImplicitTlsDetected;
                    return Err(SMTPConnectError::new_err((-1, e.to_string())));
                }
                _ => self.started = true,
            }
        }
        self.step(py)
    }

    /// The next complete reply already buffered, or None.
    fn next<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        if self.pos == self.buf.len() && !self.core.in_progress() {
            return Ok(None);
        }
        self.step(py)
    }

    /// Octets received but not yet part of a returned reply.
    fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Forgets everything buffered.
    fn reset(&mut self) {
        self.core.reset();
        self.buf.clear();
        self.pos = 0;
    }

    /// After the 220 to STARTTLS: anything the server already sent is an
    /// injection attempt (RFC 3207 §5, CVE-2011-0411) and is refused.
    fn check_starttls(&mut self) -> PyResult<()> {
        let pending = self.pending();
        if pending > 0 || self.core.in_progress() {
            self.reset();
            let e = RemoteError::DataAfterStartTls { discarded: pending };
            return Err(SMTPResponseException::new_err((-1, e.to_string())));
        }
        Ok(())
    }
}

/// Raises ValueError with `msg` (helpers for other modules).
pub(crate) fn value_error(msg: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(msg.to_string())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ReplyParser>()?;
    // RFC 8314 §3.3: where a plain-text client gets no greeting, and how
    // long it waits before saying so (smtp_core::client::first_bytes).
    m.add(
        "IMPLICIT_TLS_PORTS",
        smtp_core::client::IMPLICIT_TLS_PORTS.to_vec(),
    )?;
    m.add(
        "IMPLICIT_TLS_GREETING_WAIT_MS",
        smtp_core::client::IMPLICIT_TLS_GREETING_WAIT_MS,
    )?;
    Ok(())
}
