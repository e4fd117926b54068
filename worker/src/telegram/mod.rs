//! Two-way Telegram: alerts carry buttons (Contacted, Qualified, Spam,
//! Snooze 1 h); the bot's webhook brings each press back here, checked by
//! the secret token registered with `setWebhook`.

pub mod bot;
pub mod snooze;
pub mod triage;
pub mod update;

use crate::store::integrations::IntegrationRow;
use serde_json::Value;

/// The set-up's settings: `chat_id`, and the SHA-256 of the webhook's secret token.
pub fn settings(integration: &IntegrationRow) -> Value {
    serde_json::from_str(&integration.settings).unwrap_or_default()
}

/// The path Telegram posts a workspace's updates to.
pub fn webhook_path(workspace_id: &str) -> String {
    format!("/telegram/webhook/{workspace_id}")
}
