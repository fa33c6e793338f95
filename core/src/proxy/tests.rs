//! Table tests for the PROXY header parser, each fixture also fed one
//! octet at a time (every prefix must be `Incomplete` or the same error).

use alloc::vec;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::*;

fn complete(input: &[u8]) -> (ProxyHeader, usize) {
    match parse(input) {
        Ok(Parsed::Complete { header, consumed }) => (header, consumed),
        other => panic!("{input:?}: {other:?}"),
    }
}

/// Every strict prefix of a valid header is Incomplete.
fn prefixes_incomplete(input: &[u8], consumed: usize) {
    for n in 0..consumed {
        assert_eq!(
            parse(&input[..n]),
            Ok(Parsed::Incomplete),
            "prefix of {n} octets of {input:?}"
        );
    }
}

fn v2(ver_cmd: u8, fam: u8, body: &[u8]) -> Vec<u8> {
    let mut out = V2_SIGNATURE.to_vec();
    out.push(ver_cmd);
    out.push(fam);
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
    out
}

#[test]
fn v1_tcp4_and_what_follows() {
    let input = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\nEHLO x\r\n";
    let (h, consumed) = complete(input);
    assert_eq!(consumed, 44);
    assert_eq!(
        (h.version, h.command, h.transport),
        (1, ProxyCommand::Proxy, Transport::Stream)
    );
    assert_eq!(
        h.addresses,
        Addresses::Ipv4 {
            source: SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 56324),
            destination: SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 25),
        }
    );
    prefixes_incomplete(input, consumed);
}

#[test]
fn v1_tcp6_shortened_addresses() {
    let (h, _) = complete(b"PROXY TCP6 2001:db8::1 ::1 65535 0\r\n");
    assert_eq!(
        h.addresses,
        Addresses::Ipv6 {
            source: SocketAddrV6::new("2001:db8::1".parse().unwrap(), 65535, 0, 0),
            destination: SocketAddrV6::new(Ipv6Addr::LOCALHOST, 0, 0, 0),
        }
    );
}

#[test]
fn v1_unknown_ignores_the_rest() {
    for input in [
        &b"PROXY UNKNOWN\r\n"[..],
        b"PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n",
    ] {
        let (h, consumed) = complete(input);
        assert_eq!(consumed, input.len());
        assert_eq!(h.addresses, Addresses::Unknown);
        assert_eq!(h.transport, Transport::Unspecified);
    }
}

#[test]
fn v1_longest_line_is_accepted_one_more_octet_is_not() {
    // §2.1's worst case: "PROXY UNKNOWN" + two full IPv6 + ports = 107.
    let long = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    let line = alloc::format!("PROXY UNKNOWN {long} {long} 65535 65535\r\n");
    assert_eq!(line.len(), V1_MAX_LINE);
    assert_eq!(complete(line.as_bytes()).1, V1_MAX_LINE);
    let over = alloc::format!("PROXY UNKNOWN {long} {long} 65535 655350\r\n");
    assert_eq!(parse(over.as_bytes()), Err(ProxyError::TooLong));
    assert_eq!(
        parse(&[b'P', b'R', b'O', b'X', b'Y', b' '].repeat(30)),
        Err(ProxyError::TooLong)
    );
}

