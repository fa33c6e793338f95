//! The two configurations, filled by the JS layer from a plain options
//! object: it checks each option's type against its schema (`js/options.js`)
//! and calls one typed setter per option, by name. The setters only parse
//! what JS cannot check (domains, mechanism and extension names) and
//! report it as a `TypeError` naming the option.

use smtp_core::auth::Mechanism;
use smtp_core::body::BareLineEndingPolicy;
use smtp_core::client::ResetPolicy;
use smtp_core::server::{BareLineEndings, Greeting, LongLines};
use smtp_core::{ClientConfig, Domain, Extensions, ServerConfig};
use wasm_bindgen::prelude::*;

use crate::errors::type_error;

fn unknown(key: &str) -> JsValue {
    type_error(&format!("unknown option {key:?}"))
}

/// A whole number of octets or milliseconds (the JS layer has checked the
/// value is a non-negative integer).
fn count(value: f64) -> usize {
    value as usize
}

/// Settings of a client connection (`ClientConfig`).
#[wasm_bindgen]
pub struct ClientOptions {
    pub(crate) config: ClientConfig,
}

#[wasm_bindgen]
impl ClientOptions {
    /// Defaults for SMTP, or LMTP, saying hello as `hello_domain` (a domain
    /// or an address literal such as `[192.0.2.1]`).
    #[wasm_bindgen(constructor)]
    pub fn new(hello_domain: &str, lmtp: bool) -> Result<ClientOptions, JsValue> {
        let domain = Domain::parse(hello_domain, true).map_err(|_| {
            type_error(&format!(
                "helloDomain {hello_domain:?} is not a domain name or an address literal (RFC 5321 §4.1.2)"
            ))
        })?;
        let config = if lmtp {
            ClientConfig::lmtp(domain)
        } else {
            ClientConfig::new(domain)
        };
        Ok(ClientOptions { config })
    }

