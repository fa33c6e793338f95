//! Every reply the server machine writes itself: the RFC default for
//! `accept()` and the machine's own refusals, each named by a [`Canned`]
//! value. They are formatted straight into the transmit buffer (a reused
//! scratch line, no allocation); a [`Reply`] is built only for an event
//! that carries one.
//!
//! Enhanced status codes (RFC 3463) are prefixed only when
//! ENHANCEDSTATUSCODES is offered, and never on the greeting, on
//! HELO/EHLO/LHLO replies or on 3xx replies (RFC 2034 §3).

use alloc::vec::Vec;
use core::fmt::{self, Write};

use crate::address::{DomainRef, ForwardPathRef};
use crate::auth::AuthFailure;
use crate::ehlo::Extensions;
use crate::reply::{encode_joined, Reply, ReplyCode};
use crate::syntax::VecWriter;

use super::config::{Greeting, ServerConfig};

/// One reply the machine knows how to say.
#[derive(Clone, Debug)]
pub(super) enum Canned<'a> {
    Greeting,
    /// The EHLO/LHLO reply (RFC 5321 §4.1.1.1) listing what `tls` and the
    /// configuration allow now.
    Ehlo {
        client: DomainRef<'a>,
        tls: bool,
    },
    Helo {
        client: DomainRef<'a>,
    },
    Ok,
    SenderOk,
    RecipientOk,
    StartData,
    MessageAccepted,
    /// LMTP's per-recipient success (RFC 2033 §4.2).
    Delivered(ForwardPathRef<'a>),
    ChunkOk(u64),
    Vrfy,
    Expn,
    Help,
    Bye,
    StartTls,
    AuthOk,
    /// The reply RFC 4954 §6 gives for a failed SASL exchange.
    AuthFailed(AuthFailure),
    /// No nonce was set for CRAM-MD5 or SCRAM: a temporary failure.
    AuthUnavailable,
    Timeout,
    TooManyErrors,
    /// A verb used past its limit (`ServerConfig::call_limits`).
    TooManyCalls(&'a str),
    TooManyUnknown,
    InputOverflow,
    BadSequence(&'static str),
    Unrecognized,
    LineTooLong,
    BareLineEnding,
    Syntax,
    Utf8NotAllowed,
    NoValidRecipients,
    NotImplemented,
    /// HELO/EHLO in LMTP, LHLO in SMTP (RFC 2033 §4.1 recommends 500).
    WrongProtocol,
    ParamNotImplemented,
    SizeExceeded,
    TooManyRecipients,
    /// A path's local part over `ServerConfig::max_local_part`.
    LocalPartTooLong,
    TlsRequired,
    AuthRequired,
    EncryptionRequired,
    UnknownMechanism,
    NoService,
    /// A message refused after its end for a bare CR or LF (RFC 5321
    /// §2.3.8).
    BareLineInMessage,
    /// A message refused after its end for a long line (RFC 5321
    /// §4.5.3.1.6).
    LongLineInMessage,
}

impl Canned<'_> {
    /// The code and the enhanced status (RFC 3463), if the reply has one.
    fn code(&self, cfg: &ServerConfig) -> (u16, Option<&'static str>) {
        match self {
            Canned::Greeting => match cfg.greeting {
                Greeting::Ready(_) => (220, None),
                Greeting::NoService(_) => (554, None),
                Greeting::Unavailable(_) => (421, None),
            },
            Canned::Ehlo { .. } | Canned::Helo { .. } => (250, None),
            Canned::Ok | Canned::MessageAccepted | Canned::ChunkOk(_) => (250, Some("2.0.0")),
            Canned::SenderOk => (250, Some("2.1.0")),
            Canned::RecipientOk | Canned::Delivered(_) => (250, Some("2.1.5")),
            Canned::StartData => (354, None),
            // RFC 5321 §3.5.3: 252 when the server will not verify.
            Canned::Vrfy | Canned::Expn => (252, Some("2.1.5")),
            Canned::Help => (214, Some("2.0.0")),
            Canned::Bye => (221, Some("2.0.0")),
            Canned::StartTls => (220, Some("2.0.0")),
            Canned::AuthOk => (235, Some("2.7.0")),
            Canned::AuthFailed(AuthFailure::Rejected | AuthFailure::BadProof) => {
                (535, Some("5.7.8"))
            }
            Canned::AuthFailed(AuthFailure::Cancelled) => (501, Some("5.7.0")),
            Canned::AuthFailed(f) => (f.reply_code(), Some(f.enhanced_status())),
            Canned::AuthUnavailable => (454, Some("4.7.0")),
            Canned::Timeout => (421, Some("4.4.2")),
            Canned::TooManyErrors | Canned::TooManyCalls(_) | Canned::TooManyUnknown => {
                (421, Some("4.7.0"))
            }
            Canned::InputOverflow => (421, Some("4.5.0")),
            Canned::BadSequence(_) => (503, Some("5.5.1")),
            Canned::NoValidRecipients => (554, Some("5.5.1")),
            Canned::NotImplemented => (502, Some("5.5.1")),
            Canned::Unrecognized | Canned::LineTooLong | Canned::BareLineEnding => {
                (500, Some("5.5.2"))
            }
            Canned::Syntax => (501, Some("5.5.4")),
            Canned::Utf8NotAllowed => (553, Some("5.6.7")),
            Canned::WrongProtocol => (500, Some("5.5.1")),
            Canned::ParamNotImplemented => (555, Some("5.5.4")),
            Canned::SizeExceeded => (552, Some("5.3.4")),
            Canned::TooManyRecipients => (452, Some("4.5.3")),
            // RFC 5321 §4.5.3.1.10: "501 Path too long".
            Canned::LocalPartTooLong => (501, Some("5.1.3")),
            Canned::TlsRequired | Canned::AuthRequired => (530, Some("5.7.0")),
            Canned::EncryptionRequired => (538, Some("5.7.11")),
            Canned::UnknownMechanism => (504, Some("5.5.4")),
            Canned::NoService => (503, Some("5.5.1")),
            Canned::BareLineInMessage | Canned::LongLineInMessage => (550, Some("5.6.0")),
        }
    }

    /// The reply's text, lines joined by `\n`.
    fn text(&self, cfg: &ServerConfig, w: &mut impl Write) -> fmt::Result {
        let host = &cfg.hostname;
        match self {
            Canned::Greeting => match &cfg.greeting {
                Greeting::Ready(text) | Greeting::NoService(text) | Greeting::Unavailable(text) => {
                    write!(w, "{host} {text}")
                }
            },
            Canned::Ehlo { client, tls } => ehlo_text(cfg, client, *tls, w),
            Canned::Helo { client } => write!(w, "{host} Hello {client}"),
            Canned::Ok => w.write_str("OK"),
            Canned::SenderOk => w.write_str("Sender OK"),
            Canned::RecipientOk => w.write_str("Recipient OK"),
            Canned::StartData => w.write_str("Start mail input; end with <CRLF>.<CRLF>"),
            Canned::MessageAccepted => w.write_str("Message accepted for delivery"),
            Canned::Delivered(rcpt) => write!(w, "{rcpt} delivered"),
            Canned::ChunkOk(size) => write!(w, "{size} octets received"),
            Canned::Vrfy => {
                w.write_str("Cannot VRFY user, but will accept message and attempt delivery")
            }
            Canned::Expn => w.write_str("Cannot EXPN list"),
            Canned::Help => help_text(cfg, w),
            Canned::Bye => write!(w, "{host} closing connection"),
            Canned::StartTls => w.write_str("Ready to start TLS"),
            Canned::AuthOk => w.write_str("Authentication successful"),
            Canned::AuthFailed(AuthFailure::Rejected | AuthFailure::BadProof) => {
                w.write_str("Authentication credentials invalid")
            }
            Canned::AuthFailed(AuthFailure::Cancelled) => w.write_str("Authentication cancelled"),
            Canned::AuthFailed(f) => write!(w, "{f}"),
            Canned::AuthUnavailable => w.write_str("Temporary authentication failure"),
            Canned::Timeout => write!(w, "{host} Timeout, closing connection"),
            Canned::TooManyErrors => write!(w, "{host} Too many errors, closing connection"),
            Canned::TooManyCalls(verb) => {
                write!(w, "{host} {verb} sent too many times, closing connection")
            }
            Canned::TooManyUnknown => {
                write!(w, "{host} Too many unknown commands, closing connection")
            }
            Canned::InputOverflow => {
                write!(w, "{host} Too much pipelined input, closing connection")
            }
            Canned::BadSequence(text) => w.write_str(text),
            Canned::Unrecognized => w.write_str("Syntax error, command unrecognized"),
            // RFC 5321 §4.5.3.1.10.
            Canned::LineTooLong => w.write_str("Line too long"),
            Canned::BareLineEnding => w.write_str("Command line must end with CRLF"),
            Canned::Syntax => w.write_str("Syntax error in parameters or arguments"),
            // RFC 6531 §3.5.
            Canned::Utf8NotAllowed => w.write_str("Non-ASCII address requires SMTPUTF8"),
            // The text of RFC 2920 §4's example.
            Canned::NoValidRecipients => w.write_str("no valid recipients given"),
            Canned::NotImplemented => w.write_str("Command not implemented"),
            Canned::WrongProtocol => w.write_str("Command unrecognized in this protocol"),
            // RFC 5321 §4.1.1.11.
            Canned::ParamNotImplemented => {
                w.write_str("MAIL FROM/RCPT TO parameters not recognized or not implemented")
            }
            // RFC 1870 §6, RFC 3463 X.3.4.
            Canned::SizeExceeded => w.write_str("Message size exceeds fixed maximum message size"),
            // RFC 5321 §4.5.3.1.10.
            Canned::TooManyRecipients => w.write_str("Too many recipients"),
            Canned::LocalPartTooLong => w.write_str("Path too long: local part over the limit"),
            Canned::TlsRequired => w.write_str("Must issue a STARTTLS command first"),
            // RFC 4954 §6.
            Canned::AuthRequired => w.write_str("Authentication required"),
            Canned::EncryptionRequired => {
                w.write_str("Encryption required for requested authentication mechanism")
            }
            // RFC 4954 §4.
            Canned::UnknownMechanism => w.write_str("Unrecognized authentication type"),
            // RFC 5321 §3.1: after a 554 greeting only QUIT is served.
            Canned::NoService => w.write_str("No SMTP service here, send QUIT"),
            Canned::BareLineInMessage => {
                w.write_str("Message contains a bare CR or LF (RFC 5321 section 2.3.8)")
            }
            Canned::LongLineInMessage => write!(
                w,
                "Message contains a line longer than {} octets",
                cfg.max_text_line
            ),
        }
    }
}

fn ehlo_text(
    cfg: &ServerConfig,
    client: &DomainRef<'_>,
    tls: bool,
    w: &mut impl Write,
) -> fmt::Result {
    match &cfg.ehlo_greeting {
        Some(text) => w.write_str(text)?,
        None => write!(w, "{} Hello {client}", cfg.hostname)?,
    }
    if cfg.offers(Extensions::SIZE) {
        // RFC 1870 §4: `SIZE 0` means no fixed limit.
        write!(w, "\nSIZE {}", cfg.max_message_size.unwrap_or(0))?;
    }
    // Keywords without parameters, in the order this server lists them
    // (VRFY, EXPN and HELP come last, below).
    let simple = [
        Extensions::PIPELINING,
        Extensions::EIGHT_BIT_MIME,
        Extensions::CHUNKING,
        Extensions::BINARY_MIME,
        Extensions::SMTPUTF8,
        Extensions::DSN,
        Extensions::ENHANCED_STATUS_CODES,
    ];
    for ext in simple.into_iter().filter(|&e| cfg.lists(e)) {
        if let Some(keyword) = ext.keyword() {
            write!(w, "\n{keyword}")?;
        }
    }
    // RFC 3207 §4.2: STARTTLS is not offered again once TLS is on.
    if cfg.offers(Extensions::STARTTLS) && !tls {
        w.write_str("\nSTARTTLS")?;
    }
    if cfg.auth_usable(tls) {
        w.write_str("\nAUTH")?;
        for m in &cfg.auth_mechanisms {
            write!(w, " {m}")?;
        }
    }
    // RFC 8689 §2: REQUIRETLS is advertised after STARTTLS only.
    if cfg.offers(Extensions::REQUIRETLS) && tls {
        w.write_str("\nREQUIRETLS")?;
    }
    // RFC 5321's own optional commands last (keyword order is free,
    // §4.1.1.1); a face may leave them unlisted.
    let commands = [Extensions::VRFY, Extensions::EXPN, Extensions::HELP];
    for ext in commands.into_iter().filter(|&e| cfg.lists(e)) {
        if let Some(keyword) = ext.keyword() {
            write!(w, "\n{keyword}")?;
        }
    }
    Ok(())
}

fn help_text(cfg: &ServerConfig, w: &mut impl Write) -> fmt::Result {
    w.write_str("Commands:")?;
    let mut verb = |v: &str| write!(w, " {v}");
    if cfg.lmtp {
        verb("LHLO")?;
    } else {
        verb("EHLO")?;
        verb("HELO")?;
    }
    for v in ["MAIL", "RCPT", "DATA"] {
        verb(v)?;
    }
    if cfg.offers(Extensions::CHUNKING) {
        verb("BDAT")?;
    }
    for v in ["RSET", "NOOP", "QUIT", "HELP"] {
        verb(v)?;
    }
    for (ext, v) in [
        (Extensions::VRFY, "VRFY"),
        (Extensions::EXPN, "EXPN"),
        (Extensions::STARTTLS, "STARTTLS"),
    ] {
        if cfg.offers(ext) {
            verb(v)?;
        }
    }
    if !cfg.auth_mechanisms.is_empty() {
        verb("AUTH")?;
    }
    Ok(())
}

/// Formats [`Canned`] replies, reusing one scratch line.
#[derive(Debug, Default)]
pub(super) struct ReplyWriter {
    scratch: Vec<u8>,
}

impl ReplyWriter {
    /// Formats `canned` into the scratch line; returns its code.
    fn format(&mut self, canned: &Canned<'_>, cfg: &ServerConfig) -> ReplyCode {
        let (code, status) = canned.code(cfg);
        // Every code above is a literal in 200..=599; an AUTH failure's
        // comes from `AuthFailure::reply_code`, in the same range.
        let code = ReplyCode::new(code).unwrap_or(ReplyCode::TRANSACTION_FAILED);
        self.scratch.clear();
        let mut w = VecWriter(&mut self.scratch);
        if let Some(status) = status.filter(|_| cfg.offers(Extensions::ENHANCED_STATUS_CODES)) {
            let _ = write!(w, "{status} ");
        }
        // Writing to a vector cannot fail.
        let _ = canned.text(cfg, &mut w);
        code
    }

    /// Appends `canned`'s wire form to `out`; returns its code.
    pub(super) fn write(
        &mut self,
        canned: &Canned<'_>,
        cfg: &ServerConfig,
        out: &mut Vec<u8>,
    ) -> ReplyCode {
        let code = self.format(canned, cfg);
        encode_joined(code, &self.scratch, out);
        code
    }

    /// `canned` as a [`Reply`], for an event that carries it.
    pub(super) fn reply(&mut self, canned: &Canned<'_>, cfg: &ServerConfig) -> Reply {
        let code = self.format(canned, cfg);
        Reply::from_joined(code, self.scratch.clone())
    }
}
