//! The retention sweep's statements: each deletes at most `limit` rows (by
//! rowid, as D1 has no `DELETE … LIMIT`), so no tick runs an unbounded
//! delete. These scan across workspaces by design, like the delivery sweeper.
//! Only settled jobs go (`job_status`): held and pending work is kept, with
//! the events and attempts it needs, however old.

use super::job_status::settled_sql;
use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct RetentionSetting {
    pub id: String,
    pub lead_retention_days: i64,
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

impl Store {
    /// Idempotency claims older than their replay window.
    pub async fn delete_expired_idempotency_keys(&self, before: i64, limit: u32) -> ApiResult<u32> {
        self.delete_some("idempotency_keys", "created_at < ?", before, limit).await
    }

    /// Attempt logs older than the retention period, of settled deliveries.
    pub async fn delete_old_attempts(&self, before: i64, limit: u32) -> ApiResult<u32> {
        let settled = settled_sql("d.status");
        let condition = format!(
            "attempted_at < ? AND EXISTS (SELECT 1 FROM deliveries d WHERE d.workspace_id = delivery_attempts.workspace_id AND d.id = delivery_attempts.delivery_id AND {settled})"
        );
        self.delete_some("delivery_attempts", &condition, before, limit).await
    }

    /// Settled deliveries last touched before the cutoff whose attempts are gone.
    pub async fn delete_settled_deliveries(&self, before: i64, limit: u32) -> ApiResult<u32> {
        let settled = settled_sql("status");
        let condition = format!(
            "{settled} AND updated_at < ? AND NOT EXISTS
               (SELECT 1 FROM delivery_attempts a WHERE a.workspace_id = deliveries.workspace_id AND a.delivery_id = deliveries.id)"
        );
        self.delete_some("deliveries", &condition, before, limit).await
    }

    /// Events older than the cutoff with no delivery left (all settled and swept).
    pub async fn delete_settled_events(&self, before: i64, limit: u32) -> ApiResult<u32> {
        self.delete_some(
            "events",
            "created_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.workspace_id = events.workspace_id AND d.event_id = events.id)",
            before,
            limit,
        )
        .await
    }

    async fn delete_some(&self, table: &str, condition: &str, before: i64, limit: u32) -> ApiResult<u32> {
        let sql = format!("DELETE FROM {table} WHERE rowid IN (SELECT rowid FROM {table} WHERE {condition} LIMIT ?)");
        self.run(&sql, &[number(before), number(i64::from(limit))]).await
    }

    /// Workspaces that keep leads for a limited time.
    pub async fn lead_retention_settings(&self, limit: u32) -> ApiResult<Vec<RetentionSetting>> {
        self.all(
            "SELECT id, lead_retention_days FROM workspaces WHERE lead_retention_days IS NOT NULL ORDER BY id LIMIT ?",
            &[number(i64::from(limit))],
        )
        .await
    }

    /// The oldest leads of a workspace created before the cutoff.
    pub async fn leads_created_before(&self, workspace_id: &str, before: i64, limit: u32) -> ApiResult<Vec<String>> {
        let rows: Vec<IdRow> = self
            .all(
                "SELECT id FROM leads WHERE workspace_id = ? AND created_at < ? ORDER BY created_at LIMIT ?",
                &[text(workspace_id), number(before), number(i64::from(limit))],
            )
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }
}