    #[wasm_bindgen(js_name = setBool)]
    pub fn set_bool(&mut self, key: &str, value: bool) -> Result<(), JsValue> {
        let c = &mut self.config;
        match key {
            "implicitTls" => c.implicit_tls = value,
            "autoHello" => c.auto_hello = value,
            "authInitialResponse" => c.auth_initial_response = value,
            "loginInitialUsername" => c.login_initial_username = value,
            "allowBareLfInReplies" => c.reply_limits.allow_bare_lf = value,
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// A number option; `None` (JS `null`) turns a timer off.
    #[wasm_bindgen(js_name = setNumber)]
    pub fn set_number(&mut self, key: &str, value: Option<f64>) -> Result<(), JsValue> {
        let c = &mut self.config;
        let ms = value.map(|v| v as u64);
        let t = &mut c.timeouts;
        match key {
            "greeting" => t.greeting = ms,
            "mail" => t.mail = ms,
            "rcpt" => t.rcpt = ms,
            "dataInitiation" => t.data_initiation = ms,
            "dataBlock" => t.data_block = ms,
            "dataTermination" => t.data_termination = ms,
            "other" => t.other = ms,
            _ => {
                let Some(v) = value.map(count) else {
                    return Err(type_error(&format!("{key} cannot be null")));
                };
                match key {
                    "maxReplyLine" => c.reply_limits.max_line = v,
                    "maxReplyLines" => c.reply_limits.max_lines = v,
                    "maxReplyOctets" => c.reply_limits.max_octets = v,
                    "maxAuthChallenges" => c.max_auth_challenges = v,
                    "bdatChunkSize" => c.bdat_chunk_size = v,
                    "maxInFlight" => c.max_in_flight = v,
                    "transmitHighWater" => c.transmit_high_water = v,
                    _ => return Err(unknown(key)),
                }
            }
        }
        Ok(())
    }

    #[wasm_bindgen(js_name = setString)]
    pub fn set_string(&mut self, key: &str, value: &str) -> Result<(), JsValue> {
        let c = &mut self.config;
        match (key, value) {
            ("resetAfterFailure", "immediate") => c.reset_after_failure = ResetPolicy::Immediate,
            ("resetAfterFailure", "deferred") => c.reset_after_failure = ResetPolicy::Deferred,
            ("lineEndings", "normalize") => c.line_endings = BareLineEndingPolicy::Normalize,
            ("lineEndings", "refuse") => c.line_endings = BareLineEndingPolicy::Refuse,
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// `authPreference`: mechanism names in order of preference, each one
    /// this crate implements.
    #[wasm_bindgen(js_name = setList)]
    pub fn set_list(&mut self, key: &str, values: Vec<String>) -> Result<(), JsValue> {
        if key != "authPreference" {
            return Err(unknown(key));
        }
        let mut list = Vec::with_capacity(values.len());
        for name in &values {
            match Mechanism::parse(name) {
                Some(Mechanism::Other(_)) | None => {
                    return Err(type_error(&format!(
                        "authPreference: {name:?} is not a mechanism smtp-rs implements (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, XOAUTH2, OAUTHBEARER)"
                    )))
                }
                Some(m) => list.push(m),
            }
        }
        self.config.auth_preference = list;
        Ok(())
    }
}

/// Settings of a server connection (`ServerConfig`).
#[wasm_bindgen]
pub struct ServerOptions {
    pub(crate) config: ServerConfig,
}

#[wasm_bindgen]
impl ServerOptions {
    /// Defaults for `hostname` (SMTP, or LMTP with its own greeting).
    #[wasm_bindgen(constructor)]
    pub fn new(hostname: &str, lmtp: bool) -> Result<ServerOptions, JsValue> {
        if hostname.is_empty() || hostname.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(type_error(&format!(
                "hostname {hostname:?} must be one word without spaces or control characters"
            )));
        }
        let config = ServerConfig::new(hostname);
        Ok(ServerOptions {
            config: if lmtp { config.lmtp() } else { config },
        })
    }

    #[wasm_bindgen(js_name = setBool)]
    pub fn set_bool(&mut self, key: &str, value: bool) -> Result<(), JsValue> {
        let c = &mut self.config;
        match key {
            "authRequiresTls" => c.auth_requires_tls = value,
            "authRequired" => c.auth_required = value,
            "tlsRequired" => c.tls_required = value,
            "implicitTls" => c.implicit_tls = value,
            "lenientCommandLines" => c.lenient_command_lines = value,
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// A number option; `None` (JS `null`) means "no limit" for
    /// `maxMessageSize` and "no timer" for `timeoutMs`.
    #[wasm_bindgen(js_name = setNumber)]
    pub fn set_number(&mut self, key: &str, value: Option<f64>) -> Result<(), JsValue> {
        let c = &mut self.config;
        match key {
            "maxMessageSize" => c.max_message_size = value.map(|v| v as u64),
            "timeoutMs" => c.timeout_ms = value.map(|v| v as u64),
            _ => {
                let Some(v) = value else {
                    return Err(type_error(&format!("{key} cannot be null")));
                };
                match key {
                    "maxBadCommands" => c.max_bad_commands = v as u32,
                    "maxRecipients" => c.max_recipients = count(v),
                    "maxCommandLine" => c.max_command_line = count(v),
                    "maxTextLine" => c.max_text_line = count(v),
                    "maxBufferedInput" => c.max_buffered_input = count(v),
                    _ => return Err(unknown(key)),
                }
            }
        }
        Ok(())
    }

    #[wasm_bindgen(js_name = setString)]
    pub fn set_string(&mut self, key: &str, value: Option<String>) -> Result<(), JsValue> {
        let c = &mut self.config;
        match (key, value.as_deref()) {
            ("greeting", Some(text)) => c.greeting = Greeting::Ready(text.to_string()),
            ("greetingNoService", Some(text)) => c.greeting = Greeting::NoService(text.to_string()),
            ("oauthError", v) => c.oauth_error = v.map(str::to_string),
            ("bareLineEndings", Some("refuse")) => c.bare_line_endings = BareLineEndings::Refuse,
            ("bareLineEndings", Some("normalize")) => {
                c.bare_line_endings = BareLineEndings::Normalize
            }
            ("longLines", Some("refuse")) => c.long_lines = LongLines::Refuse,
            ("longLines", Some("accept")) => c.long_lines = LongLines::Accept,
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// `extensions` (EHLO keywords to offer) or `authMechanisms`.
    #[wasm_bindgen(js_name = setList)]
    pub fn set_list(&mut self, key: &str, values: Vec<String>) -> Result<(), JsValue> {
        let c = &mut self.config;
        match key {
            "extensions" => {
                let mut set = Extensions::NONE;
                for name in &values {
                    set |= Extensions::from_keyword(name).ok_or_else(|| {
                        type_error(&format!(
                            "extensions: {name:?} is not an extension smtp-rs knows"
                        ))
                    })?;
                }
                c.extensions = set;
            }
            "authMechanisms" => {
                // Any SASL name, as core's config: the machine runs PLAIN,
                // LOGIN, CRAM-MD5, SCRAM-SHA-256, XOAUTH2 and OAUTHBEARER,
                // and answers AUTH with another advertised name with 504.
                let mut list = Vec::with_capacity(values.len());
                for name in &values {
                    let mech = Mechanism::parse(name).ok_or_else(|| {
                        type_error(&format!(
                            "authMechanisms: {name:?} is not a SASL mechanism name (RFC 4422 §3.1)"
                        ))
                    })?;
                    list.push(mech.name().to_string());
                }
                c.auth_mechanisms = list;
            }
            _ => return Err(unknown(key)),
        }
        Ok(())
    }
}
