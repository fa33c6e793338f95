//! Differential: a command built by the application from arbitrary field
//! values (CR, LF, NUL, spaces, UTF-8, brackets...) that `validate` accepts
//! encodes to one clean line that `parse` reads back as the same command.
//! This is the client's promise that no value it is given can inject a
//! second command or be misread by the server.
//!
//! Input: a header byte (which command), then one field per line (mapped
//! onto the SMTP alphabet; invalid UTF-8 replaced), plus bytes for numbers
//! and flags.
//!
//! Invariants: `validate` Ok implies the encoding is exactly one CRLF line
//! with no other CR, LF or NUL, `parse(line, smtputf8 = true)` returns the
//! same command, and re-encoding gives the same bytes.
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use smtp_core::command::{BodyType, Notify, OriginalRecipient, OtherParameter, Ret};
use smtp_core::{
    Command, Domain, ForwardPath, MailParameters, Mailbox, RcptParameters, ReversePath,
};
use smtp_fuzz::{assert_crlf_lines, smtp_bytes, Source};

fn text(src: &mut Source) -> String {
    String::from_utf8_lossy(&smtp_bytes(src.line())).into_owned()
}

fn opt_text(src: &mut Source) -> Option<String> {
    (src.byte() & 1 == 1).then(|| text(src))
}

fn domain(src: &mut Source) -> Domain {
    match src.byte() % 4 {
        0 | 1 => Domain::Name(text(src)),
        2 => Domain::Ipv4(Ipv4Addr::from(u32::from_le_bytes([
            src.byte(),
            src.byte(),
            src.byte(),
            src.byte(),
        ]))),
        _ => {
            if src.byte() & 1 == 0 {
                let t = src.take(16);
                let mut b = [0u8; 16];
                b[..t.len()].copy_from_slice(t);
                Domain::Ipv6(Ipv6Addr::from(b))
            } else {
                Domain::General {
                    tag: text(src),
                    content: text(src),
                }
            }
        }
    }
}

fn mailbox(src: &mut Source) -> Mailbox {
    Mailbox {
        local_part: text(src),
        domain: domain(src),
    }
}

fn other(src: &mut Source) -> Vec<OtherParameter> {
    let n = src.byte() % 3;
    (0..n)
        .map(|_| OtherParameter {
            keyword: text(src),
            value: opt_text(src),
        })
        .collect()
}

fn command(src: &mut Source) -> Command {
    match src.byte() % 16 {
        0 => Command::Ehlo {
            domain: domain(src),
        },
        1 => Command::Helo {
            domain: domain(src),
        },
        2 => Command::Lhlo {
            domain: domain(src),
        },
        3 => {
            let from = if src.byte() & 1 == 0 {
                ReversePath::Null
            } else {
                ReversePath::Mailbox(mailbox(src))
            };
            let mut params = MailParameters::default();
            let flags = src.byte();
            if flags & 1 != 0 {
                params.size = Some(u64::from(src.u16()) << (src.byte() % 48));
            }
            params.body = match flags >> 1 & 3 {
                0 => None,
                1 => Some(BodyType::SevenBit),
                2 => Some(BodyType::EightBitMime),
                _ => Some(BodyType::BinaryMime),
            };
            params.smtputf8 = flags & 8 != 0;
            params.ret = match flags >> 4 & 3 {
                0 | 1 => None,
                2 => Some(Ret::Full),
                _ => Some(Ret::Headers),
            };
            params.requiretls = flags & 64 != 0;
            if flags & 128 != 0 {
                params.envid = opt_text(src);
                params.auth = opt_text(src);
            }
            params.other = other(src);
            Command::Mail { from, params }
        }
        4 => {
            let to = if src.byte() & 7 == 0 {
                ForwardPath::Postmaster
            } else {
                ForwardPath::Mailbox(mailbox(src))
            };
            let mut params = RcptParameters::default();
            let flags = src.byte();
            params.notify = match flags & 3 {
                0 => None,
                1 => Some(Notify::Never),
                _ => Some(Notify::On {
                    success: flags & 4 != 0,
                    failure: flags & 8 != 0,
                    delay: flags & 16 != 0,
                }),
            };
            if flags & 32 != 0 {
                params.orcpt = Some(OriginalRecipient {
                    addr_type: text(src),
                    address: text(src),
                });
            }
            params.other = other(src);
            Command::Rcpt { to, params }
        }
        5 => Command::Data,
        6 => Command::Bdat {
            size: u64::from(src.u16()) << (src.byte() % 56),
            last: src.byte() & 1 == 1,
        },
        7 => Command::Rset,
        8 => Command::Vrfy {
            argument: text(src),
        },
        9 => Command::Expn {
            argument: text(src),
        },
        10 => Command::Help {
            topic: opt_text(src),
        },
        11 => Command::Noop {
            argument: opt_text(src),
        },
        12 => Command::Quit,
        13 => Command::StartTls,
        _ => Command::Auth {
            mechanism: text(src),
            initial_response: opt_text(src),
        },
    }
}

fuzz_target!(|data: &[u8]| {
    let mut src = Source::new(data);
    let cmd = command(&mut src);
    if cmd.validate().is_err() {
        return;
    }
    let mut wire = Vec::new();
    cmd.encode(&mut wire);
    assert_crlf_lines(&wire, "Command::encode");
    let text = &wire[..wire.len() - 2];
    assert!(
        !text.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0)),
        "validated {cmd:?} encodes with CR, LF or NUL: {:?}",
        String::from_utf8_lossy(&wire)
    );
    let parsed = Command::parse(text, true).unwrap_or_else(|e| {
        panic!(
            "validated {cmd:?} encodes as {:?}, which does not parse: {e:?}",
            String::from_utf8_lossy(text)
        )
    });
    // The AUTH mechanism is case-insensitive: `encode` upper-cases it.
    let want = match cmd {
        Command::Auth {
            mechanism,
            initial_response,
        } => Command::Auth {
            mechanism: mechanism.to_ascii_uppercase(),
            initial_response,
        },
        other => other,
    };
    assert_eq!(parsed, want, "encode then parse is not the identity");
    let mut again = Vec::new();
    parsed.encode(&mut again);
    assert_eq!(again, wire, "re-encoding differs");
});
