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

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use nom::Parser;

use super::{params, Command, CommandError, CommandRef, CommandSpelling};
use crate::address::grammar;
use crate::address::{utf8_allowed, DomainRef};
use crate::syntax::{finish, partial, rule, VecWriter};

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
const KNOWN: [u32; 14] = [
    MAIL, RCPT, EHLO, HELO, LHLO, DATA, BDAT, RSET, VRFY, EXPN, HELP, NOOP, QUIT, AUTH,
];

#[inline]
fn trim_spaces(s: &str) -> &str {
    // Byte scans: `trim_matches` decodes chars.
    let b = s.as_bytes();
    let start = b.iter().position(|&c| c != b' ').unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ').map_or(start, |e| e + 1);
    s.get(start..end.max(start)).unwrap_or_default()
}

/// Strips `prefix` ignoring ASCII case.
#[inline]
fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (head, rest) = s.split_at_checked(prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then_some(rest)
}

/// `Domain / address-literal` after EHLO/HELO/LHLO, ASCII only: SMTPUTF8
/// is not yet negotiated when the greeting is sent.
fn hello_domain(arg: &str) -> Result<DomainRef<'_>, CommandError> {
    let d = finish(rule("Domain", grammar::domain).parse(arg), "Domain")?;
    if d.is_ascii() {
        Ok(d)
    } else {
        Err(syntax("Domain"))
    }
}

/// A free-text argument (VRFY/EXPN `String`, HELP/NOOP text): UTF-8 without
/// control characters.
fn text(arg: &str) -> Result<&str, CommandError> {
    if arg.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(syntax("String"));
    }
    Ok(arg)
}

/// RFC 4422 §3.1 `sasl-mech = 1*20mech-char`.
const MAX_MECHANISM_LEN: usize = 20;

fn auth(arg: &str) -> Result<CommandRef<'_>, CommandError> {
    let mut words = arg.split(' ').filter(|w| !w.is_empty());
    let mech = words.next().unwrap_or_default();
    if mech.is_empty()
        || mech.len() > MAX_MECHANISM_LEN
        || !mech
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(syntax("sasl-mech"));
    }
    let initial_response = match words.next() {
        None => None,
        // RFC 4954 §4: base64 text, or "=" for an empty response.
        Some(r)
            if r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)) =>
        {
            Some(r)
        }
        Some(_) => return Err(syntax("initial-response")),
    };
    if words.next().is_some() {
        return Err(syntax("auth-command"));
    }
    let mechanism = if mech.bytes().any(|b| b.is_ascii_lowercase()) {
        Cow::Owned(mech.to_ascii_uppercase())
    } else {
        Cow::Borrowed(mech)
    };
    Ok(CommandRef::Auth {
        mechanism,
        initial_response,
    })
}

fn bdat(arg: &str) -> Result<CommandRef<'_>, CommandError> {
    let mut words = arg.split(' ').filter(|w| !w.is_empty());
    let size = words.next().unwrap_or_default();
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return Err(syntax("chunk-size"));
    }
    let size = size.parse::<u64>().map_err(|_| syntax("chunk-size"))?;
    let last = match words.next() {
        None => false,
        Some(w) if w.eq_ignore_ascii_case("LAST") => true,
        Some(_) => return Err(syntax("end-marker")),
    };
    if words.next().is_some() {
        return Err(syntax("bdat-cmd"));
    }
    Ok(CommandRef::Bdat { size, last })
}

/// `ascii` says the whole line is printable ASCII, so no UTF-8 check is
/// needed. Keywords and typed values are ASCII by their grammar, so the
/// parameter text is ASCII exactly when the untyped values are.
#[inline]
fn mail(arg: &str, smtputf8: bool, ascii: bool) -> Result<CommandRef<'_>, CommandError> {
    let rest = strip_prefix_ci(arg, "FROM:").ok_or(syntax("mail"))?;
    let rest = trim_spaces(rest);
    let (rest, from) = partial(grammar::reverse_path(rest), "Reverse-path")?;
    let params = params::mail(rest)?;
    // RFC 6531 §3.4: the SMTPUTF8 parameter enables UTF-8 for this mail.
    let utf8 = ascii || smtputf8 || params.smtputf8;
    if !utf8 {
        utf8_allowed(from.is_ascii(), utf8)?;
        utf8_allowed(rest.is_ascii(), utf8)?;
    }
    Ok(CommandRef::Mail { from, params })
}

