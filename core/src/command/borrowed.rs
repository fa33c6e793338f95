//! [`CommandRef`] and its parameters: a command line parsed without
//! copying, borrowing from the caller's bytes.
//!
//! [`CommandRef::parse`] is the one command grammar; [`Command::parse`] is
//! `CommandRef::parse(..)?.into_owned()`. A field is `&'a str` when it is
//! always a slice of the line and `Cow<'a, str>` when decoding may change
//! it (xtext escapes, a lower-case AUTH mechanism, a quoted local part with
//! backslashes): a command in its usual spelling allocates nothing.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::hash::{Hash, Hasher};

use super::params::{is_typed, ParamsOf};
use super::{
    BodyType, Command, MailParameters, Notify, OriginalRecipient, OtherParameter, RcptParameters,
    Ret,
};
use crate::address::{DomainRef, ForwardPathRef, ReversePathRef};

/// One command line, parsed, borrowing from the line: the borrowed twin of
/// [`Command`] (same variants, same meaning).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandRef<'a> {
    /// `EHLO domain`.
    Ehlo {
        /// The client's domain or address literal.
        domain: DomainRef<'a>,
    },
    /// `HELO domain`.
    Helo {
        /// The client's domain or address literal (or any printable word).
        domain: DomainRef<'a>,
    },
    /// `LHLO domain`.
    Lhlo {
        /// The client's domain or address literal.
        domain: DomainRef<'a>,
    },
    /// `MAIL FROM:<reverse-path> [params]`.
    Mail {
        /// The reverse path (`<>` allowed).
        from: ReversePathRef<'a>,
        /// ESMTP parameters.
        params: MailParametersRef<'a>,
    },
    /// `RCPT TO:<forward-path> [params]`.
    Rcpt {
        /// The forward path.
        to: ForwardPathRef<'a>,
        /// ESMTP parameters.
        params: RcptParametersRef<'a>,
    },
    /// `DATA`.
    Data,
    /// `BDAT size [LAST]`.
    Bdat {
        /// Octets of message data that follow the command line.
        size: u64,
        /// Whether this is the last chunk.
        last: bool,
    },
    /// `RSET`.
    Rset,
    /// `VRFY string`.
    Vrfy {
        /// The string to verify, as sent.
        argument: &'a str,
    },
    /// `EXPN string`.
    Expn {
        /// The list to expand, as sent.
        argument: &'a str,
    },
    /// `HELP [string]`.
    Help {
        /// The topic, if any.
        topic: Option<&'a str>,
    },
    /// `NOOP [string]`.
    Noop {
        /// The ignored argument, if any.
        argument: Option<&'a str>,
    },
    /// `QUIT`.
    Quit,
    /// `STARTTLS`.
    StartTls,
    /// `AUTH mechanism [initial-response]`.
    Auth {
        /// The SASL mechanism name, upper-cased (borrowed when it was sent
        /// in upper case).
        mechanism: Cow<'a, str>,
        /// The initial response exactly as sent: base64 text, or `=`.
        initial_response: Option<&'a str>,
    },
}

/// [`MailParameters`], borrowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MailParametersRef<'a> {
    /// `SIZE=n`.
    pub size: Option<u64>,
    /// `BODY=`.
    pub body: Option<BodyType>,
    /// `SMTPUTF8`.
    pub smtputf8: bool,
    /// `RET=`.
    pub ret: Option<Ret>,
    /// `ENVID=`, xtext decoded.
    pub envid: Option<Cow<'a, str>>,
    /// `AUTH=`, xtext decoded.
    pub auth: Option<Cow<'a, str>>,
    /// `REQUIRETLS`.
    pub requiretls: bool,
    /// Every other parameter, in order, verbatim.
    pub other: OtherParameters<'a>,
}

/// [`RcptParameters`], borrowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RcptParametersRef<'a> {
    /// `NOTIFY=`.
    pub notify: Option<Notify>,
    /// `ORCPT=`.
    pub orcpt: Option<OriginalRecipientRef<'a>>,
    /// Every other parameter, in order, verbatim.
    pub other: OtherParameters<'a>,
}

