//! RFC 5321 §4.5.3.2 timers on a virtual clock: an expired timer is an
//! event, never a hang.

mod client_common;

use client_common::*;
use smtp_core::client::{Event, Phase};
use smtp_core::{ClientConnection, ClientTimeouts, Timestamp};

const MIN: u64 = 60_000;

fn drain(c: &mut ClientConnection) -> Vec<Event> {
    let e = std::iter::from_fn(|| c.poll_event()).collect();
    c.consume_transmit(usize::MAX);
    e
}

#[test]
fn greeting_timer_is_five_minutes() {
    let mut c = ClientConnection::new(config(), Timestamp(1000)).unwrap();
    assert_eq!(c.poll_timeout(), Some(Timestamp(1000 + 5 * MIN)));
    c.handle_timeout(Timestamp(1000 + 5 * MIN - 1));
    assert_eq!(c.poll_event(), None);
    c.handle_timeout(Timestamp(1000 + 5 * MIN));
    assert_eq!(
        c.poll_event(),
        Some(Event::TimedOut {
            phase: Phase::Greeting
        })
    );
    assert_eq!(c.poll_timeout(), None);
    assert!(c.is_closed());
}

/// Walks a transaction and checks the timer of each phase.
#[test]
fn each_phase_has_its_rfc_timer() {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n", Timestamp(10));
    // EHLO: "other", 5 minutes.
    assert_eq!(c.poll_timeout(), Some(Timestamp(10 + 5 * MIN)));
    c.receive_data(b"250 x\r\n", Timestamp(20));
    drain(&mut c);
    assert_eq!(c.poll_timeout(), None);
    // Idle for an hour, then tell the machine the time before a command.
    c.handle_timeout(Timestamp(60 * MIN));
    assert!(drain(&mut c).is_empty());
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    assert_eq!(c.poll_timeout(), Some(Timestamp(65 * MIN))); // MAIL 5 min
    c.receive_data(b"250 ok\r\n", Timestamp(61 * MIN));
    assert_eq!(c.poll_timeout(), Some(Timestamp(66 * MIN))); // RCPT 5 min
    c.receive_data(b"250 ok\r\n", Timestamp(62 * MIN));
    assert_eq!(c.poll_timeout(), Some(Timestamp(64 * MIN))); // DATA 2 min
    c.receive_data(b"354 go\r\n", Timestamp(63 * MIN));
    drain(&mut c);
    // Body: the data-block timer runs only while bytes wait to be written.
    assert_eq!(c.poll_timeout(), None);
    c.send_body(b"hello").unwrap();
    assert_eq!(c.poll_timeout(), Some(Timestamp(66 * MIN))); // 3 min
    c.finish_body().unwrap();
    drain(&mut c);
    assert_eq!(c.poll_timeout(), Some(Timestamp(73 * MIN))); // end: 10 min
    c.handle_timeout(Timestamp(73 * MIN));
    assert_eq!(
        drain(&mut c),
        [Event::TimedOut {
            phase: Phase::DataEnd
        }]
    );
}

#[test]
fn data_block_timer_restarts_while_the_network_takes_bytes() {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n250 x\r\n", Timestamp(0));
    drain(&mut c);
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.receive_data(b"250 ok\r\n250 ok\r\n354 go\r\n", Timestamp(0));
    drain(&mut c);
    c.send_body(&[b'a'; 1000]).unwrap();
    let t = c.poll_timeout().unwrap();
    assert_eq!(t, Timestamp(3 * MIN));
    c.consume_transmit(10); // a slow socket still makes progress
    c.handle_timeout(t);
    assert!(drain_events(&mut c).is_empty());
    assert_eq!(c.poll_timeout(), Some(Timestamp(6 * MIN)));
    c.handle_timeout(Timestamp(6 * MIN)); // no progress for 3 minutes
    assert_eq!(
        drain_events(&mut c),
        [Event::TimedOut { phase: Phase::Body }]
    );
}

fn drain_events(c: &mut ClientConnection) -> Vec<Event> {
    std::iter::from_fn(|| c.poll_event()).collect()
}

#[test]
fn configurable_and_disabled_timers() {
    let mut cfg = config();
    cfg.timeouts = ClientTimeouts::uniform(Some(1000));
    let mut c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    assert_eq!(c.poll_timeout(), Some(Timestamp(1000)));
    let mut cfg = config();
    cfg.timeouts = ClientTimeouts::uniform(None);
    c = ClientConnection::new(cfg, Timestamp(0)).unwrap();
    assert_eq!(c.poll_timeout(), None);
    c.handle_timeout(Timestamp(u64::MAX));
    assert_eq!(c.poll_event(), None);
}

#[test]
fn timeout_while_waiting_for_rcpt_is_named() {
    let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
    c.receive_data(b"220 x\r\n250-x\r\n250 PIPELINING\r\n", Timestamp(0));
    drain(&mut c);
    c.send_mail(&envelope("<a@a.example>", &["<b@b.example>"]))
        .unwrap();
    c.receive_data(b"250 ok\r\n", Timestamp(MIN));
    c.handle_timeout(Timestamp(6 * MIN));
    assert_eq!(drain(&mut c), [Event::TimedOut { phase: Phase::Rcpt }]);
}
