//! The retention sweep's statements: each deletes at most `limit` rows (by
//! rowid, as D1 has no `DELETE … LIMIT`), so no tick runs an unbounded
//! delete. These scan across workspaces by design, like the delivery sweeper.
//! Only settled jobs go (`job_status`): held and pending work is kept, with
//! the events and attempts it needs, however old.

use super::job_status::settled_sql;
use super::{number, text, CrossWorkspace, Store};
use crate::error::ApiResult;
use serde::Deserialize;

/// A workspace that keeps leads for a limited time, and whether it has a
/// lead older than that now.
#[derive(Debug, Deserialize)]
pub struct RetentionSetting {
    pub id: String,
    pub lead_retention_days: i64,
    expired: u8,
}

impl RetentionSetting {
    pub fn has_expired_leads(&self) -> bool {
        self.expired != 0
    }
}

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

impl Store {
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

impl CrossWorkspace {
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

    /// The next `limit` workspaces after `after` (by id) that keep leads for a
    /// limited time, each with whether a lead of it is older than that at
    /// `now` (a retention "day" being `day_ms`).
    pub async fn lead_retention_settings(&self, after: Option<&str>, now: i64, day_ms: i64, limit: u32) -> ApiResult<Vec<RetentionSetting>> {
        self.all(
            "SELECT w.id AS id, w.lead_retention_days AS lead_retention_days,
               EXISTS (SELECT 1 FROM leads l WHERE l.workspace_id = w.id AND l.created_at < ?2 - w.lead_retention_days * ?3) AS expired
             FROM workspaces w WHERE w.lead_retention_days IS NOT NULL AND w.id > ?1 ORDER BY w.id LIMIT ?4",
            &[text(after.unwrap_or("")), number(now), number(day_ms), number(i64::from(limit))],
        )
        .await
    }
}
