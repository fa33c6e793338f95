//! Table tests: each parameter, the extensions it needs, and the keyword
//! named when one is missing.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::command::OtherParameter;
use crate::command::{Notify, OriginalRecipient, Ret};

fn other(keyword: &str, value: &str) -> OtherParameter {
    OtherParameter {
        keyword: String::from(keyword),
        value: Some(String::from(value)),
    }
}

fn mail(f: impl FnOnce(&mut MailParameters)) -> MailParameters {
    let mut p = MailParameters::default();
    f(&mut p);
    p
}

/// (parameter, extension) as `missing_extension` reports it.
type Reported = Option<(&'static str, &'static str)>;

/// (parameters, extensions needed, what is reported when none is offered)
#[test]
fn mail_parameters() {
    let ext = Extensions::NONE;
    let cases: Vec<(MailParameters, Extensions, Reported)> = vec![
        (MailParameters::default(), ext, None),
        (
            mail(|p| p.size = Some(10)),
            Extensions::SIZE,
            Some(("SIZE", "SIZE")),
        ),
        (
            mail(|p| p.body = Some(BodyType::SevenBit)),
            Extensions::EIGHT_BIT_MIME,
            Some(("BODY=7BIT", "8BITMIME")),
        ),
        (
            mail(|p| p.body = Some(BodyType::EightBitMime)),
            Extensions::EIGHT_BIT_MIME,
            Some(("BODY=8BITMIME", "8BITMIME")),
        ),
        (
            mail(|p| p.body = Some(BodyType::BinaryMime)),
            Extensions::BINARY_MIME | Extensions::CHUNKING,
            Some(("BODY=BINARYMIME", "BINARYMIME")),
        ),
        (
            mail(|p| p.smtputf8 = true),
            Extensions::SMTPUTF8,
            Some(("SMTPUTF8", "SMTPUTF8")),
        ),
        (
            mail(|p| p.ret = Some(Ret::Full)),
            Extensions::DSN,
            Some(("RET", "DSN")),
        ),
        (
            mail(|p| p.envid = Some(String::from("id"))),
            Extensions::DSN,
            Some(("ENVID", "DSN")),
        ),
        (
            mail(|p| p.auth = Some(String::from("<>"))),
            Extensions::AUTH,
            Some(("AUTH", "AUTH")),
        ),
        (
            mail(|p| p.requiretls = true),
            Extensions::REQUIRETLS,
            Some(("REQUIRETLS", "REQUIRETLS")),
        ),
        (
            mail(|p| p.other.push(other("by", "120;R"))),
            Extensions::DELIVERBY,
            Some(("BY", "DELIVERBY")),
        ),
        (
            mail(|p| p.other.push(other("MT-PRIORITY", "3"))),
            Extensions::MT_PRIORITY,
            Some(("MT-PRIORITY", "MT-PRIORITY")),
        ),
        (
            mail(|p| p.other.push(other("HOLDFOR", "600"))),
            Extensions::FUTURERELEASE,
            Some(("HOLDFOR", "FUTURERELEASE")),
        ),
        (
            mail(|p| p.other.push(other("HoldUntil", "2030-01-01T00:00:00Z"))),
            Extensions::FUTURERELEASE,
            Some(("HOLDUNTIL", "FUTURERELEASE")),
        ),
        // A parameter this crate cannot name needs nothing it can check.
        (mail(|p| p.other.push(other("X-TRACE", "1"))), ext, None),
        // Several: the union, and SMTPUTF8 is named first.
        (
            mail(|p| {
                p.size = Some(1);
                p.smtputf8 = true;
                p.ret = Some(Ret::Headers);
            }),
            Extensions::SIZE | Extensions::SMTPUTF8 | Extensions::DSN,
            Some(("SMTPUTF8", "SMTPUTF8")),
        ),
    ];
    for (params, needs, reported) in cases {
        assert_eq!(params.needed_extensions(), needs, "{params:?}");
        let got = params.missing_extension(Extensions::NONE);
        assert_eq!(
            got.map(|m| (m.parameter, m.extension)),
            reported,
            "{params:?}"
        );
        // Offering exactly what is needed satisfies it.
        assert_eq!(params.missing_extension(needs), None, "{params:?}");
    }
}

