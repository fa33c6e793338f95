//! The PROXY protocol header (HAProxy's `proxy-protocol.txt`, versions 1
//! and 2) that a load balancer sends before the proxied connection's first
//! byte, so the server learns the client's real address.
//!
//! [`parse`] reads the header from the front of what the connection has
//! received so far, independent of the SMTP machines: the caller strips it
//! (`consumed` octets) and feeds the rest to the server machine. Both
//! versions are bounded: a version 1 line is at most
//! [`V1_MAX_LINE`] octets, a version 2 header at most [`V2_MAX_HEADER`].
//!
//! ```
//! use smtp_core::proxy::{parse, Addresses, Parsed};
//!
//! let input = b"PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\nEHLO x\r\n";
//! let Ok(Parsed::Complete { header, consumed }) = parse(input) else { panic!() };
//! assert_eq!(consumed, 44);
//! let Addresses::Ipv4 { source, .. } = header.addresses else { panic!() };
//! assert_eq!(source.to_string(), "192.0.2.1:56324");
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

#[cfg(test)]
mod tests;

/// Longest version 1 line, CRLF included (proxy-protocol.txt §2.1: "a
/// receiver must not read more than 107 characters").
pub const V1_MAX_LINE: usize = 107;

/// The 12-octet signature that opens a version 2 header (§2.2).
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";

/// Fixed part of a version 2 header: signature, version/command,
/// family/transport and the 16-bit length (§2.2).
const V2_FIXED: usize = 16;

/// Longest version 2 header: the fixed part plus the largest length the
/// 16-bit field can give.
pub const V2_MAX_HEADER: usize = V2_FIXED + u16::MAX as usize;

/// Octets of the UNIX address block: two 108-octet paths (§2.2).
const UNIX_PATH: usize = 108;

/// A parsed PROXY header.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyHeader {
    /// 1 (text) or 2 (binary).
    pub version: u8,
    /// `LOCAL` (a health check from the proxy itself: use the socket's own
    /// addresses) or `PROXY`. Version 1 is always `PROXY`.
    pub command: ProxyCommand,
    /// The proxied connection's transport.
    pub transport: Transport,
    /// Its endpoints.
    pub addresses: Addresses,
    /// Version 2 type-length-value extensions, in order (§2.2.7). Version 1
    /// has none.
    pub tlvs: Vec<Tlv>,
}

/// Version 2's command (§2.2, the low nibble of the 13th octet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyCommand {
    /// The proxy's own connection (health check); no client behind it.
    Local,
    /// A relayed connection.
    Proxy,
}

/// The proxied transport (§2.2, the low nibble of the 14th octet).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transport {
    /// Not said (version 1 `UNKNOWN`, version 2 `UNSPEC`).
    Unspecified,
    /// TCP (`STREAM`).
    Stream,
    /// UDP (`DGRAM`).
    Datagram,
}

/// The proxied connection's endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Addresses {
    /// Not said: version 1 `UNKNOWN`, version 2 `AF_UNSPEC` or `LOCAL`.
    Unknown,
    /// TCP or UDP over IPv4.
    Ipv4 {
        /// The client.
        source: SocketAddrV4,
        /// The address the client connected to.
        destination: SocketAddrV4,
    },
    /// TCP or UDP over IPv6.
    Ipv6 {
        /// The client.
        source: SocketAddrV6,
        /// The address the client connected to.
        destination: SocketAddrV6,
    },
    /// A UNIX socket: the two 108-octet paths, NUL padding removed.
    Unix {
        /// The client's path.
        source: Vec<u8>,
        /// The server's path.
        destination: Vec<u8>,
    },
}

/// One version 2 TLV (§2.2.7): `kind` is the type octet (e.g. `0x01`
/// ALPN, `0x02` AUTHORITY, `0x20` SSL), `value` its octets, verbatim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tlv {
    /// The type.
    pub kind: u8,
    /// The value.
    pub value: Vec<u8>,
}

/// The outcome of [`parse`] on the input so far.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// What was received is a valid start of a header: read more.
    Incomplete,
    /// A header, `consumed` octets long; what follows is the proxied
    /// connection's own data.
    Complete {
        /// The header.
        header: ProxyHeader,
        /// Its length on the wire.
        consumed: usize,
    },
}