#[inline(always)]
fn rcpt(arg: &str, smtputf8: bool, ascii: bool) -> Result<CommandRef<'_>, CommandError> {
    let rest = strip_prefix_ci(arg, "TO:").ok_or(syntax("rcpt"))?;
    let rest = trim_spaces(rest);
    let (rest, to) = partial(grammar::forward_path(rest), "Forward-path")?;
    let params = params::rcpt(rest)?;
    if !(smtputf8 || ascii) {
        utf8_allowed(to.is_ascii(), false)?;
        utf8_allowed(rest.is_ascii(), false)?;
    }
    Ok(CommandRef::Rcpt { to, params })
}

/// A verb that takes no argument.
fn bare<'a>(
    arg: &str,
    cmd: CommandRef<'a>,
    rule: &'static str,
) -> Result<CommandRef<'a>, CommandError> {
    if arg.is_empty() {
        Ok(cmd)
    } else {
        Err(syntax(rule))
    }
}

fn optional_text(arg: &str) -> Result<Option<&str>, CommandError> {
    if arg.is_empty() {
        Ok(None)
    } else {
        text(arg).map(Some)
    }
}

fn required<'a>(arg: &'a str, rule: &'static str) -> Result<&'a str, CommandError> {
    if arg.is_empty() {
        Err(syntax(rule))
    } else {
        Ok(arg)
    }
}

impl<'a> CommandRef<'a> {
    /// Parses one command line, borrowing from it. `line` excludes the
    /// terminating CRLF.
    /// `smtputf8` says whether UTF-8 is allowed in mailboxes (the caller knows
    /// whether the session offered SMTPUTF8; for MAIL the parser also accepts
    /// UTF-8 when the line itself carries the SMTPUTF8 parameter).
    ///
    /// Errors: [`CommandError::UnknownCommand`] for an unknown verb,
    /// [`CommandError::Syntax`] naming the ABNF rule that failed,
    /// [`CommandError::InvalidParameter`] for a bad or repeated typed
    /// MAIL/RCPT parameter, [`CommandError::Utf8NotAllowed`].
    pub fn parse(line: &'a [u8], smtputf8: bool) -> Result<CommandRef<'a>, CommandError> {
        // One branch-free pass that the compiler vectorises: is every octet
        // printable ASCII? Then there is no CR, LF or NUL and no UTF-8 to
        // police, the common case.
        let ascii = line
            .iter()
            .fold(true, |ok, &b| ok & (b.wrapping_sub(0x20) < 0x5f));
        if !ascii && memchr::memchr3(b'\r', b'\n', 0, line).is_some() {
            return Err(syntax("CRLF"));
        }
        // Nearly every verb has four letters: look there before scanning.
        let space = match line.get(4) {
            Some(b' ') => Some(4),
            _ => memchr::memchr(b' ', line),
        };
        let (verb, arg) = match space {
            Some(n) => line.split_at_checked(n).unwrap_or_default(),
            None => (line, &[][..]),
        };
        // Every argument ends up in a `String` or is ASCII syntax, so one
        // UTF-8 check over the whole argument text serves all the fields.
        let arg = || match core::str::from_utf8(arg) {
            Ok(a) => Ok(trim_spaces(a)),
            Err(_) => Err(syntax("UTF8-non-ascii")),
        };
        let Ok(four) = <[u8; 4]>::try_from(verb) else {
            if verb.eq_ignore_ascii_case(b"STARTTLS") {
                return bare(arg()?, CommandRef::StartTls, "starttls");
            }
            return Err(CommandError::UnknownCommand);
        };
        let k = key(&four);
        if !KNOWN.contains(&k) {
            return Err(CommandError::UnknownCommand);
        }
        let arg = arg()?;
        match k {
            MAIL => mail(arg, smtputf8, ascii),
            RCPT => rcpt(arg, smtputf8, ascii),
            EHLO => Ok(CommandRef::Ehlo {
                domain: hello_domain(required(arg, "ehlo")?)?,
            }),
            HELO => {
                let arg = required(arg, "helo")?;
                let domain = match hello_domain(arg) {
                    Ok(d) => d,
                    Err(e) => {
                        if !arg.bytes().all(|b| b.is_ascii_graphic()) {
                            return Err(e);
                        }
                        DomainRef::Name(arg)
                    }
                };
                Ok(CommandRef::Helo { domain })
            }
            LHLO => Ok(CommandRef::Lhlo {
                domain: hello_domain(required(arg, "lhlo")?)?,
            }),
            DATA => bare(arg, CommandRef::Data, "data"),
            BDAT => bdat(arg),
            RSET => bare(arg, CommandRef::Rset, "rset"),
            VRFY => Ok(CommandRef::Vrfy {
                argument: text(required(arg, "vrfy")?)?,
            }),
            EXPN => Ok(CommandRef::Expn {
                argument: text(required(arg, "expn")?)?,
            }),
            HELP => Ok(CommandRef::Help {
                topic: optional_text(arg)?,
            }),
            NOOP => Ok(CommandRef::Noop {
                argument: optional_text(arg)?,
            }),
            QUIT => bare(arg, CommandRef::Quit, "quit"),
            AUTH => auth(arg),
            _ => Err(CommandError::UnknownCommand),
        }
    }

    /// Appends this command in canonical form and its CRLF to `out`:
    /// upper-case verbs, single spaces, typed parameters in a fixed order,
    /// then the others in order.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_spelled(CommandSpelling::Upper, out);
    }

