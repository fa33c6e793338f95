//! Table tests for command parsing and encoding.

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::address::Mailbox;

fn mb(local: &str, domain: &str) -> Mailbox {
    Mailbox {
        local_part: String::from(local),
        domain: Domain::Name(String::from(domain)),
    }
}

fn name(d: &str) -> Domain {
    Domain::Name(String::from(d))
}

fn s(x: &str) -> String {
    String::from(x)
}

fn mail(from: ReversePath, params: MailParameters) -> Command {
    Command::Mail { from, params }
}

fn rcpt(to: ForwardPath, params: RcptParameters) -> Command {
    Command::Rcpt { to, params }
}

fn encoded(c: &Command) -> String {
    let mut v = Vec::new();
    c.encode(&mut v);
    String::from_utf8(v).unwrap()
}

fn syntax(rule: &'static str) -> CommandError {
    CommandError::Syntax { rule }
}

/// (line, smtputf8, expected command, canonical encoding without CRLF)
#[test]
fn valid_lines() {
    let a_b = ReversePath::Mailbox(mb("a", "b.example"));
    let cases: Vec<(&str, bool, Command, &str)> = vec![
        ("EHLO mx.example.com", false, Command::Ehlo { domain: name("mx.example.com") }, "EHLO mx.example.com"),
        ("ehlo my_host.local", false, Command::Ehlo { domain: name("my_host.local") }, "EHLO my_host.local"),
        ("EHLO [192.0.2.1]", false, Command::Ehlo { domain: Domain::Ipv4(Ipv4Addr::new(192, 0, 2, 1)) }, "EHLO [192.0.2.1]"),
        ("EHLO [ipv6:2001:DB8::1]", false, Command::Ehlo { domain: Domain::Ipv6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1)) }, "EHLO [IPv6:2001:db8::1]"),
        ("EHLO [x-tag:some+content]", false, Command::Ehlo { domain: Domain::General { tag: s("x-tag"), content: s("some+content") } }, "EHLO [x-tag:some+content]"),
        ("EHLO  host  ", false, Command::Ehlo { domain: name("host") }, "EHLO host"),
        ("HELO foo.bar", false, Command::Helo { domain: name("foo.bar") }, "HELO foo.bar"),
        ("HELO -junk!-", false, Command::Helo { domain: name("-junk!-") }, "HELO -junk!-"),
        ("LHLO lmtp.example", false, Command::Lhlo { domain: name("lmtp.example") }, "LHLO lmtp.example"),
        ("MAIL FROM:<a@b.example>", false, mail(a_b.clone(), MailParameters::default()), "MAIL FROM:<a@b.example>"),
        ("mail from: <a@b.example>", false, mail(a_b.clone(), MailParameters::default()), "MAIL FROM:<a@b.example>"),
        ("MAIL FROM:<>", false, mail(ReversePath::Null, MailParameters::default()), "MAIL FROM:<>"),
        ("MAIL FROM:<@r1.example,@[10.0.0.1]:a@b.example>", false, mail(a_b.clone(), MailParameters::default()), "MAIL FROM:<a@b.example>"),
        ("MAIL FROM:<\"john doe\"@b.example>", false, mail(ReversePath::Mailbox(mb("john doe", "b.example")), MailParameters::default()), "MAIL FROM:<\"john doe\"@b.example>"),
        ("MAIL FROM:<\"a\\\"q\\\\\"@b>", false, mail(ReversePath::Mailbox(mb("a\"q\\", "b")), MailParameters::default()), "MAIL FROM:<\"a\\\"q\\\\\"@b>"),
        ("MAIL FROM:<\"plain\"@b>", false, mail(ReversePath::Mailbox(mb("plain", "b")), MailParameters::default()), "MAIL FROM:<plain@b>"),
        ("MAIL FROM:<a@b.example> size=10 body=8bitmime", false,
            mail(a_b.clone(), MailParameters { size: Some(10), body: Some(BodyType::EightBitMime), ..Default::default() }),
            "MAIL FROM:<a@b.example> SIZE=10 BODY=8BITMIME"),
        ("MAIL FROM:<a@b.example> BODY=BINARYMIME RET=HDRS ENVID=QQ+2B314 AUTH=<> REQUIRETLS X-Y=z SMTPUTF8 FLAG", false,
            mail(a_b.clone(), MailParameters {
                body: Some(BodyType::BinaryMime), ret: Some(Ret::Headers), envid: Some(s("QQ+314")),
                auth: Some(s("<>")), requiretls: true, smtputf8: true,
                other: vec![OtherParameter { keyword: s("X-Y"), value: Some(s("z")) }, OtherParameter { keyword: s("FLAG"), value: None }],
                ..Default::default() }),
            "MAIL FROM:<a@b.example> BODY=BINARYMIME SMTPUTF8 RET=HDRS ENVID=QQ+2B314 AUTH=<> REQUIRETLS X-Y=z FLAG"),
        ("MAIL FROM:<a@b> AUTH=e+3Dmc2@example.com BODY=7BIT RET=full", false,
            mail(ReversePath::Mailbox(mb("a", "b")), MailParameters { auth: Some(s("e=mc2@example.com")), body: Some(BodyType::SevenBit), ret: Some(Ret::Full), ..Default::default() }),
            "MAIL FROM:<a@b> BODY=7BIT RET=FULL AUTH=e+3Dmc2@example.com"),
        ("MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8", false,
            mail(ReversePath::Mailbox(mb("δοκιμή", "παράδειγμα.δοκιμή")), MailParameters { smtputf8: true, ..Default::default() }),
            "MAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8"),
        ("RCPT TO:<Postmaster>", false, rcpt(ForwardPath::Postmaster, RcptParameters::default()), "RCPT TO:<Postmaster>"),
        ("rcpt to:<postMASTER>", false, rcpt(ForwardPath::Postmaster, RcptParameters::default()), "RCPT TO:<Postmaster>"),
        ("RCPT TO:<postmaster@x.example>", false, rcpt(ForwardPath::Mailbox(mb("postmaster", "x.example")), RcptParameters::default()), "RCPT TO:<postmaster@x.example>"),
        ("RCPT TO:<u@[IPv6:::1]> NOTIFY=delay,SUCCESS ORCPT=rfc822;u+2Bx@example.com X=1", false,
            rcpt(ForwardPath::Mailbox(Mailbox { local_part: s("u"), domain: Domain::Ipv6(Ipv6Addr::LOCALHOST) }),
                RcptParameters {
                    notify: Some(Notify::On { success: true, failure: false, delay: true }),
                    orcpt: Some(OriginalRecipient { addr_type: s("rfc822"), address: s("u+x@example.com") }),
                    other: vec![OtherParameter { keyword: s("X"), value: Some(s("1")) }],
                }),
            "RCPT TO:<u@[IPv6:::1]> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u+2Bx@example.com X=1"),
        ("RCPT TO:<u@x> NOTIFY=NEVER", false, rcpt(ForwardPath::Mailbox(mb("u", "x")), RcptParameters { notify: Some(Notify::Never), ..Default::default() }), "RCPT TO:<u@x> NOTIFY=NEVER"),
        ("RCPT TO:<ü@x>", true, rcpt(ForwardPath::Mailbox(mb("ü", "x")), RcptParameters::default()), "RCPT TO:<ü@x>"),
        ("DATA", false, Command::Data, "DATA"),
        ("data ", false, Command::Data, "DATA"),
        ("BDAT 1000", false, Command::Bdat { size: 1000, last: false }, "BDAT 1000"),
        ("bdat 0 last", false, Command::Bdat { size: 0, last: true }, "BDAT 0 LAST"),
        ("RSET", false, Command::Rset, "RSET"),
        ("VRFY Smith", false, Command::Vrfy { argument: s("Smith") }, "VRFY Smith"),
        ("EXPN \"a list\"", false, Command::Expn { argument: s("\"a list\"") }, "EXPN \"a list\""),
        ("HELP", false, Command::Help { topic: None }, "HELP"),
        ("help mail", false, Command::Help { topic: Some(s("mail")) }, "HELP mail"),
        ("NOOP", false, Command::Noop { argument: None }, "NOOP"),
        ("NOOP hello world", false, Command::Noop { argument: Some(s("hello world")) }, "NOOP hello world"),
        ("QUIT", false, Command::Quit, "QUIT"),
        ("StartTLS", false, Command::StartTls, "STARTTLS"),
        ("AUTH plain", false, Command::Auth { mechanism: s("PLAIN"), initial_response: None }, "AUTH PLAIN"),
        ("AUTH PLAIN AGFsaWNlAHNlY3JldA==", false, Command::Auth { mechanism: s("PLAIN"), initial_response: Some(s("AGFsaWNlAHNlY3JldA==")) }, "AUTH PLAIN AGFsaWNlAHNlY3JldA=="),
        ("AUTH SCRAM-SHA-256 =", false, Command::Auth { mechanism: s("SCRAM-SHA-256"), initial_response: Some(s("=")) }, "AUTH SCRAM-SHA-256 ="),
    ];
    for (line, utf8, expected, canonical) in cases {
        let got = Command::parse(line.as_bytes(), utf8);
        assert_eq!(got.as_ref(), Ok(&expected), "{line}");
        let enc = encoded(&expected);
        assert_eq!(enc, alloc::format!("{canonical}\r\n"), "{line}");
        assert_eq!(expected.validate(), Ok(()), "{line}");
        // The borrowed parse reads the same command and encodes the same.
        let borrowed = CommandRef::parse(line.as_bytes(), utf8);
        assert_eq!(borrowed, Ok(expected.as_borrowed()), "{line}");
        let mut wire = Vec::new();
        borrowed.unwrap().encode(&mut wire);
        assert_eq!(wire, enc.as_bytes(), "{line}");
    }
}

