//! Telegram updates already handled, per workspace: each update id acts once.

use super::{number, text, CrossWorkspace, Store};
use crate::error::ApiResult;

impl Store {
    /// True the first time an update id is seen in a workspace.
    pub async fn claim_telegram_update(&self, workspace_id: &str, update_id: i64, now: i64) -> ApiResult<bool> {
        let n = self
            .run("INSERT INTO telegram_updates (workspace_id, update_id, received_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", &[text(workspace_id), number(update_id), number(now)])
            .await?;
        Ok(n == 1)
    }

    /// Forgets an update whose handling failed, so Telegram's retry is handled.
    pub async fn release_telegram_update(&self, workspace_id: &str, update_id: i64) -> ApiResult<()> {
        self.run("DELETE FROM telegram_updates WHERE workspace_id = ? AND update_id = ?", &[text(workspace_id), number(update_id)]).await.map(drop)
    }
}

impl CrossWorkspace {
    /// Telegram update ids are remembered for two days (Telegram keeps an
    /// undelivered update for one).
    pub async fn prune_telegram_updates(&self, before: i64) -> ApiResult<u32> {
        self.run("DELETE FROM telegram_updates WHERE rowid IN (SELECT rowid FROM telegram_updates WHERE received_at < ? LIMIT 1000)", &[number(before)]).await
    }
}
