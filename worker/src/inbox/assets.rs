//! The inbox's only static files, compiled in: one stylesheet, one script, an icon.

use crate::error::{ApiError, ApiResult};
use worker::{Headers, Response};

const CSS: &str = include_str!("static/app.css");
const JS: &str = include_str!("static/app.js");
/// Linked from every page, so browsers do not ask for a missing /favicon.ico.
const ICON: &str = include_str!("static/favicon.svg");

pub fn serve(name: &str) -> ApiResult<Response> {
    let (body, kind) = match name {
        "app.css" => (CSS, "text/css; charset=utf-8"),
        "app.js" => (JS, "text/javascript; charset=utf-8"),
        "favicon.svg" => (ICON, "image/svg+xml"),
        _ => return Err(ApiError::NotFound("no such file".into())),
    };
    let headers = Headers::new();
    headers.set("Content-Type", kind)?;
    headers.set("Cache-Control", "public, max-age=300")?;
    Ok(Response::builder().with_status(200).with_headers(headers).fixed(body.as_bytes().to_vec()))
}
