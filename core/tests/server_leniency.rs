//! What a server configured for old clients and application-defined
//! commands does: paths without angle brackets, QUIT with an argument, the
//! MAIL line lengthened by the extensions in force, verbs the application
//! serves, and a message size limit changed mid-session.

mod server_support;

use server_support::*;
use smtp_core::command::{CommandRef, Leniency};
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, MessageProblem, ServerConfig};
use smtp_core::{LocalError, ReversePath};

fn lenient() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions = Extensions::SIZE | Extensions::EIGHT_BIT_MIME | Extensions::SMTPUTF8;
    c.leniency.unbracketed_paths = true;
    c.leniency.quit_argument = true;
    c
}

fn strict() -> ServerConfig {
    let mut c = lenient();
    c.leniency = Leniency::default();
    c
}

#[test]
fn paths_without_brackets_only_when_allowed() {
    let script =
        b"EHLO c\r\nMAIL FROM:eggs@example SIZE=10\r\nRCPT TO: \"Fred Blogs\"@example.com\r\n";
    let mut h = Harness::new(lenient());
    h.feed(script);
    assert_eq!(h.codes(), vec![220, 250, 250, 250]);
    let froms: Vec<String> = h.commands.iter().map(|c| format!("{c:?}")).collect();
    assert!(
        froms[1].contains("eggs") && froms[1].contains("size: Some(10)"),
        "{froms:?}"
    );
    assert!(froms[2].contains("Fred Blogs"), "{froms:?}");

    let mut h = Harness::new(strict());
    h.feed(script);
    assert_eq!(h.codes(), vec![220, 250, 501, 501]);
}

#[test]
fn unbracketed_paths_keep_the_grammar() {
    let mut h = Harness::new(lenient());
    // Nothing, a path that is no mailbox, and text after the mailbox that
    // is no parameter are still refused; `<>` keeps its brackets.
    h.feed(b"EHLO c\r\nMAIL FROM:\r\nMAIL FROM:eggs\r\nMAIL FROM:a@b.example<x>\r\n");
    assert_eq!(h.codes(), vec![220, 250, 501, 501, 501]);
    h.feed(b"MAIL FROM:<>\r\n");
    assert_eq!(h.codes().last(), Some(&250));
    let last = h.commands.last().unwrap();
    assert!(matches!(
        last,
        smtp_core::Command::Mail {
            from: ReversePath::Null,
            ..
        }
    ));
}

#[test]
fn the_kept_line_is_parsed_with_the_same_leniency() {
    let mut h = Harness::with_policy(lenient(), |_| Answer::Hold);
    h.feed(b"MAIL FROM:a@b.example\r\n");
    // No HELO yet: refused before anything is asked.
    assert_eq!(h.codes(), vec![220, 503]);
    let mut h = Harness::with_policy(lenient(), |e| {
        if matches!(e, Event::MailFrom) {
            Answer::Hold
        } else {
            Answer::Accept
        }
    });
    h.feed(b"HELO c\r\nMAIL FROM:a@b.example\r\n");
    assert!(matches!(h.s.command(), Some(CommandRef::Mail { .. })));
    assert_eq!(h.s.command_line(), Some(&b"MAIL FROM:a@b.example"[..]));
}

#[test]
fn quit_with_an_argument() {
    let mut h = Harness::new(lenient());
    h.feed(b"QUIT bye bye\r\n");
    assert_eq!(h.codes(), vec![220, 221]);
    assert!(h.s.is_closed());

    let mut h = Harness::new(strict());
    h.feed(b"QUIT bye bye\r\n");
    assert_eq!(h.codes(), vec![220, 501]);
    assert!(!h.s.is_closed());
}

fn mail_line(total_with_crlf: usize) -> Vec<u8> {
    let fixed = "MAIL FROM:<@example>\r\n".len();
    let mut line = b"MAIL FROM:<".to_vec();
    line.extend(std::iter::repeat_n(b'a', total_with_crlf - fixed));
    line.extend_from_slice(b"@example>\r\n");
    line
}

