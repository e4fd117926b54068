//! The bot's webhook: `POST /telegram/webhook/:workspace_id`, where Telegram
//! posts button presses, each carrying the secret token registered with
//! `setWebhook` (`PUT /api/v1/integrations/telegram`).

use crate::app::App;
use crate::error::ApiResult;
use crate::http::{json, read_body};
use crate::auth::limiter::{admit, TELEGRAM_UPDATES_PER_WORKSPACE};
use crate::api::openapi::problems::TelegramProblems;
use crate::automation::telegram::triage::{self, SECRET_HEADER};
use serde_json::json;
use worker::Response;

/// A Telegram update (called by Telegram)
///
/// Needs `X-Telegram-Bot-Api-Secret-Token` as registered by `PUT /api/v1/integrations/telegram`
/// (else 401); limited per workspace (429 with `Retry-After`). A button press changes its lead as `PATCH /api/v1/leads/{id}` would (history:
/// `telegram:<user>`), once per update id; a stale or foreign button changes nothing.
#[utoipa::path(post, path = "/telegram/webhook/{workspace_id}", operation_id = "telegramUpdate", tag = "integrations", security(("telegramSecret" = [])),
    params(("workspace_id" = String, Path, description = "The workspace whose bot this is")),
    request_body(content = Object, description = "A Telegram Update", content_type = "application/json"),
    responses((status = 200, description = "Handled (or ignored)", body = Object), TelegramProblems))]
pub async fn update(app: &mut App) -> ApiResult<Response> {
    let workspace_id = app.param("workspace_id");
    // Per workspace, before the secret is checked against D1 (the id is only a key here, bounded).
    admit(&app.env, TELEGRAM_UPDATES_PER_WORKSPACE, format!("tg:{}", workspace_id.chars().take(64).collect::<String>())).await?;
    app.bind_workspace(&workspace_id).await?;
    let secret = app.header(SECRET_HEADER);
    let integration = triage::authenticate(app, &workspace_id, secret.as_deref()).await?;
    let body = read_body(&mut app.req).await?;
    triage::handle(app, &integration, &body).await?;
    json(200, &json!({"ok": true}))
}
