//! What a server face (a Python `aiosmtpd` or `smtpd` look-alike) sets in
//! the machine's configuration: refusals it words itself, the EHLO
//! greeting line, unlisted commands, a 421 greeting, service refused.

use smtp_core::auth::AuthFailure;
use smtp_core::server::{Event, Greeting, Refusal, ServerConfig, ServerConnection};
use smtp_core::{Extensions, LocalError, Reply, ReplyCode, Timestamp};

fn reply(code: u16, text: &str) -> Reply {
    Reply::new(ReplyCode::new(code).unwrap(), text)
}

fn take(s: &mut ServerConnection) -> Vec<u8> {
    let out = s.pending_transmit().to_vec();
    s.consume_transmit(out.len());
    out
}

fn worded(mut cfg: ServerConfig) -> ServerConnection {
    cfg.worded_refusals = true;
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    take(&mut s);
    s
}

/// Feeds `line` and answers every plain command with accept().
fn feed(s: &mut ServerConnection, bytes: &[u8]) -> Vec<Event> {
    s.receive_data(bytes, Timestamp(1));
    let mut seen = Vec::new();
    while let Some(e) = s.poll_event() {
        if e.needs_answer() {
            s.accept().unwrap();
        }
        seen.push(e);
    }
    seen
}

#[test]
fn a_worded_refusal_waits_and_keeps_the_line() {
    let mut s = worded(ServerConfig::new("mx.test"));
    s.receive_data(b"FOOBAR baz\r\nNOOP\r\n", Timestamp(1));
    let Some(Event::CommandRefused {
        reason,
        reply: proposed,
    }) = s.poll_event()
    else {
        panic!("no refusal");
    };
    assert!(matches!(reason, Refusal::Syntax(_)));
    assert_eq!(proposed.code().get(), 500);
    assert!(s.awaiting_answer());
    assert_eq!(s.command_line(), Some(&b"FOOBAR baz"[..]));
    // Nothing is said and nothing further is read until it is worded.
    assert_eq!(s.poll_event(), None);
    assert!(s.pending_transmit().is_empty());
    s.reply(reply(500, "Error: command \"FOOBAR\" not recognized"))
        .unwrap();
    assert_eq!(s.poll_event(), Some(Event::Noop));
    s.accept().unwrap();
    assert_eq!(
        take(&mut s),
        b"500 Error: command \"FOOBAR\" not recognized\r\n250 2.0.0 OK\r\n"
    );
}

#[test]
fn the_code_may_change_only_within_its_class() {
    let mut s = worded(ServerConfig::new("mx.test"));
    feed(&mut s, b"HELO c.example\r\n");
    take(&mut s);
    s.receive_data(b"MAIL FROM:<@example.org>\r\n", Timestamp(1));
    let Some(Event::CommandRefused {
        reply: proposed, ..
    }) = s.poll_event()
    else {
        panic!()
    };
    assert_eq!(proposed.code().get(), 501);
    let err = s.reply(reply(250, "fine")).unwrap_err();
    assert!(matches!(err, LocalError::UnsuitableReply { .. }));
    assert!(s.reply(reply(452, "later")).is_err());
    // aiosmtpd says 553 for a malformed address: same class, accepted.
    s.reply(reply(553, "5.1.3 Error: malformed address"))
        .unwrap();
    assert_eq!(take(&mut s), b"553 5.1.3 Error: malformed address\r\n");
    // The refusal kept its effect: no transaction was opened.
    s.receive_data(b"RCPT TO:<b@example.org>\r\n", Timestamp(2));
    assert!(matches!(
        s.poll_event(),
        Some(Event::CommandRefused {
            reason: Refusal::BadSequence,
            ..
        })
    ));
    s.accept().unwrap();
    assert!(take(&mut s).starts_with(b"503"));
}

#[test]
fn a_worded_message_refusal_answers_every_lmtp_recipient() {
    let mut cfg = ServerConfig::new("mx.test").lmtp();
    cfg.max_message_size = Some(10);
    let mut s = worded(cfg);
    feed(
        &mut s,
        b"LHLO c\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nRCPT TO:<c@x.org>\r\nDATA\r\n",
    );
    take(&mut s);
    s.receive_data(b"far more than ten octets\r\n.\r\n", Timestamp(2));
    let refused = loop {
        match s.poll_event() {
            Some(Event::MessageRefused { reply, .. }) => break reply,
            Some(_) => continue,
            None => panic!("no MessageRefused"),
        }
    };
    assert_eq!(refused.code().get(), 552);
    assert!(s.awaiting_answer());
    s.reply(reply(552, "Error: Too much mail data")).unwrap();
    assert_eq!(
        take(&mut s),
        b"552 Error: Too much mail data\r\n552 Error: Too much mail data\r\n"
    );
}

