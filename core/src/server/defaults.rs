//! The replies the server sends when the application says `accept()` or
//! when the machine answers by itself. Enhanced status codes (RFC 3463) are
//! prefixed only when ENHANCEDSTATUSCODES is offered, and never on the
//! greeting, on HELO/EHLO/LHLO replies or on 3xx replies (RFC 2034 §3).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ehlo::{Capabilities, Extensions};
use crate::reply::{Reply, ReplyCode};

use super::config::{Greeting, ServerConfig};

/// A reply code known valid at compile time.
const fn rc(n: u16) -> ReplyCode {
    match ReplyCode::new(n) {
        Some(c) => c,
        // Every call site passes a literal in 200..=599.
        None => ReplyCode::TRANSACTION_FAILED,
    }
}

/// Builds replies for one configuration.
pub(crate) struct Defaults<'a> {
    cfg: &'a ServerConfig,
}

impl<'a> Defaults<'a> {
    pub(crate) fn new(cfg: &'a ServerConfig) -> Self {
        Defaults { cfg }
    }

    /// `code status text`, the status only when ENHANCEDSTATUSCODES is on.
    pub(crate) fn make(&self, code: u16, status: &str, text: &str) -> Reply {
        if self.cfg.offers(Extensions::ENHANCED_STATUS_CODES) {
            Reply::new(rc(code), &format!("{status} {text}"))
        } else {
            Reply::new(rc(code), text)
        }
    }

    /// A reply that never carries an enhanced code (RFC 2034 §3).
    pub(crate) fn plain(&self, code: u16, text: &str) -> Reply {
        Reply::new(rc(code), text)
    }

    pub(crate) fn greeting(&self) -> Reply {
        let host = &self.cfg.hostname;
        match &self.cfg.greeting {
            Greeting::Ready(text) => self.plain(220, &format!("{host} {text}")),
            Greeting::NoService(text) => self.plain(554, &format!("{host} {text}")),
        }
    }

    /// The EHLO/LHLO reply (RFC 5321 §4.1.1.1) listing what `tls` and the
    /// configuration allow now.
    pub(crate) fn ehlo(&self, client: &str, tls: bool) -> Reply {
        let cfg = self.cfg;
        let mut caps = Capabilities::new(&format!("{} Hello {client}", cfg.hostname));
        let simple: [(Extensions, &str); 10] = [
            (Extensions::PIPELINING, "PIPELINING"),
            (Extensions::EIGHT_BIT_MIME, "8BITMIME"),
            (Extensions::CHUNKING, "CHUNKING"),
            (Extensions::BINARY_MIME, "BINARYMIME"),
            (Extensions::SMTPUTF8, "SMTPUTF8"),
            (Extensions::DSN, "DSN"),
            (Extensions::ENHANCED_STATUS_CODES, "ENHANCEDSTATUSCODES"),
            (Extensions::VRFY, "VRFY"),
            (Extensions::EXPN, "EXPN"),
            (Extensions::HELP, "HELP"),
        ];
        if cfg.offers(Extensions::SIZE) {
            // RFC 1870 §4: `SIZE 0` means no fixed limit.
            let limit = cfg.max_message_size.unwrap_or(0);
            caps.add_keyword("SIZE", &format!("{limit}"));
        }
        for (ext, name) in simple {
            if cfg.offers(ext) {
                caps.add_keyword(name, "");
            }
        }
        // RFC 3207 §4.2: STARTTLS is not offered again once TLS is on.
        if cfg.offers(Extensions::STARTTLS) && !tls {
            caps.add_keyword("STARTTLS", "");
        }
        if cfg.auth_usable(tls) {
            caps.add_keyword("AUTH", &cfg.auth_mechanisms.join(" "));
        }
        // RFC 8689 §2: REQUIRETLS is advertised after STARTTLS only.
        if cfg.offers(Extensions::REQUIRETLS) && tls {
            caps.add_keyword("REQUIRETLS", "");
        }
        caps.to_reply()
    }

    pub(crate) fn helo(&self, client: &str) -> Reply {
        self.plain(250, &format!("{} Hello {client}", self.cfg.hostname))
    }

    pub(crate) fn ok(&self) -> Reply {
        self.make(250, "2.0.0", "OK")
    }

    pub(crate) fn sender_ok(&self) -> Reply {
        self.make(250, "2.1.0", "Sender OK")
    }

    pub(crate) fn recipient_ok(&self) -> Reply {
        self.make(250, "2.1.5", "Recipient OK")
    }

    pub(crate) fn start_data(&self) -> Reply {
        self.plain(354, "Start mail input; end with <CRLF>.<CRLF>")
    }

    pub(crate) fn message_accepted(&self) -> Reply {
        self.make(250, "2.0.0", "Message accepted for delivery")
    }

    /// LMTP's per-recipient success (RFC 2033 §4.2).
    pub(crate) fn delivered(&self, rcpt: &str) -> Reply {
        self.make(250, "2.1.5", &format!("{rcpt} delivered"))
    }

    pub(crate) fn chunk_ok(&self, size: u64) -> Reply {
        self.make(250, "2.0.0", &format!("{size} octets received"))
    }

    pub(crate) fn vrfy(&self) -> Reply {
        // RFC 5321 §3.5.3: 252 when the server will not verify.
        self.make(
            252,
            "2.1.5",
            "Cannot VRFY user, but will accept message and attempt delivery",
        )
    }

    pub(crate) fn expn(&self) -> Reply {
        self.make(252, "2.1.5", "Cannot EXPN list")
    }

