//! The plain view of a lead that workflow conditions and templates read:
//! the lead as the API shows it (a JSON object), addressed by field paths.
//! Which paths exist is said here, once, for conditions and placeholders.

use serde_json::Value;

/// Every lead field a condition or a `{{lead.…}}` placeholder may name,
/// besides `custom.<key>`.
pub const FIELDS: &[&str] = &[
    "id", "email", "name", "phone", "company", "message", "status", "tags", "note", "source", "campaign", "campaign_label",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "page_url", "referrer", "page_title",
    "form_id", "form_name", "form_action", "user_agent", "country", "created_at",
];

const CUSTOM_PREFIX: &str = "custom.";
const MAX_CUSTOM_KEY_CHARS: usize = crate::lead::MAX_CUSTOM_KEY_CHARS;

/// True when `path` names a lead field (`email`, `utm_source`, `custom.budget`…).
pub fn is_known(path: &str) -> bool {
    match path.strip_prefix(CUSTOM_PREFIX) {
        Some(key) => !key.trim().is_empty() && key.chars().count() <= MAX_CUSTOM_KEY_CHARS,
        None => FIELDS.contains(&path),
    }
}

/// The value at `path`, if the lead has one (null counts as none).
pub fn get<'a>(lead: &'a Value, path: &str) -> Option<&'a Value> {
    let value = match path.strip_prefix(CUSTOM_PREFIX) {
        Some(key) => lead.get("custom")?.get(key),
        None => lead.get(path),
    }?;
    (!value.is_null()).then_some(value)
}

/// A value as text: strings as they are, numbers and booleans as JSON
/// writes them, lists joined by ", ", nothing for null.
pub fn text_of(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text_of).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A value as a number: JSON numbers, and text that is one (forms send
/// numbers as text), ignoring surrounding spaces.
pub fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|n| n.is_finite()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_name_fields_and_custom_keys() {
        assert!(is_known("utm_source") && is_known("custom.budget") && is_known("tags"));
        assert!(!is_known("password") && !is_known("custom.") && !is_known("custom"));
        let lead = json!({"email": "a@b.co", "phone": null, "custom": {"budget": "1500"}});
        assert_eq!(get(&lead, "custom.budget"), Some(&json!("1500")));
        assert_eq!(get(&lead, "phone"), None);
        assert_eq!(get(&lead, "custom.nope"), None);
    }

    #[test]
    fn text_and_numbers() {
        assert_eq!(text_of(&json!(["a", 2])), "a, 2");
        assert_eq!(text_of(&json!(1500)), "1500");
        assert_eq!(number_of(&json!(" 1500.5 ")), Some(1500.5));
        assert_eq!(number_of(&json!("NaN")), None);
        assert_eq!(number_of(&json!("abc")), None);
        assert_eq!(number_of(&json!(true)), None);
    }
}
