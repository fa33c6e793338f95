//! Reader for the conformance transcript format (see `README.md`).
//!
//! A transcript is parsed into [`Line`]s (wire bytes of either side, or
//! directives), then grouped into [`Step`]s: flights of bytes one side sends
//! without waiting, the server's replies one by one, and the client
//! application's actions. The replayer in `tests/replay.rs` drives the
//! machines from the steps. This crate does no I/O besides
//! [`Transcript::from_file`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;
use std::path::Path;

mod wire;
pub use wire::{bdat_chunks, data_body, reply_complete, reply_parts, split_replies};

/// Which end of the connection sent some bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The SMTP client (`C:` lines).
    Client,
    /// The SMTP server (`S:` lines).
    Server,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Client => "client",
            Side::Server => "server",
        })
    }
}

/// One meaningful line of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Bytes sent by one side, escapes decoded, CRLF added when implied.
    Wire(Side, Vec<u8>),
    /// `@name args`: `args` is the rest of the line, trimmed.
    Directive {
        /// The directive's name, without `@`.
        name: String,
        /// Everything after the name.
        args: String,
    },
}

/// An item and the 1-based line number it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based line number in the file (the `@repeat`ed line's own number).
    pub number: usize,
    /// What the line says.
    pub item: Item,
}

/// A syntax error in a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Decodes the escapes `\r \n \t \0 \\ \xHH`; anything else after a
/// backslash is an error, so a typo cannot silently change the bytes.
pub fn unescape(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'0') => out.push(0),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let value = std::str::from_utf8(&hex)
                    .ok()
                    .filter(|h| h.len() == 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| "\\x needs two hex digits".to_string())?;
                out.push(value);
            }
            Some(other) => return Err(format!("unknown escape \\{}", other as char)),
            None => return Err("backslash at end of line".to_string()),
        }
    }
    Ok(out)
}

/// Parses a whole transcript into lines, expanding `@repeat N`.
pub fn parse_lines(text: &str) -> Result<Vec<Line>, ParseError> {
    let mut lines = Vec::new();
    let mut repeat: Option<(usize, usize)> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let err = |message: String| ParseError {
            line: number,
            message,
        };
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let item = if let Some(rest) = line.strip_prefix('@') {
            let (name, args) = rest.split_once(' ').unwrap_or((rest, ""));
            if name.is_empty() {
                return Err(err("empty directive name".into()));
            }
            if name == "repeat" {
                let count = args
                    .trim()
                    .parse::<usize>()
                    .map_err(|_| err(format!("@repeat needs a count, got {args:?}")))?;
                repeat = Some((count, number));
                continue;
            }
            Item::Directive {
                name: name.to_string(),
                args: args.trim().to_string(),
            }
        } else {
            let side = match line.as_bytes().first() {
                Some(b'C') => Side::Client,
                Some(b'S') => Side::Server,
                _ => return Err(err(format!("unrecognised line {line:?}"))),
            };
            let rest = line.get(1..).unwrap_or("");
            let (content, crlf) = if rest == ":" {
                ("", true)
            } else if let Some(content) = rest.strip_prefix(": ") {
                (content, true)
            } else if let Some(content) = rest.strip_prefix("~ ") {
                (content, false)
            } else {
                return Err(err(format!(
                    "expected \"C: \", \"S: \", \"C~ \" or \"S~ \" in {line:?}"
                )));
            };
            let mut bytes = unescape(content).map_err(err)?;
            if crlf {
                bytes.extend_from_slice(b"\r\n");
            }
            Item::Wire(side, bytes)
        };
        let times = match repeat.take() {
            Some((count, _)) if matches!(item, Item::Wire(..)) => count,
            Some((_, at)) => {
                return Err(ParseError {
                    line: at,
                    message: "@repeat must precede a C:/S: line".into(),
                })
            }
            None => 1,
        };
        for _ in 0..times {
            lines.push(Line {
                number,
                item: item.clone(),
            });
        }
    }
    if let Some((_, at)) = repeat {
        return Err(ParseError {
            line: at,
            message: "@repeat at end of file".into(),
        });
    }
    Ok(lines)
}

/// One reply the server is expected to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedReply {
    /// The reply's bytes, every line with its CRLF.
    pub bytes: Vec<u8>,
    /// Line number of its first line.
    pub line: usize,
    /// Only the code and enhanced code are compared (`@free`, `@free-text`).
    pub free_text: bool,
    /// The server application calls `accept()` instead of replying with
    /// these bytes (`@accept`).
    pub accept: bool,
}

/// A unit of replay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Consecutive client lines: one flight of bytes.
    Client {
        /// The bytes.
        bytes: Vec<u8>,
        /// Line number of the first line.
        line: usize,
    },
    /// Consecutive server lines, split into replies where they are
    /// well-formed (a last line `NNN ` or `NNN`); any trailing bytes that
    /// do not finish a reply form a last, unfinished "reply".
    Server {
        /// The replies, in order.
        replies: Vec<ExpectedReply>,
    },
    /// `@client ...`: an application call on the client.
    Action {
        /// The action word (`ehlo`, `mail`, `data`...).
        verb: String,
        /// The rest of the line.
        args: String,
        /// Line number.
        line: usize,
    },
    /// `@tls`: the handshake completes here.
    Tls {
        /// Line number.
        line: usize,
    },
    /// `@close`: the server closes the connection.
    Close {
        /// Line number.
        line: usize,
    },
}

