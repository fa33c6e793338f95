//! How a client spells the commands it writes.

use alloc::vec::Vec;

/// The case in which commands are written. Servers read every spelling
/// alike (RFC 5321 §2.4: verbs and parameter keywords are
/// case-insensitive), so the choice decides only the bytes on the wire.
///
/// ```
/// use smtp_core::command::CommandSpelling;
/// use smtp_core::Command;
///
/// let cmd = Command::parse(b"MAIL FROM:<a@b.example> SIZE=21", false).unwrap();
/// let mut out = Vec::new();
/// cmd.encode_spelled(CommandSpelling::LowerCase, &mut out);
/// assert_eq!(out, b"mail FROM:<a@b.example> size=21\r\n");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CommandSpelling {
    /// Upper-case verbs and keywords, as RFC 5321 writes them:
    /// `MAIL FROM:<a> SIZE=21`, `RCPT TO:<b>`, `DATA`.
    #[default]
    Upper,
    /// The verbs of RFC 5321 and LMTP in lower case (`ehlo`, `helo`,
    /// `lhlo`, `mail`, `rcpt`, `data`, `rset`, `vrfy`, `expn`, `help`,
    /// `noop`, `quit`) and the SIZE parameter too (`size=21`). `FROM:` and
    /// `TO:`, the extension verbs (STARTTLS, AUTH, BDAT) and every other
    /// parameter are as in [`Upper`](Self::Upper). This is how Python's
    /// smtplib writes commands, so a binding that stands in for it writes
    /// smtplib's very bytes with it.
    LowerCase,
}

impl CommandSpelling {
    /// Appends `verb`, one of RFC 5321's or LMTP's (given in upper case).
    pub(crate) fn put_verb(self, verb: &[u8], out: &mut Vec<u8>) {
        match self {
            CommandSpelling::Upper => out.extend_from_slice(verb),
            CommandSpelling::LowerCase => out.extend(verb.iter().map(u8::to_ascii_lowercase)),
        }
    }

    /// The SIZE parameter's keyword with its space and `=` (RFC 1870 §3).
    pub(crate) fn size_keyword(self) -> &'static [u8] {
        match self {
            CommandSpelling::Upper => b" SIZE=",
            CommandSpelling::LowerCase => b" size=",
        }
    }
}
