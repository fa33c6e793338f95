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

/// Whether `bytes` (one or more CRLF-terminated lines) end with the last
/// line of a reply: `NNN` or `NNN text`, not `NNN-text`.
pub fn reply_complete(bytes: &[u8]) -> bool {
    let Some(body) = bytes.strip_suffix(b"\r\n") else {
        return false;
    };
    let last = body.rsplit(|&b| b == b'\n').next().unwrap_or(body);
    last.len() == 3 || last.get(3) == Some(&b' ')
}

/// Splits server output into replies (see [`reply_complete`]); bytes that
/// do not finish a reply come last.
pub fn split_replies(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut replies = Vec::new();
    let mut current = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        current.extend_from_slice(line);
        if reply_complete(&current) {
            replies.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        replies.push(current);
    }
    replies
}

/// The reply code and enhanced status code (`x.y.z` after the code on the
/// first line, if present) of a reply, and its lines' texts.
pub fn reply_parts(bytes: &[u8]) -> (Vec<u8>, Option<Vec<u8>>, Vec<Vec<u8>>) {
    let code = bytes.get(..3).unwrap_or(bytes).to_vec();
    let texts: Vec<Vec<u8>> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.strip_suffix(b"\r")
                .unwrap_or(l)
                .get(4..)
                .unwrap_or(b"")
                .to_vec()
        })
        .collect();
    let enhanced = texts.first().and_then(|t| {
        let word = t.split(|&b| b == b' ').next()?;
        let parts: Vec<&[u8]> = word.split(|&b| b == b'.').collect();
        let digits = |p: &&[u8]| !p.is_empty() && p.len() <= 3 && p.iter().all(u8::is_ascii_digit);
        (parts.len() == 3
            && parts.iter().all(digits)
            && matches!(word.first(), Some(b'2' | b'4' | b'5')))
        .then(|| word.to_vec())
    });
    (code, enhanced, texts)
}

