//! ClientConnection against ServerConnection in memory, on a virtual clock
//! (`pair_support`): over every combination of PIPELINING, CHUNKING,
//! SMTPUTF8, LMTP, STARTTLS, AUTH mechanism and BDAT window, the server
//! must receive exactly the envelope and the body bytes the client was
//! given; and for every refusal the server application can make, the
//! client must report the outcome the refusal means and stay in step.

mod pair_support;

use pair_support::{body, envelope, run, Combo, Verdict};
use smtp_core::client::{Event as CEvent, Stage, DEFAULT_MAX_IN_FLIGHT};

/// Windows for pipelined BDAT: the default (chunks of 64 KiB, several in
/// flight), one that cuts chunks and holds the body back (the body is
/// about 150 KB), and none (each chunk waits for every reply).
const WINDOWS: [usize; 3] = [DEFAULT_MAX_IN_FLIGHT, 20_000, 0];

#[test]
fn every_combination_delivers_exactly_what_was_given() {
    let mut runs = 0;
    let mechs: [Option<&str>; 7] = [
        None,
        Some("PLAIN"),
        Some("LOGIN"),
        Some("CRAM-MD5"),
        Some("SCRAM-SHA-256"),
        Some("XOAUTH2"),
        Some("OAUTHBEARER"),
    ];
    for bits in 0..32u8 {
        for auth in mechs {
            for window in WINDOWS {
                let c = Combo {
                    pipelining: bits & 1 != 0,
                    chunking: bits & 2 != 0,
                    smtputf8: bits & 4 != 0,
                    lmtp: bits & 8 != 0,
                    starttls: bits & 16 != 0,
                    auth,
                    window,
                };
                if window != DEFAULT_MAX_IN_FLIGHT && !(c.pipelining && c.chunking) {
                    continue; // the window only matters to pipelined BDAT
                }
                let pair = run(c, Verdict::AcceptAll, 1);
                let (got, client_events) = (pair.got, pair.client_events);
                let (from, rcpts) = envelope(c);
                assert_eq!(got.from, vec![from], "{c:?}");
                assert_eq!(got.rcpts, rcpts, "{c:?}");
                assert_eq!(got.bodies.len(), 1, "{c:?}");
                assert!(
                    got.bodies[0] == body(c),
                    "{c:?}: body differs ({} vs {} octets)",
                    got.bodies[0].len(),
                    body(c).len()
                );
                assert_eq!(
                    got.authenticated,
                    auth.is_some() && auth != Some("SCRAM-SHA-256"),
                    "{c:?}"
                );
                assert_eq!(got.tls, c.starttls, "{c:?}");
                if c.chunking {
                    // PAIR_CHUNK-sized chunks and a last one; pipelined,
                    // none longer than the window.
                    assert!(
                        got.chunk_sizes.len() >= 3 && got.data_commands == 0,
                        "{c:?}: chunks {:?}, DATA {}",
                        got.chunk_sizes,
                        got.data_commands
                    );
                    if c.pipelining && window > 0 {
                        assert!(
                            got.chunk_sizes.iter().all(|&n| n <= window as u64),
                            "{c:?}: {:?}",
                            got.chunk_sizes
                        );
                    }
                } else {
                    assert!(
                        got.chunk_sizes.is_empty() && got.data_commands == 1,
                        "{c:?}"
                    );
                }
                if c.lmtp {
                    let deliveries = client_events
                        .iter()
                        .filter(|e| matches!(e, CEvent::DeliveryReply { .. }))
                        .count();
                    assert_eq!(deliveries, 2, "{c:?}");
                }
                assert!(
                    client_events
                        .iter()
                        .any(|e| matches!(e, CEvent::Closed { clean: true, .. })),
                    "{c:?}: {client_events:?}"
                );
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 224 + 2 * 7 * 8);
}

/// The first transaction's outcome: `None` when finished, else the stage
/// and code of the failure; and the refused recipients' indexes.
fn first_outcome(events: &[CEvent]) -> (Option<(Stage, u16)>, Vec<usize>) {
    events
        .iter()
        .find_map(|e| match e {
            CEvent::TransactionFinished { result } => {
                Some((None, result.refused().map(|(r, _)| r.index).collect()))
            }
            CEvent::TransactionFailed {
                stage,
                reply,
                result,
            } => Some((
                Some((*stage, reply.code().get())),
                result.refused().map(|(r, _)| r.index).collect(),
            )),
            _ => None,
        })
        .expect("the first transaction ended")
}

#[test]
fn every_refusal_means_the_same_outcome_in_every_mode() {
    use Verdict::*;
    let mut runs = 0;
    for bits in 0..8u8 {
        for window in WINDOWS {
            let mut c = Combo::plain(bits & 1 != 0, bits & 2 != 0, bits & 4 != 0);
            c.window = window;
            if window != DEFAULT_MAX_IN_FLIGHT && !(c.pipelining && c.chunking) {
                continue;
            }
            let mut verdicts = vec![
                (RefuseMail, Some((Stage::Mail, 550)), vec![]),
                (RefuseRcpt(0), None, vec![0]),
                (RefuseAllRcpts, Some((Stage::Recipients, 550)), vec![0, 1]),
            ];
            if c.lmtp {
                // RFC 2033 §4.2: one recipient refused after the body; the
                // other has the message.
                verdicts.push((RefuseMessage(1), None, vec![1]));
            } else {
                verdicts.push((RefuseMessage(0), Some((Stage::DataEnd, 554)), vec![]));
            }
            if c.chunking {
                verdicts.push((RefuseChunk(1), Some((Stage::Body, 552)), vec![]));
                verdicts.push((CloseAtChunk(0), Some((Stage::Body, 421)), vec![]));
            }
            for (verdict, want, refused) in verdicts {
                let closes = matches!(verdict, CloseAtChunk(_));
                let pair = run(c, verdict, 2);
                let (outcome, got_refused) = first_outcome(&pair.client_events);
                assert_eq!(outcome, want, "{c:?} {verdict:?}");
                assert_eq!(got_refused, refused, "{c:?} {verdict:?}");
                // After RSET the session goes on: the second transaction
                // delivers the whole message. After a 421 nothing follows.
                let delivered_first = want.is_none();
                let bodies = usize::from(delivered_first) + usize::from(!closes);
                assert_eq!(pair.got.bodies.len(), bodies, "{c:?} {verdict:?}");
                assert!(
                    pair.got.bodies.iter().all(|b| *b == body(c)),
                    "{c:?} {verdict:?}"
                );
                let finished = pair
                    .client_events
                    .iter()
                    .filter(|e| matches!(e, CEvent::TransactionFinished { .. }))
                    .count();
                assert_eq!(finished, bodies, "{c:?} {verdict:?}");
                assert_eq!(
                    pair.client_events
                        .iter()
                        .any(|e| matches!(e, CEvent::ServiceClosing { .. })),
                    closes,
                    "{c:?} {verdict:?}"
                );
                runs += 1;
            }
        }
    }
    assert_eq!(runs, 2 * (4 + 4 + 6 + 6) + 2 * 2 * 6);
}
