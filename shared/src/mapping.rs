//! Field mappings for capture URLs: tools like Typeform or Tally post their
//! own JSON shape; a mapping of lead field → dotted path picks the values out.

use crate::body::Fields;
use crate::FieldError;
use serde_json::{Map, Value};

pub const MAX_MAPPED_FIELDS: usize = 60;
const MAX_PATH_CHARS: usize = 200;

/// Follows `a.b.0.c` through objects and (by index) arrays.
pub fn resolve_path<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |current, segment| match current {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// With a mapping, the lead is made of the mapped values only (the rest of a
/// tool's payload is its own business); without one, fields pass as posted.
pub fn apply_mapping(mapping: &Map<String, Value>, posted: Fields) -> Fields {
    if mapping.is_empty() {
        return posted;
    }
    let root = Value::Object(posted);
    mapping
        .iter()
        .filter_map(|(field, path)| {
            let value = resolve_path(&root, path.as_str()?)?;
            (!value.is_null()).then(|| (field.clone(), value.clone()))
        })
        .collect()
}

/// A path key needs a character that is not whitespace (as the document's
/// `\s` pattern, ECMA-262, reads it).
fn visible(key: &str) -> bool {
    key.chars().any(|c| !crate::encoding::is_ecma_space(c))
}

pub fn validate_mapping(mapping: &Map<String, Value>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if mapping.len() > MAX_MAPPED_FIELDS {
        errors.push(FieldError::new("field_mapping", "too_many_fields", format!("at most {MAX_MAPPED_FIELDS} mapped fields")));
    }
    for (field, path) in mapping {
        let name = format!("field_mapping.{field}");
        match path.as_str() {
            _ if field.is_empty() || field.chars().count() > 64 => errors.push(FieldError::new(name, "invalid_field", "field names are 1 to 64 characters")),
            Some(p) if p.chars().count() <= MAX_PATH_CHARS && p.split('.').all(visible) => {}
            _ => errors.push(FieldError::new(name, "invalid_path", "a path is dotted keys or indexes, like form_response.answers.0.email")),
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn picks_values_out_of_a_tools_payload() {
        let posted = json!({"event_id": "e1", "form_response": {"answers": [{"email": "a@b.co"}, {"text": "Hi"}]}});
        let mapping = json!({"email": "form_response.answers.0.email", "message": "form_response.answers.1.text", "_submission_id": "event_id", "phone": "missing.path"});
        let fields = apply_mapping(mapping.as_object().unwrap(), posted.as_object().cloned().unwrap());
        assert_eq!(Value::Object(fields), json!({"email": "a@b.co", "message": "Hi", "_submission_id": "e1"}));
    }

    #[test]
    fn no_mapping_passes_fields_through() {
        let posted = json!({"email": "a@b.co"}).as_object().cloned().unwrap();
        assert_eq!(apply_mapping(&Map::new(), posted.clone()), posted);
    }

    #[test]
    fn bad_mappings_are_named() {
        let mapping = json!({"email": "a..b", "name": 5, "ok": "x.y", "blank": "a. "});
        let errors = validate_mapping(mapping.as_object().unwrap()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["field_mapping.blank", "field_mapping.email", "field_mapping.name"]);
    }
}