/// [`OriginalRecipient`], borrowed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OriginalRecipientRef<'a> {
    /// The address type, e.g. `rfc822`.
    pub addr_type: &'a str,
    /// The original recipient address, xtext decoded.
    pub address: Cow<'a, str>,
}

/// [`OtherParameter`], borrowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OtherParameterRef<'a> {
    /// The esmtp-keyword as sent.
    pub keyword: &'a str,
    /// The esmtp-value as sent, if any.
    pub value: Option<&'a str>,
}

/// The parameters of a MAIL or RCPT line that this crate does not type,
/// in order: read lazily from the parsed line (so a line with none costs
/// nothing), or lent from an owned list.
#[derive(Clone, Copy, Default)]
pub struct OtherParameters<'a> {
    source: Source<'a>,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    /// The parameter text of a line the parser already checked, and whose
    /// typed keywords to skip.
    Line(&'a str, ParamsOf),
    List(&'a [OtherParameter]),
}

impl Default for Source<'_> {
    fn default() -> Self {
        Source::List(&[])
    }
}

impl<'a> OtherParameters<'a> {
    /// Over a checked parameter text (`" K=V K2"`).
    pub(crate) fn line(text: &'a str, of: ParamsOf) -> Self {
        OtherParameters {
            source: Source::Line(text, of),
        }
    }

    /// The parameters, in order.
    pub fn iter(&self) -> impl Iterator<Item = OtherParameterRef<'a>> + 'a {
        let (text, of, list) = match self.source {
            Source::Line(text, of) => (text, of, &[][..]),
            Source::List(list) => ("", ParamsOf::Mail, list),
        };
        let from_line = text
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(|w| match w.split_once('=') {
                Some((keyword, value)) => OtherParameterRef {
                    keyword,
                    value: Some(value),
                },
                None => OtherParameterRef {
                    keyword: w,
                    value: None,
                },
            })
            .filter(move |p| !is_typed(of, p.keyword));
        let from_list = list.iter().map(OtherParameter::as_borrowed);
        from_line.chain(from_list)
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// Owned copies, in order.
    pub fn to_vec(&self) -> Vec<OtherParameter> {
        self.iter().map(OtherParameterRef::into_owned).collect()
    }
}

impl fmt::Debug for OtherParameters<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when they hold the same parameters, wherever they come from.
impl PartialEq for OtherParameters<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.iter().eq(other.iter())
    }
}

impl Eq for OtherParameters<'_> {}

impl Hash for OtherParameters<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for p in self.iter() {
            p.hash(state);
        }
    }
}

impl OtherParameterRef<'_> {
    /// The owned parameter.
    pub fn into_owned(self) -> OtherParameter {
        OtherParameter {
            keyword: String::from(self.keyword),
            value: self.value.map(String::from),
        }
    }
}

impl OtherParameter {
    /// This parameter as an [`OtherParameterRef`], without copying.
    pub fn as_borrowed(&self) -> OtherParameterRef<'_> {
        OtherParameterRef {
            keyword: &self.keyword,
            value: self.value.as_deref(),
        }
    }
}

impl MailParametersRef<'_> {
    /// The owned parameters.
    pub fn into_owned(self) -> MailParameters {
        MailParameters {
            size: self.size,
            body: self.body,
            smtputf8: self.smtputf8,
            ret: self.ret,
            envid: self.envid.map(Cow::into_owned),
            auth: self.auth.map(Cow::into_owned),
            requiretls: self.requiretls,
            other: self.other.to_vec(),
        }
    }
}

impl MailParameters {
    /// These parameters as [`MailParametersRef`], without copying.
    pub fn as_borrowed(&self) -> MailParametersRef<'_> {
        MailParametersRef {
            size: self.size,
            body: self.body,
            smtputf8: self.smtputf8,
            ret: self.ret,
            envid: self.envid.as_deref().map(Cow::Borrowed),
            auth: self.auth.as_deref().map(Cow::Borrowed),
            requiretls: self.requiretls,
            other: OtherParameters {
                source: Source::List(&self.other),
            },
        }
    }
}

impl OriginalRecipientRef<'_> {
    /// The owned value.
    pub fn into_owned(self) -> OriginalRecipient {
        OriginalRecipient {
            addr_type: String::from(self.addr_type),
            address: self.address.into_owned(),
        }
    }
}

