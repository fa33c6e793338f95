//! EHLO capabilities: `smtp_core::Capabilities`, plus smtplib's
//! `esmtp_features` dict rebuilt from the keywords it parsed.

use pyo3::prelude::*;
use pyo3::types::PyDict;
use smtp_core::{Capabilities as CoreCaps, Extensions, Reply, ReplyCode};

/// What the server advertised in its EHLO/LHLO reply.
#[pyclass(module = "smtplib_rs._core", frozen)]
pub struct Capabilities {
    core: CoreCaps,
}

/// smtplib's `esmtp_features` from the keyword lines: for each line, the
/// leading `[A-Za-z0-9][A-Za-z0-9-]*` lower-cased is the key and the rest
/// stripped the value; `AUTH` values and old-style `AUTH=` lines
/// accumulate, each prefixed by a space, into `auth`.
fn esmtp_features(caps: &CoreCaps) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut set = |key: String, value: String, append: bool| {
        if let Some(slot) = out.iter_mut().find(|(k, _)| *k == key) {
            if append {
                slot.1.push(' ');
                slot.1.push_str(&value);
            } else {
                slot.1 = value;
            }
        } else if append {
            out.push((key, format!(" {value}")));
        } else {
            out.push((key, value));
        }
    };
    for (name, params) in caps.keywords() {
        let line = if params.is_empty() {
            name.to_string()
        } else {
            format!("{name} {params}")
        };
        if line.len() >= 5
            && line
                .get(..5)
                .is_some_and(|p| p.eq_ignore_ascii_case("auth="))
        {
            set(
                "auth".into(),
                line.get(5..).unwrap_or_default().to_string(),
                true,
            );
            continue;
        }
        let bytes = line.as_bytes();
        if !bytes.first().is_some_and(u8::is_ascii_alphanumeric) {
            continue;
        }
        let end = bytes
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-'))
            .unwrap_or(bytes.len());
        let feature = line.get(..end).unwrap_or_default().to_ascii_lowercase();
        let params = line
            .get(end..)
            .unwrap_or_default()
            .trim_matches(|c: char| c.is_whitespace())
            .to_string();
        let append = feature == "auth";
        set(feature, params, append);
    }
    out
}

#[pymethods]
impl Capabilities {
    /// Parses an EHLO reply given as smtplib holds it: the code and the
    /// lines' text joined by `\n`.
    #[new]
    fn new(code: u16, msg: &[u8]) -> Self {
        let lines: Vec<&[u8]> = msg.split(|&b| b == b'\n').collect();
        let code = ReplyCode::new(code).unwrap_or(ReplyCode::OK);
        Capabilities {
            core: CoreCaps::from_reply(&Reply::from_lines(code, &lines)),
        }
    }

    /// smtplib's `esmtp_features` dict.
    fn esmtp_features<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (k, v) in esmtp_features(&self.core) {
            d.set_item(k, v)?;
        }
        Ok(d)
    }

    /// PIPELINING offered (RFC 2920).
    #[getter]
    fn pipelining(&self) -> bool {
        self.core.extensions().contains(Extensions::PIPELINING)
    }

    /// CHUNKING offered (RFC 3030).
    #[getter]
    fn chunking(&self) -> bool {
        self.core.extensions().contains(Extensions::CHUNKING)
    }

    /// SMTPUTF8 offered (RFC 6531).
    #[getter]
    fn smtputf8(&self) -> bool {
        self.core.extensions().contains(Extensions::SMTPUTF8)
    }

    /// The SIZE limit, if one was announced (RFC 1870).
    #[getter]
    fn max_size(&self) -> Option<u64> {
        self.core.max_size()
    }

    /// AUTH mechanisms, upper-cased, in the advertised order.
    #[getter]
    fn auth_mechanisms(&self) -> Vec<String> {
        self.core.auth_mechanisms().map(String::from).collect()
    }

    /// Whether the keyword was advertised (case-insensitive).
    fn has(&self, keyword: &str) -> bool {
        self.core.has(keyword)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Capabilities>()
}
