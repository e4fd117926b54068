//! Reading JSON request bodies into their wire types (`*In`, `*Patch`), so a
//! body the OpenAPI document would refuse is refused here too, with the field
//! named:
//! - broken JSON, or a body that is not an object: 400;
//! - a field the type does not have: 400, code `unknown_field` (the schemas
//!   say `additionalProperties: false`); a value of the wrong JSON type (a
//!   string where a number belongs): 400, code `invalid_type`;
//! - a missing required field: 422 `required`; `null` where the schema does
//!   not allow it: 422 `null`; a value of the right type out of its range:
//!   422 `invalid_value`.

use crate::error::{ApiError, ApiResult};
use leadsbot_shared::FieldError;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::error::Category;

/// A schema for the OpenAPI document, from JSON written in the code (never input).
pub fn schema(value: serde_json::Value) -> utoipa::openapi::schema::Schema {
    serde_json::from_value(value).expect("a valid schema")
}

pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    // serde would also read a struct from an array (`[]` as all defaults).
    if body.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'[') {
        return Err(ApiError::BadRequest("the body must be a JSON object".into()));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| refusal(e.path().to_string(), e.into_inner()))?;
    deserializer.end().map_err(|e| malformed(&e))?;
    Ok(value)
}

fn malformed(error: &serde_json::Error) -> ApiError {
    ApiError::BadRequest(format!("the body is not valid JSON: {}", reason(error)))
}

/// serde's message without its " at line 1 column 9" suffix.
fn reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn refusal(path: String, error: serde_json::Error) -> ApiError {
    if error.classify() != Category::Data {
        return malformed(&error);
    }
    let reason = reason(&error);
    let quoted = reason.split('`').nth(1).unwrap_or_default().to_string();
    let inside = |name: &str| if path == "." { name.to_string() } else { format!("{path}.{name}") };
    if let Some(rest) = reason.strip_prefix("unknown field") {
        // The path already ends at the unknown key.
        let field = if path == "." { quoted.clone() } else { path.clone() };
        let expected = rest.split_once(", expected ").map(|(_, e)| format!("; expected {e}")).unwrap_or_default();
        return ApiError::MalformedField(FieldError::new(field.clone(), "unknown_field", format!("{field} is not a field of this resource{expected}")));
    }
    if reason.starts_with("missing field") {
        return ApiError::Validation(vec![FieldError::required(&inside(&quoted))]);
    }
    if path == "." {
        return ApiError::BadRequest(format!("the body must be a JSON object ({reason})"));
    }
    if reason.starts_with("invalid type: null") {
        return ApiError::Validation(vec![FieldError::new(path.clone(), "null", format!("{path} must not be null: leave it out instead"))]);
    }
    if reason.starts_with("invalid type") {
        return ApiError::MalformedField(FieldError::new(path.clone(), "invalid_type", format!("{path}: {reason}")));
    }
    ApiError::Validation(vec![FieldError::new(path.clone(), "invalid_value", format!("{path}: {reason}"))])
}

/// For optional fields where `null` means nothing: leaving the field out is
/// fine, sending `null` is refused (422). Use with `#[serde(default)]` and
/// `#[schema(nullable = false)]`.
pub fn non_null<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A JSON number as a whole number, as JSON Schema's `integer` reads it
/// (`480.0` is the integer 480).
pub fn whole_number(number: &serde_json::Number) -> Option<i64> {
    number.as_i64().or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15).map(|f| f as i64))
}

/// An optional whole number (see `whole_number`); `null` is refused.
pub fn non_null_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    whole_number(&number).map(Some).ok_or_else(|| serde::de::Error::custom(format!("invalid value: {number}, expected a whole number")))
}

/// A nullable whole number (see `whole_number`): absent is `None`, `null` is
/// `Some(None)`.
pub fn nullable_whole<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    match Option::<serde_json::Number>::deserialize(deserializer)? {
        None => Ok(Some(None)),
        Some(number) => whole_number(&number).map(|n| Some(Some(n))).ok_or_else(|| serde::de::Error::custom(format!("invalid value: {number}, expected a whole number"))),
    }
}

/// Only whitespace as JSON Schema's `\S` reads it (ECMA-262: which counts
/// U+FEFF but not U+0085, unlike Rust's `char::is_whitespace`). Required
/// text must not be blank.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(leadsbot_shared::encoding::is_ecma_space)
}

/// For fields where `null` has a meaning (clear the value): absent is
/// `None`, `null` is `Some(None)`.
pub fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct SampleIn {
        url: String,
        #[serde(default, deserialize_with = "non_null")]
        name: Option<String>,
        #[serde(default, deserialize_with = "nullable")]
        note: Option<Option<String>>,
        #[serde(default, deserialize_with = "non_null")]
        tags: Option<Vec<String>>,
    }

    fn refused(body: &str) -> (u16, Option<(String, &'static str)>) {
        let error = decode_json::<SampleIn>(body.as_bytes()).unwrap_err();
        let field = match &error {
            ApiError::Validation(errors) => Some((errors[0].field.clone(), errors[0].code)),
            ApiError::MalformedField(e) => Some((e.field.clone(), e.code)),
            _ => None,
        };
        (error.status(), field)
    }

    #[test]
    fn absent_null_and_present_are_three_things() {
        let sample: SampleIn = decode_json(br#"{"url": "u", "note": null}"#).unwrap();
        assert_eq!((sample.name, sample.note), (None, Some(None)));
        let sample: SampleIn = decode_json(br#"{"url": "u", "name": "n"}"#).unwrap();
        assert_eq!((sample.name.as_deref(), sample.note), (Some("n"), None));
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_zero_fraction() {
        let whole = |text: &str| whole_number(&serde_json::from_str(text).unwrap());
        assert_eq!((whole("480"), whole("480.0"), whole("-3"), whole("0.5"), whole("1e300")), (Some(480), Some(480), Some(-3), None, None));
    }

    #[test]
    fn each_refusal_names_its_field() {
        assert_eq!(refused(r#"{"url": "u", "name": null}"#), (422, Some(("name".into(), "null"))));
        assert_eq!(refused(r#"{"url": "u", "tags": ["a", 5]}"#), (400, Some(("tags[1]".into(), "invalid_type"))));
        assert_eq!(refused(r#"{"name": "n"}"#), (422, Some(("url".into(), "required"))));
        assert_eq!(refused(r#"{"url": "u", "email": "x"}"#), (400, Some(("email".into(), "unknown_field"))));
        assert_eq!(refused(r#"{"url": "u""#), (400, None));
        assert_eq!(refused(r#"{"url": "u"} x"#), (400, None));
        assert_eq!(refused(r#"[]"#), (400, None));
        assert_eq!(refused(r#" ["u"]"#), (400, None));
        assert_eq!(refused(r#"null"#), (400, None));
    }
}
