//! Property tests: encode/parse round trip for every variant, trailing
//! junk, and no panic on arbitrary input.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;
use crate::address::Mailbox;

fn label() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9]([a-zA-Z0-9_-]{0,8}[a-zA-Z0-9])?"
}

fn domain_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
}

fn utf8_domain_name() -> impl Strategy<Value = String> {
    proptest::collection::vec(prop_oneof![label(), "[a-z]{0,3}[é日本ü][a-z]{0,3}"], 1..4)
        .prop_map(|l| l.join("."))
}

fn literal() -> impl Strategy<Value = Domain> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|a| Domain::Ipv4(Ipv4Addr::from(a))),
        any::<[u16; 8]>().prop_map(|a| Domain::Ipv6(Ipv6Addr::from(a))),
        ("[a-zA-Z]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?", "[!-Z^-~]{1,10}")
            .prop_filter("IPv6 tag is reserved", |(t, _)| !t
                .eq_ignore_ascii_case("IPv6"))
            .prop_map(|(tag, content)| Domain::General { tag, content }),
    ]
}

fn ascii_domain() -> impl Strategy<Value = Domain> {
    prop_oneof![3 => domain_name().prop_map(Domain::Name), 1 => literal()]
}

fn mailbox() -> impl Strategy<Value = Mailbox> {
    let local = prop_oneof![
        // Dot-strings.
        "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}(\\.[a-zA-Z0-9_-]{1,5}){0,2}",
        // Anything printable: the encoder quotes it.
        "[ -~]{0,12}",
        // UTF-8 local parts (RFC 6531).
        "[a-z]{0,3}[äöü用户]{1,3}",
    ];
    let domain = prop_oneof![3 => utf8_domain_name().prop_map(Domain::Name), 1 => literal()];
    (local, domain).prop_map(|(local_part, domain)| Mailbox { local_part, domain })
}

/// Printable text without controls, as the xtext-carried values hold.
fn xtext_value() -> impl Strategy<Value = String> {
    "[ -~é€]{1,12}"
}

fn other_params() -> impl Strategy<Value = Vec<OtherParameter>> {
    proptest::collection::vec(
        ("X-[A-Z0-9-]{1,6}", proptest::option::of("[!-<>-~]{1,8}"))
            .prop_map(|(keyword, value)| OtherParameter { keyword, value }),
        0..3,
    )
}

fn mail_params() -> impl Strategy<Value = MailParameters> {
    (
        proptest::option::of(any::<u64>()),
        proptest::option::of(prop_oneof![
            Just(BodyType::SevenBit),
            Just(BodyType::EightBitMime),
            Just(BodyType::BinaryMime)
        ]),
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(Ret::Full), Just(Ret::Headers)]),
        proptest::option::of(xtext_value()),
        proptest::option::of(prop_oneof![Just(String::from("<>")), xtext_value()]),
        any::<bool>(),
        other_params(),
    )
        .prop_map(
            |(size, body, smtputf8, ret, envid, auth, requiretls, other)| MailParameters {
                size,
                body,
                smtputf8,
                ret,
                envid,
                auth,
                requiretls,
                other,
            },
        )
}

fn rcpt_params() -> impl Strategy<Value = RcptParameters> {
    let notify = prop_oneof![
        Just(Notify::Never),
        any::<(bool, bool, bool)>()
            .prop_filter("at least one condition", |&(s, f, d)| s || f || d)
            .prop_map(|(success, failure, delay)| Notify::On {
                success,
                failure,
                delay
            }),
    ];
    let orcpt = ("[a-zA-Z0-9-]{1,8}", "[ -~é]{0,12}")
        .prop_map(|(addr_type, address)| OriginalRecipient { addr_type, address });
    (
        proptest::option::of(notify),
        proptest::option::of(orcpt),
        other_params(),
    )
        .prop_map(|(notify, orcpt, other)| RcptParameters {
            notify,
            orcpt,
            other,
        })
}

/// Free text without leading/trailing spaces or controls.
fn text() -> impl Strategy<Value = String> {
    "[!-~é]([ -~é]{0,10}[!-~é])?"
}

