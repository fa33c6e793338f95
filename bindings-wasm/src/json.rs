//! A small JSON writer: events, replies and errors cross into JavaScript as
//! one JSON string each batch, which `JSON.parse` turns into plain objects.
//! One boundary crossing per batch instead of one per field is what keeps
//! event delivery cheap; the writer itself is a string builder.
//!
//! Byte fields (message data, SASL challenges) do not go through JSON: they
//! are appended to a side buffer ([`Json::bytes`]) and the JSON holds their
//! `[start, end]` range in it, which the JS layer turns into `Uint8Array`
//! views of one copy.

use std::fmt::Write;

/// Builds one JSON text. Callers pair `begin_*`/`end_*` themselves; the
/// writer only inserts the commas.
#[derive(Default)]
pub(crate) struct Json {
    out: String,
    /// Octets of the byte fields of the values written so far.
    payload: Vec<u8>,
    /// A value was just written at this level: the next key or array
    /// element needs a comma first.
    need_comma: bool,
}

impl Json {
    pub(crate) fn new() -> Self {
        Json::default()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// The JSON text and the byte payload, leaving the writer empty.
    pub(crate) fn take(&mut self) -> (String, Vec<u8>) {
        self.need_comma = false;
        (
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.payload),
        )
    }

    fn comma(&mut self) {
        if self.need_comma {
            self.out.push(',');
        }
    }

    pub(crate) fn begin_object(&mut self) -> &mut Self {
        self.comma();
        self.out.push('{');
        self.need_comma = false;
        self
    }

    pub(crate) fn end_object(&mut self) -> &mut Self {
        self.out.push('}');
        self.need_comma = true;
        self
    }

    pub(crate) fn begin_array(&mut self) -> &mut Self {
        self.comma();
        self.out.push('[');
        self.need_comma = false;
        self
    }

    pub(crate) fn end_array(&mut self) -> &mut Self {
        self.out.push(']');
        self.need_comma = true;
        self
    }

    /// Ends a top-level value: the next one starts a new line (JSON text
    /// never holds a raw line break, so lines split values safely).
    pub(crate) fn line_break(&mut self) -> &mut Self {
        self.out.push('\n');
        self.need_comma = false;
        self
    }

    /// An object key; the value written next belongs to it.
    pub(crate) fn key(&mut self, key: &str) -> &mut Self {
        self.comma();
        self.quoted(key);
        self.out.push(':');
        self.need_comma = false;
        self
    }

    pub(crate) fn string(&mut self, value: &str) -> &mut Self {
        self.comma();
        self.quoted(value);
        self.need_comma = true;
        self
    }

    /// Text from the peer that may not be UTF-8: invalid sequences become
    /// U+FFFD (SMTP text is ASCII, or UTF-8 under SMTPUTF8).
    pub(crate) fn lossy(&mut self, value: &[u8]) -> &mut Self {
        self.string(&String::from_utf8_lossy(value))
    }

    /// An integer. JSON numbers are doubles in JavaScript: exact up to
    /// 2^53, far beyond any octet count a session reaches.
    pub(crate) fn number(&mut self, value: u64) -> &mut Self {
        self.comma();
        let _ = write!(self.out, "{value}");
        self.need_comma = true;
        self
    }

    pub(crate) fn boolean(&mut self, value: bool) -> &mut Self {
        self.comma();
        self.out.push_str(if value { "true" } else { "false" });
        self.need_comma = true;
        self
    }

    pub(crate) fn null(&mut self) -> &mut Self {
        self.comma();
        self.out.push_str("null");
        self.need_comma = true;
        self
    }

    /// Bytes, written as their `[start, end]` range in the side buffer.
    pub(crate) fn bytes(&mut self, value: &[u8]) -> &mut Self {
        let start = self.payload.len();
        self.payload.extend_from_slice(value);
        let end = self.payload.len();
        self.begin_array()
            .number(start as u64)
            .number(end as u64)
            .end_array()
    }

    pub(crate) fn opt_string(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.string(v),
            None => self.null(),
        }
    }

    pub(crate) fn opt_number(&mut self, value: Option<u64>) -> &mut Self {
        match value {
            Some(v) => self.number(v),
            None => self.null(),
        }
    }

    /// `"type": name`, the discriminant of every event and error.
    pub(crate) fn tag(&mut self, key: &str, name: &str) -> &mut Self {
        self.key(key).string(name)
    }

    fn quoted(&mut self, s: &str) {
        self.out.reserve(s.len() + 2);
        self.out.push('"');
        let mut plain = 0;
        for (i, b) in s.bytes().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            self.out.push_str(s.get(plain..i).unwrap_or_default());
            if escape.is_empty() {
                let _ = write!(self.out, "\\u{b:04x}");
            } else {
                self.out.push_str(escape);
            }
            plain = i + 1;
        }
        self.out.push_str(s.get(plain..).unwrap_or_default());
        self.out.push('"');
    }
}

#[cfg(test)]
mod tests;
