//! The cursors of the cron sweeps that walk workspaces (migration 0016):
//! one row per sweep, not per workspace, as the cursor is a workspace id.

use super::{number, opt_text, text, CrossWorkspace};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Deserialize)]
struct CursorRow {
    cursor: Option<String>,
}

impl CrossWorkspace {
    /// Where the sweep `name` stopped; `None` before its first tick and after it wrapped around.
    pub async fn sweep_cursor(&self, name: &str) -> ApiResult<Option<String>> {
        let row: Option<CursorRow> = self.first("SELECT cursor FROM sweep_cursors WHERE name = ?", &[text(name)]).await?;
        Ok(row.and_then(|r| r.cursor))
    }

    pub async fn save_sweep_cursor(&self, name: &str, cursor: Option<&str>, now: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO sweep_cursors (name, cursor, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            &[text(name), opt_text(cursor), number(now)],
        )
        .await?;
        Ok(())
    }
}
