//! Table tests and round-trips for EHLO capabilities.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::*;
use crate::reply::ReplyParser;

fn caps(wire: &[u8]) -> Capabilities {
    let (_, r) = ReplyParser::new().parse(wire);
    Capabilities::from_reply(&r.unwrap().unwrap())
}

const GMAIL_LIKE: &[u8] = b"250-smtp.example.com at your service, [192.0.2.1]\r\n\
250-SIZE 35882577\r\n\
250-8BITMIME\r\n\
250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n\
250-AUTH=login plain\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-pipelining\r\n\
250-CHUNKING\r\n\
250-X-EXPERIMENTAL  two  spaces\r\n\
250 SMTPUTF8\r\n";

#[test]
fn realistic_reply() {
    let c = caps(GMAIL_LIKE);
    assert_eq!(
        c.greeting(),
        "smtp.example.com at your service, [192.0.2.1]"
    );
    assert_eq!(c.max_size(), Some(35_882_577));
    let want = Extensions::SIZE
        | Extensions::EIGHT_BIT_MIME
        | Extensions::AUTH
        | Extensions::ENHANCED_STATUS_CODES
        | Extensions::PIPELINING
        | Extensions::CHUNKING
        | Extensions::SMTPUTF8;
    assert_eq!(c.extensions(), want);
    let mechs: Vec<&str> = c.auth_mechanisms().collect();
    assert_eq!(
        mechs,
        [
            "LOGIN",
            "PLAIN",
            "XOAUTH2",
            "PLAIN-CLIENTTOKEN",
            "OAUTHBEARER",
            "XOAUTH"
        ]
    );
    assert_eq!(c.keywords().count(), 9);
    assert_eq!(c.keywords().nth(3).unwrap().0, "AUTH=login");
    assert_eq!(c.keywords().nth(3).unwrap().1, "plain");
    assert_eq!(c.keyword_params("x-experimental"), Some(" two  spaces"));
    assert_eq!(c.keyword_params("8bitmime"), Some(""));
    assert_eq!(c.keyword_params("DSN"), None);
    assert!(c.has("PIPELINING") && c.has("Size") && c.has("x-EXPERIMENTAL"));
    assert!(!c.has("STARTTLS") && !c.has("DSN"));
    assert!(c.supports(Extensions::CHUNKING | Extensions::SMTPUTF8));
    assert!(!c.supports(Extensions::DSN));
}

#[test]
fn size_variants() {
    let table: &[(&[u8], Option<u64>)] = &[
        (b"250-x\r\n250 SIZE\r\n", None),
        (b"250-x\r\n250 SIZE 0\r\n", None),
        (b"250-x\r\n250 SIZE abc\r\n", None),
        (b"250-x\r\n250 SIZE -5\r\n", None),
        (b"250-x\r\n250 size 1000\r\n", Some(1000)),
        (
            b"250-x\r\n250 SIZE 18446744073709551615\r\n",
            Some(u64::MAX),
        ),
        (b"250-x\r\n250 SIZE 18446744073709551616\r\n", None),
    ];
    for &(wire, want) in table {
        let c = caps(wire);
        assert!(c.supports(Extensions::SIZE), "{wire:?}");
        assert_eq!(c.max_size(), want, "{wire:?}");
    }
}

#[test]
fn old_auth_form_only() {
    let c = caps(b"250-mx\r\n250 AUTH=PLAIN LOGIN plain\r\n");
    assert!(c.supports(Extensions::AUTH));
    assert!(c.has("auth"));
    assert_eq!(c.auth_mechanisms().collect::<Vec<_>>(), ["PLAIN", "LOGIN"]);
}

#[test]
fn greeting_only() {
    let c = caps(b"250 mx.example.org\r\n");
    assert_eq!(c.greeting(), "mx.example.org");
    assert!(c.keywords().next().is_none());
    assert_eq!(c.extensions(), Extensions::NONE);
}

#[test]
fn to_reply_wire() {
    let mut c = Capabilities::new("mx.example.org Hello");
    c.add_keyword("PIPELINING", "");
    c.add_keyword("SIZE", "1000");
    assert_eq!(
        c.to_reply().to_bytes(),
        b"250-mx.example.org Hello\r\n250-PIPELINING\r\n250 SIZE 1000\r\n"
    );
    assert_eq!(c.max_size(), Some(1000));
}

fn arb_caps() -> impl Strategy<Value = Capabilities> {
    let name = prop_oneof![
        Just(String::from("SIZE")),
        Just(String::from("AUTH")),
        Just(String::from("AUTH=PLAIN")),
        Just(String::from("pipelining")),
        "[A-Za-z0-9][A-Za-z0-9-]{0,15}",
    ];
    let params = prop_oneof![Just(String::new()), "[ -~]{0,40}", "[0-9]{1,12}"];
    let kws = proptest::collection::vec((name, params), 0..15);
    ("[!-~][ -~]{0,60}", kws).prop_map(|(g, kws)| {
        let mut c = Capabilities::new(&g);
        for (n, p) in kws {
            c.add_keyword(&n, &p);
        }
        c
    })
}

proptest! {
    #[test]
    fn roundtrip(c in arb_caps()) {
        let wire = c.to_reply().to_bytes();
        prop_assert_eq!(caps(&wire), c);
    }
}

