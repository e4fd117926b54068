//! Reading requests and writing responses: bounded bodies, JSON in and out.

use crate::error::{ApiError, ApiResult};
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use js_sys::futures::JsFuture;
use web_sys::ReadableStreamDefaultReader;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Headers, Request, Response};

pub mod paging;
pub(crate) use paging::page_type;
pub use paging::{CursorOf, PageQuery};

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
    if declared.is_some() {
        // The length is known and within bounds: one read, no stream machinery.
        return req.bytes().await.map_err(|e| ApiError::BadRequest(format!("the body could not be read: {e}")));
    }
    read_stream_bounded(req).await
}

/// Past the limit, a streamed body is still drained (and discarded) up to this
/// much, so the connection stays usable for the client's next request; beyond
/// it the upload is cancelled. (Locally, wrangler's dev proxy then fails the
/// connection's next request with a 503; Workers in production do not.)
const MAX_DRAIN_BYTES: usize = 1024 * 1024;

/// Reads a body of unknown length through the JS reader, keeping at most
/// `MAX_BODY_BYTES` of it.
async fn read_stream_bounded(req: &Request) -> ApiResult<Vec<u8>> {
    let unreadable = |e: JsValue| ApiError::BadRequest(format!("the body could not be read: {e:?}"));
    let Some(stream) = req.inner().body() else { return Ok(Vec::new()) };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    let mut seen = 0usize;
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(unreadable)?;
        if Reflect::get(&chunk, &"done".into()).map_err(unreadable)?.is_truthy() {
            break;
        }
        let bytes = Uint8Array::new(&Reflect::get(&chunk, &"value".into()).map_err(unreadable)?);
        seen += bytes.length() as usize;
        if seen > MAX_DRAIN_BYTES {
            let _ = JsFuture::from(reader.cancel()).await;
            break;
        }
        if seen <= MAX_BODY_BYTES {
            body.extend_from_slice(&bytes.to_vec());
        }
    }
    if seen > MAX_BODY_BYTES { Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES)) } else { Ok(body) }
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
    crate::wire::decode_json(&body)
}

/// Like `read_json`, for bodies that may be left out: no body at all, or
/// `null`, means `T::default()`.
pub async fn read_optional_json<T: DeserializeOwned + Default>(req: &mut Request) -> ApiResult<T> {
    let content_type = header(req, "Content-Type").unwrap_or_default().to_ascii_lowercase();
    let body = read_body(req).await?;
    if body.is_empty() {
        return Ok(T::default());
    }
    if !content_type.starts_with("application/json") {
        return Err(ApiError::UnsupportedMediaType("send the body as application/json".into()));
    }
    Ok(crate::wire::decode_json::<Option<T>>(&body)?.unwrap_or_default())
}

/// Tests' stand-in for `query_pairs`: a query as the request would carry it.
#[cfg(test)]
pub fn pairs_of(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
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

/// A query whose one parameter is the flag `name` (`true` or `false`,
/// absent: false); any other parameter is refused.
pub fn only_flag(pairs: &[(String, String)], name: &str) -> ApiResult<bool> {
    let mut flag = false;
    for (key, value) in pairs {
        match (key.as_str(), value.as_str()) {
            (k, "true") if k == name => flag = true,
            (k, "false") if k == name => flag = false,
            (k, _) if k == name => return Err(ApiError::invalid(name, "invalid_value", format!("{name} is true or false"))),
            (other, _) => return Err(ApiError::invalid(other, "unknown_parameter", format!("this parameter does not exist; the one parameter is {name}"))),
        }
    }
    Ok(flag)
}

pub fn no_content() -> ApiResult<Response> {
    Ok(Response::builder().with_status(204).empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_is_true_or_false_and_the_only_parameter() {
        let pairs = |list: &[(&str, &str)]| list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert!(!only_flag(&pairs(&[]), "force").unwrap());
        assert!(only_flag(&pairs(&[("force", "true")]), "force").unwrap());
        assert!(!only_flag(&pairs(&[("force", "true"), ("force", "false")]), "force").unwrap());
        for (bad, field) in [(("force", "yes"), "force"), (("limit", "5"), "limit")] {
            let Err(ApiError::Validation(errors)) = only_flag(&pairs(&[bad]), "force") else { panic!("{bad:?} accepted") };
            assert_eq!(errors[0].field, field);
        }
    }
}
