//! The widget's wire format, version 2: the browser sends what it saw and the
//! server decides, with the one alias table (`aliases`), which lead field each
//! control feeds. A version 2 body is lifted here into the fields every other
//! capture path posts, then parsed like them; a body without `_v` (version 1,
//! what older cached widgets send) is already in that shape.
//!
//! ```json
//! {"_v": 2, "_token": "pk_…", "_submission_id": "…", "source": "widget",
//!  "controls": [{"name": "your-email", "value": "a@b.co", "type": "email",
//!                "autocomplete": "email", "field": "", "label": "Your email"}],
//!  "context": {"page_url": "…", "referrer": "…", "page_title": "…", "form_id": "…",
//!              "form_name": "…", "form_action": "…", "campaign": "…", "utm_source": "…"}}
//! ```
//! Every member of a control but `name` and `value` is an optional hint;
//! `field` is the control's `data-leadsbot-field`, which wins over the rest.
//! The widget cuts nothing: values over the limits are cut here, not refused,
//! so what a visitor typed is never lost to a 422.

use super::aliases::{attribute_for, autocomplete_attribute, exact_attribute, type_attribute};
use crate::body::Fields;
use crate::privacy::{is_secret_control, Control};
use crate::FieldError;
use serde_json::{Map, Value};

pub const WIRE_VERSION: u64 = 2;
const CONTACT_FIELDS: &[&str] = &["email", "name", "phone", "company", "message"];
/// Control types that never carry a lead (the browser drops them already).
const NEVER_KINDS: &[&str] = &["password", "file", "submit", "button", "reset", "image", "fieldset"];
const MAX_SHORT_CHARS: usize = 200;
const MAX_URL_CHARS: usize = 2048;
const MAX_CUSTOM_FIELDS: usize = super::custom::MAX_CUSTOM_FIELDS;
const MAX_CUSTOM_KEY_CHARS: usize = 64;
const MAX_CUSTOM_VALUE_CHARS: usize = 2000;
/// A list's JSON text is longer than its characters (quotes, commas): a margin.
const MAX_CUSTOM_LIST_CHARS: usize = 1600;
const MAX_CUSTOM_LIST_ITEMS: usize = 100;

/// Where one control goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// One of `CONTACT_FIELDS`.
    Attribute(&'static str),
    Honeypot,
    Custom(String),
    Skip,
}

/// One control as the widget describes it.
#[derive(Debug, Clone, Default)]
pub struct WireControl {
    pub name: String,
    pub value: String,
    pub kind: String,
    pub autocomplete: String,
    pub field: String,
    pub label: String,
}

/// A version 2 body as version 1 fields; `None` for a version 1 body.
pub fn lift(fields: &Fields) -> Result<Option<Fields>, FieldError> {
    match fields.get("_v") {
        None | Some(Value::Null) => return Ok(None),
        Some(v) if v.as_u64() == Some(1) => return Ok(None),
        Some(v) if v.as_u64() == Some(WIRE_VERSION) => {}
        Some(_) => return Err(FieldError::new("_v", "unsupported_version", "_v must be 1 or 2")),
    }
    let Some(Value::Array(items)) = fields.get("controls") else {
        return Err(FieldError::invalid_type("controls", "a list of controls"));
    };
    let controls = items.iter().enumerate().map(|(i, item)| wire_control(i, item)).collect::<Result<Vec<_>, _>>()?;
    let mut lifted: Fields = fields.iter().filter(|(k, _)| !["_v", "controls", "context"].contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    fold(&controls, &mut lifted);
    if let Some(Value::Object(context)) = fields.get("context") {
        lifted.insert("context".into(), Value::Object(clipped_context(context)));
    }
    Ok(Some(lifted))
}

fn wire_control(index: usize, item: &Value) -> Result<WireControl, FieldError> {
    let Value::Object(object) = item else { return Err(FieldError::invalid_type(&format!("controls.{index}"), "an object")) };
    let text = |key: &str| match object.get(key) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(FieldError::invalid_type(&format!("controls.{index}.{key}"), "a string")),
    };
    Ok(WireControl {
        name: text("name")?,
        value: text("value")?,
        kind: text("type")?,
        autocomplete: text("autocomplete")?,
        field: text("field")?,
        label: text("label")?,
    })
}

