//! Parsing and encoding of command lines.
//!
//! Decisions where the RFCs leave room:
//! * A line holding CR, LF or NUL is refused (`Syntax { rule: "CRLF" }`):
//!   RFC 5321 §2.3.8 forbids bare CR/LF, and NUL is never valid in a
//!   command.
//! * The verb ends at the first space; RFC 5321 §4.1.1 verbs are
//!   case-insensitive. Anything but a known verb is `UnknownCommand`.
//! * EHLO and LHLO take a strict `Domain / address-literal` (ASCII; `_`
//!   tolerated in labels). HELO takes the same, or else any one printable
//!   ASCII word as [`Domain::Name`]: RFC 5321 §4.1.4 says a server MUST NOT
//!   refuse a message because the HELO argument is wrong, and old clients
//!   send all sorts of words there.
//! * MAIL and RCPT need angle brackets (`MAIL FROM:user@host` is refused: the
//!   bracket is what separates the path from the parameters), but spaces
//!   after the colon are accepted.
//! * VRFY, EXPN, HELP and NOOP keep their argument as sent, minus the spaces
//!   around it; it must be UTF-8 without control characters.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use nom::Parser;

use super::{params, Command, CommandError};
use crate::address::grammar::{self, finish, partial, rule};
use crate::address::{utf8_allowed, Domain, VecWriter};

fn syntax(rule: &'static str) -> CommandError {
    CommandError::Syntax { rule }
}

/// The first four octets of a verb, lower-cased by OR-ing 0x20 into each:
/// for a letter `L`, `b | 0x20 == lower(L)` holds only for `b` in
/// {`L`, `lower(L)`}, so the comparison is exact and case-insensitive.
const fn key(v: &[u8; 4]) -> u32 {
    u32::from_be_bytes(*v) | 0x2020_2020
}

const EHLO: u32 = key(b"ehlo");
const HELO: u32 = key(b"helo");
const LHLO: u32 = key(b"lhlo");
const MAIL: u32 = key(b"mail");
const RCPT: u32 = key(b"rcpt");
const DATA: u32 = key(b"data");
const BDAT: u32 = key(b"bdat");
const RSET: u32 = key(b"rset");
const VRFY: u32 = key(b"vrfy");
const EXPN: u32 = key(b"expn");
const HELP: u32 = key(b"help");
const NOOP: u32 = key(b"noop");
const QUIT: u32 = key(b"quit");
const AUTH: u32 = key(b"auth");

fn trim_spaces(mut s: &[u8]) -> &[u8] {
    while let Some(r) = s.strip_prefix(b" ") {
        s = r;
    }
    while let Some(r) = s.strip_suffix(b" ") {
        s = r;
    }
    s
}

/// Strips `prefix` ignoring ASCII case.
fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// `Domain / address-literal` after EHLO/HELO/LHLO, ASCII only: SMTPUTF8
/// is not yet negotiated when the greeting is sent.
fn hello_domain(arg: &[u8]) -> Result<Domain, CommandError> {
    let d = finish(rule("Domain", grammar::domain).parse(arg), "Domain")?;
    if d.is_ascii() {
        Ok(d)
    } else {
        Err(syntax("Domain"))
    }
}

/// A free-text argument (VRFY/EXPN `String`, HELP/NOOP text): UTF-8 without
/// control characters.
fn text(arg: &[u8]) -> Result<String, CommandError> {
    if arg.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return Err(syntax("String"));
    }
    core::str::from_utf8(arg)
        .map(String::from)
        .map_err(|_| syntax("String"))
}

/// RFC 4422 §3.1 `sasl-mech = 1*20mech-char`.
const MAX_MECHANISM_LEN: usize = 20;

fn auth(arg: &[u8]) -> Result<Command, CommandError> {
    let mut words = arg.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let mech = words.next().unwrap_or_default();
    if mech.is_empty()
        || mech.len() > MAX_MECHANISM_LEN
        || !mech
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
    {
        return Err(syntax("sasl-mech"));
    }
    let initial_response = match words.next() {
        None => None,
        // RFC 4954 §4: base64 text, or "=" for an empty response.
        Some(r)
            if r.iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b)) =>
        {
            Some(String::from_utf8_lossy(r).into_owned())
        }
        Some(_) => return Err(syntax("initial-response")),
    };
    if words.next().is_some() {
        return Err(syntax("auth-command"));
    }
    Ok(Command::Auth {
        mechanism: String::from_utf8_lossy(mech).to_ascii_uppercase(),
        initial_response,
    })
}

