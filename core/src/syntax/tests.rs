//! `eq_upper` against `eq_ignore_ascii_case` on every length it serves.

use alloc::vec::Vec;

use proptest::prelude::*;

use super::eq_upper;

#[test]
fn names_of_every_length() {
    let names: [&[u8]; 8] = [
        b"",
        b"X",
        b"DSN",
        b"SIZE",
        b"NEVER",
        b"SMTPUTF8",
        b"MT-PRIORITY",
        b"ENHANCEDSTATUSCODES",
    ];
    for name in names {
        assert!(eq_upper(name, name));
        let lower: Vec<u8> = name.to_ascii_lowercase();
        assert!(eq_upper(&lower, name));
        for i in 0..name.len() {
            // One octet changed, in case or not: only a case flip matches.
            for delta in [0x20u8, 0x01, 0x80] {
                let mut other = name.to_vec();
                other[i] ^= delta;
                let expected = other.eq_ignore_ascii_case(name);
                assert_eq!(eq_upper(&other, name), expected, "{other:?}");
            }
        }
        assert!(!eq_upper(&[name, b"S"].concat(), name));
    }
    // Control characters never pass for a digit or a hyphen.
    assert!(!eq_upper(b"\x18BITMIME", b"8BITMIME"));
    assert!(!eq_upper(b"MT\x0dPRIORITY", b"MT-PRIORITY"));
}

proptest! {
    #[test]
    fn same_as_eq_ignore_ascii_case(
        s in proptest::collection::vec(any::<u8>(), 0..25),
        upper in "[A-Z0-9-]{0,24}",
    ) {
        let upper = upper.as_bytes();
        prop_assert_eq!(eq_upper(&s, upper), s.eq_ignore_ascii_case(upper));
        // And for `s` a re-cased copy of the name.
        let recased: Vec<u8> = upper
            .iter()
            .zip(s.iter().chain(core::iter::repeat(&0)))
            .map(|(&u, &r)| if r & 1 == 1 { u.to_ascii_lowercase() } else { u })
            .collect();
        prop_assert!(eq_upper(&recased, upper));
    }
}
