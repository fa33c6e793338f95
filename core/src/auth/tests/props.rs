//! Arbitrary bytes never panic either side.

use proptest::prelude::*;

use super::super::*;
use super::{client, server, ALL};

proptest! {
    #[test]
    fn client_never_panics(challenges in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..6), which in 0usize..6) {
        let m = ALL.get(which).cloned().unwrap_or(Mechanism::Plain);
        let mut c = client(m);
        let _ = c.initial_response();
        for ch in &challenges {
            let _ = c.respond(ch);
        }
        let _ = c.finish();
    }

    #[test]
    fn server_never_panics(ir in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)), responses in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..64), 0..4), which in 0usize..6, ok in any::<bool>()) {
        let m = ALL.get(which).cloned().unwrap_or(Mechanism::Plain);
        let mut s = server(m);
        let _ = s.start(ir.as_deref());
        for r in &responses {
            let _ = s.step(r);
            let _ = s.verdict(ok);
        }
    }

    #[test]
    fn scram_server_first_never_panics(tail in "[ -~]{0,40}") {
        // Reaches deep parser states: valid nonce prefix, then anything.
        let mut c = client(Mechanism::ScramSha256);
        let _ = c.initial_response();
        let msg = alloc::format!("r=cnonce123{tail}");
        let _ = c.respond(msg.as_bytes());
    }

    #[test]
    fn decoders_never_panic(line in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode_challenge(&line);
        let _ = decode_response(&line);
    }
}
