//! Reading requests and writing responses: bounded bodies, JSON in and out.

use crate::error::{ApiError, ApiResult};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Request, Response};

/// The largest body we read; anything bigger is refused before it is read.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Reads the body, refusing it (413) as soon as it is known to be too large:
/// from `Content-Length` before reading anything, or while streaming when the
/// client did not say.
pub async fn read_body(req: &mut Request) -> ApiResult<Vec<u8>> {
    let declared = req.headers().get("Content-Length").ok().flatten().and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
    }
    let mut body = Vec::new();
    let Ok(mut stream) = req.stream() else { return Ok(body) };
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

pub fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

/// A JSON body for the management API: JSON only, bounded, well-formed.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> ApiResult<T> {
    let content_type = header(req, "Content-Type").unwrap_or_default().to_ascii_lowercase();
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType("send the body as application/json".into()));
    }
    let body = read_body(req).await?;
    serde_json::from_slice(&body).map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON for this request: {e}")))
}

pub fn query_pairs(req: &Request) -> ApiResult<Vec<(String, String)>> {
    let url = req.url().map_err(|e| ApiError::BadRequest(format!("bad URL: {e}")))?;
    Ok(url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
}

pub fn json<T: Serialize>(status: u16, body: &T) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "application/json")?;
    let bytes = serde_json::to_vec(body)?;
    Ok(Response::builder().with_status(status).with_headers(headers).fixed(bytes))
}

pub fn no_content() -> ApiResult<Response> {
    Ok(Response::builder().with_status(204).empty())
}
