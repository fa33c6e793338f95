//! EHLO replies: arbitrary server bytes through `ReplyParser`, or arbitrary
//! lines straight into `Reply::from_lines`, then `Capabilities::from_reply`.
//!
//! Input: a header byte (bit 0: lines straight to `from_lines`, bypassing
//! the parser's limits), then the reply bytes (mapped onto the SMTP
//! alphabet).
//!
//! Invariants beyond "no panic":
//! * every keyword line is found by `has`; the extension bits, `max_size`
//!   and the AUTH mechanisms agree with the keyword lines (mechanisms
//!   upper-case, non-empty, without spaces, without duplicates);
//! * `to_reply` encodes to CRLF lines of at most 512 octets;
//! * `from_reply(to_reply(c)) == c` as documented (names without spaces,
//!   lines without CR/LF within the line limit), directly and through the
//!   wire (encode, then `ReplyParser`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::reply::{ReplyParser, ReplyParserConfig};
use smtp_core::{Capabilities, Extensions, Reply, ReplyCode};
use smtp_fuzz::{assert_crlf_lines, smtp_bytes, Source};

/// Text octets a reply line holds within RFC 5321 §4.5.3.1.5's 512
/// (`NNN-` and CRLF excluded).
const MAX_TEXT: usize = 512 - 6;

/// Every extension bit `Extensions` names.
const ALL: [Extensions; 17] = [
    Extensions::SIZE,
    Extensions::EIGHT_BIT_MIME,
    Extensions::PIPELINING,
    Extensions::CHUNKING,
    Extensions::BINARY_MIME,
    Extensions::SMTPUTF8,
    Extensions::DSN,
    Extensions::ENHANCED_STATUS_CODES,
    Extensions::STARTTLS,
    Extensions::AUTH,
    Extensions::REQUIRETLS,
    Extensions::VRFY,
    Extensions::EXPN,
    Extensions::HELP,
    Extensions::DELIVERBY,
    Extensions::MT_PRIORITY,
    Extensions::FUTURERELEASE,
];

fn check(caps: &Capabilities) {
    let keywords: Vec<(&str, &str)> = caps.keywords().collect();
    let mechs: Vec<&str> = caps.auth_mechanisms().collect();
    for (name, _) in &keywords {
        assert!(caps.has(name), "has({name:?}) is false");
        if let Some(ext) = Extensions::from_keyword(name) {
            assert!(caps.extensions().contains(ext), "{name:?} not flagged");
        }
    }
    for ext in ALL {
        if caps.extensions().contains(ext) {
            let named = keywords.iter().any(|(name, _)| {
                Extensions::from_keyword(name) == Some(ext)
                    || (ext == Extensions::AUTH
                        && name.len() >= 5
                        && name.as_bytes()[..5].eq_ignore_ascii_case(b"AUTH="))
            });
            assert!(named, "{ext:?} without a keyword");
        }
    }
    if let Some(n) = caps.max_size() {
        assert!(n > 0 && caps.extensions().contains(Extensions::SIZE));
    }
    for (i, m) in mechs.iter().enumerate() {
        assert!(!m.is_empty());
        // RFC 4954 §3 separates mechanisms with SP; any ASCII whitespace
        // separates them here (as smtplib's `split()` does), other octets
        // stay in the name (such a name never matches a mechanism this
        // crate runs, and `Mechanism::parse` refuses to send it).
        assert!(!m.bytes().any(|b| b.is_ascii_whitespace()), "space in {m:?}");
        assert_eq!(*m, m.to_ascii_uppercase());
        assert!(
            !mechs[..i].iter().any(|o| o.eq_ignore_ascii_case(m)),
            "duplicate mechanism {m:?}"
        );
    }
    if !mechs.is_empty() {
        assert!(caps.extensions().contains(Extensions::AUTH));
    }

    let reply = caps.to_reply();
    let wire = reply.to_bytes();
    assert_crlf_lines(&wire, "Capabilities::to_reply");
    for l in wire.split_inclusive(|&b| b == b'\n') {
        assert!(l.len() <= 512, "encoded line of {} octets", l.len());
    }

    let clean = |s: &str| !s.contains(['\r', '\n']);
    let documented = clean(caps.greeting())
        && caps.greeting().len() <= MAX_TEXT
        && keywords.iter().all(|(name, params)| {
            !name.contains(' ')
                && clean(name)
                && clean(params)
                && name.len() + 1 + params.len() <= MAX_TEXT
        });
    if documented {
        assert_eq!(
            &Capabilities::from_reply(&reply),
            caps,
            "to_reply/from_reply"
        );
        let mut config = ReplyParserConfig::default();
        config.max_lines = usize::MAX;
        config.max_octets = usize::MAX;
        let mut parser = ReplyParser::with_config(config);
        let (n, r) = parser.parse(&wire);
        assert_eq!(n, wire.len());
        let back = r.expect("a whole reply").expect("a valid reply");
        assert_eq!(back.code(), ReplyCode::OK);
        assert_eq!(&Capabilities::from_reply(&back), caps, "through the wire");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let bytes = smtp_bytes(src.rest());
    if header & 1 == 0 {
        let mut parser = ReplyParser::new();
        let mut rest = &bytes[..];
        loop {
            let (n, r) = parser.parse(rest);
            rest = &rest[n..];
            match r {
                Some(Ok(reply)) => check(&Capabilities::from_reply(&reply)),
                _ => break,
            }
        }
    } else {
        let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        let reply = Reply::from_lines(ReplyCode::OK, &lines);
        check(&Capabilities::from_reply(&reply));
    }
});
