//! The export's reads: pages oldest first after a lead id, the custom field
//! keys a filter's leads carry, and a page's status histories in one query.

use super::leads::{lead_filter, LeadQuery, LeadRow, StatusChangeRow};
use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Deserialize)]
struct KeyRow {
    key: String,
}

impl Store {
    /// Up to `limit` leads matching the filter, oldest first, after `after_id`
    /// (ids sort by creation time, so this is a stable keyset page).
    pub async fn export_page(&self, workspace_id: &str, query: &LeadQuery, after_id: Option<&str>, limit: u32) -> ApiResult<Vec<LeadRow>> {
        let (mut sql, mut args) = lead_filter("*", workspace_id, query);
        sql.push_str(" AND (? IS NULL OR id > ?) ORDER BY id LIMIT ?");
        args.extend([opt_text(after_id), opt_text(after_id), number(i64::from(limit))]);
        self.all(&sql, &args).await
    }

    /// The distinct custom field keys of the leads matching the filter,
    /// sorted, at most `limit` of them.
    pub async fn custom_keys(&self, workspace_id: &str, query: &LeadQuery, limit: u32) -> ApiResult<Vec<String>> {
        let (filtered, mut args) = lead_filter("custom", workspace_id, query);
        let sql = format!("SELECT DISTINCT j.key AS key FROM ({filtered}) AS l, json_each(l.custom) AS j ORDER BY j.key LIMIT ?");
        args.push(number(i64::from(limit)));
        Ok(self.all::<KeyRow>(&sql, &args).await?.into_iter().map(|r| r.key).collect())
    }

    /// The status changes of these leads, in order, each naming its lead.
    pub async fn status_changes_of(&self, workspace_id: &str, lead_ids: &[&str]) -> ApiResult<Vec<StatusChangeRow>> {
        self.all(
            "SELECT id, lead_id, from_status, to_status, changed_by, changed_at FROM lead_status_changes
             WHERE workspace_id = ? AND lead_id IN (SELECT value FROM json_each(?)) ORDER BY lead_id, changed_at, id",
            &[text(workspace_id), text(&serde_json::to_string(lead_ids)?)],
        )
        .await
    }
}
