//! Refused captures, counted per workspace, origin and reason so an
//! operator sees a misconfigured `allowed_origins` (or the lead cap hit) at
//! once. No lead data.

use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

/// Rows kept per workspace; the least recently seen go first. Origins are
/// chosen by whoever posts, so the table must not grow with them.
pub const MAX_REJECTIONS_PER_WORKSPACE: i64 = 100;
/// A longer origin is cut: an origin is scheme, host and port.
const MAX_ORIGIN_CHARS: usize = 255;

#[derive(Debug, Clone, Deserialize)]
pub struct RejectionRow {
    /// '' when the request sent no `Origin`.
    pub origin: String,
    pub reason: String,
    pub count: i64,
    pub first_at: i64,
    pub last_at: i64,
}

impl Store {
    /// One upsert (and a trim to the newest rows) per refused capture.
    pub async fn record_rejection(&self, workspace_id: &str, origin: Option<&str>, reason: &str, now: i64) -> ApiResult<()> {
        self.record_rejections(workspace_id, origin, reason, 1, now).await
    }

    /// `hits` refusals of one origin and reason at once.
    pub async fn record_rejections(&self, workspace_id: &str, origin: Option<&str>, reason: &str, hits: i64, now: i64) -> ApiResult<()> {
        let origin: String = origin.unwrap_or_default().chars().take(MAX_ORIGIN_CHARS).collect();
        let upsert = self.statement(
            "INSERT INTO capture_rejections (workspace_id, origin, reason, count, first_at, last_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (workspace_id, origin, reason) DO UPDATE SET count = count + excluded.count, last_at = excluded.last_at",
            &[text(workspace_id), text(&origin), text(reason), number(hits), number(now)],
        )?;
        let trim = self.statement(
            "DELETE FROM capture_rejections WHERE workspace_id = ? AND rowid NOT IN
               (SELECT rowid FROM capture_rejections WHERE workspace_id = ? ORDER BY last_at DESC LIMIT ?)",
            &[text(workspace_id), text(workspace_id), number(MAX_REJECTIONS_PER_WORKSPACE)],
        )?;
        self.batch(vec![upsert, trim]).await?;
        Ok(())
    }

    /// Newest first.
    pub async fn rejections(&self, workspace_id: &str) -> ApiResult<Vec<RejectionRow>> {
        self.all(
            "SELECT origin, reason, count, first_at, last_at FROM capture_rejections WHERE workspace_id = ?
             ORDER BY last_at DESC, origin, reason LIMIT ?",
            &[text(workspace_id), number(MAX_REJECTIONS_PER_WORKSPACE)],
        )
        .await
    }
}
