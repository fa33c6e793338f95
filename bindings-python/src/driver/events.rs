//! Core server events as light Python tuples: `(kind, *fields)`, the kind
//! an interned string, so a face dispatches with one dict lookup.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use pyo3::IntoPyObjectExt;
use smtp_core::address::{ForwardPathRef, ReversePathRef};
use smtp_core::auth::Verification;
use smtp_core::command::{BodyType, MailParametersRef, Notify, RcptParametersRef, Ret};
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

/// MAIL parameters as `KEYWORD[=value]` strings, upper-case keywords, in
/// the order the core's encoder writes them.
pub(crate) fn mail_options(p: &MailParametersRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(size) = p.size {
        out.push(format!("SIZE={size}"));
    }
    if let Some(body) = p.body {
        out.push(String::from(match body {
            BodyType::SevenBit => "BODY=7BIT",
            BodyType::EightBitMime => "BODY=8BITMIME",
            _ => "BODY=BINARYMIME",
        }));
    }
    if p.smtputf8 {
        out.push(String::from("SMTPUTF8"));
    }
    if let Some(ret) = p.ret {
        out.push(String::from(match ret {
            Ret::Full => "RET=FULL",
            _ => "RET=HDRS",
        }));
    }
    if let Some(envid) = &p.envid {
        out.push(format!("ENVID={}", smtp_core::command::xtext_encode(envid)));
    }
    if let Some(auth) = &p.auth {
        out.push(format!("AUTH={}", smtp_core::command::xtext_encode(auth)));
    }
    if p.requiretls {
        out.push(String::from("REQUIRETLS"));
    }
    for o in p.other.iter() {
        out.push(match o.value {
            Some(v) => format!("{}={v}", o.keyword.to_uppercase()),
            None => o.keyword.to_uppercase(),
        });
    }
    out
}

pub(crate) fn rcpt_options(p: &RcptParametersRef<'_>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(n) = &p.notify {
        out.push(match n {
            Notify::On {
                success,
                failure,
                delay,
            } => {
                let mut on = Vec::new();
                for (set, name) in [(success, "SUCCESS"), (failure, "FAILURE"), (delay, "DELAY")] {
                    if *set {
                        on.push(name);
                    }
                }
                format!("NOTIFY={}", on.join(","))
            }
            _ => String::from("NOTIFY=NEVER"),
        });
    }
    if let Some(o) = &p.orcpt {
        out.push(format!(
            "ORCPT={};{}",
            o.addr_type,
            smtp_core::command::xtext_encode(&o.address)
        ));
    }
    for o in p.other.iter() {
        out.push(match o.value {
            Some(v) => format!("{}={v}", o.keyword.to_uppercase()),
            None => o.keyword.to_uppercase(),
        });
    }
    out
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
