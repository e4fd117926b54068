//! The Telegram integration (`/api/v1/integrations/telegram`): new leads are
//! announced in a chat. The bot token is sealed at rest and never shown again.

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::platform::random_bytes;
use crate::store::integrations::{IntegrationRow, TELEGRAM};
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::Response;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TelegramIn {
    bot_token: Option<String>,
    /// A number (a user or group id) or a string (`@channel`).
    chat_id: Option<Value>,
}

async fn admin(app: &App) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    Ok(key)
}

fn telegram_json(row: &IntegrationRow) -> Value {
    let settings: Value = serde_json::from_str(&row.settings).unwrap_or_else(|_| json!({}));
    json!({"chat_id": settings["chat_id"], "bot_token_set": true, "created_at": format_rfc3339(row.created_at), "updated_at": format_rfc3339(row.updated_at)})
}

/// (bot token, chat id), both required and plausible.
fn check(input: TelegramIn) -> ApiResult<(String, String)> {
    let token = input.bot_token.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let chat_id = match input.chat_id {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    };
    let mut errors = Vec::new();
    // Tokens look like `123456:ABC-...`; they go into a URL path, so no slashes or spaces.
    match &token {
        None => errors.push(FieldError::required("bot_token")),
        Some(t) if t.len() > 200 || !t.contains(':') || !t.chars().all(|c| c.is_ascii_alphanumeric() || "_-:".contains(c)) => {
            errors.push(FieldError::new("bot_token", "invalid_token", "bot_token looks like 123456:ABC-DEF… as given by @BotFather"))
        }
        _ => {}
    }
    match &chat_id {
        None => errors.push(FieldError::required("chat_id")),
        Some(c) if c.chars().count() > 100 => errors.push(FieldError::too_long("chat_id", 100)),
        _ => {}
    }
    match (token, chat_id) {
        (Some(token), Some(chat_id)) if errors.is_empty() => Ok((token, chat_id)),
        _ => Err(ApiError::Validation(errors)),
    }
}

pub async fn put(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let (token, chat_id) = check(read_json(&mut app.req).await?)?;
    let sealed = app.config()?.secrets.seal(&token, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?;
    let created_at = app.store.integration(&key.workspace_id, TELEGRAM).await?.map(|r| r.created_at).unwrap_or(app.now_ms);
    let row = IntegrationRow {
        workspace_id: key.workspace_id.clone(),
        kind: TELEGRAM.into(),
        secret_sealed: sealed,
        settings: json!({"chat_id": chat_id}).to_string(),
        created_at,
        updated_at: app.now_ms,
    };
    app.store.put_integration(&row).await?;
    json(200, &telegram_json(&row))
}

pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let row = app.store.integration(&key.workspace_id, TELEGRAM).await?.ok_or_else(|| ApiError::NotFound("Telegram is not set up for this workspace".into()))?;
    json(200, &telegram_json(&row))
}

pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    if app.store.delete_integration(&key.workspace_id, TELEGRAM).await? {
        no_content()
    } else {
        Err(ApiError::NotFound("Telegram is not set up for this workspace".into()))
    }
}
