//! Which MAIL and RCPT parameter needs which EHLO keyword: one table, read
//! by the client before it sends a parameter and by the server before it
//! accepts one (RFC 5321 §4.1.1.11: a parameter of an extension the server
//! did not offer is refused with 555).
//!
//! Only the extension is judged here. Conditions that are not an EHLO
//! keyword stay with the machine that knows them: REQUIRETLS also needs a
//! TLS session (RFC 8689 §2), AUTH= needs AUTH to be usable in the
//! session's TLS state, and a server refuses parameters it does not type.

use super::{
    BodyType, MailParameters, MailParametersRef, OtherParameters, RcptParameters, RcptParametersRef,
};
use crate::ehlo::Extensions;

/// A parameter whose extension was not offered, as
/// [`MailParameters::missing_extension`] and
/// [`RcptParameters::missing_extension`] report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MissingExtension {
    /// The parameter as it goes on the wire, e.g. `"BODY=BINARYMIME"`,
    /// `"NOTIFY"`.
    pub parameter: &'static str,
    /// The EHLO keyword it needs and the server did not offer, e.g.
    /// `"CHUNKING"`.
    pub extension: &'static str,
}

/// One row of the table: `parameter` is present when `present` says so,
/// and then needs every extension of `needs`, reported in that order when
/// missing. The tests read the borrowed parameters, so the owned and the
/// borrowed forms share the table.
struct Row<T> {
    parameter: &'static str,
    needs: &'static [Extensions],
    present: T,
}

type MailTest = for<'p> fn(&MailParametersRef<'p>) -> bool;
type RcptTest = for<'p> fn(&RcptParametersRef<'p>) -> bool;

fn has_other(others: &OtherParameters<'_>, keyword: &str) -> bool {
    others
        .iter()
        .any(|o| o.keyword.eq_ignore_ascii_case(keyword))
}

/// MAIL FROM parameters.
const MAIL: [Row<MailTest>; 13] = [
    // RFC 6531 §3.4.
    Row {
        parameter: "SMTPUTF8",
        needs: &[Extensions::SMTPUTF8],
        present: |p| p.smtputf8,
    },
    // RFC 6152 §2: BODY is 8BITMIME's parameter, 7BIT included.
    Row {
        parameter: "BODY=7BIT",
        needs: &[Extensions::EIGHT_BIT_MIME],
        present: |p| p.body == Some(BodyType::SevenBit),
    },
    Row {
        parameter: "BODY=8BITMIME",
        needs: &[Extensions::EIGHT_BIT_MIME],
        present: |p| p.body == Some(BodyType::EightBitMime),
    },
    // RFC 3030 §3: BINARYMIME only travels in BDAT chunks.
    Row {
        parameter: "BODY=BINARYMIME",
        needs: &[Extensions::BINARY_MIME, Extensions::CHUNKING],
        present: |p| p.body == Some(BodyType::BinaryMime),
    },
    // RFC 3461 §4.3, §4.4.
    Row {
        parameter: "RET",
        needs: &[Extensions::DSN],
        present: |p| p.ret.is_some(),
    },
    Row {
        parameter: "ENVID",
        needs: &[Extensions::DSN],
        present: |p| p.envid.is_some(),
    },
    // RFC 8689 §3.
    Row {
        parameter: "REQUIRETLS",
        needs: &[Extensions::REQUIRETLS],
        present: |p| p.requiretls,
    },
    // RFC 4954 §5.
    Row {
        parameter: "AUTH",
        needs: &[Extensions::AUTH],
        present: |p| p.auth.is_some(),
    },
    // RFC 1870 §6.
    Row {
        parameter: "SIZE",
        needs: &[Extensions::SIZE],
        present: |p| p.size.is_some(),
    },
    // Extensions this crate knows by name but does not type: their
    // parameters travel in `other`. RFC 2852 §4, RFC 6710 §3, RFC 4865 §3.
    Row {
        parameter: "BY",
        needs: &[Extensions::DELIVERBY],
        present: |p| has_other(&p.other, "BY"),
    },
    Row {
        parameter: "MT-PRIORITY",
        needs: &[Extensions::MT_PRIORITY],
        present: |p| has_other(&p.other, "MT-PRIORITY"),
    },
    Row {
        parameter: "HOLDFOR",
        needs: &[Extensions::FUTURERELEASE],
        present: |p| has_other(&p.other, "HOLDFOR"),
    },
    Row {
        parameter: "HOLDUNTIL",
        needs: &[Extensions::FUTURERELEASE],
        present: |p| has_other(&p.other, "HOLDUNTIL"),
    },
];

