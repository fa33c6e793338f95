//! The borrowed command path against the owned one: every line through
//! `CommandRef::parse` and `Command::parse`.
//!
//! Input: the `command_parse` layout (one header byte, bit 1 = SMTPUTF8;
//! one byte ignored, so both targets share seeds), then a stream mapped
//! onto the SMTP alphabet and cut into lines at every LF (a CR before the
//! LF stays in the line, so the parsers see it too).
//!
//! Invariants beyond "no panic":
//! * both parses agree on every line: both fail with the same error, or
//!   both succeed and `into_owned()` of the borrowed one equals the owned
//!   one (so `Command::parse` is exactly `CommandRef::parse` + `into_owned`);
//! * the owned command lent back (`as_borrowed`) equals the borrowed one,
//!   and `as_borrowed().into_owned()` is the identity;
//! * both encode to the same bytes, and have the same verb;
//! * every `&str` field of the borrowed command, and every `Cow` that is
//!   `Borrowed`, is a slice of the line: borrowed means borrowed from the
//!   caller's bytes, not a copy.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use smtp_core::address::{DomainRef, ForwardPathRef, MailboxRef, ReversePathRef};
use smtp_core::command::CommandRef;
use smtp_core::Command;
use smtp_fuzz::{smtp_bytes, Source};

/// Asserts that `s` lies inside `line` (empty strings may be anywhere).
fn inside(line: &[u8], s: &str, what: &str) {
    let range = line.as_ptr_range();
    let p = s.as_ptr();
    assert!(
        s.is_empty() || (range.contains(&p) && s.len() <= line.len()),
        "{what} {s:?} is not a slice of the line"
    );
}

fn cow_inside(line: &[u8], c: &Cow<'_, str>, what: &str) {
    if let Cow::Borrowed(s) = c {
        inside(line, s, what);
    }
}

fn domain_inside(line: &[u8], d: &DomainRef<'_>) {
    match d {
        DomainRef::Name(n) => inside(line, n, "domain"),
        DomainRef::General { tag, content } => {
            inside(line, tag, "literal tag");
            inside(line, content, "literal content");
        }
        _ => {}
    }
}

fn mailbox_inside(line: &[u8], m: &MailboxRef<'_>) {
    cow_inside(line, &m.local_part, "local part");
    domain_inside(line, &m.domain);
}

fn borrows_from(line: &[u8], c: &CommandRef<'_>) {
    match c {
        CommandRef::Ehlo { domain } | CommandRef::Helo { domain } | CommandRef::Lhlo { domain } => {
            domain_inside(line, domain)
        }
        CommandRef::Mail { from, params } => {
            if let ReversePathRef::Mailbox(m) = from {
                mailbox_inside(line, m);
            }
            for v in [&params.envid, &params.auth].into_iter().flatten() {
                cow_inside(line, v, "xtext value");
            }
            for p in params.other.iter() {
                inside(line, p.keyword, "keyword");
                inside(line, p.value.unwrap_or_default(), "value");
            }
        }
        CommandRef::Rcpt { to, params } => {
            if let ForwardPathRef::Mailbox(m) = to {
                mailbox_inside(line, m);
            }
            if let Some(o) = &params.orcpt {
                inside(line, o.addr_type, "addr-type");
                cow_inside(line, &o.address, "ORCPT address");
            }
            for p in params.other.iter() {
                inside(line, p.keyword, "keyword");
                inside(line, p.value.unwrap_or_default(), "value");
            }
        }
        CommandRef::Vrfy { argument } | CommandRef::Expn { argument } => {
            inside(line, argument, "argument")
        }
        CommandRef::Help { topic: a } | CommandRef::Noop { argument: a } => {
            inside(line, a.unwrap_or_default(), "argument")
        }
        CommandRef::Auth {
            mechanism,
            initial_response,
        } => {
            cow_inside(line, mechanism, "mechanism");
            inside(line, initial_response.unwrap_or_default(), "initial response");
        }
        _ => {}
    }
}

fn check(line: &[u8], smtputf8: bool) {
    let borrowed = CommandRef::parse(line, smtputf8);
    let owned = Command::parse(line, smtputf8);
    match (borrowed, owned) {
        (Err(b), Err(o)) => assert_eq!(b, o, "different errors for {line:?}"),
        (Ok(b), Ok(o)) => {
            borrows_from(line, &b);
            assert_eq!(b.clone().into_owned(), o, "into_owned differs for {line:?}");
            assert_eq!(o.as_borrowed(), b, "as_borrowed differs for {line:?}");
            assert_eq!(o.as_borrowed().into_owned(), o);
            assert_eq!(b.verb(), o.verb());
            let (mut wb, mut wo) = (Vec::new(), Vec::new());
            b.encode(&mut wb);
            o.encode(&mut wo);
            assert_eq!(wb, wo, "encodings differ for {line:?}");
        }
        (b, o) => panic!("{line:?}: borrowed {b:?} but owned {o:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let smtputf8 = src.byte() & 2 != 0;
    let _ = src.byte();
    let stream = smtp_bytes(src.rest());
    for line in stream.split(|&b| b == b'\n') {
        check(line, smtputf8);
        check(line, !smtputf8);
    }
});
