//! Shared pieces of the fuzz targets: the SMTP alphabet that turns random
//! bytes into SMTP-shaped bytes, a cursor that draws decisions from the
//! input, and the wire invariants every target checks.
//!
//! Why an alphabet: libFuzzer mutates bytes, and a random byte string almost
//! never spells `MAIL FROM:<` or `354 `. Mapping each high byte onto a token
//! (verbs, reply codes, CR LF, dots, base64 chunks...) lets a single
//! mutation insert a whole protocol word, so the fuzzer reaches the deep
//! states of the machines instead of circling in the "unknown command" path.
//! Bytes below 0x80 stay themselves, so raw ASCII (and CR, LF, NUL) is still
//! reachable byte by byte.

/// The tokens high input bytes (0x80..=0xFF) map onto, in order.
/// Exactly 128 entries so every high byte names one.
pub const TOKENS: [&[u8]; 128] = [
    // 0x80: commands (RFC 5321 §4.1.1, RFC 2033, RFC 3030, RFC 4954).
    b"EHLO ",
    b"HELO ",
    b"LHLO ",
    b"MAIL FROM:<",
    b"RCPT TO:<",
    b"DATA",
    b"BDAT ",
    b"RSET",
    b"NOOP",
    b"QUIT",
    b"VRFY ",
    b"EXPN ",
    b"HELP",
    b"STARTTLS",
    b"AUTH ",
    b" LAST",
    // 0x90: AUTH forms and SASL wire bits.
    b"AUTH PLAIN ",
    b"AUTH LOGIN",
    b"AUTH CRAM-MD5",
    b"AUTH SCRAM-SHA-256 ",
    b"AUTH XOAUTH2 ",
    b"AUTH OAUTHBEARER ",
    b"AHVzZXIAcGVuY2ls", // "\0user\0pencil"
    b"dXNlcg==",         // "user"
    b"cGVuY2ls",         // "pencil"
    b"VXNlcm5hbWU6",     // "Username:"
    b"UGFzc3dvcmQ6",     // "Password:"
    b"biwsbj11c2VyLHI9", // "n,,n=user,r="
    b"=",
    b"*",
    b"==",
    b"AAAA",
    // 0xA0: paths and parameters (RFC 5321 §4.1.2, RFC 1870, 6152, 6531, 3461).
    b">",
    b"<>",
    b"@",
    b"user@example.com",
    b"example.com",
    b"[127.0.0.1]",
    b"[IPv6:::1]",
    b"\"q\\\" t\"",
    b" SIZE=",
    b" BODY=8BITMIME",
    b" BODY=BINARYMIME",
    b" SMTPUTF8",
    b" RET=HDRS",
    b" ENVID=",
    b" NOTIFY=SUCCESS,FAILURE",
    b" ORCPT=rfc822;",
    // 0xB0: line structure and the body terminator.
    b"\r\n",
    b"\r\n.\r\n",
    b".\r\n",
    b"..",
    b".",
    b"\r",
    b"\n",
    b"\0",
    b" ",
    b"\t",
    b":",
    b"+2B",
    b"\r\n.\n",
    b"\n.\r\n",
    b"\r.\r",
    b"\r\n\r\n",
    // 0xC0: reply codes (RFC 5321 §4.2, RFC 4954 §6).
    b"220 ",
    b"220-",
    b"250 ",
    b"250-",
    b"235 ",
    b"334 ",
    b"354 ",
    b"221 ",
    b"421 ",
    b"450 ",
    b"451 ",
    b"452 ",
    b"500 ",
    b"501 ",
    b"503 ",
    b"535 ",
    // 0xD0: more codes, enhanced status codes (RFC 3463).
    b"550 ",
    b"552 ",
    b"553 ",
    b"554 ",
    b"530 ",
    b"555 ",
    b"2.0.0 ",
    b"2.1.5 ",
    b"5.5.2 ",
    b"5.7.8 ",
    b"4.7.0 ",
    b"9.9.9 ",
    b"1",
    b"0",
    b"4294967296",
    b"99999999999999999999",
    // 0xE0: EHLO keywords (RFC 5321 §4.1.1.1 and the extensions' RFCs).
    b"PIPELINING",
    b"8BITMIME",
    b"SIZE 1000",
    b"SIZE",
    b"CHUNKING",
    b"BINARYMIME",
    b"SMTPUTF8",
    b"DSN",
    b"ENHANCEDSTATUSCODES",
    b"AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-256 XOAUTH2 OAUTHBEARER",
    b"AUTH=LOGIN PLAIN",
    b"REQUIRETLS",
    b"X-UNKNOWN arg",
    // SCRAM (RFC 5802 §7) and OAuth (RFC 7628 §3.1) message parts.
    b",r=",
    b",s=W22ZaJ0SNY7soEsUEjb6gQ==",
    b",i=4096",
    // 0xF0
    b"c=biws,r=",
    b",p=",
    b"v=",
    b"e=invalid-proof",
    b"n,a=user,",
    b"=2C",
    b"=3D",
    b"user=user\x01auth=Bearer tok\x01\x01",
    b"\x01",
    // Non-ASCII: UTF-8 (RFC 6531) and invalid sequences.
    b"\xc3\xa9",
    b"\xe2\x82\xac",
    b"\xff",
    b"\xc0\x80",
    // Runs to reach the line limits in a couple of mutations
    // (RFC 5321 §4.5.3.1: 512 for command lines, 1000 for text lines).
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    b"................................................................................................................................",
];

