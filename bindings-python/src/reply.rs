//! Replies in smtplib's shape, parsed by `smtp_core::reply::ReplyParser`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use smtp_core::client::{classify_first_bytes, FirstBytes};
use smtp_core::reply::{ReplyError, ReplyParser as CoreParser, ReplyParserConfig};
use smtp_core::{RemoteError, Reply};

pyo3::import_exception!(smtplib, SMTPResponseException);
// Both smtplib's SMTPConnectError and SMTPServerDisconnected (see its doc).
pyo3::import_exception!(smtplib_rs._common, SMTPImplicitTLSError);
pyo3::import_exception!(ssl, SSLError);

/// Most lines in one reply. smtplib has no bound; RFC 5321 §4.2.1 sets
/// none either, so this is ours: far above real EHLO and HELP replies.
pub(crate) const MAX_REPLY_LINES: usize = 10_000;
/// Most octets in one reply (1 MiB), for the same reason.
pub(crate) const MAX_REPLY_OCTETS: usize = 1 << 20;
/// smtplib's `_MAXLINE`: a reply line of more octets, its line ending
/// included, is "Line too long.".
pub(crate) const SMTPLIB_MAX_LINE: usize = 8192;

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
    /// Where the reply being read starts in `buf`: its earlier lines stay
    /// buffered until it ends, so the raw lines (debug output) and the
    /// text of a malformed reply do not depend on how the server's writes
    /// were split (bounded by the core's `max_octets`).
    reply_start: usize,
    /// smtplib's line limit: `readline(max_line + 1)`, then longer than
    /// `max_line` is "Line too long." (CRLF included).
    max_line: usize,
    /// Raw lines of the last reply that could not be completed (a line too
    /// long, or EOF in the middle), for smtplib's debug output.
    unfinished: Vec<u8>,
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
    reply.trimmed_text()
}

/// Splits `raw` after each LF, as `readline()` would.
fn raw_lines<'py>(py: Python<'py>, raw: &[u8]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for line in raw.split_inclusive(|&b| b == b'\n') {
        list.append(PyBytes::new(py, line))?;
    }
    Ok(list)
}

/// smtplib's message for a reply it gave up on (a line whose code is not a
/// number): every line read so far, its text stripped, joined by `\n`.
fn smtplib_text_of_raw(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, line) in raw.split_inclusive(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(strip_ws(line.get(4..).unwrap_or_default()));
    }
    out
}

/// The `(code, msg)` of the SMTPResponseException for a reply too long to
/// read: smtplib's own words for a line over its limit, ours for a reply
/// over the bounds smtplib does not have. None for other errors.
pub(crate) fn unreadable(e: &ReplyError) -> Option<(i32, String)> {
    match e {
        ReplyError::LineTooLong { .. } => Some((500, "Line too long.".into())),
        ReplyError::TooManyOctets { limit } => {
            Some((500, format!("Reply longer than {limit} octets.")))
        }
        ReplyError::TooManyLines { limit } => {
            Some((500, format!("Reply longer than {limit} lines.")))
        }
        _ => None,
    }
}

fn line_too_long() -> PyErr {
    SMTPResponseException::new_err((500, "Line too long."))
}

impl ReplyParser {
    /// The first line of `raw` longer than smtplib's limit, as the end of
    /// what smtplib's `readline(max_line + 1)` loop would have read.
    fn too_long_at(&self, raw: &[u8]) -> Option<usize> {
        // One line, CRLF included, may hold `max_line` octets: a reply
        // shorter than that has no long line (the usual case, no scan).
        if raw.len() <= self.max_line {
            return None;
        }
        let mut end = 0;
        for line in raw.split_inclusive(|&b| b == b'\n') {
            end += line.len();
            if line.len() > self.max_line {
                return Some(end);
            }
        }
        None
    }

    /// Forgets the reply in progress after an error; its raw lines up to
    /// `end` are kept for the debug output.
    fn abandon(&mut self, end: usize) {
        self.unfinished = self
            .buf
            .get(self.reply_start..end)
            .unwrap_or_default()
            .to_vec();
        self.core.reset();
    }

