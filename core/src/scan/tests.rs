use alloc::vec::Vec;

use proptest::prelude::*;

use super::{find, find2, SHORT};

fn naive(hay: &[u8], needles: &[u8]) -> Option<usize> {
    hay.iter().position(|b| needles.contains(b))
}

#[test]
fn every_offset_around_the_word_and_memchr_boundaries() {
    // A match at each offset, in haystacks of each length up to past the
    // word-wise part, with look-alike octets (the needle with its high bit
    // set, its neighbours) everywhere else.
    for len in 0..SHORT + 24 {
        for at in 0..=len {
            let mut hay: Vec<u8> = (0..len)
                .map(|i| [b'\n' ^ 0x80, b'\x0b', b'\t', b'a'][i % 4])
                .collect();
            if let Some(b) = hay.get_mut(at) {
                *b = b'\n';
            }
            assert_eq!(find(b'\n', &hay), naive(&hay, b"\n"), "len {len} at {at}");
            assert_eq!(
                find2(b' ', b'\n', &hay),
                naive(&hay, b" \n"),
                "len {len} at {at}"
            );
        }
    }
}

#[test]
fn the_first_of_two_needles_wins() {
    assert_eq!(find2(b' ', b'\n', b"AUTH PLAIN\nX"), Some(4));
    assert_eq!(find2(b' ', b'\n', b"PIPELINING\nSIZE 10"), Some(10));
    assert_eq!(
        find2(b'\r', b'\n', b"0123456789abcdef0123456789abcdef01\r\n"),
        Some(34)
    );
    assert_eq!(find(b'\n', b""), None);
}

proptest! {
    #[test]
    fn agrees_with_a_plain_scan(hay in proptest::collection::vec(any::<u8>(), 0..80), a: u8, b: u8) {
        prop_assert_eq!(find(a, &hay), naive(&hay, &[a]));
        prop_assert_eq!(find2(a, b, &hay), naive(&hay, &[a, b]));
    }
}