#[test]
fn v1_malformed_lines() {
    let cases: &[(&[u8], ProxyError)] = &[
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
            ProxyError::Malformed("the line must end with CRLF"),
        ),
        (
            b"PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
            ProxyError::Malformed("family must be TCP4, TCP6 or UNKNOWN"),
        ),
        (
            b"PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n",
            ProxyError::Malformed("family must be TCP4, TCP6 or UNKNOWN"),
        ),
        (
            b"PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n",
            ProxyError::Malformed("four fields separated by single spaces"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
            ProxyError::Malformed("four fields separated by single spaces"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n",
            ProxyError::Malformed("extra data after the ports"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
            ProxyError::Malformed("port"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n",
            ProxyError::Malformed("port"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n",
            ProxyError::Malformed("port"),
        ),
        (
            b"PROXY TCP4 ::1 5.6.7.8 1 2\r\n",
            ProxyError::Malformed("IPv4 address"),
        ),
        (
            b"PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
            ProxyError::Malformed("IPv6 address"),
        ),
        (
            b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\xff\r\n",
            ProxyError::Malformed("not ASCII"),
        ),
        (
            b"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n",
            ProxyError::Malformed("IPv4 address"),
        ),
    ];
    for (input, error) in cases {
        assert_eq!(
            parse(input),
            Err(*error),
            "{:?}",
            core::str::from_utf8(input)
        );
    }
}

#[test]
fn not_a_proxy_header() {
    for input in [
        &b"EHLO x\r\n"[..],
        b"PROXZ",
        b"proxy TCP4",
        b"\r\n\r\n\0\r\nQUIX\n",
        b"PROXYTCP4",
    ] {
        assert_eq!(parse(input), Err(ProxyError::NotProxy), "{input:?}");
    }
}

#[test]
fn v2_ipv4_with_tlvs() {
    let mut body = vec![192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0, 25];
    body.extend_from_slice(&[0x01, 0, 2, b'h', b'2']); // ALPN
    body.extend_from_slice(&[0x20, 0, 5, 1, 0, 0, 0, 0]); // SSL, verified
    let mut input = v2(0x21, 0x11, &body);
    let consumed = input.len();
    input.extend_from_slice(b"EHLO x\r\n");
    let (h, n) = complete(&input);
    assert_eq!(n, consumed);
    assert_eq!(
        (h.version, h.command, h.transport),
        (2, ProxyCommand::Proxy, Transport::Stream)
    );
    assert_eq!(
        h.addresses,
        Addresses::Ipv4 {
            source: SocketAddrV4::new(Ipv4Addr::new(192, 0, 2, 1), 56324),
            destination: SocketAddrV4::new(Ipv4Addr::new(198, 51, 100, 2), 25),
        }
    );
    assert_eq!(
        h.tlvs,
        vec![
            Tlv {
                kind: 0x01,
                value: b"h2".to_vec()
            },
            Tlv {
                kind: 0x20,
                value: vec![1, 0, 0, 0, 0]
            },
        ]
    );
    prefixes_incomplete(&input, consumed);
}

#[test]
fn v2_ipv6_udp_and_unix() {
    let mut body = Vec::new();
    body.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
    body.extend_from_slice(&"2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
    body.extend_from_slice(&[0, 1, 0, 2]);
    let (h, _) = complete(&v2(0x21, 0x22, &body));
    assert_eq!(h.transport, Transport::Datagram);
    assert_eq!(
        h.addresses,
        Addresses::Ipv6 {
            source: SocketAddrV6::new(Ipv6Addr::LOCALHOST, 1, 0, 0),
            destination: SocketAddrV6::new("2001:db8::2".parse().unwrap(), 2, 0, 0),
        }
    );
    let mut unix = vec![0u8; 216];
    unix[..5].copy_from_slice(b"/a/b\0");
    unix[108..112].copy_from_slice(b"/srv");
    let (h, _) = complete(&v2(0x21, 0x31, &unix));
    assert_eq!(
        h.addresses,
        Addresses::Unix {
            source: b"/a/b".to_vec(),
            destination: b"/srv".to_vec()
        }
    );
}

#[test]
fn v2_local_and_unspec_carry_no_addresses() {
    // LOCAL with an IPv4 block: the block is skipped, not believed.
    let (h, n) = complete(&v2(0x20, 0x11, &[1, 2, 3, 4, 5, 6, 7, 8, 0, 1, 0, 2]));
    assert_eq!(
        (h.command, h.addresses, n),
        (ProxyCommand::Local, Addresses::Unknown, 28)
    );
    let (h, _) = complete(&v2(0x21, 0x00, &[]));
    assert_eq!(
        (h.transport, h.addresses),
        (Transport::Unspecified, Addresses::Unknown)
    );
}

#[test]
fn v2_errors_are_reported_as_soon_as_their_octet_arrives() {
    let cases: &[(Vec<u8>, ProxyError)] = &[
        (v2(0x11, 0x11, &[]), ProxyError::UnsupportedVersion),
        (v2(0x22, 0x11, &[]), ProxyError::UnsupportedCommand),
        (v2(0x21, 0x41, &[]), ProxyError::UnsupportedFamily),
        (v2(0x21, 0x13, &[]), ProxyError::UnsupportedFamily),
        (v2(0x21, 0x10, &[0; 12]), ProxyError::UnsupportedFamily),
        (v2(0x21, 0x11, &[0; 11]), ProxyError::Truncated),
        (v2(0x21, 0x21, &[0; 35]), ProxyError::Truncated),
        (
            v2(0x21, 0x11, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            ProxyError::MalformedTlv,
        ),
        (
            v2(
                0x21,
                0x11,
                &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 5, 1],
            ),
            ProxyError::MalformedTlv,
        ),
    ];
    for (input, error) in cases {
        assert_eq!(parse(input), Err(*error), "{input:?}");
    }
    // The version octet alone is enough to refuse.
    let mut early = V2_SIGNATURE.to_vec();
    early.push(0x31);
    assert_eq!(parse(&early), Err(ProxyError::UnsupportedVersion));
}

#[test]
fn v2_longest_header_is_bounded() {
    let body = vec![0u8; usize::from(u16::MAX)];
    let input = v2(0x21, 0x00, &body);
    assert_eq!(input.len(), V2_MAX_HEADER);
    // A TLV of type 0x04 (NOOP) filling it: parsed in one piece.
    let mut tlv = vec![0x04, 0xff, 0xfc];
    tlv.resize(usize::from(u16::MAX), 0);
    let (h, n) = complete(&v2(0x21, 0x00, &tlv));
    assert_eq!((n, h.tlvs.len()), (V2_MAX_HEADER, 1));
}

#[test]
fn tlvs_before_a_malformed_one_are_kept() {
    let (tlvs, err) = parse_tlvs(b"\x03\x00\x04Z\xfd\xc6\xff\x02\x00\tAUTHORI");
    assert_eq!(
        tlvs,
        vec![Tlv {
            kind: 3,
            value: b"Z\xfd\xc6\xff".to_vec()
        }]
    );
    assert_eq!(err, Some(ProxyError::MalformedTlv));
    assert_eq!(parse_tlvs(b""), (Vec::new(), None));
    assert_eq!(
        parse_tlvs(b"\x04\x00"),
        (Vec::new(), Some(ProxyError::MalformedTlv))
    );
}
