//! Capture-URL presets for form tools that cannot send our headers or shape:
//! each preset knows its tool's signature scheme and turns the tool's payload
//! into lead fields by stable field reference or label, never by answer index
//! (an optional question left blank must not shift the email into the name).

use crate::body::Fields;
use crate::signing::verify_base64_body_signature;
use crate::FieldError;
use serde_json::{Map, Value};

mod tally;
mod typeform;

const MAX_TARGET_CHARS: usize = 200;
const MAX_FIELD_NAME_CHARS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    Typeform,
    Tally,
}

/// Why a tool's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolSignatureError {
    Missing(&'static str),
    Mismatch(&'static str),
}

impl ToolSignatureError {
    pub fn describe(&self) -> String {
        match self {
            Self::Missing(header) => format!("the {header} header is missing: set this capture URL's signing secret in the tool's webhook settings"),
            Self::Mismatch(header) => format!("{header} does not match the body and this capture URL's signing secret"),
        }
    }
}

impl Preset {
    pub const ALL: [Preset; 2] = [Self::Typeform, Self::Tally];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Typeform => "typeform",
            Self::Tally => "tally",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The header the tool puts its signature in.
    pub fn signature_header(self) -> &'static str {
        match self {
            Self::Typeform => "Typeform-Signature",
            Self::Tally => "Tally-Signature",
        }
    }

    /// Checks the tool's signature of the raw body, in constant time.
    pub fn verify_signature(self, secret: &str, header_value: Option<&str>, body: &[u8]) -> Result<(), ToolSignatureError> {
        let header = self.signature_header();
        let given = header_value.map(str::trim).filter(|v| !v.is_empty()).ok_or(ToolSignatureError::Missing(header))?;
        let encoded = match self {
            Self::Typeform => given.strip_prefix("sha256=").ok_or(ToolSignatureError::Mismatch(header))?,
            Self::Tally => given,
        };
        if verify_base64_body_signature(secret, encoded, body) { Ok(()) } else { Err(ToolSignatureError::Mismatch(header)) }
    }

    /// The tool's payload as lead fields: the operator's mapping (lead field →
    /// field reference or label) first, then defaults for the rest.
    pub fn lead_fields(self, payload: &Fields, mapping: &Map<String, Value>) -> Result<Fields, Vec<FieldError>> {
        let submission = match self {
            Self::Typeform => typeform::submission(payload)?,
            Self::Tally => tally::submission(payload)?,
        };
        Ok(submission.into_lead_fields(mapping, self.as_str()))
    }
}

/// A preset's mapping names a field reference or label, not a path: any
/// non-empty string will do, as long as the lead field name is sane.
pub fn validate_preset_mapping(mapping: &Map<String, Value>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if mapping.len() > crate::mapping::MAX_MAPPED_FIELDS {
        let message = format!("at most {} mapped fields", crate::mapping::MAX_MAPPED_FIELDS);
        errors.push(FieldError::new("field_mapping", "too_many_fields", message));
    }
    for (field, target) in mapping {
        let name = format!("field_mapping.{field}");
        match target.as_str() {
            _ if field.is_empty() || field.chars().count() > MAX_FIELD_NAME_CHARS => {
                errors.push(FieldError::new(name, "invalid_field", "field names are 1 to 64 characters"))
            }
            Some(t) if !t.trim().is_empty() && t.chars().count() <= MAX_TARGET_CHARS => {}
            _ => errors.push(FieldError::new(name, "invalid_target", "name a field by its reference, key or label: a string of 1 to 200 characters")),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// What mapping defaults to for an answer the operator did not map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Email,
    Phone,
    Other,
}

/// One answer, named every way an operator may refer to it.
#[derive(Debug, Clone)]
struct Answer {
    /// Names a mapping may use (Typeform: ref, id, title; Tally: key, label).
    names: Vec<String>,
    /// Custom-field names to use unmapped, best first (the first that does not
    /// collide with a field already taken is used).
    field_names: Vec<String>,
    kind: Kind,
    value: Value,
}

#[derive(Debug, Clone)]
struct Submission {
    event_id: String,
    form_id: Option<String>,
    form_name: Option<String>,
    answers: Vec<Answer>,
}

impl Submission {
    fn into_lead_fields(self, mapping: &Map<String, Value>, source: &str) -> Fields {
        let mut fields = Fields::new();
        let mut used = vec![false; self.answers.len()];
        for (lead_field, target) in mapping {
            let Some(target) = target.as_str().map(str::trim) else { continue };
            let found = self.answers.iter().enumerate().find(|(i, a)| !used[*i] && a.names.iter().any(|n| n.trim() == target));
            if let Some((i, answer)) = found {
                used[i] = true;
                fields.insert(lead_field.clone(), answer.value.clone());
            }
        }
        for (answer, _) in self.answers.iter().zip(&used).filter(|(_, used)| !**used) {
            if let Some(name) = default_name(&fields, answer) {
                fields.insert(name, answer.value.clone());
            }
        }
        for (name, value) in [("form_id", self.form_id), ("form_name", self.form_name)] {
            if let (Some(value), false) = (value, taken(&fields, name)) {
                fields.insert(name.into(), Value::String(value));
            }
        }
        fields.insert("_submission_id".into(), Value::String(self.event_id));
        fields.insert("source".into(), Value::String(source.into()));
        fields
    }
}

fn default_name(fields: &Fields, answer: &Answer) -> Option<String> {
    let by_kind = match answer.kind {
        Kind::Email => Some("email"),
        Kind::Phone => Some("phone"),
        Kind::Other => None,
    };
    let by_kind = by_kind.filter(|name| !taken(fields, name)).map(str::to_string);
    by_kind.or_else(|| {
        answer.field_names.iter().map(|n| n.trim()).find(|n| {
            let fits = !n.is_empty() && n.chars().count() <= MAX_FIELD_NAME_CHARS && !n.starts_with('_');
            fits && !taken(fields, n) && normalize(n) != "source"
        })
        .map(str::to_string)
    })
}

/// Field names compare as the lead parser compares them.
fn normalize(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

fn taken(fields: &Fields, name: &str) -> bool {
    let wanted = normalize(name);
    fields.keys().any(|k| normalize(k) == wanted)
}

/// An answer as a lead can hold it: text, a number or a yes/no; lists (several
/// choices, several files) become one text joined with ", ". Blank is absent.
fn lead_value(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Some(value.clone()),
        Value::Array(items) => {
            let texts: Vec<String> = items.iter().filter_map(item_text).collect();
            (!texts.is_empty()).then(|| Value::String(texts.join(", ")))
        }
        Value::Null | Value::Object(_) => None,
    }
}

/// One list item's text: a scalar, or the readable part of an object (an
/// uploaded file's URL, an option's text).
fn item_text(item: &Value) -> Option<String> {
    let text = match item {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(map) => ["url", "text", "label", "name"].iter().find_map(|k| map.get(*k)?.as_str())?.trim().to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn text_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// The payload lacks something the tool always sends: name what.
fn missing(field: &str, what: &str) -> Vec<FieldError> {
    vec![FieldError::new(field, "invalid_payload", format!("{what}; is this capture URL's preset the tool that posts to it?"))]
}

#[cfg(test)]
mod tests;
