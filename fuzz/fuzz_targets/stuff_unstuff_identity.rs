//! Differential: any message through `DotStuffer` (client side), pushed in
//! chunks drawn from the input, then through `DotUnstuffer` (server side),
//! comes back as sent (with bare CR/LF normalized to CRLF, and a final CRLF
//! added when missing).
//!
//! Input: a header byte (policy), a chunk-size byte, then the message
//! (mapped onto the SMTP alphabet).
//!
//! Invariants beyond "no panic":
//! * the wire has no bare CR or LF, ends with `CR LF . CR LF`, and that
//!   sequence appears nowhere earlier (no message can end DATA early);
//! * the unstuffer consumes the whole wire, finishes exactly at its end and
//!   returns the message; `message_octets` is its size (RFC 1870);
//! * under `Refuse`, a message with a bare CR or LF is refused and nothing
//!   is written; any other message passes through byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::body::{BareLineEndingPolicy, DotStuffer, DotUnstuffer};
use smtp_fuzz::{assert_no_bare_cr_lf, smtp_bytes, Source};

/// The message as it must arrive: bare CR/LF as CRLF, CRLF-terminated.
fn normalized(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 2);
    let mut i = 0;
    while i < msg.len() {
        match (msg[i], msg.get(i + 1)) {
            (b'\r', Some(b'\n')) => {
                out.extend_from_slice(b"\r\n");
                i += 2;
            }
            (b'\r' | b'\n', _) => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn has_bare(msg: &[u8]) -> bool {
    msg.iter().enumerate().any(|(i, &b)| {
        (b == b'\r' && msg.get(i + 1) != Some(&b'\n'))
            || (b == b'\n' && (i == 0 || msg[i - 1] != b'\r'))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let policy = if header & 1 == 0 {
        BareLineEndingPolicy::Normalize
    } else {
        BareLineEndingPolicy::Refuse
    };
    let chunk = 1 + usize::from(src.byte());
    let msg = smtp_bytes(src.rest());

    let mut s = DotStuffer::new(policy);
    let mut wire = Vec::new();
    let mut refused = false;
    for c in msg.chunks(chunk) {
        let before = wire.len();
        if s.push(c, &mut wire).is_err() {
            assert_eq!(wire.len(), before, "a refused chunk wrote");
            refused = true;
            break;
        }
    }
    if !refused {
        let before = wire.len();
        if s.finish(&mut wire).is_err() {
            assert_eq!(wire.len(), before, "a refused finish wrote");
            refused = true;
        }
    }
    let bare = has_bare(&msg);
    if policy == BareLineEndingPolicy::Refuse {
        assert_eq!(refused, bare, "Refuse policy vs bare CR/LF in the message");
    } else {
        assert!(!refused, "Normalize refused");
    }
    if refused {
        return;
    }
    assert!(s.is_finished());
    assert!(s.push(b"x", &mut wire).is_err(), "push after finish");
    assert_eq!(s.wire_octets(), wire.len() as u64);

    assert_no_bare_cr_lf(&wire, "DotStuffer");
    assert!(wire.ends_with(b".\r\n"));
    let mut p = b"\r\n".to_vec();
    p.extend_from_slice(&wire);
    let first = p.windows(5).position(|w| w == b"\r\n.\r\n");
    assert_eq!(first, Some(p.len() - 5), "terminator inside the message");

    let expected = normalized(&msg);
    assert_eq!(s.message_octets(), expected.len() as u64, "RFC 1870 size");
    let mut u = DotUnstuffer::new();
    let mut out = Vec::new();
    let d = u.decode(&wire, &mut out);
    assert!(d.finished, "the unstuffer did not see the end");
    assert_eq!(d.consumed, wire.len());
    assert_eq!(out, expected, "stuff then unstuff is not the identity");
    assert!(!u.saw_bare_line_ending());
    if !bare {
        let mut exact = msg.clone();
        if !exact.is_empty() && !exact.ends_with(b"\r\n") {
            exact.extend_from_slice(b"\r\n");
        }
        assert_eq!(out, exact);
    }
});
