//! Commands: RFC 5321 §4.1 plus LHLO (RFC 2033), STARTTLS (RFC 3207), AUTH
//! (RFC 4954) and BDAT (RFC 3030), with typed MAIL and RCPT parameters.
//!
//! [`Command::parse`] takes one line without its CRLF; [`Command::encode`]
//! writes the canonical form (upper-case verbs, single spaces, typed
//! parameters in a fixed order, then the others in order), and
//! [`Command::encode_spelled`] the same in another [`CommandSpelling`]
//! (lower-case verbs, as Python's smtplib writes them). The parser is
//! liberal where real clients deviate and nothing can be misread: spaces
//! after `FROM:`/`TO:`, several spaces between arguments, trailing spaces,
//! `_` in domain labels, a HELO argument that is any printable word.
//! See `codec.rs` for the details of each verb.

use alloc::string::String;
use alloc::vec::Vec;

use crate::address::{Domain, ForwardPath, ReversePath};

pub use crate::syntax::CommandError;

mod borrowed;
mod codec;
mod params;
#[cfg(test)]
mod proptests;
mod requirements;
mod spelling;
#[cfg(test)]
mod tests;
mod validate;
mod xtext;

pub use borrowed::{
    CommandRef, MailParametersRef, OriginalRecipientRef, OtherParameterRef, OtherParameters,
    RcptParametersRef,
};
pub use requirements::MissingExtension;
pub use spelling::CommandSpelling;
pub use validate::InvalidCommand;

/// One SMTP command line, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command {
    /// `EHLO domain` (RFC 5321 §4.1.1.1).
    Ehlo {
        /// The client's domain or address literal.
        domain: Domain,
    },
    /// `HELO domain` (RFC 5321 §4.1.1.1).
    Helo {
        /// The client's domain or address literal.
        domain: Domain,
    },
    /// `LHLO domain` (RFC 2033 §4.1).
    Lhlo {
        /// The client's domain or address literal.
        domain: Domain,
    },
    /// `MAIL FROM:<reverse-path> [params]` (RFC 5321 §4.1.1.2).
    Mail {
        /// The reverse path (`<>` allowed).
        from: ReversePath,
        /// ESMTP parameters.
        params: MailParameters,
    },
    /// `RCPT TO:<forward-path> [params]` (RFC 5321 §4.1.1.3).
    Rcpt {
        /// The forward path.
        to: ForwardPath,
        /// ESMTP parameters.
        params: RcptParameters,
    },
    /// `DATA` (RFC 5321 §4.1.1.4).
    Data,
    /// `BDAT size [LAST]` (RFC 3030 §2).
    Bdat {
        /// Octets of message data that follow the command line.
        size: u64,
        /// Whether this is the last chunk.
        last: bool,
    },
    /// `RSET` (RFC 5321 §4.1.1.5).
    Rset,
    /// `VRFY string` (RFC 5321 §4.1.1.6).
    Vrfy {
        /// The string to verify, as sent.
        argument: String,
    },
    /// `EXPN string` (RFC 5321 §4.1.1.7).
    Expn {
        /// The list to expand, as sent.
        argument: String,
    },
    /// `HELP [string]` (RFC 5321 §4.1.1.8).
    Help {
        /// The topic, if any.
        topic: Option<String>,
    },
    /// `NOOP [string]` (RFC 5321 §4.1.1.9).
    Noop {
        /// The ignored argument, if any.
        argument: Option<String>,
    },
    /// `QUIT` (RFC 5321 §4.1.1.10).
    Quit,
    /// `STARTTLS` (RFC 3207 §4).
    StartTls,
    /// `AUTH mechanism [initial-response]` (RFC 4954 §4).
    Auth {
        /// The SASL mechanism name, upper-cased.
        mechanism: String,
        /// The initial response exactly as sent: base64 text, or `=` for an
        /// empty response. Not decoded here.
        initial_response: Option<String>,
    },
}

/// `BODY=` values (RFC 6152 §2, RFC 3030 §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyType {
    /// `BODY=7BIT`.
    SevenBit,
    /// `BODY=8BITMIME`.
    EightBitMime,
    /// `BODY=BINARYMIME` (requires BDAT).
    BinaryMime,
}

/// `RET=` values (RFC 3461 §4.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ret {
    /// `RET=FULL`.
    Full,
    /// `RET=HDRS`.
    Headers,
}

/// `NOTIFY=` values (RFC 3461 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Notify {
    /// `NOTIFY=NEVER`.
    Never,
    /// `NOTIFY=` a comma list of SUCCESS, FAILURE, DELAY (at least one).
    On {
        /// `SUCCESS` was listed.
        success: bool,
        /// `FAILURE` was listed.
        failure: bool,
        /// `DELAY` was listed.
        delay: bool,
    },
}

/// `ORCPT=addr-type;xtext` (RFC 3461 §4.2), xtext decoded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OriginalRecipient {
    /// The address type, e.g. `rfc822` or `utf-8`.
    pub addr_type: String,
    /// The original recipient address, xtext decoded.
    pub address: String,
}

/// A parameter this crate does not type: `keyword[=value]`, kept verbatim.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OtherParameter {
    /// The esmtp-keyword as sent.
    pub keyword: String,
    /// The esmtp-value as sent, if any.
    pub value: Option<String>,
}

/// MAIL FROM parameters (RFC 5321 §4.1.2 `Mail-parameters`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MailParameters {
    /// `SIZE=n` (RFC 1870 §6).
    pub size: Option<u64>,
    /// `BODY=` (RFC 6152, RFC 3030).
    pub body: Option<BodyType>,
    /// `SMTPUTF8` (RFC 6531 §3.4).
    pub smtputf8: bool,
    /// `RET=` (RFC 3461 §4.3).
    pub ret: Option<Ret>,
    /// `ENVID=`, xtext decoded (RFC 3461 §4.4).
    pub envid: Option<String>,
    /// `AUTH=`, xtext decoded; `<>` kept as `<>` (RFC 4954 §5).
    pub auth: Option<String>,
    /// `REQUIRETLS` (RFC 8689 §3).
    pub requiretls: bool,
    /// Every other parameter, in order, verbatim.
    pub other: Vec<OtherParameter>,
}

/// RCPT TO parameters (RFC 5321 §4.1.2 `Rcpt-parameters`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RcptParameters {
    /// `NOTIFY=` (RFC 3461 §4.1).
    pub notify: Option<Notify>,
    /// `ORCPT=` (RFC 3461 §4.2).
    pub orcpt: Option<OriginalRecipient>,
    /// Every other parameter, in order, verbatim.
    pub other: Vec<OtherParameter>,
}