/// Maps fuzzer bytes onto the SMTP alphabet: bytes below 0x80 stay, bytes
/// 0x80..=0xFF become [`TOKENS`]`[b - 0x80]`.
#[must_use]
pub fn smtp_bytes(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() * 2);
    for &b in input {
        match b.checked_sub(0x80) {
            Some(i) => out.extend_from_slice(TOKENS[usize::from(i)]),
            None => out.push(b),
        }
    }
    out
}

/// Draws decisions and chunks from the fuzzer's input, front to back.
/// Exhausted input yields zeros and empty chunks, so a target never has to
/// handle "not enough input" specially.
#[derive(Debug)]
pub struct Source<'a> {
    data: &'a [u8],
}

impl<'a> Source<'a> {
    /// Wraps the fuzzer's input.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Source { data }
    }

    /// Whether everything was consumed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, or 0 at the end.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A little-endian u16 from the next two bytes.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// Everything up to (not including) the next `\n`, which is consumed;
    /// the rest of the input when there is no `\n`.
    pub fn line(&mut self) -> &'a [u8] {
        match self.data.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let (line, rest) = self.data.split_at(i);
                self.data = &rest[1..];
                line
            }
            None => core::mem::take(&mut self.data),
        }
    }

    /// The next `n` bytes (fewer at the end).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// All remaining bytes.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// Panics unless every CR in `wire` is followed by LF and every LF preceded
/// by CR (RFC 5321 §2.3.8: CR and LF only appear together as the line
/// ending). Every line a machine or encoder emits must pass.
pub fn assert_no_bare_cr_lf(wire: &[u8], what: &str) {
    for (i, &b) in wire.iter().enumerate() {
        match b {
            b'\r' => assert!(
                wire.get(i + 1) == Some(&b'\n'),
                "{what}: bare CR at {i} in {:?}",
                String::from_utf8_lossy(wire)
            ),
            b'\n' => assert!(
                i > 0 && wire[i - 1] == b'\r',
                "{what}: bare LF at {i} in {:?}",
                String::from_utf8_lossy(wire)
            ),
            _ => {}
        }
    }
}

/// Panics unless `wire` is one or more complete CRLF-terminated lines with
/// no bare CR or LF.
pub fn assert_crlf_lines(wire: &[u8], what: &str) {
    assert!(
        wire.ends_with(b"\r\n"),
        "{what}: does not end with CRLF: {:?}",
        String::from_utf8_lossy(wire)
    );
    assert_no_bare_cr_lf(wire, what);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping() {
        assert_eq!(smtp_bytes(b"a\x80\x83"), b"aEHLO MAIL FROM:<".to_vec());
        assert_eq!(smtp_bytes(&[0xB0]), b"\r\n".to_vec());
        assert_eq!(TOKENS[0x7F].len(), 128);
    }
}

/// Application decisions drawn cyclically from a slice of the input (all
/// zero when it is empty), shared by the machine targets.
pub struct Decisions<'a> {
    d: &'a [u8],
    i: usize,
}

impl<'a> Decisions<'a> {
    /// Decisions read from `d`.
    pub fn new(d: &'a [u8]) -> Self {
        Decisions { d, i: 0 }
    }

    /// Whether the input gave no decisions at all.
    pub fn is_empty(&self) -> bool {
        self.d.is_empty()
    }

    /// The next decision byte.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u8 {
        if self.d.is_empty() {
            return 0;
        }
        let b = self.d[self.i % self.d.len()];
        self.i += 1;
        b
    }
}