/// (line, smtputf8, expected error)
#[test]
fn invalid_lines() {
    let inv = |k: &str| CommandError::InvalidParameter { keyword: s(k) };
    let cases: Vec<(&[u8], bool, CommandError)> = vec![
        (b"", false, CommandError::UnknownCommand),
        (b"FOO bar", false, CommandError::UnknownCommand),
        (b"DATAX", false, CommandError::UnknownCommand),
        (b"MAILFROM:<a@b>", false, CommandError::UnknownCommand),
        (b"STARTTLSX", false, CommandError::UnknownCommand),
        (b"DATA\r", false, syntax("CRLF")),
        (b"NOOP a\nRSET", false, syntax("CRLF")),
        (b"NOOP a\0b", false, syntax("CRLF")),
        (b"EHLO", false, syntax("ehlo")),
        (b"EHLO -bad.example", false, syntax("Domain")),
        (b"EHLO a..b", false, syntax("Domain")),
        (b"EHLO host extra", false, syntax("Domain")),
        (b"EHLO [300.1.1.1]", false, syntax("IPv4-address-literal")),
        (b"EHLO [IPv6:zz]", false, syntax("IPv6-address-literal")),
        (b"EHLO [tag-:x]", false, syntax("General-address-literal")),
        (b"EHLO [1.2.3.4", false, syntax("address-literal")),
        ("EHLO ü.example".as_bytes(), true, syntax("Domain")),
        (b"HELO", false, syntax("helo")),
        (b"HELO two words", false, syntax("Domain")),
        (b"LHLO", false, syntax("lhlo")),
        (b"MAIL <a@b>", false, syntax("mail")),
        (b"MAIL FROM:a@b", false, syntax("Path")),
        (b"MAIL FROM:<a@b", false, syntax("Path")),
        (b"MAIL FROM:<ab>", false, syntax("Mailbox")),
        (b"MAIL FROM:<a..b@c>", false, syntax("Dot-string")),
        (b"MAIL FROM:<.a@c>", false, syntax("Dot-string")),
        (b"MAIL FROM:<\"a@c>", false, syntax("Quoted-string")),
        (
            b"MAIL FROM:<\"a\\\x01\"@c>",
            false,
            syntax("quoted-pairSMTP"),
        ),
        (b"MAIL FROM:<a@-c>", false, syntax("Domain")),
        (b"MAIL FROM:<@:a@c>", false, syntax("Domain")),
        (b"MAIL FROM:<@x;a@c>", false, syntax("A-d-l")),
        (b"MAIL FROM:<a@b>SIZE=1", false, syntax("Mail-parameters")),
        (
            b"MAIL FROM:<a@b> SIZE=1 <junk>",
            false,
            syntax("esmtp-keyword"),
        ),
        (b"MAIL FROM:<a@b> -X=1", false, syntax("esmtp-keyword")),
        (b"MAIL FROM:<a@b> X=", false, syntax("esmtp-value")),
        (b"MAIL FROM:<a@b> X=a=b", false, syntax("esmtp-value")),
        (b"MAIL FROM:<a@b> SIZE=abc", false, inv("SIZE")),
        (
            b"MAIL FROM:<a@b> SIZE=99999999999999999999",
            false,
            inv("SIZE"),
        ),
        (b"MAIL FROM:<a@b> SIZE=1 size=2", false, inv("SIZE")),
        (b"MAIL FROM:<a@b> SIZE", false, inv("SIZE")),
        (b"MAIL FROM:<a@b> BODY=9BIT", false, inv("BODY")),
        (b"MAIL FROM:<a@b> SMTPUTF8=yes", false, inv("SMTPUTF8")),
        (
            b"MAIL FROM:<a@b> REQUIRETLS REQUIRETLS",
            false,
            inv("REQUIRETLS"),
        ),
        (b"MAIL FROM:<a@b> RET=SOME", false, inv("RET")),
        (b"MAIL FROM:<a@b> envid=a+0Db", false, inv("ENVID")),
        (b"MAIL FROM:<a@b> ENVID=a+zz", false, inv("ENVID")),
        (b"MAIL FROM:<a@b> AUTH", false, inv("AUTH")),
        (
            "MAIL FROM:<ü@b>".as_bytes(),
            false,
            CommandError::Utf8NotAllowed,
        ),
        (
            "MAIL FROM:<a@b> X=ü".as_bytes(),
            false,
            CommandError::Utf8NotAllowed,
        ),
        (
            b"MAIL FROM:<\xff@b> SMTPUTF8",
            false,
            syntax("UTF8-non-ascii"),
        ),
        (b"RCPT", false, syntax("rcpt")),
        (b"RCPT TO:<>", false, syntax("Forward-path")),
        (b"RCPT TO:<Postmaster>x", false, syntax("Rcpt-parameters")),
        (
            "RCPT TO:<a@ü>".as_bytes(),
            false,
            CommandError::Utf8NotAllowed,
        ),
        // SMTPUTF8 is a MAIL parameter: on RCPT it is "other" and enables nothing.
        (
            b"RCPT TO:<a@b> SMTPUTF8=\xc3\xbc",
            false,
            CommandError::Utf8NotAllowed,
        ),
        (b"RCPT TO:<a@b> NOTIFY=NEVER,DELAY", false, inv("NOTIFY")),
        (b"RCPT TO:<a@b> NOTIFY=SOMETIMES", false, inv("NOTIFY")),
        (
            b"RCPT TO:<a@b> NOTIFY=SUCCESS NOTIFY=DELAY",
            false,
            inv("NOTIFY"),
        ),
        (b"RCPT TO:<a@b> ORCPT=rfc822", false, inv("ORCPT")),
        (b"RCPT TO:<a@b> ORCPT=;a@b", false, inv("ORCPT")),
        (b"DATA now", false, syntax("data")),
        (b"RSET x", false, syntax("rset")),
        (b"QUIT x", false, syntax("quit")),
        (b"STARTTLS x", false, syntax("starttls")),
        (b"BDAT", false, syntax("chunk-size")),
        (b"BDAT -1", false, syntax("chunk-size")),
        (b"BDAT 99999999999999999999999", false, syntax("chunk-size")),
        (b"BDAT 1 FIRST", false, syntax("end-marker")),
        (b"BDAT 1 LAST x", false, syntax("bdat-cmd")),
        (b"VRFY", false, syntax("vrfy")),
        (b"EXPN", false, syntax("expn")),
        (b"VRFY a\x01", false, syntax("String")),
        (b"NOOP \xff", false, syntax("UTF8-non-ascii")),
        (b"X\xff", false, CommandError::UnknownCommand),
        (b"AUTH", false, syntax("sasl-mech")),
        (b"AUTH PLAIN!", false, syntax("sasl-mech")),
        (b"AUTH ABCDEFGHIJKLMNOPQRSTU", false, syntax("sasl-mech")),
        (b"AUTH PLAIN a*b", false, syntax("initial-response")),
        (b"AUTH PLAIN abc def", false, syntax("auth-command")),
    ];
    for (line, utf8, expected) in cases {
        let text = String::from_utf8_lossy(line);
        assert_eq!(
            CommandRef::parse(line, utf8),
            Err(expected.clone()),
            "{text}"
        );
        assert_eq!(Command::parse(line, utf8), Err(expected), "{text}");
    }
}