/// Why the input is not a valid PROXY header. The connection should be
/// closed: what follows cannot be trusted to be SMTP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// Neither `PROXY ` nor the version 2 signature.
    NotProxy,
    /// A version 1 line longer than [`V1_MAX_LINE`] octets.
    TooLong,
    /// A version 1 line that breaks the grammar; the rule that failed.
    Malformed(&'static str),
    /// Version 2 with a version nibble other than 2.
    UnsupportedVersion,
    /// Version 2 with a command other than LOCAL or PROXY.
    UnsupportedCommand,
    /// Version 2 with an unknown address family or transport.
    UnsupportedFamily,
    /// Version 2 whose length is too short for its address family.
    Truncated,
    /// A TLV that runs past the end of the header.
    MalformedTlv,
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxyError::NotProxy => f.write_str("not a PROXY protocol header"),
            ProxyError::TooLong => write!(f, "PROXY v1 line longer than {V1_MAX_LINE} octets"),
            ProxyError::Malformed(what) => write!(f, "PROXY v1 header malformed: {what}"),
            ProxyError::UnsupportedVersion => f.write_str("PROXY v2 version is not 2"),
            ProxyError::UnsupportedCommand => f.write_str("PROXY v2 command unsupported"),
            ProxyError::UnsupportedFamily => f.write_str("PROXY v2 family/transport unsupported"),
            ProxyError::Truncated => f.write_str("PROXY v2 address block truncated"),
            ProxyError::MalformedTlv => f.write_str("PROXY v2 TLV malformed"),
        }
    }
}

/// Reads a PROXY header (either version) from the front of `input`, the
/// connection's first octets. Call again with more input after
/// [`Parsed::Incomplete`]; never more than [`V2_MAX_HEADER`] octets are
/// needed.
///
/// # Errors
/// [`ProxyError`] as soon as the input cannot become a valid header.
pub fn parse(input: &[u8]) -> Result<Parsed, ProxyError> {
    const V1_PREFIX: &[u8] = b"PROXY ";
    if is_prefix(input, &V2_SIGNATURE) {
        return if input.len() < V2_SIGNATURE.len() {
            Ok(Parsed::Incomplete)
        } else {
            parse_v2(input)
        };
    }
    if is_prefix(input, V1_PREFIX) {
        return if input.len() < V1_PREFIX.len() {
            Ok(Parsed::Incomplete)
        } else {
            parse_v1(input)
        };
    }
    Err(ProxyError::NotProxy)
}

/// Whether `input` and `signature` agree on their common length.
fn is_prefix(input: &[u8], signature: &[u8]) -> bool {
    input.iter().zip(signature).all(|(a, b)| a == b)
}

// ---- version 1: "PROXY TCP4 src dst sport dport\r\n" (§2.1) ----

fn parse_v1(input: &[u8]) -> Result<Parsed, ProxyError> {
    let window = input.get(..V1_MAX_LINE).unwrap_or(input);
    let Some(lf) = memchr::memchr(b'\n', window) else {
        return if window.len() >= V1_MAX_LINE {
            Err(ProxyError::TooLong)
        } else {
            Ok(Parsed::Incomplete)
        };
    };
    let consumed = lf + 1;
    let line = window
        .get(..lf)
        .and_then(|l| l.strip_suffix(b"\r"))
        .ok_or(ProxyError::Malformed("the line must end with CRLF"))?;
    let text = core::str::from_utf8(line).map_err(|_| ProxyError::Malformed("not ASCII"))?;
    let rest = text
        .strip_prefix("PROXY ")
        .ok_or(ProxyError::Malformed("PROXY"))?;
    let mut fields = rest.split(' ');
    let family = fields.next().unwrap_or_default();
    let addresses = match family {
        // §2.1: with UNKNOWN the rest of the line is to be ignored.
        "UNKNOWN" => Addresses::Unknown,
        "TCP4" => {
            let (src, dst, sport, dport) = v1_fields(&mut fields)?;
            Addresses::Ipv4 {
                source: SocketAddrV4::new(ipv4(src)?, port(sport)?),
                destination: SocketAddrV4::new(ipv4(dst)?, port(dport)?),
            }
        }
        "TCP6" => {
            let (src, dst, sport, dport) = v1_fields(&mut fields)?;
            Addresses::Ipv6 {
                source: SocketAddrV6::new(ipv6(src)?, port(sport)?, 0, 0),
                destination: SocketAddrV6::new(ipv6(dst)?, port(dport)?, 0, 0),
            }
        }
        _ => {
            return Err(ProxyError::Malformed(
                "family must be TCP4, TCP6 or UNKNOWN",
            ))
        }
    };
    let transport = if addresses == Addresses::Unknown {
        Transport::Unspecified
    } else {
        Transport::Stream
    };
    Ok(Parsed::Complete {
        header: ProxyHeader {
            version: 1,
            command: ProxyCommand::Proxy,
            transport,
            addresses,
            tlvs: Vec::new(),
        },
        consumed,
    })
}

