//! STARTTLS (RFC 3207): the handshake event, injection after the 220, and
//! forgetting everything learnt in the clear.

mod client_common;

use client_common::*;
use smtp_core::client::{Event, Phase};
use smtp_core::{ClientConnection, Extensions, LocalError, RemoteError, SessionState, Timestamp};

const EHLO_TLS: &str = "250-mx.example\r\n250-STARTTLS\r\n250 PIPELINING\r\n";

fn to_starttls(extra_after_220: &str) -> ClientConnection {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(b"220 mx.example\r\n", Timestamp(0));
    c.receive_data(EHLO_TLS.as_bytes(), Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    c.starttls().unwrap();
    assert_eq!(c.pending_transmit(), b"STARTTLS\r\n");
    c.consume_transmit(10);
    let reply = format!("220 2.0.0 go ahead\r\n{extra_after_220}");
    c.receive_data(reply.as_bytes(), Timestamp(0));
    c
}

#[test]
fn handshake_then_ehlo_again_with_old_capabilities_forgotten() {
    let mut c = to_starttls("");
    assert!(matches!(c.poll_event(), Some(Event::TlsHandshake { .. })));
    assert_eq!(c.poll_event(), None);
    assert_eq!(c.phase(), Phase::TlsHandshake);
    // Nothing moves before the handshake.
    assert!(matches!(c.noop(), Err(LocalError::InvalidState { .. })));
    assert!(c.pending_transmit().is_empty());
    c.tls_established(Timestamp(0)).unwrap();
    assert!(c.is_tls());
    assert!(c.capabilities().is_none());
    assert!(c.hello_reply().is_none());
    // auto_hello: EHLO again at once.
    assert_eq!(c.pending_transmit(), b"EHLO client.example\r\n");
    c.consume_transmit(usize::MAX);
    c.receive_data(b"250-mx.example\r\n250 AUTH PLAIN\r\n", Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::EhloAccepted { .. })));
    let caps = c.capabilities().unwrap();
    assert!(caps.extensions().contains(Extensions::AUTH));
    assert!(!caps.extensions().contains(Extensions::STARTTLS));
    // TLS cannot be started twice.
    assert!(matches!(c.starttls(), Err(LocalError::InvalidState { .. })));
}

#[test]
fn bytes_after_the_220_are_an_injection() {
    // CVE-2011-0411: a plaintext reply pipelined behind the 220.
    for extra in ["250 injected\r\n", "2", "250-a\r\n"] {
        let mut c = to_starttls(extra);
        let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
        assert_eq!(names(&events), ["TlsHandshake", "Failed"], "{extra:?}");
        assert!(matches!(
            events[1],
            Event::Failed(RemoteError::DataAfterStartTls { .. })
        ));
        assert_eq!(c.tls_established(Timestamp(0)), Err(LocalError::Closed));
    }
    // The same bytes in a later read, before the handshake.
    let mut c = to_starttls("");
    c.receive_data(b"250 late\r\n", Timestamp(0));
    let events: Vec<Event> = std::iter::from_fn(|| c.poll_event()).collect();
    assert_eq!(
        events[1],
        Event::Failed(RemoteError::DataAfterStartTls { discarded: 10 })
    );
}

#[test]
fn starttls_needs_the_extension_and_can_be_refused() {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    assert!(matches!(c.starttls(), Err(LocalError::InvalidState { .. })));
    c.receive_data(b"220 x\r\n250 x\r\n", Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    assert_eq!(
        c.starttls(),
        Err(LocalError::ExtensionNotOffered {
            extension: "STARTTLS"
        })
    );
    assert!(c.pending_transmit().is_empty());
    assert_eq!(
        c.tls_established(Timestamp(0)),
        Err(LocalError::InvalidState {
            call: "tls_established",
            state: SessionState::Idle
        })
    );

    let script = [
        ("", "220 x\r\n"),
        ("EHLO client.example\r\n", EHLO_TLS),
        ("STARTTLS\r\n", "454 4.7.0 TLS not available\r\n"),
        ("NOOP\r\n", "250 ok\r\n"),
    ];
    let run = run_all(config, &script, false, || {
        Box::new(|c: &mut ClientConnection, e: &Event| match e {
            Event::EhloAccepted { .. } => c.starttls().unwrap(),
            Event::StartTlsRefused { .. } => {
                c.noop().unwrap();
            }
            _ => {}
        })
    });
    assert_eq!(
        names(&run.events),
        ["Greeting", "EhloAccepted", "StartTlsRefused", "Reply"]
    );
    assert!(!run.conn.is_tls());
}

#[test]
fn low_level_starttls_guards_the_same_way() {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n", Timestamp(0));
    c.receive_data(EHLO_TLS.as_bytes(), Timestamp(0));
    while c.poll_event().is_some() {}
    c.consume_transmit(usize::MAX);
    let id = c.send_raw("STARTTLS").unwrap();
    c.receive_data(b"220 go\r\n250 injected\r\n", Timestamp(0));
    assert!(matches!(c.poll_event(), Some(Event::Reply { id: i, .. }) if i == id));
    assert!(matches!(
        c.poll_event(),
        Some(Event::Failed(RemoteError::DataAfterStartTls {
            discarded: 14
        }))
    ));
}
