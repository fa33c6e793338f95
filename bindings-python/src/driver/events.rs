//! Core server events as light Python tuples: `(kind, *fields)`, the kind
//! an interned string, so a face dispatches with one dict lookup.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use smtp_core::address::{ForwardPathRef, ReversePathRef};
use smtp_core::auth::Verification;
use smtp_core::command::{CommandSpelling, MailParametersRef, RcptParametersRef};
use smtp_core::server::{AuthRequest, Lost};
use smtp_core::Reply;

use super::face::Kind;

/// The address as Python faces show it: no angle brackets, `""` for the
/// null reverse path, `"Postmaster"` for `<Postmaster>`.
pub(crate) fn reverse_path(p: &ReversePathRef<'_>) -> String {
    match p {
        ReversePathRef::Mailbox(m) => m.to_string(),
        _ => String::new(),
    }
}

pub(crate) fn forward_path(p: &ForwardPathRef<'_>) -> String {
    match p {
        ForwardPathRef::Mailbox(m) => m.to_string(),
        _ => String::from("Postmaster"),
    }
}

/// MAIL parameters as `KEYWORD[=value]` strings, upper-case keywords, as
/// the core's encoder writes them (aiosmtpd's `mail_options`).
pub(crate) fn mail_options(p: &MailParametersRef<'_>) -> Vec<String> {
    let mut line = Vec::new();
    p.encode(CommandSpelling::Upper, &mut line);
    words(&line)
}

/// RCPT parameters, likewise (aiosmtpd's `rcpt_options`).
pub(crate) fn rcpt_options(p: &RcptParametersRef<'_>) -> Vec<String> {
    let mut line = Vec::new();
    p.encode(&mut line);
    words(&line)
}

/// ` A=x B` as `["A=x", "B"]`, each keyword upper-cased (values as sent).
fn words(line: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(line)
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| match w.split_once('=') {
            Some((k, v)) => format!("{}={v}", k.to_uppercase()),
            None => w.to_uppercase(),
        })
        .collect()
}

pub(crate) fn lost_name(lost: &Option<Lost>) -> Option<&'static str> {
    match lost {
        None => None,
        Some(Lost::Transaction { .. }) => Some("transaction"),
        Some(_) => Some("message"),
    }
}

/// A reply as `(code, text)`, the text's lines joined by `\n`.
pub(crate) fn reply_pair(r: &Reply) -> (u16, String) {
    (
        r.code().get(),
        String::from_utf8_lossy(r.joined_lines()).into_owned(),
    )
}

/// `("Auth", mechanism, username, secret, extra)`; see `_core.pyi`.
pub(crate) fn auth<'py>(py: Python<'py>, req: &AuthRequest) -> PyResult<Bound<'py, PyTuple>> {
    let kind = kind_str(py, Kind::Auth);
    let mech = req.mechanism.name().into_bound_py_any(py)?;
    let none = py.None().into_bound(py);
    let (user, secret, extra) = match &req.verification {
        Verification::Plain {
            authzid,
            username,
            password,
        } => (
            username.into_bound_py_any(py)?,
            password.into_bound_py_any(py)?,
            authzid.clone().into_bound_py_any(py)?,
        ),
        Verification::Login { username, password } => (
            username.into_bound_py_any(py)?,
            password.into_bound_py_any(py)?,
            none,
        ),
        Verification::OAuth { username, token } => (
            username.clone().into_bound_py_any(py)?,
            token.into_bound_py_any(py)?,
            none,
        ),
        Verification::CramMd5 {
            username,
            challenge,
            digest,
        } => (
            username.into_bound_py_any(py)?,
            PyBytes::new(py, digest).into_any(),
            PyBytes::new(py, challenge).into_any(),
        ),
        Verification::NeedCredentials { authzid, username } => (
            username.into_bound_py_any(py)?,
            none,
            authzid.clone().into_bound_py_any(py)?,
        ),
        _ => (none.clone(), none.clone(), none),
    };
    PyTuple::new(py, [kind.into_any(), mech, user, secret, extra])
}

pub(crate) fn kind_str(py: Python<'_>, kind: Kind) -> Bound<'_, PyString> {
    // Interned once per name: faces compare kinds by identity or hash.
    PyString::intern(py, kind.name())
}

pub(crate) fn tuple<'py, const N: usize>(
    py: Python<'py>,
    items: [Bound<'py, PyAny>; N],
) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyTuple::new(py, items)?.into_any())
}

pub(crate) fn strings<'py>(py: Python<'py>, v: Vec<String>) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyList::new(py, v)?.into_any())
}
