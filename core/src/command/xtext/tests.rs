//! xtext table: encoding and decoding (RFC 3461 §4).

use alloc::string::String;
use alloc::vec::Vec;

use super::*;

fn xtext_encode(value: &str) -> String {
    let mut out = Vec::new();
    xtext_encode_into(value.as_bytes(), &mut out);
    String::from_utf8(out).unwrap()
}

fn xtext_decode(value: &str) -> Option<String> {
    xtext_decode_cow(value).map(alloc::borrow::Cow::into_owned)
}

#[test]
fn table() {
    // (wire, decoded)
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("abc", "abc"),
        ("a+2Bb", "a+b"),
        ("a+3Db", "a=b"),
        ("+20", " "),
        ("QQ,,", "QQ,,"),
        ("+C3+A9", "é"),
        ("<>", "<>"),
    ];
    for &(wire, decoded) in cases {
        assert_eq!(xtext_decode(wire).as_deref(), Some(decoded), "{wire}");
        assert_eq!(xtext_encode(decoded), wire, "{decoded}");
    }
    assert_eq!(xtext_decode("a+2bb").as_deref(), Some("a+b"));
    assert_eq!(xtext_decode("QQ+2C").as_deref(), Some("QQ,"));
    for bad in ["a=b", "a b", "+", "+4", "+G0", "+FF", "é"] {
        assert_eq!(xtext_decode(bad), None, "{bad}");
    }
}