#[test]
fn validate_rejects() {
    let inj = |field| Err(InvalidCommand::Injection { field });
    let cases: Vec<(Command, Result<(), InvalidCommand>)> = vec![
        (
            Command::Ehlo {
                domain: name("a\r\nRSET"),
            },
            inj("domain"),
        ),
        (
            Command::Vrfy {
                argument: s("x\nRSET"),
            },
            inj("argument"),
        ),
        (
            Command::Noop {
                argument: Some(s("x\0")),
            },
            inj("argument"),
        ),
        (
            Command::Auth {
                mechanism: s("PLAIN"),
                initial_response: Some(s("a\r\n")),
            },
            inj("initial-response"),
        ),
        (
            mail(
                ReversePath::Mailbox(mb("a\r\nRSET", "b")),
                MailParameters::default(),
            ),
            inj("reverse-path"),
        ),
        (
            mail(
                ReversePath::Null,
                MailParameters {
                    envid: Some(s("x\n")),
                    ..Default::default()
                },
            ),
            inj("ENVID"),
        ),
        (
            rcpt(
                ForwardPath::Postmaster,
                RcptParameters {
                    other: vec![OtherParameter {
                        keyword: s("X"),
                        value: Some(s("\r")),
                    }],
                    ..Default::default()
                },
            ),
            inj("parameter"),
        ),
        (
            rcpt(
                ForwardPath::Mailbox(mb("a", "-b")),
                RcptParameters::default(),
            ),
            Err(InvalidCommand::InvalidAddress {
                address: s("a@-b"),
                rule: "Domain",
            }),
        ),
        (
            rcpt(
                ForwardPath::Mailbox(mb("a\u{1}", "b")),
                RcptParameters::default(),
            ),
            Err(InvalidCommand::InvalidAddress {
                address: s("\"a\u{1}\"@b"),
                rule: "Quoted-string",
            }),
        ),
        (
            Command::Ehlo {
                domain: name("two words"),
            },
            Err(InvalidCommand::InvalidArgument {
                field: "EHLO",
                rule: "Domain",
            }),
        ),
        (
            Command::Helo {
                domain: name("[1.2.3.4]"),
            },
            Err(InvalidCommand::InvalidArgument {
                field: "HELO",
                rule: "canonical form",
            }),
        ),
        (
            rcpt(
                ForwardPath::Postmaster,
                RcptParameters {
                    notify: Some(Notify::On {
                        success: false,
                        failure: false,
                        delay: false,
                    }),
                    ..Default::default()
                },
            ),
            Err(InvalidCommand::InvalidArgument {
                field: "RCPT",
                rule: "esmtp-value",
            }),
        ),
        (
            mail(
                ReversePath::Null,
                MailParameters {
                    other: vec![OtherParameter {
                        keyword: s("size"),
                        value: Some(s("1")),
                    }],
                    ..Default::default()
                },
            ),
            Err(InvalidCommand::InvalidArgument {
                field: "MAIL",
                rule: "canonical form",
            }),
        ),
        (
            Command::Vrfy { argument: s(" x") },
            Err(InvalidCommand::InvalidArgument {
                field: "VRFY",
                rule: "canonical form",
            }),
        ),
        (
            Command::Help { topic: Some(s("")) },
            Err(InvalidCommand::InvalidArgument {
                field: "HELP",
                rule: "canonical form",
            }),
        ),
        (
            Command::Auth {
                mechanism: s("plain"),
                initial_response: None,
            },
            Ok(()),
        ),
    ];
    for (c, expected) in cases {
        assert_eq!(c.validate(), expected, "{c:?}");
    }
}

