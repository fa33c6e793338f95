use super::*;
use crate::auth::decode_challenge;

// RFC 7628 §4.1, SMTP variant: the decoded initial client response.
const RFC7628_SMTP: &[u8] = b"n,a=user@example.com,\x01host=server.example.com\x01port=587\x01\
auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01";

#[test]
fn rfc7628_initial_response() {
    let got = encode_oauthbearer(
        Some("user@example.com"),
        Some("server.example.com"),
        Some(587),
        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==",
    );
    assert_eq!(got.as_deref(), Some(RFC7628_SMTP));
    // And the base64 the RFC prints (line breaks removed).
    let wire = b"bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB";
    assert_eq!(decode_challenge(wire).as_deref(), Ok(RFC7628_SMTP));
    assert_eq!(
        parse_oauthbearer(RFC7628_SMTP),
        Ok((
            Some("user@example.com".into()),
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==".into()
        ))
    );
}

#[test]
fn xoauth2_format() {
    // Google's documented example: user=someuser@example.com^Aauth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg^A^A
    let msg = encode_xoauth2(
        "someuser@example.com",
        "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
    )
    .unwrap();
    assert_eq!(
        msg,
        b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
    );
    assert_eq!(
        crate::auth::encode_response(&msg),
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ=="
    );
    assert_eq!(
        parse_xoauth2(&msg),
        Ok((
            "someuser@example.com".into(),
            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg".into()
        ))
    );
}

#[test]
fn rejects() {
    assert_eq!(encode_xoauth2("a\x01b", "t"), None);
    assert_eq!(encode_oauthbearer(None, None, None, "t\x01"), None);
    for bad in [
        &b""[..],
        b"n,,auth=Bearer t\x01\x01",
        b"n,,\x01auth=Bearer t\x01",
        b"n,,\x01auth=Basic t\x01\x01",
        b"n,,\x01auth=Bearer \x01\x01",
        b"n,,\x01host=x\x01\x01",
        b"p=tls-unique,,\x01auth=Bearer t\x01\x01",
        b"n,b=x,\x01auth=Bearer t\x01\x01",
        b"n,a=x=2,\x01auth=Bearer t\x01\x01",
        // RFC 7628 §4.4 prints this gs2 header, which is not valid (erratum 4545).
        b"n,user=someuser@example.com,\x01auth=Bearer t\x01\x01",
    ] {
        assert!(parse_oauthbearer(bad).is_err(), "{bad:?}");
    }
    assert_eq!(
        parse_oauthbearer(b"y,,\x01auth=bearer t\x01\x01"),
        Ok((None, "t".into()))
    );
    for bad in [
        &b""[..],
        b"user=\x01auth=Bearer t\x01\x01",
        b"user=u",
        b"user=u\x01auth=Bearer t",
    ] {
        assert!(parse_xoauth2(bad).is_err(), "{bad:?}");
    }
}