#[test]
fn sasl_failures_say_why() {
    let mut cfg = ServerConfig::new("mx.test");
    cfg.auth_mechanisms = vec!["PLAIN".into()];
    cfg.auth_requires_tls = false;
    let mut s = worded(cfg);
    feed(&mut s, b"EHLO c\r\n");
    take(&mut s);
    s.receive_data(b"AUTH PLAIN A\r\n", Timestamp(1));
    let e = s.poll_event();
    assert!(
        matches!(
            e,
            Some(Event::CommandRefused {
                reason: Refusal::SaslFailed(AuthFailure::InvalidBase64),
                ..
            })
        ),
        "{e:?}"
    );
    s.reply(reply(501, "5.5.2 Can't decode base64")).unwrap();
    assert_eq!(take(&mut s), b"501 5.5.2 Can't decode base64\r\n");
}

#[test]
fn without_the_switch_refusals_are_said_at_once() {
    let mut s = ServerConnection::new(ServerConfig::new("mx.test"), Timestamp(0));
    take(&mut s);
    s.receive_data(b"FOOBAR\r\n", Timestamp(1));
    assert!(matches!(s.poll_event(), Some(Event::CommandRefused { .. })));
    assert!(!s.awaiting_answer());
    assert!(take(&mut s).starts_with(b"500"));
}

#[test]
fn ehlo_greeting_line_and_unlisted_commands() {
    let mut cfg = ServerConfig::new("mx.test");
    cfg.extensions = Extensions::SIZE | Extensions::VRFY | Extensions::HELP;
    cfg.auth_mechanisms = vec!["PLAIN".into()];
    cfg.auth_requires_tls = false;
    cfg.ehlo_greeting = Some("mx.test".into());
    cfg.unlisted = Extensions::VRFY;
    cfg.max_message_size = Some(1000);
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    take(&mut s);
    feed(&mut s, b"EHLO c.example\r\nVRFY <a@x.org>\r\n");
    assert_eq!(
        take(&mut s),
        b"250-mx.test\r\n250-SIZE 1000\r\n250-AUTH PLAIN\r\n250 HELP\r\n\
          252 Cannot VRFY user, but will accept message and attempt delivery\r\n"
    );
}

#[test]
fn a_421_greeting_ends_the_session() {
    let mut cfg = ServerConfig::new("mx.test");
    cfg.greeting = Greeting::Unavailable("4.7.0 Too many connections".into());
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    assert_eq!(
        s.poll_event(),
        Some(Event::Closed {
            clean: false,
            lost: None
        })
    );
    assert!(s.is_closed());
    assert_eq!(take(&mut s), b"421 mx.test 4.7.0 Too many connections\r\n");
    s.receive_data(b"EHLO c\r\n", Timestamp(1));
    assert_eq!(s.poll_event(), None);
}

#[test]
fn refused_service_serves_only_quit() {
    let mut s = ServerConnection::new(ServerConfig::new("mx.test"), Timestamp(0));
    take(&mut s);
    feed(&mut s, b"EHLO c\r\nMAIL FROM:<a@x.org>\r\n");
    take(&mut s);
    s.refuse_service();
    let seen = feed(&mut s, b"RCPT TO:<b@x.org>\r\nQUIT\r\n");
    assert!(matches!(
        seen[0],
        Event::CommandRefused {
            reason: Refusal::ServiceRefused,
            ..
        }
    ));
    assert_eq!(seen[1], Event::Quit);
    let out = take(&mut s);
    assert!(out.starts_with(b"503"), "{out:?}");
    assert!(out.ends_with(b"221 2.0.0 mx.test closing connection\r\n"));
}

#[test]
fn auth_after_helo_is_not_an_extension_in_force() {
    let mut cfg = ServerConfig::new("mx.test");
    cfg.auth_mechanisms = vec!["PLAIN".into()];
    cfg.auth_requires_tls = false;
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    take(&mut s);
    let seen = feed(&mut s, b"HELO c\r\nAUTH PLAIN AHUAcA==\r\n");
    assert!(matches!(
        seen[1],
        Event::CommandRefused {
            reason: Refusal::NotImplemented,
            ..
        }
    ));
    assert!(!s.is_authenticated());
}
