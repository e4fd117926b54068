use crate::error::ApiResult;
use crate::http::json;
use serde::Serialize;
use utoipa::ToSchema;
use worker::{Headers, Response};

#[derive(Serialize, ToSchema)]
pub struct HealthOut {
    #[schema(value_type = String, pattern = "^ok$")]
    status: &'static str,
}

/// Liveness
///
/// No storage round trip, so it measures the runtime itself.
#[utoipa::path(get, path = "/healthz", operation_id = "health", tag = "meta", security(()),
    responses((status = 200, description = "Alive", body = HealthOut)))]
pub fn health() -> ApiResult<Response> {
    json(200, &HealthOut { status: "ok" })
}

/// This OpenAPI document
#[utoipa::path(get, path = "/api/v1/openapi.json", operation_id = "openapi", tag = "meta", security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object, headers(("Cache-Control" = String)))))]
pub fn openapi() -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    headers.set("Cache-Control", "public, max-age=300")?;
    Ok(Response::builder().with_headers(headers).fixed(include_str!("../openapi.json").as_bytes().to_vec()))
}