    pub(crate) fn help(&self) -> Reply {
        let mut verbs: Vec<&str> = Vec::new();
        let cfg = self.cfg;
        if cfg.lmtp {
            verbs.push("LHLO");
        } else {
            verbs.extend_from_slice(&["EHLO", "HELO"]);
        }
        verbs.extend_from_slice(&["MAIL", "RCPT", "DATA"]);
        if cfg.offers(Extensions::CHUNKING) {
            verbs.push("BDAT");
        }
        verbs.extend_from_slice(&["RSET", "NOOP", "QUIT", "HELP"]);
        for (ext, verb) in [
            (Extensions::VRFY, "VRFY"),
            (Extensions::EXPN, "EXPN"),
            (Extensions::STARTTLS, "STARTTLS"),
        ] {
            if cfg.offers(ext) {
                verbs.push(verb);
            }
        }
        if !cfg.auth_mechanisms.is_empty() {
            verbs.push("AUTH");
        }
        self.make(214, "2.0.0", &format!("Commands: {}", verbs.join(" ")))
    }

    pub(crate) fn bye(&self) -> Reply {
        self.make(
            221,
            "2.0.0",
            &format!("{} closing connection", self.cfg.hostname),
        )
    }

    pub(crate) fn start_tls(&self) -> Reply {
        self.make(220, "2.0.0", "Ready to start TLS")
    }

    pub(crate) fn auth_ok(&self) -> Reply {
        self.make(235, "2.7.0", "Authentication successful")
    }

    pub(crate) fn auth_invalid(&self) -> Reply {
        self.make(535, "5.7.8", "Authentication credentials invalid")
    }

    pub(crate) fn timeout(&self) -> Reply {
        let host = &self.cfg.hostname;
        self.make(421, "4.4.2", &format!("{host} Timeout, closing connection"))
    }

    pub(crate) fn too_many_errors(&self) -> Reply {
        let host = &self.cfg.hostname;
        self.make(
            421,
            "4.7.0",
            &format!("{host} Too many errors, closing connection"),
        )
    }

    pub(crate) fn input_overflow(&self) -> Reply {
        let host = &self.cfg.hostname;
        self.make(
            421,
            "4.5.0",
            &format!("{host} Too much pipelined input, closing connection"),
        )
    }

    pub(crate) fn bad_sequence(&self, text: &str) -> Reply {
        self.make(503, "5.5.1", text)
    }

    pub(crate) fn unrecognized(&self) -> Reply {
        self.make(500, "5.5.2", "Syntax error, command unrecognized")
    }

    pub(crate) fn line_too_long(&self) -> Reply {
        // RFC 5321 §4.5.3.1.10.
        self.make(500, "5.5.2", "Line too long")
    }

    pub(crate) fn bare_line_ending(&self) -> Reply {
        self.make(500, "5.5.2", "Command line must end with CRLF")
    }

    pub(crate) fn syntax(&self, status: &str) -> Reply {
        self.make(501, status, "Syntax error in parameters or arguments")
    }

    pub(crate) fn utf8_not_allowed(&self) -> Reply {
        // RFC 6531 §3.5.
        self.make(553, "5.6.7", "Non-ASCII address requires SMTPUTF8")
    }

    pub(crate) fn no_valid_recipients(&self) -> Reply {
        // The text of RFC 2920 §4's example.
        self.make(554, "5.5.1", "no valid recipients given")
    }

    pub(crate) fn not_implemented(&self) -> Reply {
        self.make(502, "5.5.1", "Command not implemented")
    }

    /// HELO/EHLO in LMTP, LHLO in SMTP (RFC 2033 §4.1 recommends 500).
    pub(crate) fn wrong_protocol(&self) -> Reply {
        self.make(500, "5.5.1", "Command unrecognized in this protocol")
    }

    pub(crate) fn param_not_implemented(&self) -> Reply {
        // RFC 5321 §4.1.1.11.
        self.make(
            555,
            "5.5.4",
            "MAIL FROM/RCPT TO parameters not recognized or not implemented",
        )
    }

    pub(crate) fn size_exceeded(&self) -> Reply {
        // RFC 1870 §6, RFC 3463 X.3.4.
        self.make(
            552,
            "5.3.4",
            "Message size exceeds fixed maximum message size",
        )
    }

    pub(crate) fn too_many_recipients(&self) -> Reply {
        // RFC 5321 §4.5.3.1.10.
        self.make(452, "4.5.3", "Too many recipients")
    }

    pub(crate) fn tls_required(&self) -> Reply {
        self.make(530, "5.7.0", "Must issue a STARTTLS command first")
    }

    pub(crate) fn auth_required(&self) -> Reply {
        // RFC 4954 §6.
        self.make(530, "5.7.0", "Authentication required")
    }

    pub(crate) fn encryption_required(&self) -> Reply {
        // RFC 4954 §6.
        self.make(
            538,
            "5.7.11",
            "Encryption required for requested authentication mechanism",
        )
    }

    pub(crate) fn unknown_mechanism(&self) -> Reply {
        // RFC 4954 §4.
        self.make(504, "5.5.4", "Unrecognized authentication type")
    }

    pub(crate) fn no_service(&self) -> Reply {
        // RFC 5321 §3.1: after a 554 greeting only QUIT is served.
        self.make(503, "5.5.1", "No SMTP service here, send QUIT")
    }

    /// A message refused after its end (RFC 5321 §2.3.8, §4.5.3.1.6).
    pub(crate) fn bad_message(&self, what: &str) -> Reply {
        self.make(550, "5.6.0", what)
    }

    /// A reply built from the application's SASL failure mapping.
    pub(crate) fn with_status(&self, code: u16, status: &str, text: &str) -> Reply {
        self.make(code, status, text)
    }
}

/// The owned text of a domain or path for reply texts.
pub(crate) fn display<T: core::fmt::Display>(value: &T) -> String {
    format!("{value}")
}