impl RcptParametersRef<'_> {
    /// The owned parameters.
    pub fn into_owned(self) -> RcptParameters {
        RcptParameters {
            notify: self.notify,
            orcpt: self.orcpt.map(OriginalRecipientRef::into_owned),
            other: self.other.to_vec(),
        }
    }
}

impl RcptParameters {
    /// These parameters as [`RcptParametersRef`], without copying.
    pub fn as_borrowed(&self) -> RcptParametersRef<'_> {
        RcptParametersRef {
            notify: self.notify,
            orcpt: self.orcpt.as_ref().map(|o| OriginalRecipientRef {
                addr_type: &o.addr_type,
                address: Cow::Borrowed(&o.address),
            }),
            other: OtherParameters {
                source: Source::List(&self.other),
            },
        }
    }
}

impl CommandRef<'_> {
    /// The owned command.
    pub fn into_owned(self) -> Command {
        match self {
            CommandRef::Ehlo { domain } => Command::Ehlo {
                domain: domain.into_owned(),
            },
            CommandRef::Helo { domain } => Command::Helo {
                domain: domain.into_owned(),
            },
            CommandRef::Lhlo { domain } => Command::Lhlo {
                domain: domain.into_owned(),
            },
            CommandRef::Mail { from, params } => Command::Mail {
                from: from.into_owned(),
                params: params.into_owned(),
            },
            CommandRef::Rcpt { to, params } => Command::Rcpt {
                to: to.into_owned(),
                params: params.into_owned(),
            },
            CommandRef::Data => Command::Data,
            CommandRef::Bdat { size, last } => Command::Bdat { size, last },
            CommandRef::Rset => Command::Rset,
            CommandRef::Vrfy { argument } => Command::Vrfy {
                argument: String::from(argument),
            },
            CommandRef::Expn { argument } => Command::Expn {
                argument: String::from(argument),
            },
            CommandRef::Help { topic } => Command::Help {
                topic: topic.map(String::from),
            },
            CommandRef::Noop { argument } => Command::Noop {
                argument: argument.map(String::from),
            },
            CommandRef::Quit => Command::Quit,
            CommandRef::StartTls => Command::StartTls,
            CommandRef::Auth {
                mechanism,
                initial_response,
            } => Command::Auth {
                mechanism: mechanism.into_owned(),
                initial_response: initial_response.map(String::from),
            },
        }
    }
}

impl Command {
    /// This command as a [`CommandRef`], without copying.
    pub fn as_borrowed(&self) -> CommandRef<'_> {
        match self {
            Command::Ehlo { domain } => CommandRef::Ehlo {
                domain: domain.as_borrowed(),
            },
            Command::Helo { domain } => CommandRef::Helo {
                domain: domain.as_borrowed(),
            },
            Command::Lhlo { domain } => CommandRef::Lhlo {
                domain: domain.as_borrowed(),
            },
            Command::Mail { from, params } => CommandRef::Mail {
                from: from.as_borrowed(),
                params: params.as_borrowed(),
            },
            Command::Rcpt { to, params } => CommandRef::Rcpt {
                to: to.as_borrowed(),
                params: params.as_borrowed(),
            },
            Command::Data => CommandRef::Data,
            Command::Bdat { size, last } => CommandRef::Bdat {
                size: *size,
                last: *last,
            },
            Command::Rset => CommandRef::Rset,
            Command::Vrfy { argument } => CommandRef::Vrfy { argument },
            Command::Expn { argument } => CommandRef::Expn { argument },
            Command::Help { topic } => CommandRef::Help {
                topic: topic.as_deref(),
            },
            Command::Noop { argument } => CommandRef::Noop {
                argument: argument.as_deref(),
            },
            Command::Quit => CommandRef::Quit,
            Command::StartTls => CommandRef::StartTls,
            Command::Auth {
                mechanism,
                initial_response,
            } => CommandRef::Auth {
                mechanism: Cow::Borrowed(mechanism),
                initial_response: initial_response.as_deref(),
            },
        }
    }
}

#[cfg(test)]
mod tests;
