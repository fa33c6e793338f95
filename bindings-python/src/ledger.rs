//! `smtp_core::client::TransactionLedger` for smtplib's command-by-command
//! `sendmail` path (debug output on, `use_pipelining` off, an address core
//! would refuse, or `mail`/`rcpt`/`data` overridden): Python calls its own
//! `mail()`, `rcpt()`, `data()` and `getreply()` and hands each `(code, msg)`
//! here; the ledger says what comes next and how the transaction ended.

use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use smtp_core::client::{reply_meaning, Exchange, Expect, ReplyMeaning, Stage, TransactionLedger};
use smtp_core::ReplyCode;

use crate::outcome::Ending;
use crate::reply::value_error;

/// The code smtplib's `(code, msg)` carries; -1 (a garbled line) and other
/// codes outside 200-599 judge as the failure they are.
fn core_code(code: i32) -> ReplyCode {
    u16::try_from(code)
        .ok()
        .and_then(ReplyCode::new)
        .unwrap_or(ReplyCode::SYNTAX_ERROR)
}

/// What comes next, as `(verb, index)`: `("rcpt", i)`, `("data", -1)`,
/// `("body", -1)`, `("delivery", i)` or `("done", -1)`.
fn step(expect: Expect) -> (&'static str, i64) {
    let index = |i: usize| i64::try_from(i).unwrap_or(i64::MAX);
    match expect {
        Expect::Mail => ("mail", -1),
        Expect::Rcpt(i) => ("rcpt", index(i)),
        Expect::Data => ("data", -1),
        Expect::Body => ("body", -1),
        Expect::Delivery(i) => ("delivery", index(i)),
        _ => ("done", -1),
    }
}

/// One transaction's replies, as smtplib's calls read them.
#[pyclass(module = "smtplib_rs._core", name = "TransactionLedger")]
pub struct PyLedger {
    books: TransactionLedger<(i32, Py<PyAny>)>,
}

#[pymethods]
impl PyLedger {
    #[new]
    fn new(recipients: usize, lmtp: bool) -> Self {
        PyLedger {
            books: TransactionLedger::new(recipients, lmtp),
        }
    }

    /// The reply to MAIL FROM; returns the next step.
    fn mail(&mut self, code: i32, msg: Py<PyAny>) -> (&'static str, i64) {
        step(self.books.on_mail(core_code(code), (code, msg)))
    }

    /// The reply to the RCPT the last step named.
    fn rcpt(&mut self, code: i32, msg: Py<PyAny>) -> (&'static str, i64) {
        step(self.books.on_rcpt(core_code(code), (code, msg)))
    }

    /// The reply to DATA.
    fn data(&mut self, code: i32, msg: Py<PyAny>) -> (&'static str, i64) {
        step(self.books.on_data(core_code(code), (code, msg)))
    }

    /// The reply to a BDAT chunk that is not the last.
    fn bdat(&mut self, code: i32, msg: Py<PyAny>) -> (&'static str, i64) {
        step(self.books.on_bdat(core_code(code), (code, msg)))
    }

    /// A reply after the end of the data (LMTP: one per accepted recipient).
    fn data_end(&mut self, code: i32, msg: Py<PyAny>) -> (&'static str, i64) {
        step(self.books.on_data_end(core_code(code), (code, msg)))
    }

    /// Whether the caller owes an RSET (a failure, connection still open).
    #[getter]
    fn reset_owed(&self) -> bool {
        self.books.reset_owed()
    }

    /// The outcome, in the shape `MailMachine.outcome()` gives.
    fn outcome<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        if self.books.expect() != Expect::Done {
            return Err(value_error("the transaction has not ended"));
        }
        let refused = PyList::empty(py);
        for (index, (code, msg)) in self.books.refused() {
            refused.append((index, *code, msg.bind(py)))?;
        }
        let ending = match self.books.failure() {
            None if self.books.delivered() == 0 => Ending::NoRecipient(refused),
            None => Ending::Delivered(refused),
            Some((Stage::Recipients, _)) => Ending::NoRecipient(refused),
            Some((stage, (code, msg))) => Ending::Failed(
                stage,
                code.into_pyobject(py)?.into_any(),
                msg.bind(py).clone(),
            ),
        };
        ending.into_tuple(py, self.books.closing())
    }
}

/// RFC 5321 §4.3.2's meaning of `code` as the reply to `exchange`
/// (`"greeting"`, `"hello"`, `"starttls"`, `"auth"`, `"mail"`, `"rcpt"`,
/// `"data"`, `"data_end"`, `"bdat"`, `"rset"`, `"vrfy"`, `"expn"`,
/// `"help"`, `"noop"`, `"quit"`): `"success"`, `"intermediate"`,
/// `"failure"` or `"closing"` (421).
#[pyfunction(name = "reply_meaning")]
fn py_reply_meaning(exchange: &str, code: i32) -> PyResult<&'static str> {
    let exchange = match exchange {
        "greeting" => Exchange::Greeting,
        "hello" => Exchange::Hello,
        "starttls" => Exchange::StartTls,
        "auth" => Exchange::Auth,
        "mail" => Exchange::Mail,
        "rcpt" => Exchange::Rcpt,
        "data" => Exchange::Data,
        "data_end" => Exchange::DataEnd,
        "bdat" => Exchange::Bdat,
        "rset" => Exchange::Rset,
        "vrfy" => Exchange::Vrfy,
        "expn" => Exchange::Expn,
        "help" => Exchange::Help,
        "noop" => Exchange::Noop,
        "quit" => Exchange::Quit,
        other => return Err(value_error(format!("unknown exchange {other:?}"))),
    };
    Ok(match reply_meaning(exchange, core_code(code)) {
        ReplyMeaning::Success => "success",
        ReplyMeaning::Intermediate => "intermediate",
        ReplyMeaning::Closing => "closing",
        _ => "failure",
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyLedger>()?;
    m.add_function(wrap_pyfunction!(py_reply_meaning, m)?)?;
    Ok(())
}