/// The four fields after TCP4/TCP6, single spaces between, nothing after.
fn v1_fields<'a>(
    fields: &mut impl Iterator<Item = &'a str>,
) -> Result<(&'a str, &'a str, &'a str, &'a str), ProxyError> {
    let mut next = || {
        fields
            .next()
            .filter(|f| !f.is_empty())
            .ok_or(ProxyError::Malformed(
                "four fields separated by single spaces",
            ))
    };
    let four = (next()?, next()?, next()?, next()?);
    if fields.next().is_some() {
        return Err(ProxyError::Malformed("extra data after the ports"));
    }
    Ok(four)
}

fn ipv4(s: &str) -> Result<Ipv4Addr, ProxyError> {
    s.parse().map_err(|_| ProxyError::Malformed("IPv4 address"))
}

fn ipv6(s: &str) -> Result<Ipv6Addr, ProxyError> {
    s.parse().map_err(|_| ProxyError::Malformed("IPv6 address"))
}

/// A port: decimal, 0-65535, no leading zero (§2.1).
fn port(s: &str) -> Result<u16, ProxyError> {
    let digits = s.bytes().all(|b| b.is_ascii_digit());
    if !digits || s.is_empty() || (s.len() > 1 && s.starts_with('0')) {
        return Err(ProxyError::Malformed("port"));
    }
    s.parse().map_err(|_| ProxyError::Malformed("port"))
}

// ---- version 2: binary (§2.2) ----

fn parse_v2(input: &[u8]) -> Result<Parsed, ProxyError> {
    let fixed = match input.get(..V2_FIXED) {
        Some(f) => f,
        None => return check_v2_prefix(input),
    };
    let (ver_cmd, fam, len) = v2_fixed(fixed)?;
    let consumed = V2_FIXED + usize::from(len);
    let Some(body) = input.get(V2_FIXED..consumed) else {
        return Ok(Parsed::Incomplete);
    };
    let command = match ver_cmd & 0x0F {
        0 => ProxyCommand::Local,
        _ => ProxyCommand::Proxy,
    };
    let transport = match fam & 0x0F {
        0 => Transport::Unspecified,
        1 => Transport::Stream,
        _ => Transport::Datagram,
    };
    let family = fam >> 4;
    let address_len = match family {
        1 => 12,
        2 => 36,
        3 => 2 * UNIX_PATH,
        _ => 0,
    };
    if family != 0 && transport == Transport::Unspecified {
        // §2.2: an address family needs a transport to make sense.
        return Err(ProxyError::UnsupportedFamily);
    }
    let (block, tlv_bytes) = body
        .split_at_checked(address_len)
        .ok_or(ProxyError::Truncated)?;
    let addresses = if command == ProxyCommand::Local {
        // §2.2: the receiver must ignore the address information of LOCAL.
        Addresses::Unknown
    } else {
        v2_addresses(family, block)
    };
    Ok(Parsed::Complete {
        header: ProxyHeader {
            version: 2,
            command,
            transport,
            addresses,
            tlvs: match parse_tlvs(tlv_bytes) {
                (tlvs, None) => tlvs,
                (_, Some(e)) => return Err(e),
            },
        },
        consumed,
    })
}

