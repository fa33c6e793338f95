//! `RawServer`: `smtp_core::ServerConnection` for the JS layer, which wraps
//! it as `ServerConnection` (`js/server.js`); plus the two SASL helpers a
//! server application needs (SCRAM key derivation, CRAM-MD5 check).

use smtp_core::auth::{verify_cram_md5, ScramCredentials};
use smtp_core::{Reply, ReplyCode, ServerConnection};
use wasm_bindgen::prelude::*;

use crate::convert::{reply_from_js, timestamp};
use crate::errors::{local, type_error};
use crate::json::Json;
use crate::options::ServerOptions;

type JsResult<T> = Result<T, JsValue>;

/// One server session. See `ServerConnection` in the package's docs.
#[wasm_bindgen]
pub struct RawServer {
    core: ServerConnection,
    events: Json,
    payload: Vec<u8>,
}

#[wasm_bindgen]
impl RawServer {
    /// A session accepted at `now`: the greeting is queued.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &ServerOptions, now: f64) -> RawServer {
        RawServer {
            core: ServerConnection::new(options.config.clone(), timestamp(now)),
            events: Json::new(),
            payload: Vec::new(),
        }
    }

    // ----- answers ------------------------------------------------------------

    pub fn accept(&mut self) -> JsResult<()> {
        self.core.accept().map_err(local)
    }

    /// Answers with `code` and `text` (lines split on `\n`); `enhanced`
    /// (`"x.y.z"`) is put in front of every line.
    pub fn reply(&mut self, code: u16, enhanced: Option<String>, text: &str) -> JsResult<()> {
        let r = reply_from_js(code, enhanced, text)?;
        self.core.reply(r).map_err(local)
    }

    /// Answers with `code` and these line texts, verbatim.
    #[wasm_bindgen(js_name = replyLines)]
    pub fn reply_lines(&mut self, code: u16, lines: Vec<String>) -> JsResult<()> {
        let code = ReplyCode::new(code)
            .ok_or_else(|| type_error(&format!("reply code {code} is not a valid SMTP code")))?;
        self.core
            .reply(Reply::from_lines(code, &lines))
            .map_err(local)
    }

    /// SCRAM-SHA-256: the user's stored credentials.
    #[wasm_bindgen(js_name = provideScramCredentials)]
    pub fn provide_scram_credentials(
        &mut self,
        salt: &[u8],
        iterations: u32,
        stored_key: &[u8],
        server_key: &[u8],
    ) -> JsResult<()> {
        let creds = scram_credentials(salt, iterations, stored_key, server_key)?;
        self.core.provide_scram_credentials(creds).map_err(local)
    }

    #[wasm_bindgen(js_name = setNonce)]
    pub fn set_nonce(&mut self, nonce: &str) {
        self.core.set_nonce(nonce);
    }

    // ----- getters (the shared ones: machine.rs) ------------------------------------------------------------

    #[wasm_bindgen(js_name = wantsInput)]
    pub fn wants_input(&self) -> bool {
        self.core.wants_input()
    }

    #[wasm_bindgen(js_name = awaitingAnswer)]
    pub fn awaiting_answer(&self) -> bool {
        self.core.awaiting_answer()
    }
}

fn scram_credentials(
    salt: &[u8],
    iterations: u32,
    stored_key: &[u8],
    server_key: &[u8],
) -> JsResult<ScramCredentials> {
    let key = |k: &[u8], name: &str| {
        <[u8; 32]>::try_from(k)
            .map_err(|_| type_error(&format!("{name} must be 32 octets, got {}", k.len())))
    };
    Ok(ScramCredentials {
        salt: salt.to_vec(),
        iterations,
        stored_key: key(stored_key, "storedKey")?,
        server_key: key(server_key, "serverKey")?,
    })
}

/// SCRAM-SHA-256 stored keys from a password (RFC 5802 §3), concatenated:
/// 32 octets of StoredKey then 32 of ServerKey.
#[wasm_bindgen(js_name = deriveScramKeys)]
pub fn derive_scram_keys(password: &str, salt: &[u8], iterations: u32) -> Vec<u8> {
    let c = ScramCredentials::derive(password, salt, iterations);
    let mut out = Vec::with_capacity(64);
    out.extend_from_slice(&c.stored_key);
    out.extend_from_slice(&c.server_key);
    out
}

/// CRAM-MD5 (RFC 2195): whether `digest` is the HMAC-MD5 of `challenge`
/// keyed with `secret`, compared in constant time.
#[wasm_bindgen(js_name = verifyCramMd5)]
pub fn verify_cram_md5_js(secret: &[u8], challenge: &[u8], digest: &[u8]) -> bool {
    verify_cram_md5(secret, challenge, digest)
}

crate::machine::sans_io_methods!(RawServer, crate::server_events::write);
