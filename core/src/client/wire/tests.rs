use alloc::vec::Vec;

use super::*;

/// The rule, one octet at a time: CRLF stays, a bare CR or LF becomes CRLF.
fn reference(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match (body[i], body.get(i + 1)) {
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
    out
}

/// Every body of up to 6 octets over {a, CR, LF}, split at every offset.
#[test]
fn line_fixer_agrees_with_the_rule_at_every_split() {
    let alphabet = [b'a', b'\r', b'\n'];
    for len in 0..=6u32 {
        for n in 0..3usize.pow(len) {
            let body: Vec<u8> = (0..len).map(|k| alphabet[n / 3usize.pow(k) % 3]).collect();
            let want = reference(&body);
            for cut in 0..=body.len() {
                let mut f = LineFixer::new(BareLineEndingPolicy::Normalize);
                let mut out = Vec::new();
                f.push(&body[..cut], &mut out).unwrap();
                f.push(&body[cut..], &mut out).unwrap();
                f.finish(&mut out).unwrap();
                assert_eq!(out, want, "{body:?} cut at {cut}");
            }
        }
    }
}

#[test]
fn refused_bare_endings_name_their_offset_and_change_nothing() {
    let cases: &[(&[&[u8]], usize)] = &[
        (&[b"ab\ncd"], 2),
        (&[b"ab\rcd"], 2),
        (&[b"ab\r", b"cd"], 0),
        (&[b"ok\r\n", b"x\ny"], 1),
    ];
    for (pieces, offset) in cases {
        let mut f = LineFixer::new(BareLineEndingPolicy::Refuse);
        let mut out = Vec::new();
        let (last, first) = pieces.split_last().unwrap();
        for p in first {
            f.push(p, &mut out).unwrap();
        }
        let before = out.clone();
        assert_eq!(
            f.push(last, &mut out),
            Err(LocalError::BareLineEnding { offset: *offset }),
            "{pieces:?}"
        );
        assert_eq!(out, before, "{pieces:?}");
    }
    let mut f = LineFixer::new(BareLineEndingPolicy::Refuse);
    let mut out = Vec::new();
    f.push(b"end\r", &mut out).unwrap();
    assert_eq!(
        f.finish(&mut out),
        Err(LocalError::BareLineEnding { offset: 0 })
    );
}
