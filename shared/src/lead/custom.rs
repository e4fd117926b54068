//! Custom fields: whatever a form posts beyond the known lead attributes,
//! kept as long as it stays within limits a serious inbox can display, and
//! never when it is a secret (see `privacy`): dropped silently, as the widget would.

use super::normalize;
use crate::privacy::is_secret_field;
use crate::FieldError;
use serde_json::{Map, Value};

pub const MAX_CUSTOM_FIELDS: usize = 50;
pub const MAX_CUSTOM_KEY_CHARS: usize = 64;
pub const MAX_CUSTOM_VALUE_CHARS: usize = 2000;

pub(super) fn custom_fields(flat: &Map<String, Value>, consumed: &dyn Fn(&str) -> bool, errors: &mut Vec<FieldError>) -> Map<String, Value> {
    let mut custom = Map::new();
    for (key, value) in flat {
        let normalized = normalize(key);
        if key.starts_with('_') || consumed(key) || ["submission_id", "source"].contains(&normalized.as_str()) {
            continue;
        }
        if is_secret_field(key, value) {
            continue;
        }
        if key.chars().count() > MAX_CUSTOM_KEY_CHARS {
            errors.push(FieldError::new(truncate(key), "too_long", format!("custom field names must be at most {MAX_CUSTOM_KEY_CHARS} characters")));
            continue;
        }
        match custom_value(key, value) {
            Ok(Some(v)) => {
                custom.insert(key.clone(), v);
            }
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if custom.len() > MAX_CUSTOM_FIELDS {
        errors.push(FieldError::new(
            "custom",
            "too_many_fields",
            format!("a lead can carry at most {MAX_CUSTOM_FIELDS} custom fields, {} were sent", custom.len()),
        ));
    }
    custom
}

fn custom_value(key: &str, value: &Value) -> Result<Option<Value>, FieldError> {
    let too_long = || FieldError::too_long(key, MAX_CUSTOM_VALUE_CHARS);
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) if s.chars().count() > MAX_CUSTOM_VALUE_CHARS => Err(too_long()),
        Value::String(s) => Ok(Some(Value::String(s.trim().to_string()))),
        Value::Number(_) | Value::Bool(_) => Ok(Some(value.clone())),
        Value::Array(items) if items.len() <= 100 && items.iter().all(|i| i.is_string() || i.is_number()) => {
            let total: usize = items.iter().map(|i| i.to_string().len()).sum();
            if total > MAX_CUSTOM_VALUE_CHARS { Err(too_long()) } else { Ok(Some(value.clone())) }
        }
        _ => Err(FieldError::invalid_type(key, "a string, number, boolean or list of strings")),
    }
}

fn truncate(key: &str) -> String {
    key.chars().take(MAX_CUSTOM_KEY_CHARS).collect()
}
