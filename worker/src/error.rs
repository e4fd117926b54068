//! The one error type of the worker, and the only place that knows how an
//! error looks on the wire: RFC 9457 `application/problem+json`.

use leadsbot_shared::FieldError;
use serde::Serialize;
use utoipa::ToSchema;
use worker::{Headers, Response};

#[derive(Debug)]
pub enum ApiError {
    BadRequest(String),
    /// The body's shape is wrong at one field: a field the resource does not
    /// have, or a value of the wrong JSON type (400, field named).
    MalformedField(FieldError),
    Unauthorized(String),
    Forbidden(String),
    NotFound(String),
    MethodNotAllowed(Vec<&'static str>),
    /// The request is valid but conflicts with the resource's state.
    Conflict(String),
    /// The resource cannot go: these workflows use it (409, each named).
    UsedByWorkflows(String, Vec<WorkflowRef>),
    /// The job is held by its paused campaign: it goes when the campaign resumes.
    Held(String),
    PayloadTooLarge(usize),
    /// An `If-Match` that no longer matches: someone changed the resource first.
    PreconditionFailed(String),
    UnsupportedMediaType(String),
    Validation(Vec<FieldError>),
    RateLimited { retry_after_secs: u32 },
    /// The workspace cannot be served for a moment (it is moving between
    /// databases): 503 with `Retry-After`, which clients and the widget honour.
    Unavailable { detail: String, retry_after_secs: u32 },
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
            Self::BadRequest(_) | Self::MalformedField(_) => 400,
            Self::Unauthorized(_) => 401,
            Self::Forbidden(_) => 403,
            Self::NotFound(_) => 404,
            Self::MethodNotAllowed(_) => 405,
            Self::Conflict(_) | Self::Held(_) | Self::UsedByWorkflows(..) => 409,
            Self::PreconditionFailed(_) => 412,
            Self::PayloadTooLarge(_) => 413,
            Self::UnsupportedMediaType(_) => 415,
            Self::Validation(_) => 422,
            Self::RateLimited { .. } => 429,
            Self::Internal(_) => 500,
            Self::Unavailable { .. } => 503,
        }
    }

    /// (slug of the problem type, human title)
    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            Self::BadRequest(_) | Self::MalformedField(_) => ("malformed-request", "Malformed request"),
            Self::Unauthorized(_) => ("unauthorized", "Missing or invalid credentials"),
            Self::Forbidden(_) => ("forbidden", "Not allowed"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::Held(_) => ("held", "Held by a paused campaign"),
            Self::UsedByWorkflows(..) => ("in-use", "Conflict"),
            Self::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            Self::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Validation(_) => ("validation", "Invalid input"),
            Self::RateLimited { .. } => ("rate-limited", "Too many requests"),
            Self::Internal(_) => ("internal", "Internal server error"),
            Self::Unavailable { .. } => ("unavailable", "Temporarily unavailable"),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(d) | Self::Unauthorized(d) | Self::Forbidden(d) | Self::NotFound(d) => d.clone(),
            Self::UnsupportedMediaType(d) | Self::Conflict(d) | Self::Held(d) | Self::PreconditionFailed(d) => d.clone(),
            Self::UsedByWorkflows(d, _) => d.clone(),
            Self::MalformedField(error) => error.message.clone(),
            Self::MethodNotAllowed(allowed) => format!("this resource accepts {}", allowed.join(", ")),
            Self::PayloadTooLarge(limit) => format!("the body must be at most {limit} bytes"),
            Self::Validation(errors) => match errors.as_slice() {
                [only] => only.message.clone(),
                _ => format!("{} fields are invalid", errors.len()),
            },
            Self::RateLimited { retry_after_secs } => format!("slow down; retry after {retry_after_secs} seconds"),
            Self::Unavailable { detail, .. } => detail.clone(),
            Self::Internal(_) => "an unexpected error occurred on our side; it has been logged".into(),
        }
    }

    /// The problem document clients see.
    pub fn body(&self) -> Problem {
        let (slug, title) = self.kind();
        let errors = match self {
            Self::Validation(errors) => Some(errors.iter().map(FieldProblem::from).collect()),
            Self::MalformedField(error) => Some(vec![FieldProblem::from(error)]),
            _ => None,
        };
        let workflows = match self {
            Self::UsedByWorkflows(_, workflows) => Some(workflows.clone()),
            _ => None,
        };
        Problem { kind: format!("urn:leadsbot:problem:{slug}"), title: title.into(), status: self.status(), detail: self.detail(), errors, workflows }
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
            Self::RateLimited { retry_after_secs } | Self::Unavailable { retry_after_secs, .. } => {
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
            .fixed(serde_json::to_vec(&self.body()).unwrap_or_default())
    }
}