#[test]
fn the_first_missing_keyword_is_named() {
    let binary = mail(|p| p.body = Some(BodyType::BinaryMime));
    // BINARYMIME offered, CHUNKING not: CHUNKING is what is missing.
    let m = binary.missing_extension(Extensions::BINARY_MIME).unwrap();
    assert_eq!((m.parameter, m.extension), ("BODY=BINARYMIME", "CHUNKING"));
    // Everything offered but the one parameter's extension.
    let several = mail(|p| {
        p.size = Some(1);
        p.body = Some(BodyType::EightBitMime);
        p.auth = Some(String::from("a@b"));
    });
    let offered = Extensions::SIZE | Extensions::EIGHT_BIT_MIME;
    let m = several.missing_extension(offered).unwrap();
    assert_eq!((m.parameter, m.extension), ("AUTH", "AUTH"));
    // Extensions that nothing needs change nothing.
    let all_but_size = Extensions::AUTH | Extensions::EIGHT_BIT_MIME | Extensions::PIPELINING;
    let m = several.missing_extension(all_but_size).unwrap();
    assert_eq!((m.parameter, m.extension), ("SIZE", "SIZE"));
}

#[test]
fn rcpt_parameters() {
    let none = RcptParameters::default();
    assert_eq!(none.needed_extensions(), Extensions::NONE);
    assert_eq!(none.missing_extension(Extensions::NONE), None);
    let notify = RcptParameters {
        notify: Some(Notify::Never),
        ..RcptParameters::default()
    };
    let orcpt = RcptParameters {
        orcpt: Some(OriginalRecipient {
            addr_type: String::from("rfc822"),
            address: String::from("a@b"),
        }),
        ..RcptParameters::default()
    };
    for (p, name) in [(&notify, "NOTIFY"), (&orcpt, "ORCPT")] {
        assert_eq!(p.needed_extensions(), Extensions::DSN);
        let m = p.missing_extension(Extensions::SIZE).unwrap();
        assert_eq!((m.parameter, m.extension), (name, "DSN"));
        assert_eq!(p.missing_extension(Extensions::DSN), None);
    }
    let mut unknown = RcptParameters::default();
    unknown.other.push(other("X-FOO", "1"));
    assert_eq!(unknown.needed_extensions(), Extensions::NONE);
}

/// The table agrees with the parser: what a parsed MAIL line needs.
#[test]
fn parsed_lines() {
    let cases: &[(&str, Extensions)] = &[
        (
            "MAIL FROM:<a@b> SIZE=5 BODY=8BITMIME",
            Extensions::SIZE | Extensions::EIGHT_BIT_MIME,
        ),
        ("MAIL FROM:<a@b> RET=HDRS ENVID=x+2B", Extensions::DSN),
        (
            "MAIL FROM:<a@b> SMTPUTF8 REQUIRETLS",
            Extensions::SMTPUTF8 | Extensions::REQUIRETLS,
        ),
        ("MAIL FROM:<a@b> BY=60;N", Extensions::DELIVERBY),
        ("RCPT TO:<a@b> NOTIFY=NEVER", Extensions::DSN),
        ("RCPT TO:<a@b> ORCPT=rfc822;a@b X-Y=z", Extensions::DSN),
    ];
    for &(line, want) in cases {
        let needed = match crate::command::Command::parse(line.as_bytes(), false).unwrap() {
            crate::command::Command::Mail { params, .. } => params.needed_extensions(),
            crate::command::Command::Rcpt { params, .. } => params.needed_extensions(),
            other => panic!("{other:?}"),
        };
        assert_eq!(needed, want, "{line}");
    }
}