/// The message a `DATA` body carries on the wire: `wire` starts right after
/// the 354 reply. Returns the dot-unstuffed body (RFC 5321 §4.5.2) and how
/// many wire bytes the body and its terminator took, or `None` when `wire`
/// holds no `CR LF . CR LF` (the body start counts as a line start).
pub fn data_body(wire: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut body = Vec::new();
    let mut pos = 0;
    loop {
        let rest = wire.get(pos..)?;
        if rest.starts_with(b".\r\n") {
            return Some((body, pos + 3));
        }
        let end = rest.windows(2).position(|w| w == b"\r\n")? + 2;
        let line = rest.get(..end)?;
        body.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
        pos += end;
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
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        let table: &[(&str, &[u8])] = &[
            ("plain", b"plain"),
            (r"\r\n", b"\r\n"),
            (r"a\0b", b"a\0b"),
            (r"\\x", b"\\x"),
            (r"\x20\xff\x0A", b" \xff\n"),
            (r"tab\t", b"tab\t"),
        ];
        for (text, bytes) in table {
            assert_eq!(unescape(text).as_deref(), Ok(*bytes), "{text}");
        }
        for bad in [r"\q", r"\x1", r"\xzz", "end\\"] {
            assert!(unescape(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn wire_lines() {
        let lines = parse_lines("# c\n\nC: EHLO x\nS:\nC~ \\n.\\n\r\nS: 334\\x20\n").unwrap();
        let items: Vec<Item> = lines.into_iter().map(|l| l.item).collect();
        assert_eq!(
            items,
            vec![
                Item::Wire(Side::Client, b"EHLO x\r\n".to_vec()),
                Item::Wire(Side::Server, b"\r\n".to_vec()),
                Item::Wire(Side::Client, b"\n.\n".to_vec()),
                Item::Wire(Side::Server, b"334 \r\n".to_vec()),
            ]
        );
    }

    #[test]
    fn repeat_and_errors() {
        let lines = parse_lines("@repeat 3\nS: 220-x\n").unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| l.number == 2));
        for bad in [
            "X: hi",
            "C:x",
            "@repeat 2\n@title t",
            "@repeat",
            "@repeat 2",
            "@ x",
            "C: \\q",
        ] {
            assert!(parse_lines(bad).is_err(), "{bad:?}");
        }
        let err = parse_lines("@title ok\nC: a\nC:b").unwrap_err();
        assert_eq!(err.line, 3);
    }

    #[test]
    fn steps_group_flights_and_replies() {
        let text = "@title t\nS: 220 hi\n@client ehlo x\nC: EHLO x\nS: 250-a\n@free\nS: 250 b\n\
                    C: MAIL FROM:<a@b>\nC: RCPT TO:<c@d>\n@accept\nS: 250 ok\nS: 250 ok\n@tls\n";
        let t = Transcript::parse("t", text).unwrap();
        let steps = t.steps().unwrap();
        assert_eq!(steps.len(), 7);
        let Step::Server { replies } = &steps[3] else {
            panic!("{:?}", steps[3])
        };
        assert_eq!(replies.len(), 1);
        assert_eq!(replies[0].bytes, b"250-a\r\n250 b\r\n");
        // @free before the second line of a reply applies to the next reply
        assert!(!replies[0].free_text);
        let Step::Client { bytes, line } = &steps[4] else {
            panic!()
        };
        assert_eq!(
            (bytes.as_slice(), *line),
            (&b"MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n"[..], 8)
        );
        let Step::Server { replies } = &steps[5] else {
            panic!()
        };
        assert_eq!(replies.len(), 2);
        assert!(replies[0].free_text && replies[0].accept);
        assert!(!replies[1].free_text && !replies[1].accept);
        assert!(matches!(steps[6], Step::Tls { line: 13 }));
        assert!(Transcript::parse("t", "@bogus\n").is_err());
    }

    #[test]
    fn header_queries() {
        let t = Transcript::parse(
            "t",
            "@sides client\n@mode lmtp\n@server-config a=1 b\n@expect client error X\n@expect server messages 1\n",
        )
        .unwrap();
        assert!(t.applies_to(Side::Client) && !t.applies_to(Side::Server));
        assert!(t.is_lmtp());
        assert_eq!(t.config_value(Side::Server, "a").as_deref(), Some("1"));
        assert_eq!(t.config_value(Side::Server, "b").as_deref(), Some(""));
        assert_eq!(t.expectations(Side::Client), vec!["error X".to_string()]);
        assert_eq!(t.expectations(Side::Server), vec!["messages 1".to_string()]);
    }

    #[test]
    fn replies() {
        assert!(reply_complete(b"250 OK\r\n"));
        assert!(reply_complete(b"250-a\r\n250\r\n"));
        assert!(!reply_complete(b"250-a\r\n"));
        assert!(!reply_complete(b"250 OK"));
        let (code, enh, texts) = reply_parts(b"551-5.7.1 Forwarding\r\n551 5.7.1 Select\r\n");
        assert_eq!(
            (code.as_slice(), enh.as_deref()),
            (&b"551"[..], Some(&b"5.7.1"[..]))
        );
        assert_eq!(
            texts,
            vec![b"5.7.1 Forwarding".to_vec(), b"5.7.1 Select".to_vec()]
        );
        assert_eq!(reply_parts(b"250 2.1 x\r\n").1, None);
        assert_eq!(reply_parts(b"334 \r\n").2, vec![Vec::<u8>::new()]);
    }

    #[test]
    fn split() {
        let got = split_replies(b"220 hi\r\n250-a\r\n250 b\r\n334 \r\n250-x");
        let want: Vec<&[u8]> = vec![b"220 hi\r\n", b"250-a\r\n250 b\r\n", b"334 \r\n", b"250-x"];
        assert_eq!(got, want);
    }

    #[test]
    fn data_bodies() {
        type Case<'a> = (&'a [u8], Option<(&'a [u8], usize)>);
        let table: &[Case] = &[
            (b".\r\n", Some((b"", 3))),
            (b"a\r\n.\r\nQUIT\r\n", Some((b"a\r\n", 6))),
            (b"..a\r\n..\r\n.\r\n", Some((b".a\r\n.\r\n", 12))),
            (b"x\n.\ny\r\n.\r\n", Some((b"x\n.\ny\r\n", 10))),
            (b"x\r\n.\r\r\n.\r\n", Some((b"x\r\n\r\r\n", 10))),
            (b"x\r\n", None),
            (b"x\r\n.\r", None),
        ];
        for (wire, want) in table {
            let got = data_body(wire);
            assert_eq!(
                got.as_ref().map(|(b, n)| (b.as_slice(), *n)),
                *want,
                "{wire:?}"
            );
        }
    }

    #[test]
    fn shipped_transcripts_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts");
        let files = transcript_files(&dir).unwrap();
        let readme = std::fs::read_to_string(dir.join("../README.md")).unwrap();
        assert!(files.len() >= 40, "only {} transcripts", files.len());
        for file in files {
            let t = Transcript::from_file(&file).unwrap();
            assert!(t.header("title").is_some(), "{}: no @title", t.name);
            assert!(t.header("source").is_some(), "{}: no @source", t.name);
            assert!(
                readme.contains(&format!("`{}`", t.name)),
                "{}: not listed in README.md",
                t.name
            );
        }
    }
}

/// `reader.py` (what the bindings use) and this parser read every shipped
/// transcript the same way. Skipped when no `python3` is on the PATH.
#[cfg(test)]
mod python_reader {
    use super::*;
    use std::fmt::Write;
    use std::process::Command;

    #[test]
    fn same_items_as_reader_py() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        if Command::new("python3").arg("--version").output().is_err() {
            eprintln!("python3 not found: cross-check skipped");
            return;
        }
        let files = transcript_files(&root.join("transcripts")).unwrap();
        let out = Command::new("python3")
            .arg(root.join("reader.py"))
            .arg("--hex")
            .args(&files)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut mine = String::new();
        for file in &files {
            writeln!(mine, "== {}", file.display()).unwrap();
            let t = Transcript::from_file(file).unwrap();
            for line in &t.lines {
                let (kind, value) = match &line.item {
                    Item::Wire(Side::Client, b) => ("C".to_string(), b.clone()),
                    Item::Wire(Side::Server, b) => ("S".to_string(), b.clone()),
                    Item::Directive { name, args } => {
                        (format!("@{name}"), args.as_bytes().to_vec())
                    }
                };
                let hex: String = value.iter().map(|b| format!("{b:02x}")).collect();
                writeln!(mine, "{} {kind} {hex}", line.number).unwrap();
            }
        }
        assert_eq!(String::from_utf8_lossy(&out.stdout), mine);
    }
}