fn command() -> impl Strategy<Value = Command> {
    prop_oneof![
        ascii_domain().prop_map(|domain| Command::Ehlo { domain }),
        prop_oneof![ascii_domain(), "-[!-~]{0,8}".prop_map(Domain::Name)]
            .prop_map(|domain| Command::Helo { domain }),
        ascii_domain().prop_map(|domain| Command::Lhlo { domain }),
        (
            prop_oneof![
                Just(ReversePath::Null),
                mailbox().prop_map(ReversePath::Mailbox)
            ],
            mail_params()
        )
            .prop_map(|(from, params)| Command::Mail { from, params }),
        (
            prop_oneof![
                Just(ForwardPath::Postmaster),
                mailbox().prop_map(ForwardPath::Mailbox)
            ],
            rcpt_params()
        )
            .prop_map(|(to, params)| Command::Rcpt { to, params }),
        Just(Command::Data),
        (any::<u64>(), any::<bool>()).prop_map(|(size, last)| Command::Bdat { size, last }),
        Just(Command::Rset),
        text().prop_map(|argument| Command::Vrfy { argument }),
        text().prop_map(|argument| Command::Expn { argument }),
        proptest::option::of(text()).prop_map(|topic| Command::Help { topic }),
        proptest::option::of(text()).prop_map(|argument| Command::Noop { argument }),
        Just(Command::Quit),
        Just(Command::StartTls),
        (
            "[A-Z0-9_-]{1,20}",
            proptest::option::of("[A-Za-z0-9+/]{1,20}={0,2}|=")
        )
            .prop_map(|(mechanism, initial_response)| Command::Auth {
                mechanism,
                initial_response
            }),
    ]
}

fn strip_crlf(mut v: Vec<u8>) -> Vec<u8> {
    assert_eq!(v.split_off(v.len() - 2), b"\r\n");
    v
}

/// Tokens of the SMTP command alphabet, so random lines reach deep states.
const ALPHABET: &[&str] = &[
    "MAIL",
    "RCPT",
    "EHLO",
    "HELO",
    "BDAT",
    "AUTH",
    "NOOP",
    "VRFY",
    " FROM:",
    " TO:",
    "<",
    ">",
    "<>",
    "@",
    "a",
    "b.c",
    "\"",
    "\\",
    " ",
    "=",
    ",",
    ";",
    ":",
    ".",
    "[",
    "]",
    "IPv6:",
    "::1",
    "1.2.3.4",
    "SIZE=",
    "BODY=8BITMIME",
    "NOTIFY=",
    "SUCCESS",
    "ORCPT=rfc822;",
    "ENVID=",
    "+2B",
    "+",
    "SMTPUTF8",
    "é",
    "\u{0}",
    "\r",
    "\n",
    "Postmaster",
    "LAST",
    "12",
    "-",
    "_",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn round_trip(c in command(), smtplib in any::<bool>()) {
        let spelling = if smtplib { CommandSpelling::LowerCase } else { CommandSpelling::Upper };
        let mut line = Vec::new();
        c.encode_spelled(spelling, &mut line);
        let line = strip_crlf(line);
        let canonical = match &c {
            Command::Auth { mechanism, initial_response } => Command::Auth {
                mechanism: mechanism.to_ascii_uppercase(),
                initial_response: initial_response.clone(),
            },
            other => other.clone(),
        };
        prop_assert_eq!(CommandRef::parse(&line, true), Ok(canonical.as_borrowed()));
        prop_assert_eq!(Command::parse(&line, true), Ok(canonical), "{}", String::from_utf8_lossy(&line));
        prop_assert_eq!(c.validate(), Ok(()));
        prop_assert_eq!(c.as_borrowed().into_owned(), c);
    }

    #[test]
    fn trailing_junk_fails(
        c in command().prop_filter("MAIL or RCPT", |c| matches!(c, Command::Mail { .. } | Command::Rcpt { .. })),
        junk in prop_oneof![Just(" <x>"), Just(" =1"), Just(" a=b=c"), Just("\t"), Just(" X="), Just(" é")],
    ) {
        let mut line = strip_crlf({ let mut v = Vec::new(); c.encode(&mut v); v });
        line.extend_from_slice(junk.as_bytes());
        let got = Command::parse(&line, true);
        prop_assert!(matches!(got, Err(CommandError::Syntax { .. })), "{:?} -> {:?}", String::from_utf8_lossy(&line), got);
    }

    #[test]
    fn arbitrary_bytes_never_panic(line in proptest::collection::vec(any::<u8>(), 0..300), utf8 in any::<bool>()) {
        let _ = CommandRef::parse(&line, utf8);
    }

    /// Whatever parses re-encodes to a line that parses to the same thing.
    #[test]
    fn smtp_alphabet_reparses(
        tokens in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..24),
        utf8 in any::<bool>(),
    ) {
        let line: String = tokens.concat();
        let borrowed = CommandRef::parse(line.as_bytes(), utf8);
        prop_assert_eq!(borrowed.clone().map(CommandRef::into_owned), Command::parse(line.as_bytes(), utf8));
        if let Ok(c) = Command::parse(line.as_bytes(), utf8) {
            let mut again = Vec::new();
            c.encode(&mut again);
            let mut from_borrowed = Vec::new();
            borrowed.unwrap().encode(&mut from_borrowed);
            prop_assert_eq!(&from_borrowed, &again);
            let again = strip_crlf(again);
            prop_assert_eq!(Command::parse(&again, utf8), Ok(c.clone()), "{} -> {}", line, String::from_utf8_lossy(&again));
        }
    }
}
