//! What a lead is, and how posted fields become one.

use crate::body::Fields;
use crate::email::LeadEmail;
use crate::privacy;
use crate::FieldError;
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Won,
    Lost,
    Spam,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 6] =
        [Self::New, Self::Contacted, Self::Qualified, Self::Won, Self::Lost, Self::Spam];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Contacted => "contacted",
            Self::Qualified => "qualified",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Spam => "spam",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

pub use custom::{MAX_CUSTOM_FIELDS, MAX_CUSTOM_KEY_CHARS, MAX_CUSTOM_VALUE_CHARS};
const MAX_URL_CHARS: usize = 2048;
const MAX_SHORT_CHARS: usize = 200;
const MAX_MESSAGE_CHARS: usize = 5000;

/// Lead attributes other than email and their max length. Which posted names
/// feed them is the one table in `aliases`.
const ATTRIBUTES: &[(&str, usize)] = &[
    ("name", MAX_SHORT_CHARS),
    ("phone", 50),
    ("company", MAX_SHORT_CHARS),
    ("message", MAX_MESSAGE_CHARS),
    ("campaign", MAX_SHORT_CHARS),
    ("utm_source", MAX_SHORT_CHARS),
    ("utm_medium", MAX_SHORT_CHARS),
    ("utm_campaign", MAX_SHORT_CHARS),
    ("utm_term", MAX_SHORT_CHARS),
    ("utm_content", MAX_SHORT_CHARS),
    ("page_url", MAX_URL_CHARS),
    ("referrer", MAX_URL_CHARS),
    ("page_title", MAX_SHORT_CHARS),
    ("form_id", MAX_SHORT_CHARS),
    ("form_name", MAX_SHORT_CHARS),
    ("form_action", MAX_URL_CHARS),
];

/// Attributes that hold URLs, stored without the query parameters that carry secrets.
const URL_ATTRIBUTES: &[&str] = &["page_url", "referrer", "form_action"];

/// Keys that hold nested groups of fields rather than a field.
const CONTEXT_KEY: &str = "context";
const CUSTOM_KEYS: &[&str] = &["custom", "fields"];

/// A validated lead, before it has an id or a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadDraft {
    pub email: LeadEmail,
    /// Attribute name → value, for the names in `ATTRIBUTES` that were given.
    pub attributes: Map<String, Value>,
    pub custom: Map<String, Value>,
    /// The `_gotcha` honeypot was filled: a bot, stored as spam, triggers nothing.
    pub honeypot_filled: bool,
    pub submission_id: Option<String>,
}

impl LeadDraft {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).and_then(Value::as_str)
    }
}

/// Every attribute name a lead can carry besides email.
pub fn attribute_names() -> impl Iterator<Item = &'static str> {
    ATTRIBUTES.iter().map(|(name, _)| *name)
}

/// Each attribute with the most characters it may hold.
pub fn attribute_limits() -> impl Iterator<Item = (&'static str, usize)> {
    ATTRIBUTES.iter().copied()
}

/// Validates posted fields into a lead, reporting every problem at once.
/// A widget's version 2 body (`controls`) is first lifted into plain fields.
pub fn parse_lead(fields: &Fields) -> Result<LeadDraft, Vec<FieldError>> {
    match controls::lift(fields) {
        Ok(Some(lifted)) => parse_fields(&lifted),
        Ok(None) => parse_fields(fields),
        Err(error) => Err(vec![error]),
    }
}

/// Fields that steer the capture rather than describe the lead: each is a
/// plain value (a string, number, boolean or null), never a group or a list.
pub const CONTROL_FIELDS: [&str; 4] = ["source", "_token", "_submission_id", "_gotcha"];

