//! Message bodies: `smtp_core::body::DotStuffer` in smtplib's shapes.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use smtp_core::body::{BareLineEndingPolicy, DotStuffer as CoreStuffer};

use crate::reply::value_error;

/// Bare CR and bare LF are sent as CRLF, in bytes as in str: a bare line
/// ending next to a dot is what SMTP smuggling exploits (RFC 5321 §2.3.8).
const POLICY: BareLineEndingPolicy = BareLineEndingPolicy::Normalize;

/// Streaming DATA encoder: push chunks, get wire bytes; `finish()` adds
/// the terminator.
#[pyclass(module = "smtplib_rs._core")]
pub struct DotStuffer {
    core: CoreStuffer,
}

#[pymethods]
impl DotStuffer {
    #[new]
    fn new() -> Self {
        DotStuffer {
            core: CoreStuffer::new(POLICY),
        }
    }

    /// The wire form of `chunk` (a trailing CR is held for the next call).
    fn push<'py>(&mut self, py: Python<'py>, chunk: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 64 + 8);
        self.core.push(chunk, &mut out).map_err(value_error)?;
        Ok(PyBytes::new(py, &out))
    }

    /// Ends the body: CRLF if needed, then `.` CRLF.
    fn finish<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let mut out = Vec::with_capacity(8);
        self.core.finish(&mut out).map_err(value_error)?;
        Ok(PyBytes::new(py, &out))
    }

    /// The message size as RFC 1870 counts it, so far.
    #[getter]
    fn message_octets(&self) -> u64 {
        self.core.message_octets()
    }
}

fn stuff_all(data: &[u8], finish: bool) -> PyResult<Vec<u8>> {
    let mut s = CoreStuffer::new(POLICY);
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 8);
    s.push(data, &mut out).map_err(value_error)?;
    if finish {
        s.finish(&mut out).map_err(value_error)?;
    } else if data.last() == Some(&b'\r') {
        // The stuffer holds a final CR until it knows whether LF follows;
        // at the end of the text it is a bare CR, so it becomes CRLF.
        out.extend_from_slice(b"\r\n");
    }
    Ok(out)
}

/// A whole message (str: ASCII, or bytes) in DATA wire form, terminator
/// included.
#[pyfunction]
fn stuff_body<'py>(py: Python<'py>, msg: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
    let out = if let Ok(s) = msg.extract::<&str>() {
        if !s.is_ascii() {
            // smtplib encodes a str body with the ascii codec.
            let enc = s.into_pyobject(py)?.call_method1("encode", ("ascii",))?;
            return stuff_body(py, &enc);
        }
        stuff_all(s.as_bytes(), true)?
    } else if let Ok(b) = msg.cast::<PyBytes>() {
        stuff_all(b.as_bytes(), true)?
    } else {
        // bytearray, memoryview: one copy.
        let b: Vec<u8> = msg.extract()?;
        stuff_all(&b, true)?
    };
    Ok(PyBytes::new(py, &out))
}

/// smtplib's legacy `quotedata`: CRLF line endings and doubled leading
/// dots, no terminator.
#[pyfunction]
fn quotedata(data: &str) -> PyResult<String> {
    let out = stuff_all(data.as_bytes(), false)?;
    String::from_utf8(out).map_err(value_error)
}

/// A str with every bare CR and bare LF turned into CRLF (smtplib's
/// `_fix_eols`), for the SIZE figure and BDAT.
#[pyfunction]
fn fix_eols(data: &str) -> String {
    let mut out = String::with_capacity(data.len() + data.len() / 32);
    let mut chars = data.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                out.push_str("\r\n");
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<DotStuffer>()?;
    m.add_function(wrap_pyfunction!(stuff_body, m)?)?;
    m.add_function(wrap_pyfunction!(quotedata, m)?)?;
    m.add_function(wrap_pyfunction!(fix_eols, m)?)?;
    Ok(())
}
