//! Two-way Telegram: alerts carry buttons (Contacted, Qualified, Spam,
//! Snooze 1 h); the bot's webhook brings each press back here, checked by
//! the secret token registered with `setWebhook`.

pub mod bot;
mod presser;
mod reply;
pub mod snooze;
pub mod take;
pub mod triage;
pub mod update;

use crate::platform::now_ms;
use crate::store::integrations::IntegrationRow;
use serde_json::Value;

/// Handled update ids are remembered this long: Telegram keeps an
/// undelivered update for one day.
const REMEMBER_UPDATES_MS: i64 = 2 * 86_400_000;

/// The cron's part: forgets handled update ids older than
/// `REMEMBER_UPDATES_MS`, a bounded batch per run.
pub async fn forget_old_updates(store: &crate::store::CrossWorkspace) {
    if let Err(err) = store.prune_telegram_updates(now_ms() - REMEMBER_UPDATES_MS).await {
        worker::console_error!("pruning telegram updates failed: {err:?}");
    }
}

/// The set-up's settings: `chat_id`, and the SHA-256 of the webhook's secret token.
pub fn settings(integration: &IntegrationRow) -> Value {
    serde_json::from_str(&integration.settings).unwrap_or_default()
}

/// The path Telegram posts a workspace's updates to.
pub fn webhook_path(workspace_id: &str) -> String {
    format!("/telegram/webhook/{workspace_id}")
}