/// RCPT TO parameters: RFC 3461 §4.1, §4.2.
const RCPT: [Row<RcptTest>; 2] = [
    Row {
        parameter: "NOTIFY",
        needs: &[Extensions::DSN],
        present: |p| p.notify.is_some(),
    },
    Row {
        parameter: "ORCPT",
        needs: &[Extensions::DSN],
        present: |p| p.orcpt.is_some(),
    },
];

fn needed<T>(rows: &[Row<T>], present: impl Fn(&T) -> bool) -> Extensions {
    rows.iter()
        .filter(|row| present(&row.present))
        .flat_map(|row| row.needs.iter().copied())
        .fold(Extensions::NONE, Extensions::union)
}

fn missing<T>(
    rows: &[Row<T>],
    present: impl Fn(&T) -> bool,
    offered: Extensions,
) -> Option<MissingExtension> {
    rows.iter()
        .filter(|row| present(&row.present))
        .find_map(|row| {
            let ext = row.needs.iter().find(|&&e| !offered.contains(e))?;
            Some(MissingExtension {
                parameter: row.parameter,
                extension: ext.keyword()?,
            })
        })
}

impl MailParameters {
    /// Every EHLO extension these parameters need the server to offer:
    /// SIZE for `SIZE=`, 8BITMIME for any `BODY=` but BINARYMIME, which
    /// needs BINARYMIME and CHUNKING, SMTPUTF8, DSN for `RET=` and
    /// `ENVID=`, AUTH for `AUTH=`, REQUIRETLS, and DELIVERBY, MT-PRIORITY
    /// and FUTURERELEASE for their parameters among
    /// [`other`](Self::other). Unknown parameters need nothing this crate
    /// can name.
    pub fn needed_extensions(&self) -> Extensions {
        self.as_borrowed().needed_extensions()
    }

    /// The first parameter (in the order of the list above, SMTPUTF8 first)
    /// whose extension is not in `offered`, and that extension's keyword:
    /// what a client reports before sending, and what a server names in its
    /// 555 reply. `None` when everything needed is offered.
    pub fn missing_extension(&self, offered: Extensions) -> Option<MissingExtension> {
        self.as_borrowed().missing_extension(offered)
    }
}

impl MailParametersRef<'_> {
    /// As [`MailParameters::needed_extensions`].
    pub fn needed_extensions(&self) -> Extensions {
        needed(&MAIL, |test| test(self))
    }

    /// As [`MailParameters::missing_extension`].
    pub fn missing_extension(&self, offered: Extensions) -> Option<MissingExtension> {
        missing(&MAIL, |test| test(self), offered)
    }
}

impl RcptParameters {
    /// Every EHLO extension these parameters need the server to offer: DSN
    /// for `NOTIFY=` and `ORCPT=`.
    pub fn needed_extensions(&self) -> Extensions {
        self.as_borrowed().needed_extensions()
    }

    /// The first parameter whose extension is not in `offered`; see
    /// [`MailParameters::missing_extension`].
    pub fn missing_extension(&self, offered: Extensions) -> Option<MissingExtension> {
        self.as_borrowed().missing_extension(offered)
    }
}

impl RcptParametersRef<'_> {
    /// As [`RcptParameters::needed_extensions`].
    pub fn needed_extensions(&self) -> Extensions {
        needed(&RCPT, |test| test(self))
    }

    /// As [`RcptParameters::missing_extension`].
    pub fn missing_extension(&self, offered: Extensions) -> Option<MissingExtension> {
        missing(&RCPT, |test| test(self), offered)
    }
}

#[cfg(test)]
mod tests;
