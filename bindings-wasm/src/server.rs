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

    // ----- inputs -----------------------------------------------------------

    #[wasm_bindgen(js_name = receiveData)]
    pub fn receive_data(&mut self, data: &[u8], now: f64) {
        self.core.receive_data(data, timestamp(now));
    }

    #[wasm_bindgen(js_name = receiveEof)]
    pub fn receive_eof(&mut self, now: f64) {
        self.core.receive_eof(timestamp(now));
    }

    #[wasm_bindgen(js_name = handleTimeout)]
    pub fn handle_timeout(&mut self, now: f64) {
        self.core.handle_timeout(timestamp(now));
    }

    #[wasm_bindgen(js_name = tlsEstablished)]
    pub fn tls_established(&mut self, now: f64) -> JsResult<()> {
        self.core.tls_established(timestamp(now)).map_err(local)
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

    // ----- outputs ------------------------------------------------------------

    /// Every pending event as a JSON array, or `""` when there is none.
    #[wasm_bindgen(js_name = drainEvents)]
    pub fn drain_events(&mut self) -> String {
        while let Some(event) = self.core.poll_event() {
            if self.events.is_empty() {
                self.events.begin_array();
            }
            crate::server_events::write(&mut self.events, &event);
        }
        if self.events.is_empty() {
            return String::new();
        }
        self.events.end_array();
        let (text, payload) = self.events.take();
        self.payload = payload;
        text
    }

    #[wasm_bindgen(js_name = takePayload)]
    pub fn take_payload(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.payload)
    }

    #[wasm_bindgen(js_name = pendingTransmit)]
    pub fn pending_transmit(&self) -> Vec<u8> {
        self.core.pending_transmit().to_vec()
    }

    #[wasm_bindgen(js_name = consumeTransmit)]
    pub fn consume_transmit(&mut self, n: f64) {
        self.core.consume_transmit(n as usize);
    }

    #[wasm_bindgen(js_name = takeTransmit)]
    pub fn take_transmit(&mut self) -> Vec<u8> {
        let out = self.core.pending_transmit().to_vec();
        self.core.consume_transmit(out.len());
        out
    }

    #[wasm_bindgen(js_name = pendingTransmitLength)]
    pub fn pending_transmit_length(&self) -> usize {
        self.core.pending_transmit().len()
    }

    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> Option<f64> {
        self.core.poll_timeout().map(|t| t.as_millis() as f64)
    }

    // ----- getters ------------------------------------------------------------

    #[wasm_bindgen(js_name = wantsInput)]
    pub fn wants_input(&self) -> bool {
        self.core.wants_input()
    }

    #[wasm_bindgen(js_name = awaitingAnswer)]
    pub fn awaiting_answer(&self) -> bool {
        self.core.awaiting_answer()
    }

    #[wasm_bindgen(js_name = isClosed)]
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    #[wasm_bindgen(js_name = isTls)]
    pub fn is_tls(&self) -> bool {
        self.core.is_tls()
    }

    #[wasm_bindgen(js_name = isAuthenticated)]
    pub fn is_authenticated(&self) -> bool {
        self.core.is_authenticated()
    }

    /// Panics inside a method of this object (tests of the trap path).
    #[wasm_bindgen(js_name = __panicForTests)]
    pub fn panic_for_tests(&mut self, message: &str) {
        panic!("{message}");
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
