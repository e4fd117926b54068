//! Turning a request body into named fields, whatever way the client sent it.
//!
//! Browsers post forms as urlencoded or multipart, servers post JSON, and the
//! widget posts JSON as `text/plain` so that no CORS preflight is needed. All of
//! them become one JSON object of fields here.

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    UnsupportedMediaType(String),
    Malformed(String),
}

pub type Fields = Map<String, Value>;

/// The media type, lower-cased, and its parameters.
fn media_type(content_type: &str) -> (String, Vec<(String, String)>) {
    let mut parts = content_type.split(';');
    let essence = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().trim_matches('"').to_string()))
        .collect();
    (essence, params)
}

/// Whether a body of this type could be read at all, checked before reading it.
pub fn is_supported(content_type: Option<&str>) -> bool {
    let (essence, _) = media_type(content_type.unwrap_or(""));
    matches!(
        essence.as_str(),
        "application/json" | "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
    ) || essence.ends_with("+json")
}

pub fn parse_fields(content_type: Option<&str>, body: &[u8]) -> Result<Fields, BodyError> {
    let (essence, params) = media_type(content_type.unwrap_or(""));
    match essence.as_str() {
        "application/json" | "text/plain" => parse_json_object(body),
        "application/x-www-form-urlencoded" => parse_urlencoded(body),
        "multipart/form-data" => {
            let boundary = params
                .iter()
                .find(|(k, _)| k == "boundary")
                .map(|(_, v)| v.as_str())
                .filter(|b| !b.is_empty())
                .ok_or_else(|| BodyError::Malformed("multipart body without a boundary".into()))?;
            parse_multipart(body, boundary)
        }
        "" => Err(BodyError::UnsupportedMediaType("a Content-Type header is required".into())),
        other if other.ends_with("+json") => parse_json_object(body),
        other => Err(BodyError::UnsupportedMediaType(format!(
            "{other} is not accepted; send application/json, application/x-www-form-urlencoded, multipart/form-data or text/plain (JSON)"
        ))),
    }
}

pub fn parse_json_object(body: &[u8]) -> Result<Fields, BodyError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        Ok(_) => Err(BodyError::Malformed("the body must be a JSON object".into())),
        Err(err) => Err(BodyError::Malformed(format!("the body is not valid JSON: {err}"))),
    }
}

/// Repeated names (checkbox groups, multi-selects) become arrays, in order.
fn insert_repeatable(fields: &mut Fields, name: String, value: String) {
    match fields.get_mut(&name) {
        Some(Value::Array(values)) => values.push(Value::String(value)),
        Some(existing) => {
            let first = existing.take();
            *existing = Value::Array(vec![first, Value::String(value)]);
        }
        None => {
            fields.insert(name, Value::String(value));
        }
    }
}

pub fn parse_urlencoded(body: &[u8]) -> Result<Fields, BodyError> {
    let text = std::str::from_utf8(body).map_err(|_| BodyError::Malformed("the form body is not UTF-8".into()))?;
    let mut fields = Fields::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        insert_repeatable(&mut fields, percent_decode(name)?, percent_decode(value)?);
    }
    Ok(fields)
}

pub(crate) fn percent_decode(text: &str) -> Result<String, BodyError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok());
                let byte = byte.ok_or_else(|| BodyError::Malformed("bad percent-encoding in the form body".into()))?;
                out.push(byte);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| BodyError::Malformed("the form body is not UTF-8".into()))
}

/// Text fields of a multipart body. File parts are skipped: leads carry text.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Result<Fields, BodyError> {
    let malformed = |why: &str| BodyError::Malformed(format!("multipart body: {why}"));
    let delimiter = format!("--{boundary}");
    let mut fields = Fields::new();
    let mut rest = body;
    let start = find(rest, delimiter.as_bytes()).ok_or_else(|| malformed("no opening boundary"))?;
    rest = &rest[start + delimiter.len()..];
    loop {
        if rest.starts_with(b"--") {
            return Ok(fields);
        }
        rest = rest.strip_prefix(b"\r\n").ok_or_else(|| malformed("boundary not followed by a line break"))?;
        let header_end = find(rest, b"\r\n\r\n").ok_or_else(|| malformed("part without headers"))?;
        let headers = std::str::from_utf8(&rest[..header_end]).map_err(|_| malformed("headers are not UTF-8"))?;
        rest = &rest[header_end + 4..];
        let closing = format!("\r\n{delimiter}");
        let content_end = find(rest, closing.as_bytes()).ok_or_else(|| malformed("part is not closed"))?;
        let content = &rest[..content_end];
        rest = &rest[content_end + closing.len()..];
        let (name, is_file) = disposition(headers).ok_or_else(|| malformed("part without a name"))?;
        if !is_file {
            let text = String::from_utf8(content.to_vec()).map_err(|_| malformed("a text field is not UTF-8"))?;
            insert_repeatable(&mut fields, name, text);
        }
    }
}

