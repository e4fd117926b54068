//! The Telegram integration (`/api/v1/integrations/telegram`): new leads are
//! announced in a chat, with triage buttons whose presses come back through
//! the bot's webhook, registered here. The bot token is sealed at rest and
//! never shown again; of the webhook's secret token only a hash is kept.

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::api::openapi::schemas;
use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound};
use crate::platform::random_bytes;
use crate::store::integrations::{IntegrationRow, TELEGRAM};
use crate::automation::telegram::bot::Bot;
use leadsbot_shared::encoding::base62;
use leadsbot_shared::signing::sha256_hex;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;
use worker::Response;

pub const MAX_TOKEN_CHARS: usize = 200;
pub const MAX_CHAT_ID_CHARS: usize = 100;
/// Telegram's numeric ids (users, groups, channels as -100…) fit well within this.
pub const MAX_CHAT_ID_NUMBER: i64 = 999_999_999_999_999;

/// Where to announce new leads.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TelegramIn {
    /// As given by @BotFather (`123456:ABC-DEF…`); sealed at rest, never shown again.
    #[schema(schema_with = schemas::bot_token)]
    bot_token: String,
    /// A whole number (a user or group id) or a string (`@channel`).
    #[schema(schema_with = schemas::chat_id)]
    chat_id: Value,
}

#[derive(Serialize, ToSchema)]
pub struct TelegramOut {
    chat_id: String,
    /// Always true: the token is set, and never shown.
    bot_token_set: bool,
    /// Where Telegram sends button presses (`setWebhook`).
    webhook_url: String,
    /// Whether Telegram accepted the webhook; alerts go out either way, buttons need it.
    webhook_registered: bool,
    /// Why Telegram did not accept it (PUT again to retry).
    webhook_error: Option<String>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

async fn admin(app: &App) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    Ok(key)
}

impl From<&IntegrationRow> for TelegramOut {
    fn from(row: &IntegrationRow) -> Self {
        let settings: Value = serde_json::from_str(&row.settings).unwrap_or_default();
        Self {
            chat_id: settings["chat_id"].as_str().unwrap_or_default().to_string(),
            bot_token_set: true,
            webhook_url: settings["webhook_url"].as_str().unwrap_or_default().to_string(),
            webhook_registered: settings["webhook_registered"].as_bool().unwrap_or(false),
            webhook_error: settings["webhook_error"].as_str().map(str::to_string),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

/// (bot token, chat id), both plausible, exactly as `schemas::bot_token` and `schemas::chat_id` say.
fn check(input: TelegramIn) -> ApiResult<(String, String)> {
    let mut errors = Vec::new();
    // Tokens look like `123456:ABC-...`; they go into a URL path, so no slashes or spaces.
    let token = input.bot_token;
    if token.is_empty() || token.len() > MAX_TOKEN_CHARS || !token.contains(':') || !token.chars().all(|c| c.is_ascii_alphanumeric() || "_-:".contains(c)) {
        errors.push(FieldError::new("bot_token", "invalid_token", "bot_token looks like 123456:ABC-DEF… as given by @BotFather"));
    }
    let chat_id = match input.chat_id {
        Value::Number(n) if crate::wire::whole_number(&n).is_some_and(|id| id.abs() <= MAX_CHAT_ID_NUMBER) => crate::wire::whole_number(&n).map(|id| id.to_string()),
        Value::String(s) if s.chars().count() > MAX_CHAT_ID_CHARS => {
            errors.push(FieldError::too_long("chat_id", MAX_CHAT_ID_CHARS));
            None
        }
        Value::String(s) if !crate::wire::is_blank(&s) => Some(s.trim().to_string()),
        Value::Null => {
            errors.push(FieldError::required("chat_id"));
            None
        }
        _ => {
            errors.push(FieldError::invalid_type("chat_id", "a whole number or a non-blank string"));
            None
        }
    };
    match chat_id {
        Some(chat_id) if errors.is_empty() => Ok((token, chat_id)),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Set up Telegram alerts and triage buttons (admin)
///
/// Stores the bot and registers its webhook with Telegram (`setWebhook` with a fresh secret token);
/// `webhook_registered` says whether Telegram accepted it.
#[utoipa::path(put, path = "/api/v1/integrations/telegram", operation_id = "putTelegram", tag = "integrations", security(("apiKey" = [])),
    request_body = TelegramIn,
    responses((status = 200, description = "Set up", body = TelegramOut, links(
            ("GetTelegram" = (operation_id = "getTelegram")),
            ("DeleteTelegram" = (operation_id = "deleteTelegram")),
        )), BodyProblems, KeyProblems))]
pub async fn put(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let (token, chat_id) = check(read_json(&mut app.req).await?)?;
    let config = app.config()?;
    let sealed = config.secrets.seal(&token, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?;
    // Telegram allows A-Z, a-z, 0-9, _ and - in a secret token: base62 of 256 random bits.
    let secret = base62(&random_bytes::<32>()?);
    let webhook_url = format!("{}{}", app.origin()?, crate::automation::telegram::webhook_path(&key.workspace_id));
    let registered = Bot::new(&config, token.clone()).set_webhook(&webhook_url, &secret).await;
    let created_at = app.store.integration(&key.workspace_id, TELEGRAM).await?.map(|r| r.created_at).unwrap_or(app.now_ms);
    let row = IntegrationRow {
        workspace_id: key.workspace_id.clone(),
        kind: TELEGRAM.into(),
        secret_sealed: sealed,
        settings: json!({
            "chat_id": chat_id, "webhook_url": webhook_url, "webhook_secret_sha256": sha256_hex(secret.as_bytes()),
            "webhook_registered": registered.is_ok(), "webhook_error": registered.err(),
        })
        .to_string(),
        created_at,
        updated_at: app.now_ms,
    };
    app.store.put_integration(&row).await?;
    json(200, &TelegramOut::from(&row))
}

/// The Telegram set-up (admin)
#[utoipa::path(get, path = "/api/v1/integrations/telegram", operation_id = "getTelegram", tag = "integrations", security(("apiKey" = [])),
    responses((status = 200, description = "Set up", body = TelegramOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let row = app.store.integration(&key.workspace_id, TELEGRAM).await?.ok_or_else(|| ApiError::NotFound("Telegram is not set up for this workspace".into()))?;
    json(200, &TelegramOut::from(&row))
}

/// Stop Telegram alerts (admin)
#[utoipa::path(delete, path = "/api/v1/integrations/telegram", operation_id = "deleteTelegram", tag = "integrations", security(("apiKey" = [])),
    responses((status = 204, description = "Removed"), KeyProblems, NotFound))]
pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    if app.store.delete_integration(&key.workspace_id, TELEGRAM).await? {
        no_content()
    } else {
        Err(ApiError::NotFound("Telegram is not set up for this workspace".into()))
    }
}