#[test]
fn the_mail_line_grows_with_size_and_smtputf8_after_ehlo() {
    // RFC 5321's 512, plus 26 for SIZE (RFC 1870) and 10 for SMTPUTF8
    // (RFC 6531), CRLF included.
    let limit = 512 + 26 + 10;
    let mut h = Harness::new(strict());
    h.feed(b"EHLO c\r\n");
    h.feed(&mail_line(limit + 1));
    h.feed(&mail_line(limit));
    assert_eq!(h.codes(), vec![220, 250, 500, 250]);

    // After HELO no extension is in force: 512.
    let mut h = Harness::new(strict());
    h.feed(b"HELO c\r\n");
    h.feed(&mail_line(513));
    h.feed(&mail_line(512));
    assert_eq!(h.codes(), vec![220, 250, 500, 250]);

    // Other commands keep 512.
    let mut h = Harness::new(strict());
    h.feed(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\n");
    let mut rcpt = b"RCPT TO:<".to_vec();
    rcpt.extend(std::iter::repeat_n(b'a', 520));
    rcpt.extend_from_slice(b"@example>\r\n");
    h.feed(&rcpt);
    assert_eq!(h.codes(), vec![220, 250, 250, 500]);
}

fn with_verbs(verbs: &[&str]) -> ServerConfig {
    let mut c = strict();
    c.application_verbs = verbs.iter().map(|v| v.to_string()).collect();
    c
}

#[test]
fn application_verbs_reach_the_application() {
    let mut h = Harness::with_policy(with_verbs(&["XYZZY", "EXPN"]), |e| match e {
        Event::Command => Answer::Reply(reply(250, "Nothing happens")),
        _ => Answer::Accept,
    });
    h.feed(b"xyzzy plugh\r\nEXPN\r\nFOO\r\n");
    assert_eq!(
        h.wire_text(),
        "220 mx.example ESMTP ready\r\n250 Nothing happens\r\n250 Nothing happens\r\n\
         500 Syntax error, command unrecognized\r\n"
    );
    assert_eq!(
        h.events
            .iter()
            .filter(|e| matches!(e, Event::Command))
            .count(),
        2
    );
}

#[test]
fn application_verbs_lend_their_line_and_refuse_3xx() {
    let mut h = Harness::with_policy(with_verbs(&["XCLIENT"]), |_| Answer::Hold);
    h.feed(b"XCLIENT NAME=spike.example\r\n");
    assert_eq!(h.events.last(), Some(&Event::Command));
    assert_eq!(h.s.command_line(), Some(&b"XCLIENT NAME=spike.example"[..]));
    assert!(h.s.command().is_none());
    assert!(matches!(
        h.s.reply(reply(354, "go on")),
        Err(LocalError::UnsuitableReply { .. })
    ));
    h.s.accept().unwrap();
    h.drain();
    assert!(h.wire_text().ends_with("250 OK\r\n"));
}

#[test]
fn the_machine_keeps_the_verbs_it_serves() {
    let mut c = with_verbs(&["MAIL", "BDAT", "EXPN", "VRFY"]);
    c.extensions |= Extensions::VRFY;
    let mut h = Harness::new(c);
    h.feed(b"EHLO c\r\nVRFY bob\r\nMAIL FROM:<a@b.example>\r\nBDAT 3\r\nabc");
    let kinds: Vec<&Event> = h.events.iter().filter(|e| e.needs_answer()).collect();
    assert_eq!(kinds, vec![&Event::Ehlo, &Event::Vrfy, &Event::MailFrom]);
    // BDAT without CHUNKING: its octets are drained, then 502.
    assert_eq!(h.codes().last(), Some(&502));
}

#[test]
fn the_size_limit_can_change_mid_session() {
    let mut c = strict();
    c.max_message_size = Some(10_000);
    let mut h = Harness::new(c);
    h.feed(b"EHLO c\r\n");
    h.s.set_max_message_size(Some(100));
    h.feed(b"MAIL FROM:<a@b.example> SIZE=200\r\n");
    assert_eq!(h.codes().last(), Some(&552));
    h.feed(b"EHLO c\r\n");
    assert!(h.wire_text().contains("250-SIZE 100\r\n"));
    h.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n");
    let mut body = vec![b'x'; 300];
    body.extend_from_slice(b"\r\n.\r\n");
    h.feed(&body);
    assert_eq!(h.codes().last(), Some(&552));
    assert!(matches!(
        h.events.last(),
        Some(Event::MessageRefused {
            reason: MessageProblem::TooLarge { limit: 100 },
            ..
        })
    ));
}