    /// [`encode`](Self::encode) in `spelling`: the same command, its verb
    /// and generated keywords in that case.
    pub fn encode_spelled(&self, spelling: CommandSpelling, out: &mut Vec<u8>) {
        let verb = |out: &mut Vec<u8>, verb: &[u8]| spelling.put_verb(verb, out);
        let word = |out: &mut Vec<u8>, v: &[u8], arg: Option<&str>| {
            verb(out, v);
            if let Some(a) = arg {
                out.push(b' ');
                out.extend_from_slice(a.as_bytes());
            }
        };
        match self {
            CommandRef::Ehlo { domain }
            | CommandRef::Helo { domain }
            | CommandRef::Lhlo { domain } => {
                verb(out, self.verb().as_bytes());
                out.push(b' ');
                domain.encode(out);
            }
            CommandRef::Mail { from, params } => {
                verb(out, b"MAIL");
                out.extend_from_slice(b" FROM:");
                from.encode(out);
                params.encode(spelling, out);
            }
            CommandRef::Rcpt { to, params } => {
                verb(out, b"RCPT");
                out.extend_from_slice(b" TO:");
                to.encode(out);
                params.encode(out);
            }
            CommandRef::Data | CommandRef::Rset | CommandRef::Quit => {
                verb(out, self.verb().as_bytes());
            }
            CommandRef::Bdat { size, last } => {
                let _ = fmt::write(&mut VecWriter(out), format_args!("BDAT {size}"));
                if *last {
                    out.extend_from_slice(b" LAST");
                }
            }
            CommandRef::Vrfy { argument } => word(out, b"VRFY", Some(argument)),
            CommandRef::Expn { argument } => word(out, b"EXPN", Some(argument)),
            CommandRef::Help { topic } => word(out, b"HELP", *topic),
            CommandRef::Noop { argument } => word(out, b"NOOP", *argument),
            CommandRef::StartTls => out.extend_from_slice(b"STARTTLS"),
            CommandRef::Auth {
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
            CommandRef::Ehlo { .. } => "EHLO",
            CommandRef::Helo { .. } => "HELO",
            CommandRef::Lhlo { .. } => "LHLO",
            CommandRef::Mail { .. } => "MAIL",
            CommandRef::Rcpt { .. } => "RCPT",
            CommandRef::Data => "DATA",
            CommandRef::Bdat { .. } => "BDAT",
            CommandRef::Rset => "RSET",
            CommandRef::Vrfy { .. } => "VRFY",
            CommandRef::Expn { .. } => "EXPN",
            CommandRef::Help { .. } => "HELP",
            CommandRef::Noop { .. } => "NOOP",
            CommandRef::Quit => "QUIT",
            CommandRef::StartTls => "STARTTLS",
            CommandRef::Auth { .. } => "AUTH",
        }
    }
}

impl Command {
    /// Parses one command line: [`CommandRef::parse`], then
    /// [`into_owned`](CommandRef::into_owned). `line` excludes the CRLF;
    /// `smtputf8` and the errors are as for [`CommandRef::parse`].
    pub fn parse(line: &[u8], smtputf8: bool) -> Result<Command, CommandError> {
        CommandRef::parse(line, smtputf8).map(CommandRef::into_owned)
    }

    /// Appends this command in canonical form and its CRLF to `out` (see
    /// [`CommandRef::encode`]). Call [`Command::validate`] first on values
    /// that did not come from [`Command::parse`]: `encode` does not check
    /// its fields.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.as_borrowed().encode(out);
    }

    /// [`encode`](Self::encode) in `spelling` (see
    /// [`CommandRef::encode_spelled`]).
    pub fn encode_spelled(&self, spelling: CommandSpelling, out: &mut Vec<u8>) {
        self.as_borrowed().encode_spelled(spelling, out);
    }

    /// The verb as encoded, e.g. `"MAIL"`.
    pub fn verb(&self) -> &'static str {
        self.as_borrowed().verb()
    }
}
