//! `TransactionLedger`: replies from a peer, fed by a caller that runs a
//! transaction command by command (smtplib_rs's step-by-step path).
//!
//! Input: a header byte (recipient count 0-15, bit 4: LMTP), then pairs of
//! (which reply: MAIL, RCPT, DATA, BDAT, end of data; a code byte mapped
//! onto 200-599 with the common codes likely).
//!
//! Invariants beyond "no panic":
//! * the ledger only ever asks for RCPTs in order, each index < count;
//! * a reply out of turn changes nothing;
//! * entries are in envelope order, each index asked for once;
//! * once `Done`: it stays `Done`; `failure` or (LMTP) the deliveries
//!   decide it; `reset_owed` is exactly "failed and not closing"; every
//!   refused index is below the count and ascending; `delivered` plus the
//!   refusals never exceed the entries;
//! * SMTP: success means a 250 after the data and at least one accepted RCPT;
//!   LMTP: done means every accepted recipient has its reply, or a 421
//!   answered for the rest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::client::{Expect, Stage, TransactionLedger};
use smtp_core::ReplyCode;
use smtp_fuzz::Source;

const COMMON: [u16; 12] = [250, 251, 252, 354, 421, 450, 451, 452, 550, 552, 554, 503];

fn code(byte: u8) -> ReplyCode {
    let value = match byte {
        0..=127 => COMMON[usize::from(byte) % COMMON.len()],
        _ => 200 + u16::from(byte - 128) * 3,
    };
    ReplyCode::new(value).unwrap_or(ReplyCode::OK)
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let recipients = usize::from(header & 0x0f);
    let lmtp = header & 0x10 != 0;
    let mut ledger: TransactionLedger<u16> = TransactionLedger::new(recipients, lmtp);
    let mut next_rcpt = 0;
    let mut saw_data_end_success = false;
    while !src.is_empty() {
        let which = src.byte() % 5;
        let c = code(src.byte());
        let before = ledger.expect();
        let entries_before = ledger.entries().len();
        let after = match which {
            0 => ledger.on_mail(c, c.get()),
            1 => ledger.on_rcpt(c, c.get()),
            2 => ledger.on_data(c, c.get()),
            3 => ledger.on_bdat(c, c.get()),
            _ => ledger.on_data_end(c, c.get()),
        };
        if before == Expect::Done {
            assert_eq!(after, Expect::Done, "Done is final");
        }
        let in_turn = matches!(
            (which, before),
            (0, Expect::Mail)
                | (1, Expect::Rcpt(_))
                | (2, Expect::Data)
                | (3, Expect::Data | Expect::Body)
                | (4, Expect::Data | Expect::Body | Expect::Delivery(_))
        );
        if !in_turn {
            assert_eq!(after, before, "a reply out of turn changed the state");
            assert_eq!(ledger.entries().len(), entries_before);
        }
        if let Expect::Rcpt(i) = after {
            assert!(i < recipients);
            if after != before {
                assert_eq!(i, next_rcpt, "RCPTs asked out of order");
                next_rcpt += 1;
            }
        }
        if which == 4 && in_turn && !lmtp && c.get() == 250 {
            saw_data_end_success = true;
        }
    }
    let entries = ledger.entries();
    for (n, e) in entries.iter().enumerate() {
        assert_eq!(e.index, n, "entries in envelope order");
        assert!(e.index < recipients);
    }
    if ledger.expect() != Expect::Done {
        return;
    }
    assert_eq!(
        ledger.reset_owed(),
        ledger.failure().is_some() && !ledger.closing()
    );
    let refused: Vec<usize> = ledger.refused().map(|(i, _)| i).collect();
    assert!(refused.windows(2).all(|w| w[0] < w[1]));
    assert!(ledger.delivered() + refused.len() <= entries.len());
    match ledger.failure() {
        // Every RCPT refused (or none to send), unless a 421 cut it short.
        Some((Stage::Recipients, _)) => {
            assert!(ledger.closing() || ledger.accepted_rcpts() == 0)
        }
        Some(_) => {}
        None if lmtp => {
            // Every accepted recipient has its reply, or a 421 answered
            // for those still waiting.
            let waiting = entries.iter().any(|e| e.accepted && e.delivery.is_none());
            assert!(!waiting || ledger.closing_reply().is_some());
            assert_eq!(ledger.closing(), ledger.closing_reply().is_some());
        }
        None => {
            assert!(saw_data_end_success && ledger.accepted_rcpts() > 0);
            assert_eq!(ledger.delivered(), ledger.accepted_rcpts());
        }
    }
});
