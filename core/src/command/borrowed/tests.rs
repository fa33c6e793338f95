//! Table tests for the borrowed form: what borrows and what is decoded,
//! the lazily read `other` parameters, and the conversions.

use alloc::borrow::Cow;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use super::*;
use crate::address::{DomainRef, MailboxRef};

fn parse(line: &str) -> CommandRef<'_> {
    CommandRef::parse(line.as_bytes(), true).unwrap()
}

/// Whether `field` points into `line`: a slice of the caller's bytes.
fn inside(line: &str, field: &str) -> bool {
    let range = line.as_bytes().as_ptr_range();
    field.is_empty() || range.contains(&field.as_ptr())
}

// The variant is the point, so the `Cow` itself is taken.
#[allow(clippy::ptr_arg)]
fn borrowed(c: &Cow<'_, str>) -> bool {
    matches!(c, Cow::Borrowed(_))
}

/// (line, the local part, whether it is borrowed)
#[test]
fn local_parts_borrow_unless_escaped() {
    let cases: &[(&str, &str, bool)] = &[
        ("MAIL FROM:<user@example.com>", "user", true),
        ("MAIL FROM:<\"a b\"@example.com>", "a b", true),
        ("MAIL FROM:<\"\"@example.com>", "", true),
        ("MAIL FROM:<\"a\\\"b\"@example.com>", "a\"b", false),
        ("MAIL FROM:<\"a\\\\b\"@example.com>", "a\\b", false),
        ("MAIL FROM:<@route.example:用户@例子.广告>", "用户", true),
    ];
    for &(line, local, is_borrowed) in cases {
        let CommandRef::Mail {
            from: ReversePathRef::Mailbox(m),
            ..
        } = parse(line)
        else {
            panic!("{line}");
        };
        assert_eq!(m.local_part, local, "{line}");
        assert_eq!(borrowed(&m.local_part), is_borrowed, "{line}");
        if is_borrowed {
            assert!(inside(line, &m.local_part), "{line}");
        }
        let DomainRef::Name(d) = m.domain else {
            panic!("{line}");
        };
        assert!(inside(line, d), "{line}");
    }
}

/// (line, ENVID, AUTH=, whether both are borrowed)
#[test]
fn xtext_values_borrow_unless_escaped() {
    let cases: &[(&str, &str, &str, bool)] = &[
        (
            "MAIL FROM:<a@b> ENVID=QQ314159 AUTH=<>",
            "QQ314159",
            "<>",
            true,
        ),
        (
            "MAIL FROM:<a@b> ENVID=a+2Bb AUTH=e+3Dmc2",
            "a+b",
            "e=mc2",
            false,
        ),
    ];
    for &(line, envid, auth, is_borrowed) in cases {
        let CommandRef::Mail { params, .. } = parse(line) else {
            panic!("{line}");
        };
        let (e, a) = (params.envid.unwrap(), params.auth.unwrap());
        assert_eq!((&*e, &*a), (envid, auth), "{line}");
        assert_eq!((borrowed(&e), borrowed(&a)), (is_borrowed, is_borrowed));
    }
    let line = "RCPT TO:<a@b> ORCPT=rfc822;x+40y.example";
    let CommandRef::Rcpt { params, .. } = parse(line) else {
        panic!()
    };
    let orcpt = params.orcpt.unwrap();
    assert!(inside(line, orcpt.addr_type));
    assert_eq!(orcpt.address, "x@y.example");
    assert!(!borrowed(&orcpt.address));
}

#[test]
fn arguments_are_slices_of_the_line() {
    for line in [
        "VRFY Smith",
        "EXPN list",
        "HELP topic",
        "NOOP x y",
        "HELO -junk-",
    ] {
        let arg = match parse(line) {
            CommandRef::Vrfy { argument } | CommandRef::Expn { argument } => argument,
            CommandRef::Help { topic: Some(a) } | CommandRef::Noop { argument: Some(a) } => a,
            CommandRef::Helo {
                domain: DomainRef::Name(a),
            } => a,
            other => panic!("{other:?}"),
        };
        assert!(inside(line, arg), "{line}");
    }
    // AUTH: the mechanism is upper-cased, borrowed when already so.
    let CommandRef::Auth {
        mechanism,
        initial_response,
    } = parse("AUTH PLAIN dGVzdA==")
    else {
        panic!()
    };
    assert!(borrowed(&mechanism));
    assert_eq!(initial_response, Some("dGVzdA=="));
    let CommandRef::Auth { mechanism, .. } = parse("auth scram-sha-256") else {
        panic!()
    };
    assert_eq!(mechanism, "SCRAM-SHA-256");
    assert!(!borrowed(&mechanism));
}

