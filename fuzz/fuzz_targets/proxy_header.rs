//! The PROXY protocol header parser (`smtp_core::proxy::parse`) on
//! arbitrary first octets of a connection.
//!
//! Input: the octets as received; half the time a valid v1 or v2 prefix
//! is put in front so the fuzzer spends its time past the signatures.
//!
//! Invariants beyond "no panic":
//! * a header is never longer than its version's bound, nor than the input;
//! * parsing is prefix-consistent, as a reader that re-parses on every read
//!   relies on: every strict prefix of a complete header is `Incomplete`,
//!   and a prefix of an erroneous input is `Incomplete` or the same error;
//! * what follows the header does not change the header;
//! * a v1 header ends with CRLF; a v2 header is its 16 octets plus the
//!   16-bit length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp_core::proxy::{parse, Parsed, V1_MAX_LINE, V2_MAX_HEADER, V2_SIGNATURE};

fuzz_target!(|data: &[u8]| {
    let (&mode, rest) = data.split_first().unwrap_or((&0, &[]));
    let mut input = match mode % 4 {
        0 => b"PROXY ".to_vec(),
        1 => V2_SIGNATURE.to_vec(),
        _ => Vec::new(),
    };
    input.extend_from_slice(rest);

    let whole = parse(&input);
    match &whole {
        Ok(Parsed::Complete { header, consumed }) => {
            let n = *consumed;
            assert!(n <= input.len());
            match header.version {
                1 => {
                    assert!(n <= V1_MAX_LINE);
                    assert!(input[..n].ends_with(b"\r\n"));
                }
                2 => {
                    assert!(n <= V2_MAX_HEADER);
                    let len = u16::from_be_bytes([input[14], input[15]]);
                    assert_eq!(n, 16 + usize::from(len));
                }
                v => panic!("version {v}"),
            }
            for k in 0..n {
                assert_eq!(parse(&input[..k]), Ok(Parsed::Incomplete), "prefix {k} of {n}");
            }
            // Trailing data is not part of the header.
            let mut longer = input[..n].to_vec();
            longer.extend_from_slice(b"EHLO x\r\n");
            assert_eq!(parse(&longer), whole);
        }
        Ok(Parsed::Incomplete) => {
            assert!(input.len() < V2_MAX_HEADER);
        }
        Err(e) => {
            for k in 0..input.len() {
                match parse(&input[..k]) {
                    Ok(Parsed::Incomplete) => {}
                    Err(e2) => assert_eq!(&e2, e, "prefix {k} fails differently"),
                    Ok(c) => panic!("prefix {k} of an invalid input parsed: {c:?}"),
                }
            }
        }
    }
});
