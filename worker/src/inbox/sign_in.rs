//! Signing in (a one-time link, or an API key typed into a plain form: the
//! key goes from the form to the server and nowhere else) and signing out.

use super::forms::{check_csrf, check_origin, read_form};
use super::pages::layout;
use super::respond::{html, inbox_path, redirect, redirect_signed_out, site};
use crate::auth::session::{new_secret, secret_hash, set_cookie, SESSION_TTL_MS};
use crate::app::App;
use crate::capture::abuse::client_key;
use crate::auth::{resolve_key, Scope};
use crate::auth::limiter::{admit, SIGN_INS_PER_CLIENT, SIGN_INS_PER_WORKSPACE};
use crate::error::ApiResult;
use crate::http::query_pairs;
use crate::platform::random_bytes;
use crate::store::inbox::LinkOwner;
use maud::{html, Markup};
use worker::Response;

pub async fn page(app: &App) -> ApiResult<Response> {
    let pairs = query_pairs(&app.req)?;
    let param = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    html(200, form(param("link"), param("next").and_then(inbox_path), None))
}

/// `next`: the inbox page to open once signed in (a deep link followed while signed out).
fn form(link: Option<&str>, next: Option<&str>, problem: Option<&str>) -> Markup {
    layout::shell("Sign in", html! {
        h1 { "Sign in to the inbox" }
        @if let Some(problem) = problem { p.problem role="alert" { (problem) } }
        @if let Some(link) = link {
            form method="post" action="/app/sign-in" {
                input type="hidden" name="link" value=(link);
                @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                p { "This sign-in link works once, for 15 minutes." }
                button type="submit" autofocus { "Sign in" }
            }
            p { a href="/app/sign-in" { "Sign in with an API key instead" } }
        } @else {
            form method="post" action="/app/sign-in" autocomplete="off" {
                @if let Some(next) = next { input type="hidden" name="next" value=(next); }
                label for="api_key" { "API key" }
                input #api_key type="password" name="api_key" required autocomplete="off" spellcheck="false";
                p.hint { "A key with the read scope opens a read-only inbox. Or ask for a sign-in link: "
                    code { "POST /api/v1/inbox-links" } "." }
                button type="submit" { "Sign in" }
            }
        }
    })
}

pub async fn submit(app: &mut App) -> ApiResult<Response> {
    check_origin(app)?;
    // Limited per client address before any D1 read, then per workspace once the link or key names it.
    admit(&app.env, SIGN_INS_PER_CLIENT, client_key(app)).await?;
    let form_in = read_form(app).await?;
    let owner = match form_in.get("link") {
        Some(link) => spend_link(app, link).await?,
        None => match resolve_key(app, form_in.get("api_key").unwrap_or_default().trim()).await? {
            Some(key) if key.require(Scope::Read).is_ok() => {
                admit(&app.env, SIGN_INS_PER_WORKSPACE, key.workspace_id.clone()).await?;
                Some(LinkOwner { workspace_id: key.workspace_id, key_id: key.key_id })
            }
            _ => None,
        },
    };
    let Some(owner) = owner else {
        let problem = if form_in.get("link").is_some() {
            "This sign-in link was already used or has expired. Ask for a new one."
        } else {
            "This API key is invalid or revoked."
        };
        return html(401, form(None, form_in.get("next").and_then(inbox_path), Some(problem)));
    };
    let secret = new_secret("lbs", random_bytes()?);
    app.store.insert_session(&secret_hash(&secret), &owner, app.now_ms, app.now_ms + SESSION_TTL_MS).await?;
    let to = form_in.get("next").and_then(inbox_path).unwrap_or("/app");
    redirect(to, Some(&set_cookie(&secret, site(app).as_site(), SESSION_TTL_MS / 1000)))
}

/// Spends a sign-in link, unless its workspace is over its sign-in limit
/// (then the link is kept for later).
async fn spend_link(app: &App, link: &str) -> ApiResult<Option<LinkOwner>> {
    let hash = secret_hash(link);
    let Some(workspace_id) = app.store.spendable_link_workspace(&hash, app.now_ms).await? else { return Ok(None) };
    admit(&app.env, SIGN_INS_PER_WORKSPACE, workspace_id).await?;
    app.store.spend_inbox_link(&hash, app.now_ms).await
}

/// Ends the session server-side (the cookie alone would outlive a cleared jar).
pub async fn sign_out(app: &mut App) -> ApiResult<Response> {
    check_origin(app)?;
    let session = super::auth::session(app).await?;
    let form_in = read_form(app).await?;
    check_csrf(&session, &form_in)?;
    app.store.end_session(&session.id_hash).await?;
    redirect_signed_out(app)
}
