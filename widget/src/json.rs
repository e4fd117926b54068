//! A JSON object writer for the lead body: the body is flat strings, so a
//! writer of a few dozen lines replaces building a JS object property by
//! property (each a trip across the wasm boundary).

use alloc::string::String;

pub struct JsonObject {
    out: String,
}

impl JsonObject {
    pub fn new() -> Self {
        JsonObject { out: String::from("{") }
    }

    /// Adds `"key":"value"`; empty values are left out so the server sees "not given".
    pub fn text(&mut self, key: &str, value: &str) -> &mut Self {
        if !value.is_empty() {
            self.key(key);
            quote(&mut self.out, value);
        }
        self
    }

    /// Adds `"key":` followed by already-encoded JSON.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key);
        self.out.push_str(json);
        self
    }

    /// Adds already-encoded `"key":value` pairs.
    pub fn members(&mut self, members: &str) -> &mut Self {
        if !members.is_empty() {
            self.comma();
            self.out.push_str(members);
        }
        self
    }

    pub fn finish(&mut self) -> String {
        self.out.push('}');
        core::mem::take(&mut self.out)
    }

    fn key(&mut self, key: &str) {
        self.comma();
        quote(&mut self.out, key);
        self.out.push(':');
    }

    fn comma(&mut self) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
    }
}

/// Works on bytes: everything escaped is ASCII, so the text between escapes
/// is copied as whole UTF-8 slices, and no character decoding or encoding
/// code is linked in.
fn quote(out: &mut String, text: &str) {
    const HEX: &str = "0123456789abcdef";
    let hex = |n: u8| HEX.get(usize::from(n)..usize::from(n) + 1).unwrap_or_default();
    out.push('"');
    let mut copied = 0;
    for (i, &b) in text.as_bytes().iter().enumerate() {
        if b != b'"' && b != b'\\' && b >= 0x20 {
            continue;
        }
        out.push_str(text.get(copied..i).unwrap_or_default());
        copied = i + 1;
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            _ => {
                out.push_str("\\u00");
                out.push_str(hex(b >> 4));
                out.push_str(hex(b & 15));
            }
        }
    }
    out.push_str(text.get(copied..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_objects_and_skips_empty_values() {
        let json = JsonObject::new()
            .text("a", "say \"hi\"\n\\")
            .text("u", "é—\u{1f}x")
            .text("empty", "")
            .raw("list", r#"["x","é"]"#)
            .members("\"k\":\"v\"")
            .finish();
        assert_eq!(json, r#"{"a":"say \"hi\"\u000a\\","u":"é—\u001fx","list":["x","é"],"k":"v"}"#);
        assert_eq!(JsonObject::new().members("").finish(), "{}");
    }
}
