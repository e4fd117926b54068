//! How every inbox answer leaves: HTML with a strict CSP and no caching;
//! errors as pages (an ended session as a redirect to sign-in), never a 5xx
//! for a bad cookie or a bad id.

use super::pages::layout;
use crate::app::App;
use crate::auth::session::{clear_cookies, Site};
use crate::error::{ApiError, ApiResult};
use maud::Markup;
use worker::{Headers, Response};

/// No inline script or style anywhere; only our own files.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

pub fn finish(app: &App, answer: ApiResult<Response>) -> Response {
    let response = answer.or_else(|err| error_page(app, err)).unwrap_or_else(ApiError::into_response);
    secure(response)
}

fn error_page(app: &App, err: ApiError) -> ApiResult<Response> {
    match err {
        ApiError::Unauthorized(_) => redirect_signed_out(app),
        ApiError::RateLimited { retry_after_secs } => {
            let detail = format!("Too many attempts from here. Try again in {retry_after_secs} seconds.");
            let mut response = html(429, layout::bare("Too many requests", &detail))?;
            response.headers_mut().set("Retry-After", &retry_after_secs.to_string())?;
            Ok(response)
        }
        ApiError::Internal(cause) => {
            worker::console_error!("inbox: {cause}");
            html(500, layout::bare("Something went wrong", "Something went wrong on our side. Try again in a moment."))
        }
        other => {
            let status = other.status();
            let (title, detail) = describe(&other);
            html(status, layout::bare(title, &detail))
        }
    }
}

fn describe(err: &ApiError) -> (&'static str, String) {
    match err {
        ApiError::NotFound(_) => ("Not found", "There is nothing here, or it belongs to another workspace.".into()),
        ApiError::Forbidden(d) => ("Not allowed", d.clone()),
        ApiError::Validation(errors) => ("Invalid input", errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")),
        ApiError::MethodNotAllowed(_) => ("Method not allowed", "This page cannot be used that way.".into()),
        other => ("Request refused", format!("{other:?}").chars().take(300).collect()),
    }
}

pub fn host(app: &App) -> String {
    app.req.url().ok().and_then(|u| u.host_str().map(|h| match u.port() { Some(p) => format!("{h}:{p}"), None => h.to_string() })).unwrap_or_default()
}

/// The request's host and scheme, which decide the session cookie's name.
pub struct RequestSite {
    host: String,
    https: bool,
}

impl RequestSite {
    pub fn as_site(&self) -> Site<'_> {
        Site { host: &self.host, https: self.https }
    }
}

pub fn site(app: &App) -> RequestSite {
    RequestSite { host: host(app), https: app.req.url().is_ok_and(|u| u.scheme() == "https") }
}

/// To sign-in, with the session cookie (and any an earlier release set) cleared.
pub fn redirect_signed_out(app: &App) -> ApiResult<Response> {
    redirect_setting("/app/sign-in", &clear_cookies(site(app).as_site()))
}

pub fn html(status: u16, markup: Markup) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    Ok(Response::builder().with_status(status).with_headers(headers).fixed(markup.into_string().into_bytes()))
}

/// A 303 (after a form post: the browser GETs the target).
pub fn redirect(to: &str, cookie: Option<&str>) -> ApiResult<Response> {
    match cookie {
        Some(cookie) => redirect_setting(to, &[cookie.to_string()]),
        None => redirect_setting(to, &[]),
    }
}

/// A 303 setting each of `cookies` (one `Set-Cookie` header each).
fn redirect_setting(to: &str, cookies: &[String]) -> ApiResult<Response> {
    let headers = Headers::new();
    headers.set("Location", to)?;
    for cookie in cookies {
        headers.append("Set-Cookie", cookie)?;
    }
    Ok(Response::builder().with_status(303).with_headers(headers).empty())
}

fn secure(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // `same-origin`, not `no-referrer`: with no referrer Chromium sends
    // `Origin: null` on our own form posts, which the Origin check refuses.
    for (name, value) in [
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
    ] {
        let _ = headers.set(name, value);
    }
    if !headers.has("Cache-Control").unwrap_or(false) {
        let _ = headers.set("Cache-Control", "no-store");
    }
    response
}
