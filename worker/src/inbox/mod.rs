//! The inbox at `/app`: server-rendered pages for working the leads, their
//! sign-in, sessions and CSRF. HTML, not the API: its own small route table,
//! its errors as pages (or a redirect to sign-in), a strict CSP on every answer.

mod actions;
mod auth;
mod edit;
mod forms;
mod pages;
mod reach;
mod respond;
mod sign_in;
mod assets;

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::http::query_pairs;
use worker::Response;

pub use auth::Session;

/// True for paths the inbox answers.
pub fn owns(path: &str) -> bool {
    path == "/app" || path.starts_with("/app/")
}

/// Every request under `/app` (`lib.rs` sends them here, the rest to the API).
pub async fn serve(req: worker::Request, env: worker::Env, ctx: worker::Context) -> Response {
    match App::open(req, env, ctx, Default::default()) {
        Ok(mut app) => handle(&mut app).await,
        Err(err) => err.into_response(),
    }
}

async fn handle(app: &mut App) -> Response {
    let path = app.req.path();
    let method = app.req.inner().method();
    let segments: Vec<String> = path.trim_end_matches('/').split('/').skip(2).map(str::to_string).collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let answer = route(app, &method, &segments).await;
    respond::finish(app, answer)
}

async fn route(app: &mut App, method: &str, segments: &[&str]) -> ApiResult<Response> {
    let method = if method == "HEAD" { "GET" } else { method };
    match (method, segments) {
        ("GET", ["static", name]) => assets::serve(name),
        ("GET", ["sign-in"]) => sign_in::page(app).await,
        ("POST", ["sign-in"]) => sign_in::submit(app).await,
        ("POST", ["sign-out"]) => sign_in::sign_out(app).await,
        ("GET", []) => pages::list::page(app, &auth::session(app).await?).await,
        ("GET", ["poll"]) => pages::list::poll(app, &auth::session(app).await?).await,
        ("GET", ["export"]) => pages::list::export(app, &auth::session(app).await?).await,
        ("GET", ["leads", id]) => pages::lead::page(app, &auth::session(app).await?, id).await,
        ("GET", ["settings"]) => pages::settings::page(app, &auth::session(app).await?, None).await,
        ("GET", ["alerts"]) => pages::alerts::page(app, &auth::session(app).await?, query_pairs(&app.req)?.iter().any(|(n, _)| n == "saved")).await,
        ("POST", rest) => actions::post(app, rest).await,
        (_, ["static", _] | ["sign-in"] | [] | ["poll"] | ["export"] | ["leads", _] | ["settings"] | ["alerts"]) => Err(ApiError::MethodNotAllowed(vec!["GET"])),
        _ => Err(ApiError::NotFound("no such page".into())),
    }
}

/// The cron: forgets expired links and sessions, in one database (it runs on each).
pub async fn sweep(store: &crate::store::CrossWorkspace) {
    if let Err(err) = store.sweep_inbox(crate::platform::now_ms()).await {
        worker::console_warn!("inbox sweep failed: {err:?}");
    }
}
