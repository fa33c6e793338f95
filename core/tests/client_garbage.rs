//! Whatever the server sends, the machine never panics, never grows
//! without bound, and ends in at most one final event.

mod client_common;

use client_common::*;
use proptest::prelude::*;
use smtp_core::client::Event;
use smtp_core::{ClientConnection, Timestamp};

/// Server-ish fragments, so random input reaches deep states.
fn fragment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"220 x\r\n".to_vec()),
        Just(b"250 ok\r\n".to_vec()),
        Just(b"250-PIPELINING\r\n".to_vec()),
        Just(b"250-CHUNKING\r\n".to_vec()),
        Just(b"250-AUTH PLAIN\r\n".to_vec()),
        Just(b"250-STARTTLS\r\n".to_vec()),
        Just(b"354 go\r\n".to_vec()),
        Just(b"334 \r\n".to_vec()),
        Just(b"334 Zm9v\r\n".to_vec()),
        Just(b"235 ok\r\n".to_vec()),
        Just(b"421 bye\r\n".to_vec()),
        Just(b"550 no\r\n".to_vec()),
        Just(b"221 bye\r\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(vec![0x16, 0x03]),
        prop::collection::vec(any::<u8>(), 0..8),
    ]
}

fn driver(c: &mut ClientConnection, e: &Event) {
    // Try everything; refusals are fine, panics are not.
    match e {
        Event::EhloAccepted { .. } => {
            let _ = c.send_mail(&envelope(
                "<a@a.example>",
                &["<b@b.example>", "<c@b.example>"],
            ));
        }
        Event::ReadyForBody => {
            let _ = c.send_body(b"body\r\n.\r\n");
            let _ = c.finish_body();
        }
        Event::TransactionFinished { .. } | Event::TransactionFailed { .. } => {
            let _ = c.authenticate(smtp_core::auth::Credentials::password("u", "p"), None);
            let _ = c.starttls();
        }
        Event::AuthChallenge { .. } => {
            let _ = c.auth_cancel();
        }
        Event::TlsHandshake { .. } => {
            let _ = c.tls_established(Timestamp(0));
        }
        _ => {}
    }
}

proptest! {
    #[test]
    fn random_server_bytes(frags in prop::collection::vec(fragment(), 0..40), split in 1usize..7) {
        let mut c = ClientConnection::new(config(), Timestamp(0)).unwrap();
        let bytes: Vec<u8> = frags.concat();
        let mut finals = 0;
        let mut t = 0;
        for chunk in bytes.chunks(split) {
            t += 1_000;
            c.receive_data(chunk, Timestamp(t));
            while let Some(e) = c.poll_event() {
                if matches!(e, Event::Closed { .. } | Event::Failed(_) | Event::TimedOut { .. }) {
                    finals += 1;
                }
                driver(&mut c, &e);
            }
            prop_assert!(c.pending_transmit().len() < 4096);
            c.consume_transmit(usize::MAX);
        }
        c.handle_timeout(Timestamp(u64::MAX / 2));
        c.receive_eof(Timestamp(u64::MAX / 2));
        while let Some(e) = c.poll_event() {
            if matches!(e, Event::Closed { .. } | Event::Failed(_) | Event::TimedOut { .. }) {
                finals += 1;
            }
        }
        prop_assert_eq!(finals, 1);
        prop_assert!(c.is_closed());
    }
}
