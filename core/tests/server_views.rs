//! What the server machine lends instead of copying into events: the
//! command being answered (`command()`), the octets of each `MessageData`
//! (`message_data()`) and the accepted recipients (`recipients()`).

use smtp_core::address::ForwardPathRef;
use smtp_core::command::CommandRef;
use smtp_core::ehlo::Extensions;
use smtp_core::server::{Event, ServerConfig, ServerConnection};
use smtp_core::{Command, Reply, ReplyCode, Timestamp};

fn server(cfg: ServerConfig) -> ServerConnection {
    let mut s = ServerConnection::new(cfg, Timestamp(0));
    let n = s.pending_transmit().len();
    s.consume_transmit(n);
    s
}

fn cfg() -> ServerConfig {
    let mut c = ServerConfig::new("mx.example");
    c.extensions |= Extensions::CHUNKING;
    c
}

fn owned(s: &ServerConnection) -> Option<Command> {
    s.command().map(CommandRef::into_owned)
}

fn refuse(s: &mut ServerConnection) {
    let no = Reply::new(ReplyCode::new(550).unwrap(), "5.1.1 no");
    s.reply(no).unwrap();
}

#[test]
fn the_command_is_lent_until_it_is_answered() {
    let mut s = server(cfg());
    s.receive_data(
        b"EHLO c.example\r\nMAIL FROM:<a@b.example> SIZE=10\r\nRCPT TO:<x@y.example>\r\nVRFY bob\r\n",
        Timestamp(1),
    );
    assert_eq!(s.poll_event(), Some(Event::Ehlo));
    assert_eq!(owned(&s), Command::parse(b"EHLO c.example", false).ok());
    s.accept().unwrap();
    assert_eq!(s.poll_event(), Some(Event::MailFrom));
    let Some(CommandRef::Mail { from, params }) = s.command() else {
        panic!("{:?}", s.command())
    };
    assert_eq!(from.to_string(), "<a@b.example>");
    assert_eq!(params.size, Some(10));
    s.accept().unwrap();
    assert_eq!(s.poll_event(), Some(Event::RcptTo));
    let Some(CommandRef::Rcpt {
        to: ForwardPathRef::Mailbox(m),
        ..
    }) = s.command()
    else {
        panic!("{:?}", s.command())
    };
    assert_eq!(
        (&*m.local_part, m.domain.to_string()),
        ("x", "y.example".into())
    );
    // Lent as often as asked, the same each time.
    assert_eq!(owned(&s), owned(&s));
    s.accept().unwrap();
    // VRFY is not offered: refused by the machine, nothing to answer.
    assert!(matches!(s.poll_event(), Some(Event::CommandRefused { .. })));
    assert_eq!(s.command(), None);
    assert!(!s.awaiting_answer());
}

#[test]
fn a_command_split_across_reads_is_lent_whole() {
    let mut s = server(cfg());
    s.receive_data(b"EHLO c.example\r\nMAIL FROM:<a@b.ex", Timestamp(1));
    assert_eq!(s.poll_event(), Some(Event::Ehlo));
    // More input while the answer is awaited is buffered behind the line.
    s.receive_data(b"ample>\r\nNOOP\r\n", Timestamp(2));
    assert_eq!(owned(&s), Command::parse(b"EHLO c.example", false).ok());
    s.accept().unwrap();
    assert_eq!(s.poll_event(), Some(Event::MailFrom));
    assert_eq!(
        owned(&s),
        Command::parse(b"MAIL FROM:<a@b.example>", false).ok()
    );
    s.accept().unwrap();
    assert_eq!(s.poll_event(), Some(Event::Noop));
    assert_eq!(owned(&s), Some(Command::Noop { argument: None }));
}

#[test]
fn message_data_is_lent_event_by_event() {
    let mut s = server(cfg());
    s.receive_data(
        b"EHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nDATA\r\n",
        Timestamp(1),
    );
    while let Some(e) = s.poll_event() {
        if e.needs_answer() {
            s.accept().unwrap();
        }
    }
    // Two reads before the application looks: two events, each lending its
    // own octets.
    s.receive_data(b"first part\r\n", Timestamp(2));
    s.receive_data(b"second\r\n.\r\n", Timestamp(3));
    assert_eq!(s.message_data(), b"");
    assert_eq!(s.poll_event(), Some(Event::MessageData { len: 12 }));
    assert_eq!(s.message_data(), b"first part\r\n");
    assert_eq!(s.poll_event(), Some(Event::MessageData { len: 8 }));
    assert_eq!(s.message_data(), b"second\r\n");
    assert_eq!(s.poll_event(), Some(Event::MessageEnd { size: 20 }));
    assert_eq!(s.message_data(), b"", "only MessageData lends octets");
    s.accept().unwrap();
    assert_eq!(s.poll_event(), None);
}

#[test]
fn recipients_are_the_accepted_ones_in_order() {
    let mut s = server(cfg().lmtp());
    s.receive_data(
        b"LHLO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nRCPT TO:<no@y.example>\r\nRCPT TO:<Postmaster>\r\nBDAT 2 LAST\r\nhi",
        Timestamp(1),
    );
    while let Some(e) = s.poll_event() {
        match e {
            Event::RcptTo
                if matches!(
                    s.command(),
                    Some(CommandRef::Rcpt { to: ForwardPathRef::Mailbox(m), .. }) if m.local_part == "no"
                ) =>
            {
                refuse(&mut s)
            }
            Event::MessageEnd { size } => {
                assert_eq!(size, 2);
                assert_eq!(s.command(), None);
                let texts: Vec<String> = s.recipients().map(|r| r.to_string()).collect();
                assert_eq!(texts, ["<x@y.example>", "<Postmaster>"]);
                assert_eq!(s.recipients().len(), 2);
                // LMTP: one answer per recipient, in that order.
                s.accept().unwrap();
                refuse(&mut s);
                assert!(!s.awaiting_answer());
            }
            e if e.needs_answer() => s.accept().unwrap(),
            _ => {}
        }
    }
    assert_eq!(s.recipients().len(), 0, "the transaction is over");
    let out = String::from_utf8_lossy(s.pending_transmit()).into_owned();
    assert!(
        out.ends_with("250 2.1.5 <x@y.example> delivered\r\n550 5.1.1 no\r\n"),
        "{out}"
    );
}

#[test]
fn chunk_ends_and_auth_lend_no_command() {
    let mut c = cfg();
    c.auth_mechanisms = vec!["PLAIN".into()];
    c.auth_requires_tls = false;
    let mut s = server(c);
    // AUTH PLAIN with "\0u\0p".
    s.receive_data(b"EHLO c\r\nAUTH PLAIN AHUAcA==\r\n", Timestamp(1));
    assert_eq!(s.poll_event(), Some(Event::Ehlo));
    s.accept().unwrap();
    assert!(matches!(s.poll_event(), Some(Event::Auth(_))));
    assert_eq!(s.command(), None);
    s.accept().unwrap();
    s.receive_data(
        b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\nBDAT 1\r\nx",
        Timestamp(2),
    );
    let mut seen = Vec::new();
    while let Some(e) = s.poll_event() {
        if let Event::ChunkEnd { .. } = e {
            assert_eq!(s.command(), None);
        }
        if e.needs_answer() {
            s.accept().unwrap();
        }
        seen.push(e);
    }
    assert!(seen.contains(&Event::ChunkEnd { size: 1 }), "{seen:?}");
}
