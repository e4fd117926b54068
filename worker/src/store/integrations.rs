//! Integrations (Telegram, Slack): one row per workspace and kind, credential sealed.

use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

pub const TELEGRAM: &str = "telegram";
/// The Slack incoming webhook (its URL sealed: the URL is the credential).
pub const SLACK: &str = "slack";

#[derive(Debug, Clone, Deserialize)]
pub struct IntegrationRow {
    pub workspace_id: String,
    pub kind: String,
    pub secret_sealed: String,
    /// JSON object of settings (`chat_id` for Telegram).
    pub settings: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Store {
    pub async fn put_integration(&self, row: &IntegrationRow) -> ApiResult<()> {
        self.run(
            "INSERT INTO integrations (workspace_id, kind, secret_sealed, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (workspace_id, kind) DO UPDATE SET secret_sealed = excluded.secret_sealed,
             settings = excluded.settings, updated_at = excluded.updated_at",
            &[text(&row.workspace_id), text(&row.kind), text(&row.secret_sealed), text(&row.settings), number(row.created_at), number(row.updated_at)],
        )
        .await?;
        Ok(())
    }

    pub async fn integration(&self, workspace_id: &str, kind: &str) -> ApiResult<Option<IntegrationRow>> {
        self.first("SELECT * FROM integrations WHERE workspace_id = ? AND kind = ?", &[text(workspace_id), text(kind)]).await
    }

    pub async fn delete_integration(&self, workspace_id: &str, kind: &str) -> ApiResult<bool> {
        Ok(self.run("DELETE FROM integrations WHERE workspace_id = ? AND kind = ?", &[text(workspace_id), text(kind)]).await? == 1)
    }
}
