//! The error answers an operation can give, as reusable response sets for
//! `#[utoipa::path(responses(...))]`. Each is the one problem document
//! (`error::Problem`) under the status's title from `error.rs`.

use std::collections::BTreeMap;
use utoipa::openapi::{RefOr, Response};

/// Every status a problem can have, each declared once under
/// `components.responses` and referenced by the operations.
pub const STATUSES: [u16; 12] = [400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 503];

pub fn component_name(status: u16) -> String {
    format!("Problem{status}")
}

fn problem(status: u16) -> (String, RefOr<Response>) {
    let reference = utoipa::openapi::Ref::new(format!("#/components/responses/{}", component_name(status)));
    (status.to_string(), RefOr::Ref(reference))
}

/// The response a problem with this status is.
pub fn problem_response(status: u16) -> Response {
    let mut response = serde_json::json!({
        "description": crate::error::title_of(status),
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    });
    let header = match status {
        401 => Some(("WWW-Authenticate", serde_json::json!({"type": "string", "const": "Bearer"}))),
        405 => Some(("Allow", serde_json::json!({"type": "string"}))),
        429 | 503 => Some(("Retry-After", serde_json::json!({"type": "string", "pattern": "^[0-9]+$"}))),
        _ => None,
    };
    if let Some((name, schema)) = header {
        response["headers"] = serde_json::json!({name: {"schema": schema}});
    }
    serde_json::from_value(response).expect("a problem response is a valid OpenAPI response")
}

macro_rules! problems {
    ($($(#[$doc:meta])* $name:ident = [$($status:literal),*];)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl utoipa::IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$($status),*].into_iter().map(problem).collect()
            }
        }
    )*};
}

problems! {
    /// `/api/v1/*`: no or an unknown API key (401), or one without the scope (403);
    /// the workspace is moving to another database (503, `Retry-After`).
    KeyProblems = [401, 403, 503];
    /// `/api/admin/*`: no or a wrong operator token.
    AdminProblems = [401];
    /// A JSON body: broken or with unknown fields (400), over 64 KiB (413),
    /// not `application/json` (415), invalid fields (422).
    BodyProblems = [400, 413, 415, 422];
    /// Query parameters that are unknown or invalid.
    QueryProblems = [422];
    /// The resource named in the path does not exist in this workspace.
    NotFound = [404];
    /// `If-Match` no longer matches.
    Stale = [412];
    /// The request conflicts with the resource's state.
    Conflict = [409];
    /// The bot's webhook: no or a wrong secret token (401), a body over 64 KiB (413), too many posts (429),
    /// the workspace moving (503).
    TelegramProblems = [401, 413, 429, 503];
    /// Over a rate limit: `Retry-After` says when to try again.
    RateLimited = [429];
    /// Everything a capture can refuse, from a malformed body to a rate limit,
    /// and a workspace moving to another database (503: retry after `Retry-After`).
    CaptureProblems = [400, 401, 403, 404, 413, 415, 422, 429, 503];
}
