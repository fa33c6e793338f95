//! Command lines in smtplib's form.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::reply::value_error;

/// smtplib's `putcmd` line: `cmd` or `cmd args`, then CRLF, as a str.
///
/// A CR or LF inside would let the caller's data inject commands
/// (CPython issue 43124): refused with smtplib's ValueError and message.
#[pyfunction]
#[pyo3(signature = (cmd, args = ""))]
fn command_line(cmd: &str, args: &str) -> PyResult<String> {
    let mut s = String::with_capacity(cmd.len() + args.len() + 3);
    s.push_str(cmd);
    if !args.is_empty() {
        s.push(' ');
        s.push_str(args);
    }
    if s.contains(['\r', '\n']) {
        let shown = s.replace('\n', "\\n").replace('\r', "\\r");
        return Err(value_error(format!(
            "command and arguments contain prohibited newline characters: {shown}"
        )));
    }
    s.push_str("\r\n");
    Ok(s)
}

/// `BDAT size [LAST]` and its CRLF (RFC 3030 §2), encoded by core.
#[pyfunction]
fn bdat_line<'py>(py: Python<'py>, size: u64, last: bool) -> Bound<'py, PyBytes> {
    let mut out = Vec::with_capacity(24);
    smtp_core::Command::Bdat { size, last }.encode(&mut out);
    PyBytes::new(py, &out)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(command_line, m)?)?;
    m.add_function(wrap_pyfunction!(bdat_line, m)?)?;
    Ok(())
}
