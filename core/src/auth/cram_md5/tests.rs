use super::*;

const CHALLENGE: &[u8] = b"<1896.697170952@postoffice.reston.mci.net>";

// RFC 2195 §2 example.
#[test]
fn rfc2195_example() {
    assert_eq!(
        respond("tim", "tanstaaftanstaaf", CHALLENGE),
        b"tim b913a602c7eda7a495b4e6e7334d3890".to_vec()
    );
    let (user, digest) = parse(b"tim b913a602c7eda7a495b4e6e7334d3890").unwrap();
    assert_eq!(user, "tim");
    assert!(verify_cram_md5(b"tanstaaftanstaaf", CHALLENGE, &digest));
    assert!(!verify_cram_md5(b"tanstaaftanstaaF", CHALLENGE, &digest));
    assert!(!verify_cram_md5(
        b"tanstaaftanstaaf",
        b"<other@host>",
        &digest
    ));
    assert!(!verify_cram_md5(
        b"tanstaaftanstaaf",
        CHALLENGE,
        &digest[..15]
    ));
}

#[test]
fn parse_table() {
    let (user, digest) = parse(b"John Doe B913A602C7EDA7A495B4E6E7334D3890").unwrap();
    assert_eq!(user, "John Doe");
    assert_eq!(digest.first(), Some(&0xb9));
    for bad in [
        &b""[..],
        b"tim",
        b" b913a602c7eda7a495b4e6e7334d3890",
        b"tim b913a602c7eda7a495b4e6e7334d389",
        b"tim b913a602c7eda7a495b4e6e7334d38900",
        b"tim g913a602c7eda7a495b4e6e7334d3890",
        b"tim +913a602c7eda7a495b4e6e7334d3890",
    ] {
        assert!(parse(bad).is_err(), "{bad:?}");
    }
}