#[test]
fn known_keywords_case_insensitive() {
    let table = [
        ("size", Extensions::SIZE),
        ("8bitmime", Extensions::EIGHT_BIT_MIME),
        ("Pipelining", Extensions::PIPELINING),
        ("CHUNKING", Extensions::CHUNKING),
        ("BinaryMime", Extensions::BINARY_MIME),
        ("smtputf8", Extensions::SMTPUTF8),
        ("dsn", Extensions::DSN),
        ("EnhancedStatusCodes", Extensions::ENHANCED_STATUS_CODES),
        ("starttls", Extensions::STARTTLS),
        ("auth", Extensions::AUTH),
        ("RequireTLS", Extensions::REQUIRETLS),
        ("vrfy", Extensions::VRFY),
        ("expn", Extensions::EXPN),
        ("help", Extensions::HELP),
        ("deliverby", Extensions::DELIVERBY),
        ("mt-priority", Extensions::MT_PRIORITY),
        ("FutureRelease", Extensions::FUTURERELEASE),
    ];
    let mut all = Extensions::NONE;
    for (name, ext) in table {
        assert_eq!(Extensions::from_keyword(name), Some(ext), "{name}");
        all |= ext;
    }
    // Every bit distinct: 17 extensions, 17 bits.
    assert_eq!(all.bits().count_ones(), 17);
    for name in [
        "",
        "SIZ",
        "SIZES",
        "ENHANCEDSTATUSCODESX",
        "X-AUTH",
        "AUTH=PLAIN",
    ] {
        assert_eq!(Extensions::from_keyword(name), None, "{name}");
    }
}

#[test]
fn non_utf8_is_replaced() {
    let c = caps(b"250-mx\xff\r\n250 X-K\xfe v\r\n");
    assert_eq!(c.greeting(), "mx\u{fffd}");
    assert_eq!(c.keywords().next().unwrap().0, "X-K\u{fffd}");
    assert_eq!(c.keywords().next().unwrap().1, "v");
}

#[test]
fn extension_keywords_round_trip() {
    let mut all = Extensions::NONE;
    for bit in 0..17 {
        let ext = Extensions(1 << bit);
        let name = ext.keyword().unwrap();
        assert_eq!(Extensions::from_keyword(name), Some(ext), "{name}");
        assert_eq!(
            Extensions::from_keyword(&name.to_ascii_lowercase()),
            Some(ext)
        );
        all |= ext;
    }
    assert_eq!(all.keywords().count(), 17);
    assert_eq!(Extensions::NONE.keyword(), None);
    assert_eq!((Extensions::DSN | Extensions::SIZE).keyword(), None);
    assert_eq!(Extensions::from_keyword("X-UNKNOWN"), None);
    assert_eq!(Extensions::from_keyword("AUTH=PLAIN"), None);
    let set = Extensions::DSN | Extensions::SIZE | Extensions::CHUNKING;
    assert_eq!(
        set.keywords().collect::<Vec<_>>(),
        ["SIZE", "CHUNKING", "DSN"]
    );
    let left = set.difference(Extensions::SIZE | Extensions::AUTH);
    assert_eq!(left, Extensions::DSN | Extensions::CHUNKING);
    assert!(!left.is_empty());
    assert!(set.difference(set).is_empty());
}

/// (AUTH lines, the mechanisms read back): in place when already in the
/// RFC 4954 form, copied and upper-cased otherwise, duplicates skipped.
#[test]
fn auth_mechanisms_every_form() {
    let cases: &[(&[&str], &[&str])] = &[
        (&["AUTH PLAIN LOGIN"], &["PLAIN", "LOGIN"]),
        (&["AUTH plain Login"], &["PLAIN", "LOGIN"]),
        (&["AUTH PLAIN  LOGIN "], &["PLAIN", "LOGIN"]),
        (&["AUTH PLAIN PLAIN LOGIN"], &["PLAIN", "LOGIN"]),
        (&["AUTH"], &[]),
        (&["AUTH PLAIN", "AUTH=LOGIN PLAIN"], &["PLAIN", "LOGIN"]),
        (
            &["AUTH=login", "AUTH CRAM-MD5 SCRAM-SHA-256"],
            &["LOGIN", "CRAM-MD5", "SCRAM-SHA-256"],
        ),
    ];
    for (lines, want) in cases {
        let mut wire = Vec::from(&b"250-mx.example\r\n"[..]);
        for (i, l) in lines.iter().enumerate() {
            let sep = if i + 1 == lines.len() { ' ' } else { '-' };
            wire.extend_from_slice(format!("250{sep}{l}\r\n").as_bytes());
        }
        let c = caps(&wire);
        let got: Vec<&str> = c.auth_mechanisms().collect();
        assert_eq!(got, *want, "{lines:?}");
        assert!(c.supports(Extensions::AUTH));
        // Built with `add_keyword`, the same text reads the same.
        let mut built = Capabilities::new("mx.example");
        for l in *lines {
            let (name, params) = l.split_once(' ').unwrap_or((l, ""));
            built.add_keyword(name, params);
        }
        assert_eq!(built, c);
        assert_eq!(built.auth_mechanisms().collect::<Vec<_>>(), *want);
    }
}

/// A name holding a space is read as a peer would read the line: the
/// derived values follow the text, so a round trip keeps them.
#[test]
fn add_keyword_derives_from_the_line_written() {
    let mut c = Capabilities::new("mx.example");
    c.add_keyword("AUTH PLAIN", "LOGIN");
    c.add_keyword("SIZE", " 1000 ");
    assert_eq!(c.auth_mechanisms().collect::<Vec<_>>(), ["PLAIN", "LOGIN"]);
    assert_eq!(c.max_size(), Some(1000));
    let back = Capabilities::from_reply(&c.to_reply());
    assert_eq!(back, c);
    assert_eq!(
        back.auth_mechanisms().collect::<Vec<_>>(),
        ["PLAIN", "LOGIN"]
    );
    assert_eq!(back.extensions(), c.extensions());
}
