//! One shape for how a `sendmail` transaction ended, whichever path ran it
//! (the machine, or smtplib's command-by-command calls kept in a
//! `TransactionLedger`): the Python side turns it into smtplib's return
//! value or exception with one function.
//!
//! `("ok", refused, closing)`, `("recipients", refused, closing)`,
//! `("sender", code, msg, closing)`, `("data", code, msg, closing)`,
//! `("broken", reason)`, `("unreadable", code, msg)` (a reply too long to
//! read: SMTPResponseException); `refused` lists `(index, code, msg)`.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use smtp_core::client::Stage;

/// How the transaction ended, with the replies as Python objects.
pub(crate) enum Ending<'py> {
    /// At least one recipient took the message; `refused` are the others.
    Delivered(Bound<'py, PyList>),
    /// Nobody took it: every RCPT refused, or in LMTP every delivery.
    NoRecipient(Bound<'py, PyList>),
    /// MAIL, DATA, a BDAT chunk or the end of data failed: the stage and
    /// its reply's code and message. (All recipients refused is
    /// `NoRecipient`, with each refusal.)
    Failed(Stage, Bound<'py, PyAny>, Bound<'py, PyAny>),
    /// The connection broke; the reason.
    Broken(String),
    /// A reply too long to read; smtplib's code and message for it.
    Unreadable(i32, String),
}

impl<'py> Ending<'py> {
    /// The tuple described in the module docs; `closing` when a 421 ended it.
    pub(crate) fn into_tuple(
        self,
        py: Python<'py>,
        closing: bool,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let closing = closing.into_pyobject(py)?.to_owned().into_any();
        let tag = |t: &str| t.into_pyobject(py).map(|s| s.into_any());
        match self {
            Ending::Delivered(refused) => {
                PyTuple::new(py, [tag("ok")?, refused.into_any(), closing])
            }
            Ending::NoRecipient(refused) => {
                PyTuple::new(py, [tag("recipients")?, refused.into_any(), closing])
            }
            Ending::Failed(Stage::Mail, code, msg) => {
                PyTuple::new(py, [tag("sender")?, code, msg, closing])
            }
            Ending::Failed(_, code, msg) => PyTuple::new(py, [tag("data")?, code, msg, closing]),
            Ending::Broken(reason) => {
                PyTuple::new(py, [tag("broken")?, reason.into_pyobject(py)?.into_any()])
            }
            Ending::Unreadable(code, msg) => PyTuple::new(
                py,
                [
                    tag("unreadable")?,
                    code.into_pyobject(py)?.into_any(),
                    msg.into_pyobject(py)?.into_any(),
                ],
            ),
        }
    }
}
