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

fn quote(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_escaped_objects_and_skips_empty_values() {
        let json = JsonObject::new()
            .text("a", "say \"hi\"\n\\")
            .text("empty", "")
            .raw("list", r#"["x","é"]"#)
            .members("\"k\":\"v\"")
            .finish();
        assert_eq!(json, r#"{"a":"say \"hi\"\u000a\\","list":["x","é"],"k":"v"}"#);
        assert_eq!(JsonObject::new().members("").finish(), "{}");
    }
}