    /// Runs the core parser on the buffered bytes.
    fn step<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        if !self.core.in_progress() {
            self.reply_start = self.pos;
        }
        let (n, res) = self
            .core
            .parse(self.buf.get(self.pos..).unwrap_or_default());
        self.pos += n;
        let raw = self.buf.get(self.reply_start..self.pos).unwrap_or_default();
        if let Some(end) = self.too_long_at(raw) {
            // A line the core accepted (its limit counts the LF, which
            // smtplib's `len(line) > 8192` does not) that smtplib refuses.
            self.abandon(self.reply_start + end);
            return Err(line_too_long());
        }
        let out = match res {
            None => None,
            Some(Ok(reply)) => {
                let code = i32::from(reply.code().get()).into_pyobject(py)?.into_any();
                let text = PyBytes::new(py, &smtplib_text(&reply)).into_any();
                let mut items = vec![code, text];
                if self.keep_raw {
                    items.push(raw_lines(py, raw)?.into_any());
                }
                Some(PyTuple::new(py, items)?)
            }
            Some(Err(e)) if unreadable(&e).is_some() => {
                // A line too long stops the core before it: smtplib's
                // readline would have returned its first max_line + 1
                // octets, and printed them.
                let mut end = self.pos;
                if let ReplyError::LineTooLong { .. } = e {
                    end = (self.pos + self.max_line + 1).min(self.buf.len());
                }
                self.abandon(end);
                return Err(SMTPResponseException::new_err(unreadable(&e)));
            }
            Some(Err(_)) => {
                // A line that is not `NNN[ -]text` (or a code outside
                // 200-599): smtplib reports code -1 with the text of every
                // line read so far, and reads on from the next line.
                let mut items = vec![
                    (-1i32).into_pyobject(py)?.into_any(),
                    PyBytes::new(py, &smtplib_text_of_raw(raw)).into_any(),
                ];
                if self.keep_raw {
                    items.push(raw_lines(py, raw)?.into_any());
                }
                Some(PyTuple::new(py, items)?)
            }
        };
        self.compact();
        Ok(out)
    }

    /// Drops what no reply needs any more: everything before the reply in
    /// progress (or everything consumed, between replies).
    fn compact(&mut self) {
        let keep_from = if self.core.in_progress() {
            self.reply_start
        } else {
            self.pos
        };
        if keep_from == self.buf.len() {
            self.buf.clear();
        } else if keep_from >= COMPACT_AT {
            self.buf.drain(..keep_from);
        } else {
            return;
        }
        self.pos -= keep_from;
        self.reply_start = self.reply_start.saturating_sub(keep_from);
    }
}

#[pymethods]
impl ReplyParser {
    /// `max_line`: longest reply line accepted, CRLF included (smtplib:
    /// 8192, its `_MAXLINE`).
    #[new]
    #[pyo3(signature = (max_line = SMTPLIB_MAX_LINE))]
    fn new(max_line: usize) -> Self {
        let mut config = ReplyParserConfig::default();
        // smtplib reads with readline(8193): the core waits that long for
        // the LF; a complete line of 8193 octets is refused by
        // `too_long_at`.
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
            reply_start: 0,
            max_line,
            unfinished: Vec::new(),
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
                    return Err(SMTPImplicitTLSError::new_err((-1, e.to_string())));
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

    /// The server closed the connection. smtplib's readline returns a last
    /// line without its LF, and reads it as a line: so does this (the
    /// reply, or None when no reply ends there). With None, the lines of
    /// the unfinished reply are in `unfinished_lines()`.
    fn eof<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        // `step` leaves no complete line unparsed: what follows `pos` is
        // one partial line.
        let added_lf = self.pos < self.buf.len();
        if added_lf {
            self.buf.push(b'\n');
            // The LF is ours, not the server's: it does not count towards
            // smtplib's line limit.
            self.max_line += 1;
            let out = self.step(py);
            self.max_line -= 1;
            match out {
                Ok(Some(t)) => return without_added_lf(py, t).map(Some),
                Ok(None) => {}
                Err(e) => {
                    if self.unfinished.last() == Some(&b'\n') {
                        self.unfinished.pop();
                    }
                    return Err(e);
                }
            }
        }
        // EOF inside a reply: smtplib has printed its lines, and raises.
        let mut unfinished = Vec::new();
        if self.core.in_progress() {
            unfinished
                .extend_from_slice(self.buf.get(self.reply_start..self.pos).unwrap_or_default());
            if added_lf {
                unfinished.pop();
            }
        }
        self.reset();
        self.unfinished = unfinished;
        Ok(None)
    }

    /// The raw lines of the last reply that could not be completed (after
    /// "Line too long." or at EOF), as smtplib's debug output prints them;
    /// taken out of the parser.
    fn unfinished_lines<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let raw = std::mem::take(&mut self.unfinished);
        raw_lines(py, &raw)
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
        self.reply_start = 0;
        self.unfinished.clear();
    }

    /// After the 220 to STARTTLS: anything the server already sent is an
    /// injection attempt (RFC 3207 §5, CVE-2011-0411) and is refused with
    /// `ssl.SSLError`, as smtplib's handshake fails on such bytes.
    fn check_starttls(&mut self) -> PyResult<()> {
        let pending = self.pending();
        if pending > 0 || self.core.in_progress() {
            self.reset();
            let e = RemoteError::DataAfterStartTls { discarded: pending };
            return Err(SSLError::new_err(e.to_string()));
        }
        Ok(())
    }
}

/// A reply parsed at EOF from a last line the server did not end: its raw
/// lines (the tuple's third item, if any) lose the LF added to parse it.
fn without_added_lf<'py>(py: Python<'py>, t: Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyTuple>> {
    if t.len() < 3 {
        return Ok(t);
    }
    let lines = t.get_item(2)?.cast_into::<PyList>()?;
    let last = lines.len() - 1;
    let line: Vec<u8> = lines.get_item(last)?.extract()?;
    let trimmed = line.strip_suffix(b"\n").unwrap_or(&line);
    lines.set_item(last, PyBytes::new(py, trimmed))?;
    Ok(t)
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
