//! The client's reply input path: a byte stream, split into reads at
//! points drawn from the input, through `ReplyParser` with limits drawn
//! from the input, the way the client machine drives it.
//!
//! Input: a header byte (limits, bare-LF leniency), a read-size byte, then
//! the stream (mapped onto the SMTP alphabet).
//!
//! Invariants beyond "no panic":
//! * `consumed` never exceeds the input and always ends at an LF (whole
//!   lines only); the caller never holds more than one partial line
//!   (`max_line`) plus one read;
//! * every reply respects `max_line`, `max_lines` and `max_octets`, has a
//!   code `[2-5][0-5][0-9]` (RFC 5321 §4.2) and at least one line, none holding an LF;
//! * the sequence of replies and errors does not depend on how the stream
//!   was split into reads;
//! * a parsed reply re-encodes to CRLF lines of at most 512 octets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::reply::{ReplyError, ReplyParser, ReplyParserConfig};
use smtp_core::Reply;
use smtp_fuzz::{assert_crlf_lines, smtp_bytes, Source};

/// The replies (or the first error) a stream yields with reads of `read`.
fn parse_all(
    stream: &[u8],
    read: usize,
    config: ReplyParserConfig,
) -> Vec<Result<Reply, ReplyError>> {
    let mut parser = ReplyParser::with_config(config);
    let max_line = config.max_line.max(5);
    let mut buf: Vec<u8> = Vec::new();
    let mut out = Vec::new();
    for chunk in stream.chunks(read.max(1)) {
        buf.extend_from_slice(chunk);
        assert!(
            buf.len() < max_line + read.max(1),
            "caller holds {} octets, limit {max_line} + read {read}",
            buf.len()
        );
        loop {
            let (n, r) = parser.parse(&buf);
            assert!(n <= buf.len(), "consumed past the input");
            if n > 0 {
                assert_eq!(buf[n - 1], b'\n', "consumed a partial line");
            }
            buf.drain(..n);
            match r {
                None => break,
                Some(Ok(reply)) => {
                    check_reply(&reply, &config);
                    out.push(Ok(reply));
                }
                Some(Err(e)) => {
                    assert!(!parser.in_progress(), "error left a partial reply");
                    // Errors are fatal for the session: stop here.
                    out.push(Err(e));
                    return out;
                }
            }
        }
    }
    out
}

fn check_reply(reply: &Reply, config: &ReplyParserConfig) {
    let max_line = config.max_line.max(5);
    let code = reply.code().get();
    assert!(
        (200..=599).contains(&code) && code / 10 % 10 <= 5,
        "code {code}"
    );
    assert!(reply.lines().next().is_some(), "a reply without lines");
    assert!(reply.line_count() <= config.max_lines.max(1));
    let mut octets = 0;
    for line in reply.lines() {
        assert!(!line.contains(&b'\n'), "LF inside a reply line");
        // NNN, separator, text, CRLF.
        assert!(
            line.len() + 4 < max_line,
            "line of {} over {max_line}",
            line.len()
        );
        octets += line.len() + 5;
    }
    assert!(octets <= config.max_octets + reply.line_count());
    let wire = reply.to_bytes();
    assert_crlf_lines(&wire, "Reply::encode");
    for l in wire.split_inclusive(|&b| b == b'\n') {
        assert!(l.len() <= 512, "encoded reply line of {} octets", l.len());
        assert_eq!(&l[..3], &reply.code().digits()[..]);
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let header = src.byte();
    let mut config = ReplyParserConfig::default();
    config.allow_bare_lf = header & 1 == 0;
    if header & 2 != 0 {
        config.max_line = usize::from(src.byte());
        config.max_lines = 1 + usize::from(src.byte() & 31);
        config.max_octets = usize::from(src.u16());
    }
    let read = 1 + usize::from(src.byte());
    let stream = smtp_bytes(src.rest());
    let chunked = parse_all(&stream, read, config);
    let whole = parse_all(&stream, stream.len(), config);
    assert_eq!(chunked, whole, "replies depend on read boundaries");
});
