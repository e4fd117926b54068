//! Message templates with `{{lead.name}}`-style placeholders: parsed once at
//! save time (an unknown placeholder is refused there, never a broken message
//! later), rendered in one pass so a value that itself contains `{{` is
//! only ever text.

use crate::html::Bounded;
use crate::lead_view;
use crate::FieldError;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// Telegram refuses messages over 4096 characters (after entity parsing; we
/// count before, which is stricter).
pub const MAX_TELEGRAM_CHARS: usize = 4096;
/// The longest template source accepted.
pub const MAX_TEMPLATE_CHARS: usize = 4096;
const PREFIX: &str = "lead.";

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    /// A lead field path, as `lead_view` reads it (`email`, `custom.budget`).
    Field(String),
}

/// A parsed template. Keeps its source, which is what the API shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    /// Parses `source`; errors are addressed to `field` (e.g. `actions[1].template`).
    pub fn parse(source: &str, field: &str) -> Result<Self, FieldError> {
        if source.trim().is_empty() {
            return Err(FieldError::required(field));
        }
        if source.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(FieldError::too_long(field, MAX_TEMPLATE_CHARS));
        }
        let mut parts = Vec::new();
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let after = &rest[open + 2..];
            let close = after.find("}}").ok_or_else(|| {
                FieldError::new(field, "unclosed_placeholder", "a placeholder opened with {{ is never closed with }}")
            })?;
            parts.push(Part::Field(placeholder(after[..close].trim(), field)?));
            rest = &after[close + 2..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Self { source: source.to_string(), parts })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The text for Telegram's HTML parse mode: the template's own text and
    /// every value escaped alike (the message is text, never markup), cut
    /// under Telegram's limit without splitting an entity.
    pub fn render_telegram(&self, lead: &Value) -> String {
        let mut out = Bounded::new(MAX_TELEGRAM_CHARS);
        for part in &self.parts {
            let fitted = match part {
                Part::Text(text) => out.push_escaped(text),
                Part::Field(path) => out.push_escaped(&lead_view::get(lead, path).map(lead_view::text_of).unwrap_or_default()),
            };
            if !fitted {
                break;
            }
        }
        out.out
    }

    /// The text with values as they are (for JSON payloads, which escape
    /// themselves). A template that is exactly one placeholder keeps the
    /// value's JSON type (a number stays a number, tags a list).
    pub fn render_value(&self, lead: &Value) -> Value {
        if let [Part::Field(path)] = self.parts.as_slice() {
            return lead_view::get(lead, path).cloned().unwrap_or(Value::Null);
        }
        let text: String = self
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(text) => text.clone(),
                Part::Field(path) => lead_view::get(lead, path).map(lead_view::text_of).unwrap_or_default(),
            })
            .collect();
        Value::String(text)
    }
}

impl Template {
    /// Plain text with values as they are (an email's text part, its subject).
    pub fn render_text(&self, lead: &Value) -> String {
        self.parts.iter().map(|part| self.piece(part, lead)).collect()
    }

    /// HTML for an email's HTML part: the template's own text and every
    /// value escaped alike (the message is text, never markup), line breaks kept.
    pub fn render_html(&self, lead: &Value) -> String {
        let mut out = String::new();
        for part in &self.parts {
            for (i, line) in self.piece(part, lead).split('\n').enumerate() {
                if i > 0 {
                    out.push_str("<br>\n");
                }
                out.push_str(&escape_html(line.trim_end_matches('\r')));
            }
        }
        out
    }

    fn piece(&self, part: &Part, lead: &Value) -> String {
        match part {
            Part::Text(text) => text.clone(),
            Part::Field(path) => lead_view::get(lead, path).map(lead_view::text_of).unwrap_or_default(),
        }
    }
}

/// Escapes text for HTML element content and quoted attributes alike.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

/// `lead.email` → `email`, if it names a known field.
fn placeholder(name: &str, field: &str) -> Result<String, FieldError> {
    name.strip_prefix(PREFIX).filter(|path| lead_view::is_known(path)).map(str::to_string).ok_or_else(|| {
        FieldError::new(
            field,
            "unknown_placeholder",
            format!("unknown placeholder {{{{{name}}}}}: use {{{{lead.<field>}}}} with one of {}, or lead.custom.<key>", lead_view::FIELDS.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests;
