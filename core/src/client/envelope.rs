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

/// Checks `env` against the server's capabilities and builds the commands.
/// `caps` is `None` after HELO: no extension at all. Every step validates
/// before anything is built, so an error leaves nothing half-done.
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
    let offered = caps.map_or(Extensions::NONE, Capabilities::extensions);
    let mut params = env.mail_params.clone();
    // RFC 6531 §3.4: a non-ASCII address needs SMTPUTF8 on MAIL.
    params.smtputf8 |= !env.from.is_ascii() || env.recipients.iter().any(|r| !r.path.is_ascii());
    check_extensions(&params, &env.recipients, offered)?;
    check_requiretls(&params, tls)?;
    let max_size = size_limit(caps);
    params.size = declared_size(&params, env.size, offered, max_size)?;
    let binary = params.body == Some(BodyType::BinaryMime);
    let bdat = body_transfer(env.body_mode, binary, offered, default_chunk)?;
    let (mail, rcpts) = commands(env, params)?;
    Ok(Prepared {
        mail,
        rcpts,
        bdat,
        binary,
        max_size,
    })
}

/// Every parameter's extension must be offered: the one table of
/// [`MailParameters::missing_extension`] (shared with the server, which
/// refuses the same parameters with 555).
fn check_extensions(
    params: &MailParameters,
    recipients: &[Recipient],
    offered: Extensions,
) -> Result<(), LocalError> {
    let missing = params.missing_extension(offered).or_else(|| {
        recipients
            .iter()
            .find_map(|r| r.params.missing_extension(offered))
    });
    match missing {
        Some(m) => Err(LocalError::ExtensionNotOffered {
            extension: m.extension,
        }),
        None => Ok(()),
    }
}

/// RFC 8689 §2: "The session itself MUST employ TLS transmission." Not an
/// EHLO keyword, so not in the shared table.
fn check_requiretls(params: &MailParameters, tls: bool) -> Result<(), LocalError> {
    if params.requiretls && !tls {
        return Err(LocalError::InvalidEnvelope {
            reason: "REQUIRETLS needs a TLS session (RFC 8689 §2)",
        });
    }
    Ok(())
}

/// The server's SIZE limit, when it advertised one (RFC 1870 §4: 0 means
/// no fixed limit).
fn size_limit(caps: Option<&Capabilities>) -> Option<u64> {
    let caps = caps?;
    if !caps.extensions().contains(Extensions::SIZE) {
        return None;
    }
    caps.max_size().filter(|&n| n > 0)
}

/// The `SIZE=` to send: the caller's, else the envelope's known size when
/// the server offers SIZE. RFC 1870 §6: a size over the server's limit is
/// refused before MAIL.
fn declared_size(
    params: &MailParameters,
    known: Option<u64>,
    offered: Extensions,
    limit: Option<u64>,
) -> Result<Option<u64>, LocalError> {
    if let (Some(size), Some(limit)) = (params.size.or(known), limit) {
        if size > limit {
            return Err(LocalError::MessageTooLarge { size, limit });
        }
    }
    Ok(match params.size {
        Some(size) => Some(size),
        None if offered.contains(Extensions::SIZE) => known,
        None => None,
    })
}

/// DATA (`None`) or BDAT with its chunk size.
fn body_transfer(
    mode: BodyMode,
    binary: bool,
    offered: Extensions,
    default_chunk: usize,
) -> Result<Option<usize>, LocalError> {
    let chunk = match mode {
        BodyMode::Auto if offered.contains(Extensions::CHUNKING) => default_chunk,
        BodyMode::Auto => return Ok(None),
        // RFC 3030 §3: BINARYMIME only travels in BDAT.
        BodyMode::Data if binary => {
            return Err(LocalError::InvalidEnvelope {
                reason: "BODY=BINARYMIME needs BDAT (RFC 3030 §3)",
            })
        }
        BodyMode::Data => return Ok(None),
        BodyMode::Bdat { .. } if !offered.contains(Extensions::CHUNKING) => {
            return Err(LocalError::ExtensionNotOffered {
                extension: "CHUNKING",
            })
        }
        BodyMode::Bdat { chunk_size } => chunk_size.unwrap_or(default_chunk),
    };
    if chunk == 0 {
        return Err(LocalError::InvalidEnvelope {
            reason: "BDAT chunk size 0",
        });
    }
    Ok(Some(chunk))
}

/// MAIL FROM and one RCPT TO per recipient, each validated (no CR, LF or
/// NUL can reach the wire).
fn commands(env: &Envelope, params: MailParameters) -> Result<(Command, Vec<Command>), LocalError> {
    let mail = Command::Mail {
        from: env.from.clone(),
        params,
    };
    mail.validate()?;
    let rcpts = env
        .recipients
        .iter()
        .map(|r| {
            let rcpt = Command::Rcpt {
                to: r.path.clone(),
                params: r.params.clone(),
            };
            rcpt.validate()?;
            Ok(rcpt)
        })
        .collect::<Result<Vec<_>, LocalError>>()?;
    Ok((mail, rcpts))
}
