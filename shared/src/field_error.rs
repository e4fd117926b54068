use serde::Serialize;

/// One reason a piece of input was refused, addressed to the field that caused it.
/// Serialised as-is into the `errors` array of a 422 problem document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    pub fn required(field: &str) -> Self {
        Self::new(field, "required", format!("{field} is required"))
    }

    pub fn too_long(field: &str, max_chars: usize) -> Self {
        Self::new(field, "too_long", format!("{field} must be at most {max_chars} characters"))
    }

    pub fn invalid_type(field: &str, expected: &str) -> Self {
        Self::new(field, "invalid_type", format!("{field} must be {expected}"))
    }
}
