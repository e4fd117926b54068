//! One-click unsubscribe (RFC 8058), the link every email to a lead carries:
//! `POST /u/<token>` puts the address (its hash) on the workspace's
//! suppression list; `GET` only shows a page with a button that POSTs, so a
//! mail scanner that opens links unsubscribes nobody. Not an API route (no
//! key, pages for people and mail clients), so it sits beside the inbox.

use super::email::UNSUBSCRIBE_PATH;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::suppressions::UNSUBSCRIBED;
use crate::store::databases;
use leadsbot_shared::mail::open_unsubscribe_token;
use leadsbot_shared::template::escape_html;
use worker::{Env, Headers, Method, Request, Response};

/// Whether a path is an unsubscribe link's.
pub fn owns(path: &str) -> bool {
    path.starts_with(UNSUBSCRIBE_PATH)
}

pub async fn serve(req: Request, env: Env) -> Response {
    handle(req, env).await.unwrap_or_else(ApiError::into_response)
}

async fn handle(req: Request, env: Env) -> ApiResult<Response> {
    let path = req.path();
    let token = path.trim_start_matches(UNSUBSCRIBE_PATH);
    let config = Config::from_env(&env)?;
    let not_found = || ApiError::NotFound("this unsubscribe link is not valid".into());
    let opened = open_unsubscribe_token(&config.link_key, token).or_else(|| open_unsubscribe_token(config.previous_link_key.as_deref()?, token));
    let (workspace_id, address_hash) = opened.ok_or_else(not_found)?;
    match req.method() {
        Method::Get | Method::Head => page(200, &confirm_page(token)),
        Method::Post => {
            let store = databases::for_workspace(&env, &workspace_id, now_ms()).await?;
            store.suppress(&workspace_id, &address_hash, UNSUBSCRIBED, now_ms()).await?;
            page(200, DONE_PAGE)
        }
        _ => Err(ApiError::MethodNotAllowed(vec!["GET", "HEAD", "POST"])),
    }
}

const DONE_PAGE: &str = "<h1>You are unsubscribed</h1><p>You will get no more emails of this kind from us.</p>";

fn confirm_page(token: &str) -> String {
    let action = escape_html(&format!("{UNSUBSCRIBE_PATH}{token}"));
    format!("<h1>Unsubscribe?</h1><p>You will get no more emails of this kind from us.</p><form method=\"post\" action=\"{action}\"><button type=\"submit\">Unsubscribe</button></form>")
}

fn page(status: u16, body: &str) -> ApiResult<Response> {
    let html = format!("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>Unsubscribe</title></head><body>{body}</body></html>");
    let headers = Headers::new();
    headers.set("Content-Type", "text/html; charset=utf-8")?;
    headers.set("Cache-Control", "no-store")?;
    headers.set("Content-Security-Policy", "default-src 'none'; form-action 'self'; frame-ancestors 'none'")?;
    headers.set("Referrer-Policy", "no-referrer")?;
    Ok(Response::from_html(html)?.with_status(status).with_headers(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_confirm_page_only_offers_a_post() {
        let page = confirm_page("u1.ws_1.ab\"<x>");
        assert!(page.contains("method=\"post\" action=\"/u/u1.ws_1.ab&quot;&lt;x&gt;\""), "{page}");
        assert!(owns("/u/abc") && !owns("/unsubscribe") && !owns("/app/u/x"));
    }
}
