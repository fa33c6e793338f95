//! The server's command input path: a byte stream, split into reads at
//! points drawn from the input, through `LineFramer`, each line through
//! `Command::parse`.
//!
//! Input: one header byte (strict or lenient endings, SMTPUTF8, framer
//! limit), one byte of read size, then the stream (mapped onto the SMTP
//! alphabet).
//!
//! Invariants beyond "no panic":
//! * the caller's buffer never holds more than the limit plus one read;
//! * a `Line` fits the limit, holds no LF, and (strict) no CR;
//! * every unit ending at an LF is reported once: the frames' consumed
//!   octets add up to the stream, and the framing does not depend on how
//!   the stream was split into reads;
//! * a parsed command validates, encodes to one CRLF line with no bare CR
//!   or LF that parses back to the same command, and encoding is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::framing::{Frame, LineEndings, LineFramer, MAX_COMMAND_LINE};
use smtp_core::Command;
use smtp_fuzz::{assert_crlf_lines, smtp_bytes, Source};

/// What the framer said about one unit, independent of read boundaries.
#[derive(Debug, PartialEq, Eq)]
enum Unit {
    Line(Vec<u8>),
    TooLong,
    Bare,
}

fn check_command(line: &[u8], smtputf8: bool) {
    let Ok(cmd) = Command::parse(line, smtputf8) else {
        return;
    };
    cmd.validate()
        .unwrap_or_else(|e| panic!("parsed {cmd:?} does not validate: {e}"));
    let mut wire = Vec::new();
    cmd.encode(&mut wire);
    assert_crlf_lines(&wire, "Command::encode");
    assert_eq!(
        wire.iter().filter(|&&b| b == b'\n').count(),
        1,
        "one command, one line"
    );
    let text = &wire[..wire.len() - 2];
    let again = Command::parse(text, smtputf8)
        .unwrap_or_else(|e| panic!("encoded {cmd:?} as {text:?}, which fails to parse: {e:?}"));
    assert_eq!(again, cmd, "encode then parse is not the identity");
    let mut wire2 = Vec::new();
    again.encode(&mut wire2);
    assert_eq!(wire, wire2, "encoding is not stable");
}

/// Frames `stream` in reads of `read` octets; returns the units.
fn frame(stream: &[u8], read: usize, limit: usize, endings: LineEndings) -> Vec<Unit> {
    let mut framer = LineFramer::new(limit, endings);
    let mut buf: Vec<u8> = Vec::new();
    let mut units = Vec::new();
    let mut total = 0usize;
    for chunk in stream.chunks(read.max(1)) {
        buf.extend_from_slice(chunk);
        assert!(
            buf.len() <= limit + read.max(1),
            "caller buffer {} over limit {limit} + read {read}",
            buf.len()
        );
        loop {
            let f = framer.next_line(&buf);
            let consumed = f.consumed();
            assert!(consumed <= buf.len());
            total += consumed;
            match f {
                Frame::Line { len, .. } => {
                    let line = f.line(&buf).expect("a Line has text");
                    assert_eq!(line.len(), len);
                    assert!(consumed <= limit, "line of {consumed} over limit {limit}");
                    assert!(!line.contains(&b'\n'));
                    if endings == LineEndings::Strict {
                        assert!(!line.contains(&b'\r'), "CR in a strict line");
                        assert_eq!(consumed, len + 2);
                    }
                    units.push(Unit::Line(line.to_vec()));
                }
                Frame::TooLong { .. } => units.push(Unit::TooLong),
                Frame::BareLineEnding { offset, .. } => {
                    assert_eq!(endings, LineEndings::Strict);
                    assert!(offset < consumed);
                    assert!(matches!(buf[offset], b'\r' | b'\n'));
                    units.push(Unit::Bare);
                }
                Frame::Incomplete { .. } => {
                    buf.drain(..consumed);
                    break;
                }
                _ => {}
            }
            assert!(
                consumed > 0,
                "a frame other than Incomplete consumed nothing"
            );
            buf.drain(..consumed);
        }
    }
    // Everything up to the last LF was framed; only a tail without LF (or
    // skipped as part of a long line) may remain.
    let last_lf = stream
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    assert!(total >= last_lf, "framed {total} of {last_lf} octets");
    assert!(!buf.contains(&b'\n'));
    units
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let endings = if header & 1 == 0 {
        LineEndings::Strict
    } else {
        LineEndings::Lenient
    };
    let smtputf8 = header & 2 != 0;
    // Small limits reach the over-long paths quickly; 512 is RFC 5321's.
    let limit = match header >> 2 & 3 {
        0 | 1 => MAX_COMMAND_LINE,
        2 => 2 + usize::from(header >> 4),
        _ => 1 + usize::from(src.byte()),
    };
    let read = 1 + usize::from(src.byte());
    let stream = smtp_bytes(src.rest());

    let units = frame(&stream, read, limit, endings);
    for u in &units {
        if let Unit::Line(line) = u {
            check_command(line, smtputf8);
        }
    }
    // The same stream in one read frames the same units.
    assert_eq!(frame(&stream, stream.len(), limit, endings), units);
    // And each raw line, CRLF or not, goes straight to the parser too.
    for line in stream.split(|&b| b == b'\n') {
        check_command(line, smtputf8);
    }
});
