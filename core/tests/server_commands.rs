//! Per-command table tests for ServerConnection: each row feeds a script to
//! a server that accepts every event and checks the replies sent.

mod server_support;

use server_support::*;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, Greeting, Refusal, ServerConfig};
use smtp_core::{Command, LocalError};

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions |= Extensions::DSN | Extensions::CHUNKING | Extensions::BINARY_MIME;
    c.max_message_size = Some(10_000);
    c
}

/// (name, script after the greeting, expected reply lines, in order).
const TABLE: &[(&str, &str, &[&str])] = &[
    ("mail before ehlo", "MAIL FROM:<a@b.example>\r\n", &["503 5.5.1 Send EHLO or HELO first"]),
    ("rcpt before mail", "EHLO c\r\nRCPT TO:<a@b.example>\r\n", &["250 ENHANCEDSTATUSCODES", "503 5.5.1 Need MAIL before RCPT"]),
    ("data before mail", "EHLO c\r\nDATA\r\n", &["250 ENHANCEDSTATUSCODES", "503 5.5.1 Need MAIL command"]),
    ("data without rcpt", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nDATA\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "554 5.5.1 no valid recipients given"]),
    ("nested mail", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "503 5.5.1 Nested MAIL command"]),
    ("rset clears", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRSET\r\nRCPT TO:<x@y.example>\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.0.0 OK", "503 5.5.1 Need MAIL before RCPT"]),
    ("ehlo clears", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nEHLO c\r\nRCPT TO:<x@y.example>\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 ENHANCEDSTATUSCODES", "503 5.5.1 Need MAIL before RCPT"]),
    ("unknown verb", "FOO bar\r\n", &["500 5.5.2 Syntax error, command unrecognized"]),
    ("bad mail syntax", "EHLO c\r\nMAIL FROM:nobracket\r\n", &["250 ENHANCEDSTATUSCODES", "501 5.5.4 Syntax error in parameters or arguments"]),
    ("vrfy off", "VRFY bob\r\n", &["502 5.5.1 Command not implemented"]),
    ("expn off", "EXPN list\r\n", &["502 5.5.1 Command not implemented"]),
    ("help off", "HELP\r\n", &["502 5.5.1 Command not implemented"]),
    ("starttls off", "STARTTLS\r\n", &["502 5.5.1 Command not implemented"]),
    ("auth off", "EHLO c\r\nAUTH PLAIN\r\n", &["250 ENHANCEDSTATUSCODES", "502 5.5.1 Command not implemented"]),
    ("lhlo in smtp", "LHLO c\r\n", &["500 5.5.1 Command unrecognized in this protocol"]),
    ("noop", "NOOP\r\n", &["250 2.0.0 OK"]),
    ("noop with argument", "NOOP hello\r\n", &["250 2.0.0 OK"]),
    ("rset before ehlo", "RSET\r\n", &["250 2.0.0 OK"]),
    ("quit", "QUIT\r\n", &["221 2.0.0 mx.example closing connection"]),
    ("unknown mail param", "EHLO c\r\nMAIL FROM:<a@b.example> FOO=1\r\n", &["250 ENHANCEDSTATUSCODES", "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented"]),
    ("unknown rcpt param", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example> FOO\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented"]),
    ("size over limit", "EHLO c\r\nMAIL FROM:<a@b.example> SIZE=10001\r\n", &["250 ENHANCEDSTATUSCODES", "552 5.3.4 Message size exceeds fixed maximum message size"]),
    ("size at limit", "EHLO c\r\nMAIL FROM:<a@b.example> SIZE=10000\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK"]),
    ("dsn params", "EHLO c\r\nMAIL FROM:<a@b.example> RET=HDRS ENVID=x\r\nRCPT TO:<x@y.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y.example\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK"]),
    ("helo then size param", "HELO c\r\nMAIL FROM:<a@b.example> SIZE=10\r\n", &["250 mx.example Hello c", "555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented"]),
    ("helo then plain mail", "HELO c\r\nMAIL FROM:<a@b.example>\r\n", &["250 mx.example Hello c", "250 2.1.0 Sender OK"]),
    ("utf8 without smtputf8", "EHLO c\r\nMAIL FROM:<j\u{f6}rg@b.example>\r\n", &["250 ENHANCEDSTATUSCODES", "553 5.6.7 Non-ASCII address requires SMTPUTF8"]),
    ("utf8 with smtputf8", "EHLO c\r\nMAIL FROM:<j\u{f6}rg@b.example> SMTPUTF8\r\nRCPT TO:<\u{e9}@b.example>\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK"]),
    ("utf8 rcpt without smtputf8 mail", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<\u{e9}@b.example>\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "553 5.6.7 Non-ASCII address requires SMTPUTF8"]),
    ("binarymime refuses data", "EHLO c\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<x@y.example>\r\nDATA\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "503 5.5.1 BINARYMIME requires BDAT"]),
    ("bdat without mail drains", "EHLO c\r\nBDAT 12\r\nQUIT\r\nQUIT\r\nNOOP\r\n", &["250 ENHANCEDSTATUSCODES", "503 5.5.1 Bad sequence of commands", "250 2.0.0 OK"]),
    ("data after bdat", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nBDAT 3\r\nabcDATA\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.0.0 3 octets received", "503 5.5.1 DATA after BDAT"]),
    ("bdat session", "EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "250 2.0.0 3 octets received", "250 2.0.0 Message accepted for delivery"]),
    ("data session", "EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n.\r\n", &["250 ENHANCEDSTATUSCODES", "250 2.1.0 Sender OK", "250 2.1.5 Recipient OK", "354 Start mail input; end with <CRLF>.<CRLF>", "250 2.0.0 Message accepted for delivery"]),
    ("bare lf command", "NOOP\n", &["500 5.5.2 Command line must end with CRLF"]),
];

/// The last line of each reply in `wire`.
fn last_lines(wire: &str) -> Vec<String> {
    wire.split("\r\n")
        .filter(|l| l.len() >= 4 && l.as_bytes()[3] == b' ' || l.len() == 3)
        .map(String::from)
        .collect()
}

#[test]
fn command_table() {
    for (name, script, expected) in TABLE {
        let mut h = Harness::new(cfg());
        h.wire.clear();
        h.feed(script.as_bytes());
        assert_eq!(last_lines(&h.wire_text()), *expected, "row {name:?}");
    }
}

#[test]
fn greeting_and_ehlo_reply() {
    let mut c = cfg();
    c.extensions |= Extensions::STARTTLS;
    c.auth_mechanisms = vec!["PLAIN".into()];
    let mut h = Harness::new(c);
    assert_eq!(h.wire_text(), "220 mx.example ESMTP ready\r\n");
    let out = h.exchange(b"EHLO client.example\r\n");
    assert_eq!(
        out,
        "250-mx.example Hello client.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n\
         250-CHUNKING\r\n250-BINARYMIME\r\n250-SMTPUTF8\r\n250-DSN\r\n\
         250-ENHANCEDSTATUSCODES\r\n250 STARTTLS\r\n"
            .replace("250-PIPELINING", "250-SIZE 10000\r\n250-PIPELINING")
    );
    assert!(matches!(&h.events[0], Event::Ehlo));
}

#[test]
fn no_enhanced_codes_when_not_offered() {
    let mut c = ServerConfig::new("mx.example");
    c.extensions = Extensions::PIPELINING;
    let mut h = Harness::new(c);
    let out = h.exchange(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nFOO\r\nQUIT\r\n");
    assert_eq!(
        out,
        "250-mx.example Hello c\r\n250 PIPELINING\r\n250 Sender OK\r\n\
         500 Syntax error, command unrecognized\r\n221 mx.example closing connection\r\n"
    );
}

#[test]
fn no_service_greeting_waits_for_quit() {
    let mut c = cfg();
    c.greeting = Greeting::NoService("No SMTP service here".into());
    let mut h = Harness::new(c);
    assert_eq!(h.wire_text(), "554 mx.example No SMTP service here\r\n");
    let out = h.exchange(b"EHLO c\r\nMAIL FROM:<a@b>\r\nQUIT\r\n");
    assert_eq!(
        out,
        "503 5.5.1 No SMTP service here, send QUIT\r\n503 5.5.1 No SMTP service here, send QUIT\r\n\
         221 2.0.0 mx.example closing connection\r\n"
    );
    assert!(h.s.is_closed());
}

#[test]
fn vrfy_expn_help_when_enabled() {
    let mut c = cfg();
    c.extensions |= Extensions::VRFY | Extensions::EXPN | Extensions::HELP;
    let mut h = Harness::new(c);
    h.wire.clear();
    h.feed(b"VRFY bob\r\nEXPN staff\r\nHELP\r\n");
    let codes = h.codes();
    assert_eq!(codes, vec![252, 252, 214]);
    assert!(h.wire_text().contains(
        "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT HELP VRFY EXPN"
    ));
    assert_eq!(&h.events[..3], [Event::Vrfy, Event::Expn, Event::Help]);
    assert_eq!(
        h.commands,
        [
            Command::Vrfy {
                argument: "bob".into()
            },
            Command::Expn {
                argument: "staff".into()
            },
            Command::Help { topic: None }
        ]
    );
}

#[test]
fn mail_command_lends_typed_params() {
    let mut h = greeted(cfg());
    h.feed(b"MAIL FROM:<a@b.example> SIZE=500 BODY=8BITMIME RET=FULL ENVID=QQ+2Bx\r\n");
    assert_eq!(h.events, [Event::MailFrom]);
    let [Command::Mail { from, params }] = &h.commands[..] else {
        panic!("{:?}", h.commands)
    };
    assert_eq!(from.to_string(), "<a@b.example>");
    assert_eq!(params.size, Some(500));
    assert_eq!(params.envid.as_deref(), Some("QQ+x"));
}

#[test]
fn custom_replies_and_their_effect() {
    // The app refuses the first recipient: DATA then lacks one.
    let mut n = 0;
    let mut h = Harness::with_policy(cfg(), move |e| match e {
        Event::RcptTo => {
            n += 1;
            if n == 1 {
                Answer::Reply(reply(550, "5.1.1 No such user"))
            } else {
                Answer::Accept
            }
        }
        _ => Answer::Accept,
    });
    h.wire.clear();
    h.feed(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nRCPT TO:<z@y.example>\r\nDATA\r\n");
    assert_eq!(h.codes(), vec![250, 250, 550, 554, 250, 354]);
}

#[test]
fn answer_misuse_is_a_local_error() {
    let mut h = Harness::with_policy(cfg(), |_| Answer::Hold);
    assert!(matches!(h.s.accept(), Err(LocalError::InvalidState { .. })));
    h.feed(b"EHLO c\r\n");
    assert!(h.s.awaiting_answer());
    assert!(matches!(
        h.s.reply(reply(354, "go ahead")),
        Err(LocalError::UnsuitableReply { .. })
    ));
    assert!(h.s.awaiting_answer(), "state unchanged after the error");
    h.s.accept().unwrap();
    assert!(matches!(h.s.accept(), Err(LocalError::InvalidState { .. })));
}

#[test]
fn a_421_reply_closes() {
    let mut h = Harness::with_policy(cfg(), |e| match e {
        Event::MailFrom => Answer::Reply(reply(421, "4.3.2 shutting down")),
        _ => Answer::Accept,
    });
    h.feed(b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nNOOP\r\n");
    assert!(h.s.is_closed());
    assert_eq!(
        h.events.last(),
        Some(&Event::Closed {
            clean: false,
            lost: None
        })
    );
    assert_eq!(h.codes(), vec![220, 250, 421]);
}

#[test]
fn bad_command_flood_ends_with_421() {
    let mut c = cfg();
    c.max_bad_commands = 3;
    let mut h = Harness::new(c);
    h.wire.clear();
    h.feed(b"X\r\nX\r\nX\r\nX\r\nNOOP\r\n");
    assert_eq!(h.codes(), vec![500, 500, 500, 421]);
    assert!(h
        .wire_text()
        .ends_with("421 4.7.0 mx.example Too many errors, closing connection\r\n"));
    assert!(h
        .events
        .contains(&Event::Failed(smtp_core::RemoteError::TooManyErrors)));
    // Failed is final: nothing follows it.
    assert_eq!(
        h.events.last(),
        Some(&Event::Failed(smtp_core::RemoteError::TooManyErrors))
    );
}

#[test]
fn refusals_are_reported() {
    let mut h = Harness::new(cfg());
    h.feed(b"MAIL FROM:<a@b.example>\r\n");
    assert!(matches!(
        &h.events[0],
        Event::CommandRefused { reason: Refusal::BadSequence, reply } if reply.code().get() == 503
    ));
}

#[test]
fn lmtp_refuses_ehlo_and_answers_per_recipient() {
    let mut h = Harness::with_policy(cfg().lmtp(), move |e| match e {
        Event::MessageEnd { .. } => Answer::Hold,
        _ => Answer::Accept,
    });
    h.wire.clear();
    h.feed(b"EHLO c\r\nHELO c\r\nLHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nRCPT TO:<z@y.example>\r\nRCPT TO:<w@y.example>\r\nDATA\r\nhi\r\n.\r\nNOOP\r\n");
    assert_eq!(h.events.last(), Some(&Event::MessageEnd { size: 4 }));
    let texts: Vec<String> = h.s.recipients().map(|r| r.to_string()).collect();
    assert_eq!(texts, ["<x@y.example>", "<z@y.example>", "<w@y.example>"]);
    h.s.accept().unwrap();
    h.s.reply(reply(452, "4.2.2 Mailbox full")).unwrap();
    assert!(h.s.awaiting_answer());
    h.s.accept().unwrap();
    // The NOOP behind the message is read only now.
    h.drain();
    assert!(matches!(h.s.accept(), Err(LocalError::InvalidState { .. })));
    let text = h.wire_text();
    assert!(text.starts_with("500 5.5.1 Command unrecognized in this protocol\r\n500 5.5.1"));
    assert!(text.ends_with(
        "250 2.1.5 <x@y.example> delivered\r\n452 4.2.2 Mailbox full\r\n\
         250 2.1.5 <w@y.example> delivered\r\n250 2.0.0 OK\r\n"
    ));
}

#[test]
fn eof_mid_transaction_names_what_was_lost() {
    use smtp_core::server::Lost;
    let mut h = greeted(cfg());
    h.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n");
    h.eof();
    assert_eq!(
        h.events.last(),
        Some(&Event::Closed {
            clean: false,
            lost: Some(Lost::Transaction { recipients: 1 })
        })
    );

    let mut h = greeted(cfg());
    h.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\nSubject: x\r\n\r\nhal");
    h.eof();
    assert_eq!(
        h.events.last(),
        Some(&Event::Closed {
            clean: false,
            lost: Some(Lost::Message {
                recipients: 1,
                octets: 17
            })
        })
    );

    let mut h = greeted(cfg());
    h.eof();
    assert_eq!(
        h.events,
        vec![Event::Closed {
            clean: false,
            lost: None
        }]
    );
}

#[test]
fn eof_after_pipelined_quit_still_answers() {
    let mut h = Harness::with_policy(cfg(), |_| Answer::Hold);
    h.feed(b"EHLO c\r\nQUIT\r\n");
    h.eof();
    assert_eq!(h.events.len(), 1);
    h.s.accept().unwrap();
    h.drain();
    h.s.accept().unwrap();
    h.drain();
    assert_eq!(h.codes(), vec![220, 250, 221]);
    // QUIT ended it, not the EOF: clean, and the only final event.
    assert_eq!(
        h.events.last(),
        Some(&Event::Closed {
            clean: true,
            lost: None
        })
    );
    assert_eq!(h.events.iter().filter(|e| e.is_final()).count(), 1);
}

#[test]
fn needs_answer_matches_the_machine() {
    // After each answerable event the machine waits; after the others it
    // does not (fed one event at a time by holding every answer).
    let mut h = Harness::with_policy(cfg(), |_| Answer::Hold);
    let script: &[&[u8]] = &[
        b"EHLO c\r\n",
        b"MAIL FROM:<a@b.example>\r\n",
        b"RCPT TO:<x@y.example>\r\n",
        b"BDAT 2\r\nab",
        b"FOO\r\n",
        b"RSET\r\n",
        b"NOOP\r\n",
        b"QUIT\r\n",
    ];
    for line in script {
        let before = h.events.len();
        h.feed(line);
        let new = &h.events[before..];
        let waiting = new.iter().any(Event::needs_answer);
        assert_eq!(h.s.awaiting_answer(), waiting, "{new:?}");
        if waiting {
            h.s.accept().unwrap();
            h.drain();
        }
    }
    assert!(h.s.is_closed());
}
