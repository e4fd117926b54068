//! Calls to the Telegram Bot API outside the outbox: registering the
//! webhook, answering a button press and editing its message. Each is a
//! single short call whose failure is reported (or logged), never retried:
//! the lead's change is already stored, and Telegram shows the press again.

use crate::config::Config;
use crate::outbox::outbound::post;
use crate::error::{ApiError, ApiResult};
use crate::store::integrations::IntegrationRow;
use leadsbot_shared::webhook_url::WebhookUrl;
use serde_json::{json, Value};

/// The Bot API answers in well under a second; a stuck call must not hold a
/// webhook answer (or a PUT) for long.
const BOT_TIMEOUT_MS: u32 = 3000;

pub struct Bot<'a> {
    config: &'a Config,
    token: String,
}

impl<'a> Bot<'a> {
    pub fn new(config: &'a Config, token: String) -> Self {
        Self { config, token }
    }

    /// The bot of a workspace's Telegram set-up.
    pub fn of(config: &'a Config, integration: &IntegrationRow) -> ApiResult<Self> {
        let token = config.secrets.open(&integration.secret_sealed).map_err(|e| ApiError::internal("the Telegram bot token cannot be unsealed", e))?;
        Ok(Self::new(config, token))
    }

    /// Calls `method`; the error says why in words, never with the token.
    pub async fn call(&self, method: &str, body: &Value) -> Result<Value, String> {
        let url = WebhookUrl::parse(&format!("{}/bot{}/{method}", self.config.telegram_api_base, self.token), self.config.url_policy)
            .map_err(|refused| format!("TELEGRAM_API_BASE is not allowed: {refused}"))?;
        let headers = [("Content-Type", "application/json".to_string())];
        let reply = post(&url, &headers, &body.to_string(), BOT_TIMEOUT_MS).await;
        let hide = |text: String| text.replace(&self.token, "<bot token>");
        if let Some(error) = reply.error {
            return Err(hide(error));
        }
        let answer: Value = reply.body.as_deref().and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default();
        match (reply.status, answer["ok"].as_bool()) {
            (Some(200..=299), Some(true)) => Ok(answer["result"].clone()),
            (status, _) => Err(hide(format!(
                "Telegram answered {}: {}",
                status.map(|s| s.to_string()).unwrap_or_default(),
                answer["description"].as_str().unwrap_or("no description")
            ))),
        }
    }

    /// Points the bot's updates (button presses only) at `url`, carrying `secret` in every update.
    pub async fn set_webhook(&self, url: &str, secret: &str) -> Result<(), String> {
        let body = json!({"url": url, "secret_token": secret, "allowed_updates": ["callback_query"], "drop_pending_updates": true});
        self.call("setWebhook", &body).await.map(drop)
    }

    /// The short notice Telegram shows the presser; logged if it fails.
    pub async fn answer(&self, callback_id: &str, text: &str) {
        if let Err(err) = self.call("answerCallbackQuery", &json!({"callback_query_id": callback_id, "text": text})).await {
            worker::console_warn!("answerCallbackQuery failed: {err}");
        }
    }

    /// Rewrites an alert (HTML text and its buttons); logged if it fails.
    pub async fn edit(&self, chat_id: i64, message_id: i64, text: &str, markup: &Value) {
        let body = json!({"chat_id": chat_id, "message_id": message_id, "text": text, "parse_mode": "HTML",
            "disable_web_page_preview": true, "reply_markup": markup});
        if let Err(err) = self.call("editMessageText", &body).await {
            worker::console_warn!("editMessageText failed: {err}");
        }
    }
}