fn bdat(arg: &[u8]) -> Result<Command, CommandError> {
    let mut words = arg.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let size = words.next().unwrap_or_default();
    if size.is_empty() || !size.iter().all(u8::is_ascii_digit) {
        return Err(syntax("chunk-size"));
    }
    let size = core::str::from_utf8(size)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or(syntax("chunk-size"))?;
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case(b"LAST") => true,
        Some(_) => return Err(syntax("end-marker")),
    };
    if words.next().is_some() {
        return Err(syntax("bdat-cmd"));
    }
    Ok(Command::Bdat { size, last })
}

fn mail(arg: &[u8], smtputf8: bool) -> Result<Command, CommandError> {
    let rest = strip_prefix_ci(arg, b"FROM:").ok_or(syntax("mail"))?;
    let rest = trim_spaces(rest);
    let (rest, from) = partial(grammar::reverse_path(rest), "Reverse-path")?;
    let params = params::mail(rest)?;
    // RFC 6531 §3.4: the SMTPUTF8 parameter enables UTF-8 for this mail.
    let utf8 = smtputf8 || params.smtputf8;
    utf8_allowed(from.is_ascii(), utf8)?;
    let values_ascii = params
        .other
        .iter()
        .all(|o| o.value.as_deref().is_none_or(str::is_ascii));
    utf8_allowed(values_ascii, utf8)?;
    Ok(Command::Mail { from, params })
}

fn rcpt(arg: &[u8], smtputf8: bool) -> Result<Command, CommandError> {
    let rest = strip_prefix_ci(arg, b"TO:").ok_or(syntax("rcpt"))?;
    let rest = trim_spaces(rest);
    let (rest, to) = partial(grammar::forward_path(rest), "Forward-path")?;
    let params = params::rcpt(rest)?;
    utf8_allowed(to.is_ascii(), smtputf8)?;
    let values_ascii = params
        .other
        .iter()
        .all(|o| o.value.as_deref().is_none_or(str::is_ascii));
    utf8_allowed(values_ascii, smtputf8)?;
    Ok(Command::Rcpt { to, params })
}

/// A verb that takes no argument.
fn bare(arg: &[u8], cmd: Command, rule: &'static str) -> Result<Command, CommandError> {
    if arg.is_empty() {
        Ok(cmd)
    } else {
        Err(syntax(rule))
    }
}

fn optional_text(arg: &[u8]) -> Result<Option<String>, CommandError> {
    if arg.is_empty() {
        Ok(None)
    } else {
        text(arg).map(Some)
    }
}

fn required<'a>(arg: &'a [u8], rule: &'static str) -> Result<&'a [u8], CommandError> {
    if arg.is_empty() {
        Err(syntax(rule))
    } else {
        Ok(arg)
    }
}

impl Command {
    /// Parses one command line. `line` excludes the terminating CRLF.
    /// `smtputf8` says whether UTF-8 is allowed in mailboxes (the caller knows
    /// whether the session offered SMTPUTF8; for MAIL the parser also accepts
    /// UTF-8 when the line itself carries the SMTPUTF8 parameter).
    ///
    /// Errors: [`CommandError::UnknownCommand`] for an unknown verb,
    /// [`CommandError::Syntax`] naming the ABNF rule that failed,
    /// [`CommandError::InvalidParameter`] for a bad or repeated typed
    /// MAIL/RCPT parameter, [`CommandError::Utf8NotAllowed`].
    pub fn parse(line: &[u8], smtputf8: bool) -> Result<Command, CommandError> {
        if memchr::memchr3(b'\r', b'\n', 0, line).is_some() {
            return Err(syntax("CRLF"));
        }
        let (verb, arg) = match memchr::memchr(b' ', line) {
            Some(n) => {
                let (v, a) = line.split_at_checked(n).unwrap_or_default();
                (v, trim_spaces(a))
            }
            None => (line, &[][..]),
        };
        let Ok(four) = <[u8; 4]>::try_from(verb) else {
            if verb.eq_ignore_ascii_case(b"STARTTLS") {
                return bare(arg, Command::StartTls, "starttls");
            }
            return Err(CommandError::UnknownCommand);
        };
        match key(&four) {
            MAIL => mail(arg, smtputf8),
            RCPT => rcpt(arg, smtputf8),
            EHLO => Ok(Command::Ehlo {
                domain: hello_domain(required(arg, "ehlo")?)?,
            }),
            HELO => {
                let arg = required(arg, "helo")?;
                let domain = match hello_domain(arg) {
                    Ok(d) => d,
                    Err(e) => {
                        if !arg.iter().all(|b| b.is_ascii_graphic()) {
                            return Err(e);
                        }
                        Domain::Name(String::from_utf8_lossy(arg).into_owned())
                    }
                };
                Ok(Command::Helo { domain })
            }
            LHLO => Ok(Command::Lhlo {
                domain: hello_domain(required(arg, "lhlo")?)?,
            }),
            DATA => bare(arg, Command::Data, "data"),
            BDAT => bdat(arg),
            RSET => bare(arg, Command::Rset, "rset"),
            VRFY => Ok(Command::Vrfy {
                argument: text(required(arg, "vrfy")?)?,
            }),
            EXPN => Ok(Command::Expn {
                argument: text(required(arg, "expn")?)?,
            }),
            HELP => Ok(Command::Help {
                topic: optional_text(arg)?,
            }),
            NOOP => Ok(Command::Noop {
                argument: optional_text(arg)?,
            }),
            QUIT => bare(arg, Command::Quit, "quit"),
            AUTH => auth(arg),
            _ => Err(CommandError::UnknownCommand),
        }
    }

