//! `smtplib_rs._core`: the Rust half of `import smtplib_rs`.
//!
//! The Python package does the socket and `ssl` work; every protocol
//! decision it needs comes from here, and every one of them from
//! `smtp-core` (reply parsing, EHLO capabilities, dot-stuffing, BDAT
//! framing, SASL). What this crate adds is only the translation to
//! smtplib's shapes: `(code, msg)` tuples with smtplib's whitespace rules,
//! the `esmtp_features` dict, smtplib's exception types and messages.
// Denied everywhere; allowed in one module (driver/kept_body.rs), whose
// one block builds a kept message without holding it twice.
#![deny(unsafe_code)]

use pyo3::prelude::*;

mod auth;
mod body;
mod caps;
mod client;
mod command;
mod driver;
mod ledger;
mod outcome;
mod reply;
mod sansio;

/// The `_core` extension module.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    reply::register(m)?;
    caps::register(m)?;
    client::register(m)?;
    command::register(m)?;
    body::register(m)?;
    auth::register(m)?;
    ledger::register(m)?;
    sansio::register(m)?;
    driver::register(m)?;
    Ok(())
}