/// Which lead field a control feeds: its `data-leadsbot-field`, then its
/// type, its `autocomplete`, its name and its label, by the one table.
pub fn target_of(control: &WireControl) -> Target {
    let privacy = Control { kind: &control.kind, name: &format!("{} {}", control.name, control.field), autocomplete: &control.autocomplete, value: &control.value };
    if is_secret_control(&privacy) || NEVER_KINDS.contains(&control.kind.to_ascii_lowercase().as_str()) {
        return Target::Skip;
    }
    let explicit = control.field.trim();
    if !explicit.is_empty() {
        let known = CONTACT_FIELDS.iter().find(|f| f.eq_ignore_ascii_case(explicit));
        return known.map_or_else(|| Target::Custom(explicit.to_string()), |f| Target::Attribute(f));
    }
    if control.name == "_gotcha" {
        return Target::Honeypot;
    }
    if control.name.starts_with('_') || super::machine::is_machine_field(&control.name) {
        return Target::Skip;
    }
    let contact = |attribute: Option<&'static str>| attribute.filter(|a| CONTACT_FIELDS.contains(a));
    let by_name = contact(attribute_for(&control.name));
    let by_label = || contact(exact_attribute(&control.label));
    match contact(type_attribute(&control.kind)).or_else(|| contact(autocomplete_attribute(&control.autocomplete))).or(by_name).or_else(by_label) {
        Some(attribute) => Target::Attribute(attribute),
        None if control.name.trim().is_empty() => Target::Skip,
        None => Target::Custom(control.name.clone()),
    }
}

/// The controls, in order, as lead fields: the first email, phone and company
/// win (a confirmation field is harmless), names and messages join, repeated
/// custom names (checkbox groups, multi-selects) gather into a list.
fn fold(controls: &[WireControl], out: &mut Fields) {
    let mut attributes: Vec<(&'static str, String)> = Vec::new();
    let mut custom: Vec<(String, Vec<String>)> = Vec::new();
    for control in controls {
        let value = control.value.trim();
        match target_of(control) {
            Target::Attribute(field) => add_attribute(&mut attributes, field, value),
            Target::Honeypot => {
                out.insert("_gotcha".into(), Value::String(value.to_string()));
            }
            Target::Custom(name) => add_custom(&mut custom, &name, value),
            Target::Skip => {}
        }
    }
    for (field, text) in attributes {
        let max = match field {
            "phone" => 50,
            "message" => 5000,
            _ => MAX_SHORT_CHARS,
        };
        out.insert(field.into(), Value::String(clip(&text, max)));
    }
    let custom: Map<String, Value> = custom.into_iter().filter(|(_, values)| !values.is_empty()).map(|(name, values)| (name, custom_value(values))).collect();
    out.insert("custom".into(), Value::Object(custom));
}

fn add_attribute(attributes: &mut Vec<(&'static str, String)>, field: &'static str, value: &str) {
    if value.is_empty() {
        return;
    }
    let separator = match field {
        "name" => " ",
        "message" => "\n\n",
        _ => "",
    };
    match attributes.iter_mut().find(|(f, _)| *f == field) {
        Some((_, text)) if !separator.is_empty() => {
            text.push_str(separator);
            text.push_str(value);
        }
        Some(_) => {}
        None => attributes.push((field, value.to_string())),
    }
}

fn add_custom(custom: &mut Vec<(String, Vec<String>)>, name: &str, value: &str) {
    let name = clip(name.trim(), MAX_CUSTOM_KEY_CHARS);
    let value = (!value.is_empty()).then(|| value.to_string());
    if let Some((_, values)) = custom.iter_mut().find(|(n, _)| *n == name) {
        values.extend(value);
    } else if custom.len() < MAX_CUSTOM_FIELDS && !name.is_empty() {
        custom.push((name, value.into_iter().collect()));
    }
}

/// One value as a string, several as a list cut to the limits.
fn custom_value(values: Vec<String>) -> Value {
    if let [one] = values.as_slice() {
        return Value::String(clip(one, MAX_CUSTOM_VALUE_CHARS));
    }
    let mut budget = MAX_CUSTOM_LIST_CHARS;
    let mut kept = Vec::new();
    for value in values.into_iter().take(MAX_CUSTOM_LIST_ITEMS) {
        let cost = value.chars().count() + 3;
        if cost > budget {
            break;
        }
        budget -= cost;
        kept.push(Value::String(value));
    }
    Value::Array(kept)
}

/// The context cut to the limits, with the form's `action` attribute as the
/// widget read it (maybe relative, maybe empty: the page itself) made absolute
/// against the page URL, as the browser would.
fn clipped_context(context: &Map<String, Value>) -> Map<String, Value> {
    let max = |key: &str| if ["page_url", "referrer", "form_action"].contains(&key) { MAX_URL_CHARS } else { MAX_SHORT_CHARS };
    let mut clipped: Map<String, Value> = context
        .iter()
        .map(|(key, value)| match value {
            Value::String(text) => (key.clone(), Value::String(clip(text, max(key)))),
            other => (key.clone(), other.clone()),
        })
        .collect();
    let page = context.get("page_url").and_then(Value::as_str).and_then(|page| url::Url::parse(page).ok());
    let action = context.get("form_action").and_then(Value::as_str).unwrap_or("").trim();
    if let Some(mut resolved) = page.and_then(|page| page.join(action).ok()) {
        resolved.set_fragment(None);
        clipped.insert("form_action".into(), Value::String(clip(resolved.as_str(), MAX_URL_CHARS)));
    }
    clipped
}

fn clip(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests;