    /// Appends this command in canonical form and its CRLF to `out`.
    /// Call [`Command::validate`] first on values that did not come from
    /// [`Command::parse`]: `encode` does not check its fields.
    pub fn encode(&self, out: &mut Vec<u8>) {
        fn word(out: &mut Vec<u8>, verb: &[u8], arg: Option<&str>) {
            out.extend_from_slice(verb);
            if let Some(a) = arg {
                out.push(b' ');
                out.extend_from_slice(a.as_bytes());
            }
        }
        match self {
            Command::Ehlo { domain } => {
                out.extend_from_slice(b"EHLO ");
                domain.encode(out);
            }
            Command::Helo { domain } => {
                out.extend_from_slice(b"HELO ");
                domain.encode(out);
            }
            Command::Lhlo { domain } => {
                out.extend_from_slice(b"LHLO ");
                domain.encode(out);
            }
            Command::Mail { from, params } => {
                out.extend_from_slice(b"MAIL FROM:");
                from.encode(out);
                params.encode(out);
            }
            Command::Rcpt { to, params } => {
                out.extend_from_slice(b"RCPT TO:");
                to.encode(out);
                params.encode(out);
            }
            Command::Data => out.extend_from_slice(b"DATA"),
            Command::Bdat { size, last } => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("BDAT {size}"));
                if *last {
                    out.extend_from_slice(b" LAST");
                }
            }
            Command::Rset => out.extend_from_slice(b"RSET"),
            Command::Vrfy { argument } => word(out, b"VRFY", Some(argument)),
            Command::Expn { argument } => word(out, b"EXPN", Some(argument)),
            Command::Help { topic } => word(out, b"HELP", topic.as_deref()),
            Command::Noop { argument } => word(out, b"NOOP", argument.as_deref()),
            Command::Quit => out.extend_from_slice(b"QUIT"),
            Command::StartTls => out.extend_from_slice(b"STARTTLS"),
            Command::Auth {
                mechanism,
                initial_response,
            } => {
                out.extend_from_slice(b"AUTH ");
                out.extend(mechanism.bytes().map(|b| b.to_ascii_uppercase()));
                if let Some(r) = initial_response {
                    out.push(b' ');
                    out.extend_from_slice(r.as_bytes());
                }
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The verb as encoded, e.g. `"MAIL"`.
    pub fn verb(&self) -> &'static str {
        match self {
            Command::Ehlo { .. } => "EHLO",
            Command::Helo { .. } => "HELO",
            Command::Lhlo { .. } => "LHLO",
            Command::Mail { .. } => "MAIL",
            Command::Rcpt { .. } => "RCPT",
            Command::Data => "DATA",
            Command::Bdat { .. } => "BDAT",
            Command::Rset => "RSET",
            Command::Vrfy { .. } => "VRFY",
            Command::Expn { .. } => "EXPN",
            Command::Help { .. } => "HELP",
            Command::Noop { .. } => "NOOP",
            Command::Quit => "QUIT",
            Command::StartTls => "STARTTLS",
            Command::Auth { .. } => "AUTH",
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::UnknownCommand => f.write_str("command not recognized"),
            CommandError::Syntax { rule } => write!(f, "syntax error in {rule}"),
            CommandError::InvalidParameter { keyword } => {
                write!(f, "invalid or repeated {keyword} parameter")
            }
            CommandError::Utf8NotAllowed => f.write_str("non-ASCII address without SMTPUTF8"),
        }
    }
}

impl core::error::Error for CommandError {}