/// The part's field name and whether it is a file upload.
fn disposition(headers: &str) -> Option<(String, bool)> {
    let line = headers
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    let mut name = None;
    let mut is_file = false;
    for param in split_params(line).into_iter().skip(1) {
        let (key, value) = param.split_once('=')?;
        match key.trim().to_ascii_lowercase().as_str() {
            "name" => name = Some(value.trim().trim_matches('"').to_string()),
            "filename" | "filename*" => is_file = true,
            _ => {}
        }
    }
    Some((name?, is_file))
}

/// Splits a header at the `;` outside quoted strings: browsers send a field
/// named `a;b` as `name="a;b"` (HTML's encoding: `"`, CR and LF become
/// `%22`, `%0D`, `%0A`; nothing is backslash-escaped).
fn split_params(line: &str) -> Vec<&str> {
    let mut params = Vec::new();
    let (mut start, mut quoted) = (0, false);
    for (i, c) in line.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => {
                params.push(&line[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    params.push(&line[start..]);
    params
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_and_text_plain_must_be_objects() {
        let fields = parse_fields(Some("application/json; charset=utf-8"), br#"{"email":"a@b.co"}"#).unwrap();
        assert_eq!(fields["email"], "a@b.co");
        assert!(parse_fields(Some("text/plain;charset=UTF-8"), br#"{"a":1}"#).is_ok());
        assert!(matches!(parse_fields(Some("application/json"), b"[1]"), Err(BodyError::Malformed(_))));
        assert!(matches!(parse_fields(Some("application/json"), b"{"), Err(BodyError::Malformed(_))));
    }

    #[test]
    fn urlencoded_decodes_and_groups_repeats() {
        let fields = parse_fields(Some("application/x-www-form-urlencoded"), b"email=a%40b.co&name=Ada+L&i=x&i=y&i=z").unwrap();
        assert_eq!(fields["email"], "a@b.co");
        assert_eq!(fields["name"], "Ada L");
        assert_eq!(fields["i"], json!(["x", "y", "z"]));
        assert!(parse_urlencoded(b"a=%zz").is_err());
    }

    #[test]
    fn multipart_keeps_text_and_skips_files() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.co\r\n--XyZ\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n--XyZ--\r\n";
        let fields = parse_fields(Some("multipart/form-data; boundary=XyZ"), body).unwrap();
        assert_eq!(fields["email"], "a@b.co");
        assert!(!fields.contains_key("cv"));
    }

    #[test]
    fn multipart_names_may_hold_semicolons() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"a;b=c\"\r\n\r\nx\r\n--XyZ--\r\n";
        let fields = parse_multipart(body.as_bytes(), "XyZ").unwrap();
        assert_eq!(fields["a;b=c"], "x");
    }

    #[test]
    fn broken_multipart_is_malformed_not_a_panic() {
        for body in [&b""[..], b"--XyZ", b"--XyZ\r\nno headers", b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--"] {
            assert!(matches!(parse_multipart(body, "XyZ"), Err(BodyError::Malformed(_))));
        }
        assert!(matches!(parse_fields(Some("multipart/form-data"), b""), Err(BodyError::Malformed(_))));
    }

    #[test]
    fn other_types_are_unsupported() {
        assert!(matches!(parse_fields(Some("application/xml"), b"<a/>"), Err(BodyError::UnsupportedMediaType(_))));
        assert!(matches!(parse_fields(None, b"{}"), Err(BodyError::UnsupportedMediaType(_))));
    }
}
