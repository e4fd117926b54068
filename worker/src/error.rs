//! The one error type of the worker, and the only place that knows how an
//! error looks on the wire: RFC 9457 `application/problem+json`.

use leadsbot_shared::FieldError;
use serde_json::json;
use worker::{Headers, Response};

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed(Vec<&'static str>),
    /// The request is valid but conflicts with the resource's state.
    Conflict(String),
    PayloadTooLarge(usize),
    UnsupportedMediaType(String),
    Validation(Vec<FieldError>),
    RateLimited { retry_after_secs: u32 },
    /// Something on our side failed. The cause is logged, never sent.
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn internal(context: &str, cause: impl std::fmt::Display) -> Self {
        Self::Internal(format!("{context}: {cause}"))
    }

    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::Conflict(_) => 409,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Validation(_) => 422,
            Self::RateLimited { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    /// (slug of the problem type, human title)
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) => ("malformed-request", "Malformed request"),
            Self::Unauthorized(_) => ("unauthorized", "Missing or invalid credentials"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "Invalid input"),
            Self::RateLimited { .. } => ("rate-limited", "Too many requests"),
            Self::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d) | Self::Unauthorized(d) | Self::Forbidden(d) | Self::NotFound(d) => d.clone(),
            Self::UnsupportedMediaType(d) | Self::Conflict(d) => d.clone(),
            Self::MethodNotAllowed(allowed) => format!("this resource accepts {}", allowed.join(", ")),
            Self::PayloadTooLarge(limit) => format!("the body must be at most {limit} bytes"),
            Self::Validation(errors) => match errors.as_slice() {
                [only] => only.message.clone(),
                _ => format!("{} fields are invalid", errors.len()),
            },
            Self::RateLimited { retry_after_secs } => format!("slow down; retry after {retry_after_secs} seconds"),
            Self::Internal(_) => "an unexpected error occurred on our side; it has been logged".into(),
        }
    }

    /// The problem document clients see.
    pub fn body(&self) -> serde_json::Value {
        let (slug, title) = self.kind();
        let mut body = json!({
            "type": format!("urn:leadsbot:problem:{slug}"),
            "title": title,
            "status": self.status(),
            "detail": self.detail(),
        });
        if let Self::Validation(errors) = self {
            body["errors"] = json!(errors);
        }
        body
    }

    pub fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            worker::console_error!("internal error: {cause}");
        }
        let headers = Headers::new();
        let _ = headers.set("Content-Type", "application/problem+json");
        match &self {
            Self::MethodNotAllowed(allowed) => {
                let _ = headers.set("Allow", &allowed.join(", "));
            }
            Self::RateLimited { retry_after_secs } => {
                let _ = headers.set("Retry-After", &retry_after_secs.to_string());
            }
            Self::Unauthorized(_) => {
                let _ = headers.set("WWW-Authenticate", "Bearer");
            }
            _ => {}
        }
        Response::builder()
            .with_status(self.status())
            .with_headers(headers)
            .fixed(self.body().to_string().into_bytes())
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        Self::Internal(format!("runtime: {err}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(err: serde_json::Error) -> Self {
        Self::Internal(format!("json: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problems_name_their_fields() {
        let err = ApiError::Validation(vec![FieldError::required("email")]);
        let body = err.body();
        assert_eq!(body["status"], 422);
        assert_eq!(body["type"], "urn:leadsbot:problem:validation");
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][0]["code"], "required");
    }

    #[test]
    fn internal_errors_never_leak_their_cause() {
        let body = ApiError::internal("d1", "table leads is locked at /secret/path").body();
        assert!(!body.to_string().contains("secret"));
        assert_eq!(body["status"], 500);
    }
}