fn parse_fields(fields: &Fields) -> Result<LeadDraft, Vec<FieldError>> {
    let mut errors = Vec::new();
    for control in CONTROL_FIELDS {
        if matches!(fields.get(control), Some(Value::Object(_) | Value::Array(_))) {
            errors.push(FieldError::invalid_type(control, "a string, number, boolean or null"));
        }
    }
    let flat = flatten(fields, &mut errors);
    let mut used: Vec<&str> = Vec::new();

    let email = match lookup(&flat, "email") {
        Some((key, value)) => {
            used.push(key);
            text_of(key, value).map_err(|e| vec![e]).and_then(|text| LeadEmail::parse(&text).map_err(|e| vec![e]))
        }
        None => Err(vec![FieldError::required("email")]),
    };

    let mut attributes = Map::new();
    for (name, max_chars) in ATTRIBUTES {
        let Some((key, value)) = lookup(&flat, name) else { continue };
        used.push(key);
        match text_of(key, value) {
            Ok(text) if text.chars().count() > *max_chars => errors.push(FieldError::too_long(name, *max_chars)),
            Ok(text) => {
                if let Some(text) = stored_text(name, text) {
                    attributes.insert((*name).to_string(), Value::String(text));
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if !attributes.contains_key("name") {
        if let Some(joined) = joined_name(&flat) {
            attributes.insert("name".into(), Value::String(joined));
        }
    }
    fill_utm_from_page_url(&mut attributes);

    let consumed = |key: &str| used.contains(&key) || aliases::is_known_key(key) || attribute_names().any(|a| a == normalize(key));
    let custom = custom::custom_fields(&flat, &consumed, &mut errors);
    let honeypot_filled = flat.get("_gotcha").is_some_and(|v| !is_blank(v));
    let submission_id = control_text(&flat, &crate::idempotency::SUBMISSION_ID_FIELDS);

    match email {
        Ok(email) if errors.is_empty() => Ok(LeadDraft { email, attributes, custom, honeypot_filled, submission_id }),
        Ok(_) => Err(errors),
        Err(mut email_errors) => {
            email_errors.append(&mut errors);
            Err(email_errors)
        }
    }
}

/// Top-level fields, with `context` lifted in and `custom`/`fields` merged in.
fn flatten(fields: &Fields, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    let mut flat = Map::new();
    for (key, value) in fields {
        let nested = key == CONTEXT_KEY || CUSTOM_KEYS.contains(&key.as_str());
        match (nested, value) {
            (true, Value::Object(inner)) => {
                for (k, v) in inner {
                    flat.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            (true, Value::Null) => {}
            (true, _) => errors.push(FieldError::invalid_type(key, "an object")),
            (false, _) => {
                flat.insert(key.clone(), value.clone());
            }
        }
    }
    flat
}

/// Field names compare case-insensitively, with `-` and spaces read as `_`,
/// so `E-mail`, `Email` and `email` are one field.
fn normalize(key: &str) -> String {
    key.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// The field that feeds an attribute: its own name first, then the table's
/// aliases, then (for email and phone) names that merely hold the word.
fn lookup<'a>(flat: &'a Map<String, Value>, name: &str) -> Option<(&'a str, &'a Value)> {
    let present = || flat.iter().filter(|(_, value)| !value.is_null());
    let weak = |key: &str| aliases::name_part(key).is_none() && aliases::attribute_for(key) == Some(name);
    present()
        .find(|(key, _)| normalize(key) == name)
        .or_else(|| present().find(|(key, _)| aliases::exact_attribute(key) == Some(name)))
        .or_else(|| present().find(|(key, _)| weak(key)))
        .map(|(key, value)| (key.as_str(), value))
}

/// What is kept of an attribute's text: nothing when it is empty or a card
/// number (whatever field it was typed into), and URLs without their secrets.
fn stored_text(name: &str, text: String) -> Option<String> {
    let text = if URL_ATTRIBUTES.contains(&name) { privacy::without_secret_params(&text) } else { text };
    (!text.is_empty() && !privacy::is_card_number(&text)).then_some(text)
}

/// The text of a scalar field; numbers and booleans are written out.
fn text_of(field: &str, value: &Value) -> Result<String, FieldError> {
    match value {
        Value::String(s) => Ok(s.trim().to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(FieldError::invalid_type(field, "a string")),
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn control_text(flat: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| flat.iter().find(|(key, v)| !v.is_null() && normalize(key) == *k).and_then(|(_, v)| v.as_str()))
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .map(str::to_string)
}

fn joined_name(flat: &Map<String, Value>) -> Option<String> {
    let part = |first: bool| flat.iter().find(|(key, v)| aliases::name_part(key) == Some(first) && !v.is_null()).and_then(|(_, v)| v.as_str()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let joined = [part(true), part(false)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    (!joined.is_empty()).then(|| joined.chars().take(MAX_SHORT_CHARS).collect())
}

/// Landing pages usually carry the campaign in their query string; keep it
/// even when the sender did not split it out.
fn fill_utm_from_page_url(attributes: &mut Map<String, Value>) {
    let Some(query) = attributes
        .get("page_url")
        .and_then(Value::as_str)
        .and_then(|url| url.split_once('?'))
        .map(|(_, q)| q.split('#').next().unwrap_or("").to_string())
    else {
        return;
    };
    let Ok(params) = crate::body::parse_urlencoded(query.as_bytes()) else { return };
    for key in ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] {
        if let Some(Value::String(value)) = params.get(key) {
            if !value.is_empty() && !attributes.contains_key(key) {
                attributes.insert(key.into(), Value::String(value.chars().take(MAX_SHORT_CHARS).collect()));
            }
        }
    }
}

mod aliases;
pub mod controls;
mod custom;
mod machine;

#[cfg(test)]
mod tests;
