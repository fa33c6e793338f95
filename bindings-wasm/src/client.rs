//! `RawClient`: `smtp_core::ClientConnection` for the JS layer, which wraps
//! it as `ClientConnection` (`js/client.js`). Every method is one core call
//! plus the translation of its arguments and result.

use smtp_core::auth::{Credentials, Mechanism};
use smtp_core::client::{BodyMode, CommandId, Envelope, Recipient};
use smtp_core::{ClientConnection, Command, ForwardPath, MailParameters, RcptParameters};
use smtp_core::{HelloKind, LocalError, Reply, ReplyCode, ReversePath, Security};
use wasm_bindgen::prelude::*;

use crate::convert::{self, timestamp};
use crate::errors::{bad_argument, local, type_error};
use crate::json::Json;
use crate::options::ClientOptions;

/// One client session. See `ClientConnection` in the package's docs.
#[wasm_bindgen]
pub struct RawClient {
    core: ClientConnection,
    /// Events written but not yet taken, and their byte fields.
    events: Json,
    payload: Vec<u8>,
}

type JsResult<T> = Result<T, JsValue>;

fn id(result: Result<CommandId, LocalError>) -> JsResult<f64> {
    result.map(|id| id.get() as f64).map_err(local)
}

/// MAIL parameters from option words (`["SIZE=100", "BODY=8BITMIME"]`
/// joined by spaces), read by core's own command parser.
fn mail_params(options: &str) -> JsResult<MailParameters> {
    if options.is_empty() {
        return Ok(MailParameters::default());
    }
    match Command::parse(format!("MAIL FROM:<> {options}").as_bytes(), true) {
        Ok(Command::Mail { params, .. }) => Ok(params),
        Ok(_) => Err(type_error("mailOptions did not parse as MAIL parameters")),
        Err(e) => Err(bad_argument("mailOptions", options, &e)),
    }
}

fn rcpt_params(options: &str) -> JsResult<RcptParameters> {
    if options.is_empty() {
        return Ok(RcptParameters::default());
    }
    match Command::parse(format!("RCPT TO:<postmaster> {options}").as_bytes(), true) {
        Ok(Command::Rcpt { params, .. }) => Ok(params),
        Ok(_) => Err(type_error("rcptOptions did not parse as RCPT parameters")),
        Err(e) => Err(bad_argument("rcptOptions", options, &e)),
    }
}

