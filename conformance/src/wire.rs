//! Byte-level helpers shared by replayers: where replies end, their codes,
//! and the message a DATA body carries.

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

/// The BDAT messages in a client's bytes (RFC 3030 §2): for each message,
/// its chunks in order, each the octets its `BDAT n` line announced; a
/// message ends with the chunk marked `LAST`.
pub fn bdat_chunks(wire: &[u8]) -> Vec<Vec<Vec<u8>>> {
    let mut messages = Vec::new();
    let mut chunks = Vec::new();
    let mut pos = 0;
    while let Some(rest) = wire.get(pos..).filter(|r| !r.is_empty()) {
        let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let line = String::from_utf8_lossy(rest.get(..eol).unwrap_or_default()).into_owned();
        pos += eol + 2;
        let mut words = line.split(' ');
        if words.next().is_some_and(|w| w.eq_ignore_ascii_case("BDAT")) {
            let size: usize = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            let last = words.next().is_some_and(|w| w.eq_ignore_ascii_case("LAST"));
            let end = pos.saturating_add(size).min(wire.len());
            chunks.push(wire.get(pos..end).unwrap_or_default().to_vec());
            pos = end;
            if last {
                messages.push(std::mem::take(&mut chunks));
            }
        }
    }
    messages
}
