//! Table tests for the stuffer: transparency, line endings, refusals
//! that write nothing, octet counts.
#![allow(clippy::type_complexity)]

use std::vec::Vec;

use super::*;

/// Stuffs `chunks` pushed one after another, then finishes; checks the
/// octet count on the way.
pub(crate) fn stuff(policy: BareLineEndingPolicy, chunks: &[&[u8]]) -> Result<Vec<u8>, StuffError> {
    let mut s = DotStuffer::new(policy);
    let mut out = Vec::new();
    for c in chunks {
        s.push(c, &mut out)?;
    }
    s.finish(&mut out)?;
    assert_eq!(s.wire_octets(), out.len() as u64);
    Ok(out)
}

#[test]
fn table() {
    use BareLineEndingPolicy::*;
    #[rustfmt::skip]
    let cases: &[(&str, BareLineEndingPolicy, &[&[u8]], &[u8])] = &[
        ("empty body", Normalize, &[], b".\r\n"),
        ("empty chunks", Normalize, &[b"", b""], b".\r\n"),
        ("one line", Normalize, &[b"Hi\r\n"], b"Hi\r\n.\r\n"),
        ("no final CRLF", Normalize, &[b"Hi"], b"Hi\r\n.\r\n"),
        ("dot on the first line", Normalize, &[b".Hi\r\n"], b"..Hi\r\n.\r\n"),
        ("lone dot line", Normalize, &[b"a\r\n.\r\nb\r\n"], b"a\r\n..\r\nb\r\n.\r\n"),
        ("dot mid-line kept", Normalize, &[b"a.b\r\n"], b"a.b\r\n.\r\n"),
        ("dot after chunk split", Normalize, &[b"a\r\n", b".b"], b"a\r\n..b\r\n.\r\n"),
        ("CRLF split", Normalize, &[b"a\r", b"\n.b"], b"a\r\n..b\r\n.\r\n"),
        ("CR then empty chunk", Normalize, &[b"a\r", b"", b"\nb"], b"a\r\nb\r\n.\r\n"),
        ("bare LF normalised", Normalize, &[b"a\n.b"], b"a\r\n..b\r\n.\r\n"),
        ("bare CR normalised", Normalize, &[b"a\r.b"], b"a\r\n..b\r\n.\r\n"),
        ("CR CR LF", Normalize, &[b"a\r\r\n"], b"a\r\n\r\n.\r\n"),
        ("trailing bare CR", Normalize, &[b"a\r"], b"a\r\n.\r\n"),
        ("smuggling attempt defused", Normalize, &[b"a\n.\nMAIL FROM:<x>\n"],
            b"a\r\n..\r\nMAIL FROM:<x>\r\n.\r\n"),
        ("clean body refused nothing", Refuse, &[b".a\r\nb\r\n"], b"..a\r\nb\r\n.\r\n"),
    ];
    for (name, policy, chunks, want) in cases {
        assert_eq!(stuff(*policy, chunks).as_deref(), Ok(*want), "{name}");
    }
}

#[test]
fn refuse_writes_nothing_and_keeps_state() {
    let p = BareLineEndingPolicy::Refuse;
    for (chunks, offset) in [
        (&[&b"ab\ncd"[..]][..], 2),
        (&[b"ab\r\ncd\re"], 6),
        (&[b"ab\r", b"x"], 0),
    ] {
        let mut s = DotStuffer::new(p);
        let mut out = Vec::new();
        let (last, first) = chunks.split_last().unwrap();
        for c in first {
            s.push(c, &mut out).unwrap();
        }
        let before = out.clone();
        let octets = s.wire_octets();
        assert_eq!(
            s.push(last, &mut out),
            Err(StuffError::BareLineEnding { offset })
        );
        assert_eq!(out, before);
        assert_eq!(s.wire_octets(), octets);
    }
    // State unchanged: after a refused chunk a good one continues the line.
    let mut s = DotStuffer::new(p);
    let mut out = Vec::new();
    s.push(b"x\r\n", &mut out).unwrap();
    assert!(s.push(b".a\nb", &mut out).is_err());
    s.push(b".a\r\n", &mut out).unwrap();
    s.finish(&mut out).unwrap();
    assert_eq!(out, b"x\r\n..a\r\n.\r\n");
    // A trailing bare CR is refused at finish.
    let mut s = DotStuffer::new(p);
    let mut out = Vec::new();
    s.push(b"a\r", &mut out).unwrap();
    assert_eq!(
        s.finish(&mut out),
        Err(StuffError::BareLineEnding { offset: 0 })
    );
    assert_eq!(out, b"a");
}

#[test]
fn octet_counts_and_finish_once() {
    let mut s = DotStuffer::new(BareLineEndingPolicy::Normalize);
    let mut out = Vec::new();
    s.push(b".x\n..y", &mut out).unwrap();
    s.finish(&mut out).unwrap();
    assert_eq!(out, b"..x\r\n...y\r\n.\r\n");
    // RFC 1870: ".x\r\n..y\r\n" = 9 octets.
    assert_eq!(s.message_octets(), 9);
    assert!(s.is_finished());
    assert_eq!(s.finish(&mut out), Err(StuffError::Finished));
    assert_eq!(s.push(b"z", &mut out), Err(StuffError::Finished));
}
