//! The envelope of one mail transaction and its checks against what the
//! server advertised.

use alloc::vec::Vec;

use crate::address::{ForwardPath, ReversePath};
use crate::command::{BodyType, Command, MailParameters, RcptParameters};
use crate::ehlo::{Capabilities, Extensions};
use crate::error::LocalError;

/// How the body is transferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum BodyMode {
    /// BDAT when the server offers CHUNKING (RFC 3030), DATA otherwise.
    #[default]
    Auto,
    /// DATA and a dot-stuffed body (RFC 5321 §4.1.1.4).
    Data,
    /// BDAT chunks (RFC 3030); `chunk_size` `None` uses
    /// [`ClientConfig::bdat_chunk_size`](crate::client::ClientConfig::bdat_chunk_size).
    Bdat {
        /// Octets per BDAT chunk.
        chunk_size: Option<usize>,
    },
}

/// One recipient: its forward path and RCPT parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    /// The forward path.
    pub path: ForwardPath,
    /// RCPT TO parameters (NOTIFY, ORCPT...).
    pub params: RcptParameters,
}

impl Recipient {
    /// A recipient without parameters.
    pub fn new(path: ForwardPath) -> Self {
        Recipient {
            path,
            params: RcptParameters::default(),
        }
    }
}

/// What [`send_mail`](crate::ClientConnection::send_mail) needs.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Envelope {
    /// MAIL FROM's reverse path.
    pub from: ReversePath,
    /// MAIL FROM parameters. `size` is filled from [`Envelope::size`] when
    /// the server offers SIZE; `smtputf8` is set when an address needs it.
    pub mail_params: MailParameters,
    /// The recipients, in order; at least one.
    pub recipients: Vec<Recipient>,
    /// The body's size in octets, if known (RFC 1870 §3).
    pub size: Option<u64>,
    /// DATA, BDAT, or the machine's choice.
    pub body_mode: BodyMode,
}

impl Envelope {
    /// An envelope without parameters, size unknown, [`BodyMode::Auto`].
    pub fn new(from: ReversePath, recipients: impl IntoIterator<Item = ForwardPath>) -> Self {
        Envelope {
            from,
            mail_params: MailParameters::default(),
            recipients: recipients.into_iter().map(Recipient::new).collect(),
            size: None,
            body_mode: BodyMode::Auto,
        }
    }

    /// Sets the known body size.
    pub fn with_size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// Sets the body mode.
    pub fn with_body_mode(mut self, mode: BodyMode) -> Self {
        self.body_mode = mode;
        self
    }
}

/// The checked envelope: commands ready to encode.
pub(crate) struct Prepared {
    pub(crate) mail: Command,
    pub(crate) rcpts: Vec<Command>,
    /// `Some(chunk size)` for BDAT, `None` for DATA.
    pub(crate) bdat: Option<usize>,
    /// BODY=BINARYMIME: the body's octets are sent untouched.
    pub(crate) binary: bool,
    pub(crate) max_size: Option<u64>,
}

fn offered(caps: &Capabilities, ext: Extensions, name: &'static str) -> Result<(), LocalError> {
    if caps.extensions().contains(ext) {
        Ok(())
    } else {
        Err(LocalError::ExtensionNotOffered { extension: name })
    }
}

/// Checks `env` against the server's capabilities and builds the commands.
/// `caps` is `None` after HELO: no extension at all.
pub(crate) fn prepare(
    env: &Envelope,
    caps: Option<&Capabilities>,
    default_chunk: usize,
    tls: bool,
) -> Result<Prepared, LocalError> {
    if env.recipients.is_empty() {
        return Err(LocalError::InvalidEnvelope {
            reason: "no recipient",
        });
    }
    let empty = Capabilities::default();
    let caps = caps.unwrap_or(&empty);
    let mut params = env.mail_params.clone();

    // RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8 on MAIL.
    let all_ascii = env.from.is_ascii() && env.recipients.iter().all(|r| r.path.is_ascii());
    if !all_ascii || params.smtputf8 {
        offered(caps, Extensions::SMTPUTF8, "SMTPUTF8")?;
        params.smtputf8 = true;
    }
    match params.body {
        Some(BodyType::EightBitMime) => offered(caps, Extensions::EIGHT_BIT_MIME, "8BITMIME")?,
        Some(BodyType::BinaryMime) => {
            offered(caps, Extensions::BINARY_MIME, "BINARYMIME")?;
            // RFC 3030 §3: BINARYMIME only travels in BDAT.
            offered(caps, Extensions::CHUNKING, "CHUNKING")?;
        }
        _ => {}
    }
    if params.ret.is_some() || params.envid.is_some() {
        offered(caps, Extensions::DSN, "DSN")?;
    }
    if env
        .recipients
        .iter()
        .any(|r| r.params.notify.is_some() || r.params.orcpt.is_some())
    {
        offered(caps, Extensions::DSN, "DSN")?;
    }
    if params.requiretls {
        offered(caps, Extensions::REQUIRETLS, "REQUIRETLS")?;
        // RFC 8689 §2: "The session itself MUST employ TLS transmission."
        if !tls {
            return Err(LocalError::InvalidEnvelope {
                reason: "REQUIRETLS needs a TLS session (RFC 8689 §2)",
            });
        }
    }
    if params.auth.is_some() {
        offered(caps, Extensions::AUTH, "AUTH")?;
    }

    // RFC 1870 §6: a size the server cannot take is refused before MAIL.
    let max_size = if caps.extensions().contains(Extensions::SIZE) {
        caps.max_size().filter(|&n| n > 0)
    } else {
        None
    };
    if params.size.is_some() {
        offered(caps, Extensions::SIZE, "SIZE")?;
    }
    let declared = params.size.or(env.size);
    if let (Some(size), Some(limit)) = (declared, max_size) {
        if size > limit {
            return Err(LocalError::MessageTooLarge { size, limit });
        }
    }
    if caps.extensions().contains(Extensions::SIZE) && params.size.is_none() {
        params.size = env.size;
    }

    let binary = params.body == Some(BodyType::BinaryMime);
    let chunking = caps.extensions().contains(Extensions::CHUNKING);
    let bdat = match env.body_mode {
        BodyMode::Auto if chunking => Some(default_chunk),
        BodyMode::Auto => None,
        BodyMode::Data if binary => {
            return Err(LocalError::InvalidEnvelope {
                reason: "BODY=BINARYMIME needs BDAT (RFC 3030 §3)",
            })
        }
        BodyMode::Data => None,
        BodyMode::Bdat { chunk_size } => {
            offered(caps, Extensions::CHUNKING, "CHUNKING")?;
            Some(chunk_size.unwrap_or(default_chunk))
        }
    };
    let bdat = match bdat {
        Some(0) => {
            return Err(LocalError::InvalidEnvelope {
                reason: "BDAT chunk size 0",
            })
        }
        other => other,
    };

    let mail = Command::Mail {
        from: env.from.clone(),
        params,
    };
    mail.validate()?;
    let mut rcpts = Vec::with_capacity(env.recipients.len());
    for r in &env.recipients {
        let c = Command::Rcpt {
            to: r.path.clone(),
            params: r.params.clone(),
        };
        c.validate()?;
        rcpts.push(c);
    }
    Ok(Prepared {
        mail,
        rcpts,
        bdat,
        binary,
        max_size,
    })
}