/// A problem document (RFC 9457), the body of every error answer, sent as
/// `application/problem+json`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `urn:leadsbot:problem:<slug>`, stable for programs to branch on.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What was wrong, for people.
    pub detail: String,
    /// Present when fields are named: each bad field and why (422, and 400 for unknown fields).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldProblem>>,
    /// Present when workflows stand in the way (409 `urn:leadsbot:problem:in-use`): each one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflows: Option<Vec<WorkflowRef>>,
}

/// A workflow named in a problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkflowRef {
    pub id: String,
    pub name: String,
}

/// One bad field in a problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field as sent: `email`, `tags[2]`, `field_mapping.email`, a header or query name.
    pub field: String,
    /// A stable code: `required`, `too_long`, `invalid_type`, `unknown_field`, …
    pub code: String,
    pub message: String,
}

impl From<&FieldError> for FieldProblem {
    fn from(error: &FieldError) -> Self {
        Self { field: error.field.clone(), code: error.code.into(), message: error.message.clone() }
    }
}

/// The title of each status an error can answer with, for the OpenAPI document.
#[cfg_attr(not(test), allow(dead_code))]
pub fn title_of(status: u16) -> &'static str {
    let sample = match status {
        400 => ApiError::BadRequest(String::new()),
        401 => ApiError::Unauthorized(String::new()),
        403 => ApiError::Forbidden(String::new()),
        404 => ApiError::NotFound(String::new()),
        405 => ApiError::MethodNotAllowed(Vec::new()),
        409 => ApiError::Conflict(String::new()),
        412 => ApiError::PreconditionFailed(String::new()),
        413 => ApiError::PayloadTooLarge(0),
        415 => ApiError::UnsupportedMediaType(String::new()),
        422 => ApiError::Validation(Vec::new()),
        429 => ApiError::RateLimited { retry_after_secs: 0 },
        503 => ApiError::Unavailable { detail: String::new(), retry_after_secs: 0 },
        _ => ApiError::Internal(String::new()),
    };
    sample.kind().1
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
        let body = serde_json::to_value(err.body()).unwrap();
        assert_eq!(body["status"], 422);
        assert_eq!(body["type"], "urn:leadsbot:problem:validation");
        assert_eq!(body["errors"][0]["field"], "email");
        assert_eq!(body["errors"][0]["code"], "required");
    }

    #[test]
    fn an_in_use_problem_names_its_workflows() {
        let err = ApiError::UsedByWorkflows("in use".into(), vec![WorkflowRef { id: "wf_1".into(), name: "Hot".into() }]);
        let body = serde_json::to_value(err.body()).unwrap();
        assert_eq!((body["status"].as_u64(), body["type"].as_str()), (Some(409), Some("urn:leadsbot:problem:in-use")));
        assert_eq!(body["workflows"], serde_json::json!([{"id": "wf_1", "name": "Hot"}]));
        assert!(serde_json::to_value(ApiError::Conflict("x".into()).body()).unwrap().get("workflows").is_none());
    }

    #[test]
    fn internal_errors_never_leak_their_cause() {
        let body = serde_json::to_value(ApiError::internal("d1", "table leads is locked at /secret/path").body()).unwrap();
        assert!(!body.to_string().contains("secret"));
        assert!(body.get("errors").is_none());
        assert_eq!(body["status"], 500);
    }
}
