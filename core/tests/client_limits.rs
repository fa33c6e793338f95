//! Bounds and hostile servers: over-long replies, implicit TLS, injection.

mod client_common;

use client_common::*;
use smtp_core::client::Event;
use smtp_core::{ClientConnection, Command, Domain, LocalError, RemoteError, Timestamp};

fn failure(run: &Run) -> Option<RemoteError> {
    match run.events.last() {
        Some(Event::Failed(e)) => Some(e.clone()),
        _ => None,
    }
}

#[test]
fn over_long_reply_line_is_fatal() {
    let long = format!("220 {}\r\n", "x".repeat(600));
    let script = [("", long.as_str())];
    let run = run_all(config, &script, false, idle);
    assert!(matches!(
        failure(&run),
        Some(RemoteError::ReplyLineTooLong { .. })
    ));
    // A line without end is refused as soon as it passes the limit: the
    // machine holds at most one line.
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    for _ in 0..10_000 {
        c.receive_data(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", Timestamp(0));
    }
    let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(names(&events), ["Failed"]);
}

#[test]
fn over_long_multiline_reply_is_fatal() {
    let mut lines = String::new();
    for _ in 0..300 {
        lines.push_str("250-keyword\r\n");
    }
    lines.push_str("250 end\r\n");
    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", lines.as_str()),
    ];
    for feed in [Feed::Whole, Feed::Bytes, Feed::Split(1000)] {
        let r = run(config(), &script, false, idle(), feed);
        assert!(matches!(
            failure(&r),
            Some(RemoteError::ReplyTooLong { .. })
        ));
    }
}

#[test]
fn malformed_reply_is_fatal() {
    for bad in ["hello\r\n", "22\r\n", "220-x\r\n250 y\r\n", "999 x\r\n"] {
        let script = [("", bad)];
        let run = run_all(config, &script, false, idle);
        assert!(
            matches!(failure(&run), Some(RemoteError::MalformedReply { .. })),
            "{bad:?}: {:?}",
            run.events
        );
    }
}

#[test]
fn tls_record_instead_of_greeting() {
    // A TLS ServerHello/alert record header: this port wants implicit TLS.
    let script = [("", "\u{16}\u{3}\u{1}\u{0}\u{2a}\u{2}")];
    let run = run_all(config, &script, false, idle);
    assert_eq!(failure(&run), Some(RemoteError::ImplicitTlsDetected));
    let text = RemoteError::ImplicitTlsDetected.to_string();
    assert!(text.contains("expects TLS from the first byte"), "{text}");
    // A TLS alert (what some servers send when the client stays silent).
    let script = [("", "\u{15}\u{3}\u{3}\u{0}\u{2}\u{2}\u{46}")];
    let run = run_all(config, &script, false, idle);
    assert_eq!(failure(&run), Some(RemoteError::ImplicitTlsDetected));
    // A lone 0x16 waits for the next byte; another byte is not TLS.
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(&[0x16], Timestamp(0));
    assert_eq!(c.poll_event(), None);
    c.receive_data(b"2", Timestamp(0));
    c.receive_data(b"20 x\r\n", Timestamp(0));
    assert!(matches!(
        c.poll_event(),
        Some(Event::Failed(RemoteError::MalformedReply { .. }))
    ));
}

#[test]
fn command_injection_is_refused() {
    let mut cfg = config();
    cfg.auto_hello = false;
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    for line in ["NOOP\r\nRSET", "NOOP\nX", "NOOP\0", "X\rY"] {
        assert!(
            matches!(c.send_raw(line), Err(LocalError::CommandInjection { .. })),
            "{line:?}"
        );
    }
    assert!(matches!(
        c.vrfy("bob\r\nRCPT TO:<x@y>"),
        Err(LocalError::CommandInjection { .. })
    ));
    assert!(matches!(
        c.help(Some("a\nb")),
        Err(LocalError::CommandInjection { .. })
    ));
    assert!(matches!(
        c.send_command(Command::Noop {
            argument: Some("\r\nQUIT".into())
        }),
        Err(LocalError::CommandInjection { .. })
    ));
    assert!(c.pending_transmit().is_empty());
    assert_eq!(c.in_flight(), 0);
    // A hello domain with a line break cannot even build a machine.
    let bad = smtp_core::ClientConfig::new(Domain::Name("a\r\nMAIL FROM:<x>".into()));
    assert!(matches!(
        ClientConnection::new(bad, Timestamp(0)),
        Err(LocalError::CommandInjection { .. })
    ));
}

#[test]
fn nothing_is_accepted_after_a_failure() {
    let script = [("", "220 x\r\n"), ("EHLO client.example\r\n", "bogus\r\n")];
    let run = run_all(config, &script, false, idle);
    let mut c = run.conn;
    assert!(c.is_closed());
    assert_eq!(c.noop(), Err(LocalError::Closed));
    c.receive_data(b"250 ok\r\n", Timestamp(0));
    c.receive_eof(Timestamp(0));
    c.handle_timeout(Timestamp(u64::MAX));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.poll_timeout(), None);
}
