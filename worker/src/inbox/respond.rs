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
        ApiError::Unauthorized(_) => redirect_to_sign_in(app),
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

/// A page asked for without a live session: to sign-in, and back to that
/// page afterwards (a deep link to a lead survives signing in).
fn redirect_to_sign_in(app: &App) -> ApiResult<Response> {
    let url = app.req.url().ok();
    let wanted = url.as_ref().filter(|_| app.req.inner().method() == "GET").and_then(|u| deep_link(u.path(), u.query()));
    match wanted {
        Some(next) => {
            let to = format!("/app/sign-in?{}", url::form_urlencoded::Serializer::new(String::new()).append_pair("next", &next).finish());
            redirect_setting(&to, &clear_cookies(site(app).as_site()))
        }
        None => redirect_signed_out(app),
    }
}

/// The page to return to after signing in: an inbox page other than the
/// list's front (which sign-in goes to anyway) and the machinery behind pages.
fn deep_link(path: &str, query: Option<&str>) -> Option<String> {
    let page = path.starts_with("/app/") && !["/app/sign-in", "/app/static/", "/app/poll"].iter().any(|p| path.starts_with(p));
    let list_view = path == "/app" && query.is_some_and(|q| !q.is_empty());
    (page || list_view).then(|| match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path.to_string(),
    })
}

/// `path` if it is a path inside the inbox (never another site, nor `//host`).
pub fn inbox_path(path: &str) -> Option<&str> {
    (path.starts_with("/app") && !path.starts_with("/app//") && !path.contains('\\')).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_links_survive_sign_in_and_stay_inside_the_inbox() {
        assert_eq!(deep_link("/app/leads/lead_1", Some("status=all")).as_deref(), Some("/app/leads/lead_1?status=all"));
        assert_eq!(deep_link("/app/settings", None).as_deref(), Some("/app/settings"));
        assert_eq!(deep_link("/app", Some("q=wall")).as_deref(), Some("/app?q=wall"));
        assert_eq!(deep_link("/app", None), None, "the list's front is where sign-in goes anyway");
        assert_eq!(deep_link("/app/poll", Some("after=x")), None);
        assert_eq!(inbox_path("/app/leads/x"), Some("/app/leads/x"));
        for outside in ["https://evil.example/app", "//evil.example", "/app//evil.example", "/app\\@evil", "/elsewhere"] {
            assert_eq!(inbox_path(outside), None, "{outside}");
        }
    }
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
