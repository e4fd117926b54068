//! Reading a workspace's events, as the webhook deliveries carry them.

use super::leads::EventRow;
use super::{number, opt_text, text, Store};
use crate::error::ApiResult;

/// What an event list is narrowed to. `types` are the event types shown at
/// all (the ones endpoints receive); `kind` one of them.
#[derive(Debug, Default)]
pub struct EventFilter<'a> {
    pub types: &'a [&'a str],
    pub kind: Option<&'a str>,
    pub lead_id: Option<&'a str>,
}

const EVENT_COLUMNS: &str = "id, workspace_id, type, lead_id, payload, created_at";

impl Store {
    /// Newest first (ids sort by time); one row more than `limit` tells the
    /// caller another page exists.
    pub async fn events(&self, workspace_id: &str, filter: &EventFilter<'_>, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<EventRow>> {
        let types = serde_json::to_string(filter.types)?;
        self.all(
            &format!(
                "SELECT {EVENT_COLUMNS} FROM events
                 WHERE workspace_id = ?1 AND type IN (SELECT value FROM json_each(?2)) AND (?3 IS NULL OR type = ?3)
                   AND (?4 IS NULL OR lead_id = ?4) AND (?5 IS NULL OR id < ?5)
                 ORDER BY id DESC LIMIT ?6"
            ),
            &[text(workspace_id), text(&types), opt_text(filter.kind), opt_text(filter.lead_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// One event of a workspace, if its type is one of `types`.
    pub async fn event(&self, workspace_id: &str, id: &str, types: &[&str]) -> ApiResult<Option<EventRow>> {
        let types = serde_json::to_string(types)?;
        self.first(
            &format!("SELECT {EVENT_COLUMNS} FROM events WHERE workspace_id = ?1 AND id = ?2 AND type IN (SELECT value FROM json_each(?3))"),
            &[text(workspace_id), text(id), text(&types)],
        )
        .await
    }
}