/// `(keyword, value)` of each untyped parameter, in order.
type Others<'a> = Vec<(&'a str, Option<&'a str>)>;

/// (line, the untyped parameters in order)
#[test]
fn other_parameters_are_read_from_the_line() {
    let cases: Vec<(&str, Others<'_>)> = vec![
        ("MAIL FROM:<a@b>", vec![]),
        ("MAIL FROM:<a@b> SIZE=10 BODY=8BITMIME", vec![]),
        (
            "MAIL FROM:<a@b>  x-a=1 SIZE=10  Holdfor=60 X-FLAG ",
            vec![("x-a", Some("1")), ("Holdfor", Some("60")), ("X-FLAG", None)],
        ),
        (
            "MAIL FROM:<a@b> size=1 body=7bit smtputf8 ret=full envid=x auth=<> requiretls MT-PRIORITY=3",
            vec![("MT-PRIORITY", Some("3"))],
        ),
        (
            "RCPT TO:<a@b> NOTIFY=NEVER X=1 ORCPT=rfc822;a SIZE=5",
            vec![("X", Some("1")), ("SIZE", Some("5"))],
        ),
    ];
    for (line, want) in cases {
        let other = match parse(line) {
            CommandRef::Mail { params, .. } => params.other,
            CommandRef::Rcpt { params, .. } => params.other,
            c => panic!("{c:?}"),
        };
        let got: Others<'_> = other.iter().map(|p| (p.keyword, p.value)).collect();
        assert_eq!(got, want, "{line}");
        assert_eq!(other.is_empty(), want.is_empty(), "{line}");
        for p in other.iter() {
            assert!(inside(line, p.keyword), "{line}");
        }
        // Read from the line or lent from an owned list: equal.
        let owned = other.to_vec();
        assert_eq!(owned.len(), want.len());
        let params = MailParameters {
            other: owned,
            ..MailParameters::default()
        };
        assert_eq!(params.as_borrowed().other, other, "{line}");
    }
}

#[test]
fn conversions_agree() {
    let lines = [
        "EHLO [IPv6:2001:db8::1]",
        "HELO x",
        "MAIL FROM:<\"a\\\"b\"@[tag:c]> SIZE=1 ENVID=a+2Bb X-Y=z",
        "RCPT TO:<Postmaster> NOTIFY=SUCCESS,DELAY ORCPT=utf-8;a X=1",
        "RCPT TO:<u@d> X-LONG=abc",
        "BDAT 10 LAST",
        "AUTH login",
        "NOOP",
        "STARTTLS",
    ];
    for line in lines {
        let b = parse(line);
        let owned = b.clone().into_owned();
        assert_eq!(Command::parse(line.as_bytes(), true).as_ref(), Ok(&owned));
        // Lending the owned command back gives an equal borrowed one.
        assert_eq!(owned.as_borrowed(), b, "{line}");
        assert_eq!(owned.verb(), b.verb());
        let (mut x, mut y) = (Vec::new(), Vec::new());
        owned.encode(&mut x);
        b.encode(&mut y);
        assert_eq!(x, y, "{line}");
    }
}

#[test]
fn borrowed_paths_display_as_the_owned_ones() {
    let line = "MAIL FROM:<\"a b\"@[192.0.2.1]>";
    let CommandRef::Mail { from, .. } = parse(line) else {
        panic!()
    };
    assert_eq!(from.to_string(), "<\"a b\"@[192.0.2.1]>");
    assert_eq!(from.to_string(), from.clone().into_owned().to_string());
    let ReversePathRef::Mailbox(m) = from else {
        panic!()
    };
    let m: MailboxRef<'_> = m;
    assert_eq!(m.to_string(), "\"a b\"@[192.0.2.1]");
    assert_eq!(m.domain.to_string(), "[192.0.2.1]");
    assert_eq!(
        String::from("\"a b\"@[192.0.2.1]"),
        m.into_owned().to_string()
    );
}