/// Checks the octets of the fixed part received so far.
fn check_v2_prefix(input: &[u8]) -> Result<Parsed, ProxyError> {
    if let Some(&ver_cmd) = input.get(12) {
        check_ver_cmd(ver_cmd)?;
    }
    if let Some(&fam) = input.get(13) {
        check_fam(fam)?;
    }
    Ok(Parsed::Incomplete)
}

fn v2_fixed(fixed: &[u8]) -> Result<(u8, u8, u16), ProxyError> {
    let (&ver_cmd, &fam, hi, lo) = match fixed.get(12..16) {
        Some([v, f, h, l]) => (v, f, *h, *l),
        _ => return Err(ProxyError::Truncated),
    };
    check_ver_cmd(ver_cmd)?;
    check_fam(fam)?;
    Ok((ver_cmd, fam, u16::from_be_bytes([hi, lo])))
}

fn check_ver_cmd(ver_cmd: u8) -> Result<(), ProxyError> {
    if ver_cmd >> 4 != 2 {
        return Err(ProxyError::UnsupportedVersion);
    }
    if ver_cmd & 0x0F > 1 {
        return Err(ProxyError::UnsupportedCommand);
    }
    Ok(())
}

fn check_fam(fam: u8) -> Result<(), ProxyError> {
    if fam >> 4 > 3 || fam & 0x0F > 2 {
        return Err(ProxyError::UnsupportedFamily);
    }
    Ok(())
}

fn v2_addresses(family: u8, block: &[u8]) -> Addresses {
    match (family, block) {
        (1, [s0, s1, s2, s3, d0, d1, d2, d3, sp0, sp1, dp0, dp1]) => Addresses::Ipv4 {
            source: SocketAddrV4::new(
                Ipv4Addr::new(*s0, *s1, *s2, *s3),
                u16::from_be_bytes([*sp0, *sp1]),
            ),
            destination: SocketAddrV4::new(
                Ipv4Addr::new(*d0, *d1, *d2, *d3),
                u16::from_be_bytes([*dp0, *dp1]),
            ),
        },
        (2, _) => {
            let ip = |at: usize| -> Ipv6Addr {
                let mut octets = [0u8; 16];
                if let Some(src) = block.get(at..at + 16) {
                    octets.copy_from_slice(src);
                }
                Ipv6Addr::from(octets)
            };
            let port = |at: usize| -> u16 {
                match block.get(at..at + 2) {
                    Some([a, b]) => u16::from_be_bytes([*a, *b]),
                    _ => 0,
                }
            };
            Addresses::Ipv6 {
                source: SocketAddrV6::new(ip(0), port(32), 0, 0),
                destination: SocketAddrV6::new(ip(16), port(34), 0, 0),
            }
        }
        (3, _) => {
            let (src, dst) = block.split_at(UNIX_PATH.min(block.len()));
            Addresses::Unix {
                source: unpad(src),
                destination: unpad(dst),
            }
        }
        _ => Addresses::Unknown,
    }
}

/// A UNIX path up to its first NUL.
fn unpad(path: &[u8]) -> Vec<u8> {
    let end = memchr::memchr(0, path).unwrap_or(path.len());
    path.get(..end).unwrap_or_default().to_vec()
}

/// Splits a run of TLVs (§2.2.7: type octet, 16-bit length, value), e.g.
/// the sub-TLVs inside an SSL TLV's value after its first five octets
/// (§2.2.5). Returns those read before the first malformed one, and
/// [`ProxyError::MalformedTlv`] if there was one.
pub fn parse_tlvs(mut bytes: &[u8]) -> (Vec<Tlv>, Option<ProxyError>) {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let (kind, len) = match bytes {
            [kind, hi, lo, ..] => (*kind, usize::from(u16::from_be_bytes([*hi, *lo]))),
            _ => return (out, Some(ProxyError::MalformedTlv)),
        };
        let Some(value) = bytes.get(3..3 + len) else {
            return (out, Some(ProxyError::MalformedTlv));
        };
        out.push(Tlv {
            kind,
            value: value.to_vec(),
        });
        bytes = bytes.get(3 + len..).unwrap_or_default();
    }
    (out, None)
}