#[test]
fn auth_mechanism_encoded_upper_case() {
    let c = Command::Auth {
        mechanism: s("xoauth2"),
        initial_response: None,
    };
    assert_eq!(encoded(&c), "AUTH XOAUTH2\r\n");
}

/// Python smtplib's bytes for each command it writes (its `putcmd` text),
/// and RFC 3030/3207/4954's verbs left as they are.
#[test]
fn smtplib_spelling() {
    let cases = [
        ("EHLO client.example", "ehlo client.example"),
        ("HELO client.example", "helo client.example"),
        ("LHLO client.example", "lhlo client.example"),
        (
            "MAIL FROM:<a@b.example> SIZE=21",
            "mail FROM:<a@b.example> size=21",
        ),
        (
            "MAIL FROM:<a@b.example> SIZE=21 BODY=8BITMIME SMTPUTF8",
            "mail FROM:<a@b.example> size=21 BODY=8BITMIME SMTPUTF8",
        ),
        ("MAIL FROM:<>", "mail FROM:<>"),
        (
            "RCPT TO:<c@d.example> NOTIFY=NEVER",
            "rcpt TO:<c@d.example> NOTIFY=NEVER",
        ),
        ("DATA", "data"),
        ("RSET", "rset"),
        ("VRFY someone", "vrfy someone"),
        ("EXPN list", "expn list"),
        ("HELP", "help"),
        ("HELP mail", "help mail"),
        ("NOOP", "noop"),
        ("QUIT", "quit"),
        ("STARTTLS", "STARTTLS"),
        ("AUTH PLAIN AGEAYg==", "AUTH PLAIN AGEAYg=="),
        ("BDAT 12 LAST", "BDAT 12 LAST"),
    ];
    for (line, smtplib) in cases {
        let c = Command::parse(line.as_bytes(), true).unwrap();
        let mut out = Vec::new();
        c.encode_spelled(CommandSpelling::LowerCase, &mut out);
        assert_eq!(out, format!("{smtplib}\r\n").as_bytes(), "{line}");
        // Upper is the default spelling, and what encode writes.
        let mut upper = Vec::new();
        c.encode_spelled(CommandSpelling::Upper, &mut upper);
        assert_eq!(upper, format!("{line}\r\n").as_bytes());
        assert_eq!(encoded(&c), format!("{line}\r\n"));
    }
}
