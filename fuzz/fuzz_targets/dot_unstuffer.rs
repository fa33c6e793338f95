//! The server's DATA input path: arbitrary wire bytes, split into reads at
//! points drawn from the input, through `DotUnstuffer`, checked against a
//! plain reference model of RFC 5321 §4.1.1.4 and §4.5.2.
//!
//! Input: a header byte (normalize bare CR/LF, append a terminator), a
//! read-size byte, then the wire bytes (mapped onto the SMTP alphabet).
//!
//! Invariants beyond "no panic":
//! * the data ends exactly at the first `CR LF . CR LF` (the 354 reply
//!   counts as the first CR LF), never at `LF . LF`, `CR . CR`,
//!   `CR LF . CR CR LF` or any other smuggling form; the bytes after it are
//!   not consumed;
//! * the message is the wire with the leading dot of each CRLF-delimited
//!   line removed (and bare CR/LF turned into CRLF when normalizing);
//! * the bare CR/LF flags, octet counts and longest line agree with the
//!   model;
//! * the result does not depend on how the wire was split into reads, and
//!   once finished nothing more is consumed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::body::{DotUnstuffer, UnstufferConfig};
use smtp_fuzz::{smtp_bytes, Source};

/// What the model says the unstuffer must produce.
struct Model {
    /// `Some(n)`: the terminator ends at wire offset `n`.
    end: Option<usize>,
    message: Vec<u8>,
    bare_cr: bool,
    bare_lf: bool,
    longest_line: usize,
}

/// RFC 5321 §4.1.1.4 / §4.5.2, written the obvious way.
fn model(wire: &[u8], normalize: bool) -> Option<Model> {
    // The 354 reply ended a line, so the data starts at a line start.
    let mut p = b"\r\n".to_vec();
    p.extend_from_slice(wire);
    let j = p.windows(5).position(|w| w == b"\r\n.\r\n")?;
    // The CRLF before the dot belongs to the message (`wire[..j]`).
    let m = &wire[..j];
    let mut message = Vec::new();
    let (mut bare_cr, mut bare_lf) = (false, false);
    let mut longest_line = 0;
    let mut line_len = 0;
    let mut i = 0;
    while i < m.len() {
        let line_start = i == 0 || (i >= 2 && &m[i - 2..i] == b"\r\n");
        let b = m[i];
        if line_start && b == b'.' {
            i += 1;
            continue;
        }
        let crlf = b == b'\r' && m.get(i + 1) == Some(&b'\n');
        let lf_of_crlf = b == b'\n' && i > 0 && m[i - 1] == b'\r';
        line_len += 1;
        if b == b'\r' && !crlf {
            bare_cr = true;
        }
        if b == b'\n' && !lf_of_crlf {
            bare_lf = true;
        }
        if normalize && ((b == b'\r' && !crlf) || (b == b'\n' && !lf_of_crlf)) {
            message.extend_from_slice(b"\r\n");
        } else {
            message.push(b);
        }
        if lf_of_crlf {
            longest_line = longest_line.max(line_len);
            line_len = 0;
        }
        i += 1;
    }
    Some(Model {
        end: Some(j + 3),
        message,
        bare_cr,
        bare_lf,
        longest_line,
    })
}

struct Run {
    consumed: usize,
    finished: bool,
    out: Vec<u8>,
    u: DotUnstuffer,
}

fn run(wire: &[u8], read: usize, config: UnstufferConfig) -> Run {
    let mut u = DotUnstuffer::with_config(config);
    let mut out = Vec::new();
    let mut consumed = 0;
    let mut finished = false;
    let mut offset = 0;
    for chunk in wire.chunks(read.max(1)) {
        let d = u.decode(chunk, &mut out);
        assert!(d.consumed <= chunk.len());
        if finished {
            assert_eq!(d.consumed, 0, "consumed after the end");
            assert!(d.finished);
        } else if !d.finished {
            assert_eq!(d.consumed, chunk.len(), "unfinished but held input back");
        }
        consumed += d.consumed;
        finished = d.finished;
        offset += chunk.len();
        assert!(consumed <= offset);
        assert_eq!(u.is_finished(), finished);
        // Normalizing turns one octet into two at most.
        assert!(out.len() <= 2 * consumed);
    }
    let stats = u.stats();
    assert_eq!(stats.wire_octets, consumed as u64);
    assert_eq!(stats.octets, out.len() as u64);
    Run {
        consumed,
        finished,
        out,
        u,
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let mut config = UnstufferConfig::default();
    config.normalize_bare = header & 1 != 0;
    let read = 1 + usize::from(src.byte());
    let mut wire = smtp_bytes(src.rest());
    if header & 2 != 0 {
        wire.extend_from_slice(b"\r\n.\r\n");
    }

    let chunked = run(&wire, read, config);
    let whole = run(&wire, wire.len(), config);
    assert_eq!(chunked.consumed, whole.consumed);
    assert_eq!(chunked.finished, whole.finished);
    assert_eq!(chunked.out, whole.out, "output depends on read boundaries");
    assert_eq!(chunked.u.stats(), whole.u.stats());

    match model(&wire, config.normalize_bare) {
        Some(m) => {
            assert!(whole.finished, "missed the terminator");
            assert_eq!(Some(whole.consumed), m.end, "ended at the wrong place");
            assert_eq!(whole.out, m.message, "message differs from the model");
            let stats = whole.u.stats();
            assert_eq!(stats.bare_cr, m.bare_cr, "bare CR flag");
            assert_eq!(stats.bare_lf, m.bare_lf, "bare LF flag");
            // The terminator's own `.CR` may count as a short line.
            assert!(
                stats.longest_line >= m.longest_line && stats.longest_line <= m.longest_line.max(2),
                "longest line {} vs model {}",
                stats.longest_line,
                m.longest_line
            );
        }
        None => {
            assert!(!whole.finished, "ended without CR LF . CR LF");
            assert_eq!(whole.consumed, wire.len());
        }
    }
});