#[wasm_bindgen]
impl RawClient {
    /// A connection opened at `now`: it waits for the greeting.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &ClientOptions, now: f64) -> JsResult<RawClient> {
        let core = ClientConnection::new(options.config.clone(), timestamp(now)).map_err(local)?;
        Ok(RawClient {
            core,
            events: Json::new(),
            payload: Vec::new(),
        })
    }

    /// A session greeted elsewhere (e.g. by code that ran EHLO itself):
    /// idle, with the capabilities of `hello_reply` (`code` and its line
    /// texts). `hello` is `Ehlo`, `Helo` or `Lhlo`; `security` `Plain` or
    /// `Tls`.
    pub fn resume(
        options: &ClientOptions,
        code: u16,
        lines: Vec<String>,
        hello: &str,
        security: &str,
        now: f64,
    ) -> JsResult<RawClient> {
        let code = ReplyCode::new(code)
            .ok_or_else(|| type_error(&format!("reply code {code} is not a valid SMTP code")))?;
        let hello = match hello {
            "Ehlo" => HelloKind::Ehlo,
            "Helo" => HelloKind::Helo,
            "Lhlo" => HelloKind::Lhlo,
            other => {
                return Err(type_error(&format!(
                    "hello {other:?} is not Ehlo, Helo or Lhlo"
                )))
            }
        };
        let security = match security {
            "Plain" => Security::Plain,
            "Tls" => Security::Tls,
            other => {
                return Err(type_error(&format!(
                    "security {other:?} is not Plain or Tls"
                )))
            }
        };
        let core = ClientConnection::resume(
            options.config.clone(),
            Reply::from_lines(code, &lines),
            hello,
            security,
            timestamp(now),
        )
        .map_err(local)?;
        Ok(RawClient {
            core,
            events: Json::new(),
            payload: Vec::new(),
        })
    }

    // ----- session commands -------------------------------------------------

    pub fn ehlo(&mut self) -> JsResult<()> {
        self.core.ehlo().map_err(local)
    }

    pub fn helo(&mut self) -> JsResult<()> {
        self.core.helo().map_err(local)
    }

    pub fn hello(&mut self) -> JsResult<()> {
        self.core.hello().map_err(local)
    }

    pub fn starttls(&mut self) -> JsResult<()> {
        self.core.starttls().map_err(local)
    }

    /// AUTH: with `mechanism` (a name core implements) or the first of the
    /// preference list the server offers. `password` or `token` is the
    /// secret (the JS layer checks exactly one is given).
    #[allow(clippy::too_many_arguments)]
    pub fn authenticate(
        &mut self,
        mechanism: Option<String>,
        username: &str,
        password: Option<String>,
        token: Option<String>,
        authzid: Option<String>,
        host: Option<String>,
        port: Option<u16>,
        nonce: Option<String>,
    ) -> JsResult<()> {
        let mut creds = match (password, token) {
            (Some(p), None) => Credentials::password(username, p),
            (None, Some(t)) => Credentials::bearer(username, t),
            _ => return Err(type_error("credentials need a password or a token")),
        };
        if let Some(a) = authzid {
            creds = creds.with_authzid(a);
        }
        if let Some(h) = host {
            creds = creds.with_host_port(h, port.unwrap_or(0));
        }
        match mechanism {
            None => self.core.authenticate(creds, nonce.as_deref()),
            Some(name) => match Mechanism::parse(&name) {
                Some(Mechanism::Other(_)) | None => {
                    return Err(type_error(&format!(
                        "{name:?} is not a mechanism smtp-rs runs; use authCustom for others"
                    )))
                }
                Some(m) => self.core.authenticate_with(m, creds, nonce.as_deref()),
            },
        }
        .map_err(local)
    }

    #[wasm_bindgen(js_name = authCustom)]
    pub fn auth_custom(&mut self, mechanism: &str, initial: Option<Vec<u8>>) -> JsResult<()> {
        self.core
            .auth_custom(mechanism, initial.as_deref())
            .map_err(local)
    }

    #[wasm_bindgen(js_name = authRespond)]
    pub fn auth_respond(&mut self, response: &[u8]) -> JsResult<()> {
        self.core.auth_respond(response).map_err(local)
    }

    #[wasm_bindgen(js_name = authCancel)]
    pub fn auth_cancel(&mut self) -> JsResult<()> {
        self.core.auth_cancel().map_err(local)
    }

    pub fn quit(&mut self) -> JsResult<f64> {
        id(self.core.quit())
    }

    // ----- mail transactions ------------------------------------------------

    /// Starts a transaction. `recipients[i]` goes with the option words
    /// `rcpt_options[i]`; `body_mode` is `auto`, `data` or `bdat`.
    #[wasm_bindgen(js_name = sendMail)]
    #[allow(clippy::too_many_arguments)]
    pub fn send_mail(
        &mut self,
        from: &str,
        mail_options: &str,
        recipients: Vec<String>,
        rcpt_options: Vec<String>,
        size: Option<f64>,
        body_mode: &str,
        chunk_size: Option<f64>,
    ) -> JsResult<()> {
        let from_path =
            ReversePath::parse(from, true).map_err(|e| bad_argument("from", from, &e))?;
        let mut envelope = Envelope::new(from_path, []);
        envelope.mail_params = mail_params(mail_options)?;
        for (i, to) in recipients.iter().enumerate() {
            let path = ForwardPath::parse(to, true).map_err(|e| bad_argument("to", to, &e))?;
            let params = rcpt_params(rcpt_options.get(i).map_or("", String::as_str))?;
            envelope.recipients.push(Recipient { path, params });
        }
        envelope.size = size.map(|s| s as u64);
        envelope.body_mode = match body_mode {
            "auto" => BodyMode::Auto,
            "data" => BodyMode::Data,
            "bdat" => BodyMode::Bdat {
                chunk_size: chunk_size.map(|c| c as usize),
            },
            other => {
                return Err(type_error(&format!(
                    "bodyMode {other:?} is not auto, data or bdat"
                )))
            }
        };
        self.core.send_mail(&envelope).map_err(local)
    }

    #[wasm_bindgen(js_name = sendBody)]
    pub fn send_body(&mut self, chunk: &[u8]) -> JsResult<()> {
        self.core.send_body(chunk).map_err(local)
    }

    #[wasm_bindgen(js_name = finishBody)]
    pub fn finish_body(&mut self) -> JsResult<()> {
        self.core.finish_body().map_err(local)
    }

    // ----- low level ---------------------------------------------------------

    /// One command line (no CRLF), parsed by core and sent typed.
    #[wasm_bindgen(js_name = sendCommand)]
    pub fn send_command(&mut self, line: &str) -> JsResult<f64> {
        let command =
            Command::parse(line.as_bytes(), true).map_err(|e| bad_argument("command", line, &e))?;
        id(self.core.send_command(command))
    }

    #[wasm_bindgen(js_name = sendRaw)]
    pub fn send_raw(&mut self, line: &str) -> JsResult<f64> {
        id(self.core.send_raw(line))
    }

    pub fn rset(&mut self) -> JsResult<f64> {
        id(self.core.rset())
    }

    pub fn noop(&mut self) -> JsResult<f64> {
        id(self.core.noop())
    }

    pub fn vrfy(&mut self, argument: &str) -> JsResult<f64> {
        id(self.core.vrfy(argument))
    }

    pub fn expn(&mut self, argument: &str) -> JsResult<f64> {
        id(self.core.expn(argument))
    }

    pub fn help(&mut self, topic: Option<String>) -> JsResult<f64> {
        id(self.core.help(topic.as_deref()))
    }

    // ----- getters (the shared ones: machine.rs) -------------------------------------------------------------

    /// JSON: the capabilities object, or `null`.
    pub fn capabilities(&self) -> String {
        let mut j = Json::new();
        convert::opt_capabilities(&mut j, self.core.capabilities());
        j.take().0
    }

    /// JSON: the greeting reply, or `null`.
    pub fn greeting(&self) -> String {
        let mut j = Json::new();
        convert::opt_reply(&mut j, self.core.greeting());
        j.take().0
    }

    /// JSON: the successful hello reply, or `null`.
    #[wasm_bindgen(js_name = helloReply)]
    pub fn hello_reply(&self) -> String {
        let mut j = Json::new();
        convert::opt_reply(&mut j, self.core.hello_reply());
        j.take().0
    }

    pub fn phase(&self) -> String {
        convert::phase(self.core.phase())
    }

    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self) -> usize {
        self.core.in_flight()
    }

    #[wasm_bindgen(js_name = bodyReady)]
    pub fn body_ready(&self) -> bool {
        self.core.body_ready()
    }
}

crate::machine::sans_io_methods!(RawClient, crate::client_events::write);
