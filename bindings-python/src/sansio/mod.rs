//! The sans-IO machines for Python: `smtp_core`'s `ClientConnection` and
//! `ServerConnection`, with events as Python objects. The caller brings the
//! I/O (asyncio streams, trio, plain sockets): feed bytes in, write
//! `transmit()` out, drain `events()` after every input or call.

use std::time::Instant;

use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use smtp_core::client::MailResult;
use smtp_core::{Reply, Timestamp};

use crate::reply::smtplib_text;

mod client;
mod server;

/// `#[pymethods]` for a machine's pyclass: the I/O half both machines
/// share (bytes and EOF in, time in, bytes and events out), written once,
/// then the machine's own methods (`$own`). `$ty` has fields `core` (the
/// smtp_core machine) and `start` (the clock's origin); `$to_event` turns
/// one core event into an [`Event`], reading what the machine lends
/// about it (the command, the message data) from `core`.
macro_rules! sans_io_pymethods {
    ($ty:ident, $to_event:ident, $events_doc:literal, { $($own:tt)* }) => {
        #[pymethods]
        impl $ty {
            /// Bytes read from the peer; b"" is EOF.
            fn receive_data(&mut self, data: &[u8]) {
                let now = $crate::sansio::clock(&self.start);
                if data.is_empty() {
                    self.core.receive_eof(now);
                } else {
                    self.core.receive_data(data, now);
                }
            }

            /// Call when `timeout()` has passed.
            fn handle_timeout(&mut self) {
                self.core.handle_timeout($crate::sansio::clock(&self.start));
            }

            /// Seconds until `handle_timeout()` is due, or None.
            fn timeout(&self) -> Option<f64> {
                let now = $crate::sansio::clock(&self.start).as_millis();
                self.core
                    .poll_timeout()
                    .map(|t| t.as_millis().saturating_sub(now) as f64 / 1000.0)
            }

            /// Bytes to write now (taken out of the machine).
            fn transmit<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyBytes> {
                let out = PyBytes::new(py, self.core.pending_transmit());
                let n = self.core.pending_transmit().len();
                self.core.consume_transmit(n);
                out
            }

            #[doc = $events_doc]
            fn events(&mut self, py: Python<'_>) -> PyResult<Vec<Py<$crate::sansio::Event>>> {
                let mut out = Vec::new();
                while let Some(ev) = self.core.poll_event() {
                    out.push($to_event(py, ev, &self.core)?);
                }
                Ok(out)
            }

            /// Whether the session is over (a final event happened): write
            /// what `transmit()` holds, then close.
            #[getter]
            fn closed(&self) -> bool {
                self.core.is_closed()
            }

            $($own)*
        }
    };
}
use sans_io_pymethods;

/// One event of a machine: `kind` names it (the Rust variant), the other
/// attributes are its fields.
#[pyclass(module = "smtplib_rs._core", frozen)]
pub struct Event {
    #[pyo3(get)]
    kind: String,
    fields: Py<PyDict>,
}

#[pymethods]
impl Event {
    fn __getattr__(&self, py: Python<'_>, name: &str) -> PyResult<Py<PyAny>> {
        match self.fields.bind(py).get_item(name)? {
            Some(v) => Ok(v.unbind()),
            None => Err(PyAttributeError::new_err(format!(
                "{} event has no {name:?}",
                self.kind
            ))),
        }
    }

    /// The fields as a dict.
    #[getter]
    fn fields(&self, py: Python<'_>) -> Py<PyDict> {
        self.fields.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Event({}, {})",
            self.kind,
            self.fields.bind(py).repr()?
        ))
    }
}

pub(crate) fn event<'py>(
    py: Python<'py>,
    kind: &str,
    fields: Bound<'py, PyDict>,
) -> PyResult<Py<Event>> {
    Py::new(
        py,
        Event {
            kind: kind.to_string(),
            fields: fields.unbind(),
        },
    )
}

/// A reply as `(code, text)`, text in smtplib's form.
pub(crate) fn reply<'py>(py: Python<'py>, r: &Reply) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            r.code().get().into_pyobject(py)?.into_any(),
            PyBytes::new(py, &smtplib_text(r)).into_any(),
        ],
    )
}

pub(crate) fn result<'py>(py: Python<'py>, r: &MailResult) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let refused = PyList::empty(py);
    for (rcpt, rep) in r.refused() {
        refused.append((rcpt.index, rcpt.path.to_string(), reply(py, rep)?))?;
    }
    d.set_item("refused", refused)?;
    d.set_item("accepted", r.accepted())?;
    Ok(d)
}

pub(crate) fn clock(start: &Instant) -> Timestamp {
    Timestamp(u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Event>()?;
    m.add_class::<client::ClientConnection>()?;
    m.add_class::<server::ServerConnection>()?;
    Ok(())
}
