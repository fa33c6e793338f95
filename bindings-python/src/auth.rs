//! SASL for smtplib's `auth()` and `login()`: `smtp_core::auth`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use smtp_core::auth::{
    decode_challenge, encode_response, Credentials, Mechanism, SaslClient as CoreClient,
    PYTHON_SMTPLIB_PREFERENCE,
};

use crate::reply::value_error;

/// Tried by `login()` after smtplib's own three, when advertised.
const EXTRA_LOGIN_MECHANISMS: &[Mechanism] = &[
    Mechanism::ScramSha256,
    Mechanism::OAuthBearer,
    Mechanism::XOAuth2,
];

/// Base64 for the wire. `initial`: the argument of the AUTH line, where an
/// empty response is `=` (RFC 4954 §4); after a 334 it is the empty line.
#[pyfunction]
#[pyo3(signature = (data, initial = false))]
fn sasl_encode(data: &[u8], initial: bool) -> String {
    if data.is_empty() && !initial {
        String::new()
    } else {
        encode_response(data)
    }
}

/// Decodes the text of a 334 reply.
#[pyfunction]
fn sasl_decode<'py>(py: Python<'py>, text: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let out = decode_challenge(text).map_err(value_error)?;
    Ok(PyBytes::new(py, &out))
}

/// The mechanisms `login()` tries, in order: smtplib's (CRAM-MD5, PLAIN,
/// LOGIN, matched exactly as smtplib does) then SCRAM-SHA-256,
/// OAUTHBEARER, XOAUTH2, each only if advertised.
#[pyfunction]
fn login_mechanisms(advertised: Vec<String>) -> Vec<String> {
    PYTHON_SMTPLIB_PREFERENCE
        .iter()
        .chain(EXTRA_LOGIN_MECHANISMS)
        .map(Mechanism::name)
        .filter(|name| advertised.iter().any(|a| a == name))
        .map(String::from)
        .collect()
}

fn client(mechanism: &str, user: &str, secret: &str, nonce: Option<&str>) -> PyResult<CoreClient> {
    let mech = Mechanism::parse(mechanism).ok_or_else(|| value_error("empty mechanism name"))?;
    let creds = match mech {
        Mechanism::XOAuth2 | Mechanism::OAuthBearer => Credentials::bearer(user, secret),
        _ => Credentials::password(user, secret),
    };
    CoreClient::new(mech, creds, nonce).map_err(value_error)
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).into_owned()
}

/// One client SASL exchange; responses are str, as smtplib's authobjects
/// return them.
#[pyclass(module = "smtplib_rs._core")]
pub struct SaslClient {
    core: CoreClient,
    name: String,
}

#[pymethods]
impl SaslClient {
    /// `nonce`: fresh random bytes for SCRAM (ignored by the others).
    #[new]
    fn new(mechanism: &str, user: &str, secret: &str, nonce: &[u8]) -> PyResult<Self> {
        // RFC 5802 §5.1: printable, no ','; base64 of random bytes fits.
        let nonce = smtp_core::auth::encode_challenge(nonce);
        let core = client(mechanism, user, secret, Some(&nonce))?;
        Ok(SaslClient {
            name: core.mechanism().name().to_string(),
            core,
        })
    }

    /// The mechanism's name.
    #[getter]
    fn mechanism(&self) -> String {
        self.name.clone()
    }

    /// The initial response (RFC 4954 §4), or None.
    fn initial_response(&mut self) -> Option<String> {
        self.core.initial_response().map(text)
    }

    /// The answer to a decoded challenge.
    fn respond(&mut self, challenge: &[u8]) -> PyResult<String> {
        self.core.respond(challenge).map(text).map_err(value_error)
    }

    /// On 235: for SCRAM, fails if the server never proved it knows the
    /// password (RFC 5802 §5).
    fn finish(&self) -> PyResult<()> {
        self.core.finish().map_err(value_error)
    }
}

/// smtplib's `auth_plain` answer: `\0user\0password` (RFC 4616).
#[pyfunction]
fn plain_response(user: &str, password: &str) -> PyResult<String> {
    let mut c = client("PLAIN", user, password, None)?;
    c.initial_response()
        .map(text)
        .ok_or_else(|| value_error("PLAIN has an initial response"))
}

/// smtplib's `auth_cram_md5` answer: `user hex(HMAC-MD5(password, challenge))`
/// (RFC 2195).
#[pyfunction]
fn cram_md5_response(user: &str, password: &str, challenge: &[u8]) -> PyResult<String> {
    let mut c = client("CRAM-MD5", user, password, None)?;
    c.respond(challenge).map(text).map_err(value_error)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SaslClient>()?;
    m.add_function(wrap_pyfunction!(sasl_encode, m)?)?;
    m.add_function(wrap_pyfunction!(sasl_decode, m)?)?;
    m.add_function(wrap_pyfunction!(login_mechanisms, m)?)?;
    m.add_function(wrap_pyfunction!(plain_response, m)?)?;
    m.add_function(wrap_pyfunction!(cram_md5_response, m)?)?;
    Ok(())
}
