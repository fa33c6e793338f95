//! The PROXY protocol header in front of a session: read with
//! `smtp_core::proxy::parse` before the machine sees anything, surfaced as
//! `("Proxy", version, command, transport, family, source, destination,
//! tlvs, raw)`; the greeting goes out only once it is accepted.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyTuple};
use pyo3::IntoPyObjectExt;
use smtp_core::proxy::{Addresses, ProxyCommand, ProxyHeader, Transport};

use super::events::kind_str;
use super::face::Kind;

/// `(host, port)` for an IP endpoint, the path for UNIX, None otherwise.
fn endpoint<'py>(py: Python<'py>, a: &Addresses, source: bool) -> PyResult<Bound<'py, PyAny>> {
    match a {
        Addresses::Ipv4 {
            source: s,
            destination: d,
        } => {
            let x = if source { s } else { d };
            (x.ip().to_string(), x.port()).into_bound_py_any(py)
        }
        Addresses::Ipv6 {
            source: s,
            destination: d,
        } => {
            let x = if source { s } else { d };
            (x.ip().to_string(), x.port()).into_bound_py_any(py)
        }
        Addresses::Unix {
            source: s,
            destination: d,
        } => Ok(PyBytes::new(py, if source { s } else { d }).into_any()),
        _ => Ok(py.None().into_bound(py)),
    }
}

pub(crate) fn event<'py>(
    py: Python<'py>,
    h: &ProxyHeader,
    raw: &[u8],
) -> PyResult<Bound<'py, PyAny>> {
    let command = match h.command {
        ProxyCommand::Local => "LOCAL",
        _ => "PROXY",
    };
    let transport = match h.transport {
        Transport::Stream => "STREAM",
        Transport::Datagram => "DGRAM",
        _ => "UNSPEC",
    };
    let family = match h.addresses {
        Addresses::Ipv4 { .. } => "INET",
        Addresses::Ipv6 { .. } => "INET6",
        Addresses::Unix { .. } => "UNIX",
        _ => "UNSPEC",
    };
    let tlvs = PyList::empty(py);
    for t in &h.tlvs {
        tlvs.append((t.kind, PyBytes::new(py, &t.value)))?;
    }
    Ok(PyTuple::new(
        py,
        [
            kind_str(py, Kind::Proxy).into_any(),
            h.version.into_bound_py_any(py)?,
            command.into_bound_py_any(py)?,
            transport.into_bound_py_any(py)?,
            family.into_bound_py_any(py)?,
            endpoint(py, &h.addresses, true)?,
            endpoint(py, &h.addresses, false)?,
            tlvs.into_any(),
            PyBytes::new(py, raw).into_any(),
        ],
    )?
    .into_any())
}

/// `proxy_header(data)`: the PROXY header at the front of `data` as the
/// `("Proxy", ...)` tuple plus its length, `(event, consumed)`; None while
/// incomplete. ValueError when `data` cannot start a valid header.
#[pyfunction]
pub(crate) fn proxy_header<'py>(
    py: Python<'py>,
    data: &[u8],
) -> PyResult<Option<(Bound<'py, PyAny>, usize)>> {
    match smtp_core::proxy::parse(data) {
        Ok(smtp_core::proxy::Parsed::Complete { header, consumed }) => {
            let raw = data.get(..consumed).unwrap_or(data);
            Ok(Some((event(py, &header, raw)?, consumed)))
        }
        Ok(_) => Ok(None),
        Err(e) => Err(crate::reply::value_error(e)),
    }
}

/// `proxy_tlvs(data)`: `([(type, value), ...], error)`, the TLVs read
/// before the first malformed one and that error's text (or None).
#[pyfunction]
pub(crate) fn proxy_tlvs<'py>(
    py: Python<'py>,
    data: &[u8],
) -> PyResult<(Bound<'py, PyList>, Option<String>)> {
    let (tlvs, err) = smtp_core::proxy::parse_tlvs(data);
    let list = PyList::empty(py);
    for t in &tlvs {
        list.append((t.kind, PyBytes::new(py, &t.value)))?;
    }
    Ok((list, err.map(|e| e.to_string())))
}
