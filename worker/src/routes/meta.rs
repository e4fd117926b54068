use crate::error::ApiResult;
use crate::http::json;
use worker::{Headers, Response};

/// Liveness only: no storage round trip, so it measures the runtime itself.
pub fn health() -> ApiResult<Response> {
    json(200, &serde_json::json!({"status": "ok"}))
}

pub fn openapi() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", "public, max-age=300")?;
    Ok(Response::builder().with_headers(headers).fixed(include_str!("../openapi.json").as_bytes().to_vec()))
}
