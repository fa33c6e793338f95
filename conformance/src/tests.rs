//! Unit tests of the parser, the wire helpers and the shipped files.

use super::*;

mod table {
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
    fn bdat() {
        let wire = b"MAIL FROM:<a@b>\r\nBDAT 3\r\nab\nBDAT 0 LAST\r\nBDAT 2 LAST\r\n\r\nQUIT\r\n";
        let want: Vec<Vec<Vec<u8>>> = vec![vec![b"ab\n".to_vec(), vec![]], vec![b"\r\n".to_vec()]];
        assert_eq!(bdat_chunks(wire), want);
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
