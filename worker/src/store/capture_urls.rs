use super::{number, opt_text, text, CrossWorkspace, Store};
use crate::error::ApiResult;
use leadsbot_shared::presets::Preset;
use serde::Deserialize;
use wasm_bindgen::JsValue;

#[derive(Debug, Clone, Deserialize)]
pub struct CaptureUrlRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    /// JSON object: lead field → dotted path into the posted JSON.
    pub field_mapping: String,
    pub secret_sealed: Option<String>,
    pub created_at: i64,
    /// The form tool this URL speaks (`typeform`, `tally`); None is generic.
    #[serde(default)]
    pub preset: Option<String>,
}

impl CaptureUrlRow {
    /// A preset name the code no longer knows reads as generic.
    pub fn preset(&self) -> Option<Preset> {
        self.preset.as_deref().and_then(Preset::parse)
    }
}

impl Store {
    pub async fn insert_capture_url(&self, row: &CaptureUrlRow) -> ApiResult<()> {
        self.run(
            "INSERT INTO capture_urls (id, workspace_id, name, field_mapping, secret_sealed, created_at, preset) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                text(&row.id),
                text(&row.workspace_id),
                text(&row.name),
                text(&row.field_mapping),
                opt_text(row.secret_sealed.as_deref()),
                number(row.created_at),
                opt_text(row.preset.as_deref()),
            ],
        )
        .await?;
        Ok(())
    }

    /// A capture URL of the workspace its id names (the id is the credential).
    pub async fn capture_url_in(&self, workspace_id: &str, id: &str) -> ApiResult<Option<CaptureUrlRow>> {
        self.first("SELECT * FROM capture_urls WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// Capture URLs, newest first: by `created_at`, then id (ids
    /// are random, so they alone say nothing of age); `before` is the
    /// (created_at, id) of the previous page's last row. At most `limit` rows.
    pub async fn capture_urls_page(&self, workspace_id: &str, before: Option<(i64, &str)>, limit: u32) -> ApiResult<Vec<CaptureUrlRow>> {
        let (created_at, id) = before.map_or((JsValue::NULL, JsValue::NULL), |(at, id)| (number(at), text(id)));
        self.all(
            "SELECT * FROM capture_urls WHERE workspace_id = ?1 AND (?2 IS NULL OR created_at < ?2 OR (created_at = ?2 AND id < ?3))
             ORDER BY created_at DESC, id DESC LIMIT ?4",
            &[text(workspace_id), created_at, id, number(i64::from(limit))],
        )
        .await
    }

    pub async fn delete_capture_url(&self, workspace_id: &str, id: &str) -> ApiResult<bool> {
        Ok(self.run("DELETE FROM capture_urls WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await? == 1)
    }
}

impl CrossWorkspace {
    /// Looked up by id alone: the directory of capture URLs made before ids
    /// named their workspace (`wh_…`, `cap_…` with no workspace inside),
    /// which keep working through it. New ids never come here.
    pub async fn capture_url(&self, id: &str) -> ApiResult<Option<CaptureUrlRow>> {
        self.first("SELECT * FROM capture_urls WHERE id = ?", &[text(id)]).await
    }
}
