//! Table tests for the public address helpers.

use alloc::string::{String, ToString};
use core::net::Ipv4Addr;

use super::*;

fn mb(local: &str, domain: &str) -> Mailbox {
    Mailbox {
        local_part: String::from(local),
        domain: Domain::Name(String::from(domain)),
    }
}

#[test]
fn mailbox_parse_and_display() {
    // (input, smtputf8, expected, display)
    let cases: &[(&str, bool, Mailbox, &str)] = &[
        (
            "user@example.com",
            false,
            mb("user", "example.com"),
            "user@example.com",
        ),
        (
            "first.last@sub.example",
            false,
            mb("first.last", "sub.example"),
            "first.last@sub.example",
        ),
        ("\"a b\"@x", false, mb("a b", "x"), "\"a b\"@x"),
        ("\"a..b\"@x", false, mb("a..b", "x"), "\"a..b\"@x"),
        ("\"\"@x", false, mb("", "x"), "\"\"@x"),
        (
            "用户@例子.广告",
            true,
            mb("用户", "例子.广告"),
            "用户@例子.广告",
        ),
        (
            "u@[192.0.2.7]",
            false,
            Mailbox {
                local_part: String::from("u"),
                domain: Domain::Ipv4(Ipv4Addr::new(192, 0, 2, 7)),
            },
            "u@[192.0.2.7]",
        ),
    ];
    for (input, utf8, expected, display) in cases {
        assert_eq!(
            Mailbox::parse(input, *utf8).as_ref(),
            Ok(expected),
            "{input}"
        );
        assert_eq!(expected.to_string(), *display);
    }
    let bad: &[(&str, bool, CommandError)] = &[
        ("", false, CommandError::Syntax { rule: "Dot-string" }),
        (
            "<user@example.com>",
            false,
            CommandError::Syntax { rule: "Dot-string" },
        ),
        ("user", false, CommandError::Syntax { rule: "Mailbox" }),
        ("user@", false, CommandError::Syntax { rule: "Domain" }),
        (
            "user@example.com ",
            false,
            CommandError::Syntax { rule: "Mailbox" },
        ),
        ("用户@example.com", false, CommandError::Utf8NotAllowed),
        ("a@b@c", false, CommandError::Syntax { rule: "Mailbox" }),
    ];
    for (input, utf8, expected) in bad {
        assert_eq!(
            Mailbox::parse(input, *utf8).as_ref(),
            Err(expected),
            "{input}"
        );
    }
    assert!(mb("a", "b").is_ascii());
    assert!(!mb("a", "ü").is_ascii());
}

#[test]
fn path_parse_and_display() {
    let m = mb("user", "example.com");
    let rp: &[(&str, ReversePath)] = &[
        ("", ReversePath::Null),
        ("<>", ReversePath::Null),
        ("user@example.com", ReversePath::Mailbox(m.clone())),
        ("<user@example.com>", ReversePath::Mailbox(m.clone())),
        (
            "<@relay.example:user@example.com>",
            ReversePath::Mailbox(m.clone()),
        ),
    ];
    for (input, expected) in rp {
        assert_eq!(
            ReversePath::parse(input, false).as_ref(),
            Ok(expected),
            "{input}"
        );
    }
    assert_eq!(ReversePath::Null.to_string(), "<>");
    assert_eq!(
        ReversePath::Mailbox(m.clone()).to_string(),
        "<user@example.com>"
    );
    let fp: &[(&str, ForwardPath)] = &[
        ("postmaster", ForwardPath::Postmaster),
        ("<POSTMASTER>", ForwardPath::Postmaster),
        ("user@example.com", ForwardPath::Mailbox(m.clone())),
        ("<user@example.com>", ForwardPath::Mailbox(m.clone())),
    ];
    for (input, expected) in fp {
        assert_eq!(
            ForwardPath::parse(input, false).as_ref(),
            Ok(expected),
            "{input}"
        );
    }
    assert_eq!(ForwardPath::Postmaster.to_string(), "<Postmaster>");
    assert_eq!(
        ForwardPath::parse("", false),
        Err(CommandError::Syntax { rule: "Dot-string" })
    );
    assert_eq!(
        ForwardPath::parse("<>", false),
        Err(CommandError::Syntax {
            rule: "Forward-path"
        })
    );
    assert_eq!(
        ReversePath::parse("<a@b", false),
        Err(CommandError::Syntax { rule: "Path" })
    );
    assert_eq!(
        ReversePath::parse("<a@b>x", false),
        Err(CommandError::Syntax {
            rule: "Reverse-path"
        })
    );
    assert_eq!(
        ForwardPath::parse("<ü@b>", false),
        Err(CommandError::Utf8NotAllowed)
    );
}

#[test]
fn domain_parse_and_display() {
    assert_eq!(
        Domain::parse("[IPv6:2001:db8::1]", false)
            .map(|d| d.to_string())
            .as_deref(),
        Ok("[IPv6:2001:db8::1]")
    );
    assert_eq!(
        Domain::parse("[1.2.3.4]", false),
        Ok(Domain::Ipv4(Ipv4Addr::new(1, 2, 3, 4)))
    );
    assert_eq!(
        Domain::parse("a-b.c_d", false),
        Ok(Domain::Name(String::from("a-b.c_d")))
    );
    assert_eq!(
        Domain::parse("a-.b", false),
        Err(CommandError::Syntax { rule: "Domain" })
    );
    assert_eq!(
        Domain::parse("ü.b", false),
        Err(CommandError::Utf8NotAllowed)
    );
}
