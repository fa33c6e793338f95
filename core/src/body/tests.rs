//! Properties across the stuffer and the unstuffer.

use super::stuffer::tests::stuff;
use super::unstuffer::tests::feed;
use super::*;
use proptest::prelude::*;
use std::vec::Vec;

fn split<'a>(data: &'a [u8], cuts: &[prop::sample::Index]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c.index(data.len() + 1)).collect();
    points.sort_unstable();
    let mut chunks = Vec::new();
    let mut prev = 0;
    for p in points {
        chunks.push(&data[prev..p]);
        prev = p;
    }
    chunks.push(&data[prev..]);
    chunks
}

/// Reference for the Normalize policy: every CRLF, bare CR and bare LF
/// becomes CRLF, and a non-empty body ends with CRLF.
fn normalized(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match (body[i], body.get(i + 1)) {
            (b'\r', Some(b'\n')) => {
                out.extend_from_slice(b"\r\n");
                i += 2;
                continue;
            }
            (b'\r' | b'\n', _) => out.extend_from_slice(b"\r\n"),
            (b, _) => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Reference for the server: the data ends at the first `CRLF . CRLF`
/// counting the line end before the data; then each CRLF-delimited line
/// loses a leading '.'.
fn reference_unstuff(wire: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut v = b"\r\n".to_vec();
    v.extend_from_slice(wire);
    let k = v.windows(5).position(|w| w == b"\r\n.\r\n")?;
    let body = &wire[..k];
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let end = rest.windows(2).position(|w| w == b"\r\n");
        let line = end.map_or(rest, |p| &rest[..p]);
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        match end {
            Some(p) => {
                out.extend_from_slice(b"\r\n");
                rest = &rest[p + 2..];
            }
            None => break,
        }
    }
    Some((out, k + 3))
}

fn bare_lf(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || data[i - 1] != b'\r'))
}

fn bare_cr(data: &[u8]) -> bool {
    data.iter()
        .enumerate()
        .any(|(i, &b)| b == b'\r' && data.get(i + 1) != Some(&b'\n'))
}

fn has_bare(data: &[u8]) -> bool {
    bare_cr(data) || bare_lf(data)
}

fn crlf_body() -> impl Strategy<Value = Vec<u8>> {
    let line = prop::collection::vec(
        prop_oneof![
            Just(b'.'),
            Just(b'a'),
            any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n')
        ],
        0..20,
    );
    prop::collection::vec(line, 0..12).prop_map(|lines| {
        let mut body = Vec::new();
        for l in lines {
            body.extend_from_slice(&l);
            body.extend_from_slice(b"\r\n");
        }
        body
    })
}

fn smtp_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b'\r'),
            Just(b'\n'),
            Just(b'.'),
            Just(b'a'),
            any::<u8>()
        ],
        0..150,
    )
}

proptest! {
    /// CRLF-only bodies ending with CRLF (or empty) come back exactly,
    /// under either policy, however both sides are split.
    #[test]
    fn roundtrip_identity_for_crlf_bodies(
        body in crlf_body(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        wire_cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        refuse in any::<bool>(),
    ) {
        let policy = if refuse { BareLineEndingPolicy::Refuse } else { BareLineEndingPolicy::Normalize };
        let wire = stuff(policy, &split(&body, &cuts)).unwrap();
        let mut u = DotUnstuffer::new();
        let (out, finished, left) = feed(&mut u, &split(&wire, &wire_cuts));
        prop_assert!(finished);
        prop_assert!(left.is_empty());
        prop_assert_eq!(&out, &body);
        prop_assert!(!u.saw_bare_line_ending());
    }

    /// Arbitrary bytes with Normalize come back normalised.
    #[test]
    fn roundtrip_normalized_for_any_bytes(
        body in smtp_bytes(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
        wire_cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let wire = stuff(BareLineEndingPolicy::Normalize, &split(&body, &cuts)).unwrap();
        // The client never puts a bare CR or LF on the wire.
        prop_assert_eq!(normalized(&wire), wire.clone());
        let mut u = DotUnstuffer::new();
        let (out, finished, left) = feed(&mut u, &split(&wire, &wire_cuts));
        prop_assert!(finished);
        prop_assert!(left.is_empty());
        prop_assert_eq!(out, normalized(&body));
    }

    /// Refuse accepts exactly the bodies without a bare CR or LF.
    #[test]
    fn refuse_iff_bare(body in smtp_bytes(), cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6)) {
        let ok = stuff(BareLineEndingPolicy::Refuse, &split(&body, &cuts)).is_ok();
        prop_assert_eq!(ok, !has_bare(&body));
    }

    /// The server's view does not depend on how the wire was split, and
    /// matches a naive reference.
    #[test]
    fn unstuffer_split_invariant(
        head in smtp_bytes(),
        tail in smtp_bytes(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let mut wire = head;
        wire.extend_from_slice(b"\r\n.\r\n");
        wire.extend_from_slice(&tail);
        let mut u = DotUnstuffer::new();
        let whole = feed(&mut u, &[&wire]);
        let stats = u.stats();
        let mut u = DotUnstuffer::new();
        prop_assert_eq!(&feed(&mut u, &split(&wire, &cuts)), &whole);
        prop_assert_eq!(u.stats(), stats);
        let (want, consumed) = reference_unstuff(&wire).unwrap();
        prop_assert!(whole.1);
        prop_assert_eq!(&whole.0, &want);
        prop_assert_eq!(&whole.2[..], &wire[consumed..]);
        let region = &wire[..consumed];
        prop_assert_eq!((stats.bare_cr, stats.bare_lf), (bare_cr(region), bare_lf(region)));
        // Normalising: the same data, each bare CR or LF written as CRLF.
        let cfg = UnstufferConfig { normalize_bare: true, ..UnstufferConfig::default() };
        let mut u = DotUnstuffer::with_config(cfg);
        let (out, finished, left) = feed(&mut u, &split(&wire, &cuts));
        prop_assert!(finished);
        prop_assert_eq!(out, normalized(&want));
        prop_assert_eq!(&left, &whole.2);
        prop_assert_eq!((u.stats().bare_cr, u.stats().bare_lf), (stats.bare_cr, stats.bare_lf));
        // The two scans (verbatim: LF search and CR count; normalising: CR
        // or LF search) measure lines alike.
        prop_assert_eq!(u.stats().longest_line, stats.longest_line);
        prop_assert_eq!(u.stats().wire_octets, stats.wire_octets);
    }
}