/// A parsed transcript file.
#[derive(Clone, Debug)]
pub struct Transcript {
    /// The file name (or a label), for messages.
    pub name: String,
    /// Every item, in order.
    pub lines: Vec<Line>,
}

/// Directives that only describe or configure the file; they may appear
/// anywhere and do not take part in the dialogue.
const HEADER_DIRECTIVES: &[&str] = &[
    "title",
    "source",
    "note",
    "mode",
    "sides",
    "free-text",
    "server-config",
    "client-config",
    "known-failure",
    "expect",
];

impl Transcript {
    /// Parses `text`; `name` labels error messages.
    pub fn parse(name: &str, text: &str) -> Result<Transcript, ParseError> {
        let transcript = Transcript {
            name: name.to_string(),
            lines: parse_lines(text)?,
        };
        transcript.steps()?;
        Ok(transcript)
    }

    /// Reads and parses a file.
    pub fn from_file(path: &Path) -> Result<Transcript, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Transcript::parse(&name, &text).map_err(|e| format!("{name}: {e}"))
    }

    /// The arguments of every directive called `name`, in order.
    pub fn directives<'a, 'n>(
        &'a self,
        name: &'n str,
    ) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.lines.iter().filter_map(move |line| match &line.item {
            Item::Directive { name: n, args } if n == name => Some(args.as_str()),
            _ => None,
        })
    }

    /// The first `@name` directive's arguments.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.directives(name).next()
    }

    /// Whether the file applies to `side` (`@sides`, default both).
    pub fn applies_to(&self, side: Side) -> bool {
        match self.header("sides") {
            None => true,
            Some(sides) => sides.split_whitespace().any(|s| s == side.to_string()),
        }
    }

    /// `@mode lmtp`.
    pub fn is_lmtp(&self) -> bool {
        self.header("mode") == Some("lmtp")
    }

    /// `key=value` pairs of every `@server-config` or `@client-config`.
    pub fn config(&self, which: Side) -> Vec<(String, String)> {
        let name = match which {
            Side::Client => "client-config",
            Side::Server => "server-config",
        };
        self.directives(name)
            .flat_map(|args| args.split_whitespace())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect()
    }

    /// One config value.
    pub fn config_value(&self, which: Side, key: &str) -> Option<String> {
        self.config(which)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The `@expect SIDE ...` arguments for `side` (without the side word).
    pub fn expectations(&self, side: Side) -> Vec<String> {
        let word = side.to_string();
        self.directives("expect")
            .filter_map(|args| {
                let (who, rest) = args.split_once(' ').unwrap_or((args, ""));
                (who == word).then(|| rest.trim().to_string())
            })
            .collect()
    }

    /// Every byte one side sends, in order.
    pub fn bytes_of(&self, side: Side) -> Vec<u8> {
        let mut out = Vec::new();
        for line in &self.lines {
            if let Item::Wire(s, bytes) = &line.item {
                if *s == side {
                    out.extend_from_slice(bytes);
                }
            }
        }
        out
    }

    /// Groups the lines into replay steps.
    pub fn steps(&self) -> Result<Vec<Step>, ParseError> {
        let all_free = self.header("free-text").is_some();
        let mut steps: Vec<Step> = Vec::new();
        let (mut free, mut accept) = (false, false);
        for line in &self.lines {
            match &line.item {
                Item::Wire(Side::Client, bytes) => match steps.last_mut() {
                    Some(Step::Client { bytes: flight, .. }) => flight.extend_from_slice(bytes),
                    _ => steps.push(Step::Client {
                        bytes: bytes.clone(),
                        line: line.number,
                    }),
                },
                Item::Wire(Side::Server, bytes) => {
                    if !matches!(steps.last(), Some(Step::Server { .. })) {
                        steps.push(Step::Server {
                            replies: Vec::new(),
                        });
                    }
                    let Some(Step::Server { replies }) = steps.last_mut() else {
                        continue;
                    };
                    let open = replies.last().is_some_and(|r| !reply_complete(&r.bytes));
                    match replies.last_mut() {
                        Some(reply) if open => reply.bytes.extend_from_slice(bytes),
                        _ => {
                            replies.push(ExpectedReply {
                                bytes: bytes.clone(),
                                line: line.number,
                                free_text: free || all_free,
                                accept,
                            });
                            free = false;
                            accept = false;
                        }
                    }
                }
                Item::Directive { name, args } => match name.as_str() {
                    "free" => free = true,
                    "accept" => accept = true,
                    "tls" => steps.push(Step::Tls { line: line.number }),
                    "close" => steps.push(Step::Close { line: line.number }),
                    "client" => {
                        let (verb, rest) = args.split_once(' ').unwrap_or((args, ""));
                        if verb.is_empty() {
                            return Err(ParseError {
                                line: line.number,
                                message: "@client needs an action".into(),
                            });
                        }
                        steps.push(Step::Action {
                            verb: verb.to_string(),
                            args: rest.to_string(),
                            line: line.number,
                        });
                    }
                    n if HEADER_DIRECTIVES.contains(&n) => {}
                    other => {
                        return Err(ParseError {
                            line: line.number,
                            message: format!("unknown directive @{other}"),
                        })
                    }
                },
            }
        }
        Ok(steps)
    }
}

/// Lists the `*.txt` files of a directory, sorted by name.
pub fn transcript_files(dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests;
