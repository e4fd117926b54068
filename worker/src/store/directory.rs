//! The directory (in the first database, `DB`): each workspace's home
//! database. Cross-workspace by nature: reached only through
//! `databases::directory`, never through a workspace's own store.

use super::{number, text, CrossWorkspace};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceHome {
    pub database: String,
    /// Set while the workspace moves there.
    pub moving_to: Option<String>,
    /// The move's progress (`workspace::moves` reads and writes it).
    pub move_state: Option<String>,
}

#[derive(Deserialize)]
struct DatabaseCount {
    database: String,
    n: f64,
}

impl CrossWorkspace {
    pub async fn workspace_home(&self, workspace_id: &str) -> ApiResult<Option<WorkspaceHome>> {
        self.first("SELECT database, moving_to, move_state FROM workspace_homes WHERE workspace_id = ?", &[text(workspace_id)]).await
    }

    /// Workspaces per database, for placing a new one.
    pub async fn workspaces_per_database(&self) -> ApiResult<Vec<(String, u64)>> {
        let rows: Vec<DatabaseCount> = self.all("SELECT database, count(*) AS n FROM workspace_homes GROUP BY database", &[]).await?;
        Ok(rows.into_iter().map(|r| (r.database, r.n as u64)).collect())
    }

    /// Records where a new workspace lives; before the workspace is written
    /// there, so no workspace exists that the directory cannot find.
    pub async fn place_workspace(&self, workspace_id: &str, database: &str, now: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO workspace_homes (workspace_id, database, placed_at) VALUES (?, ?, ?)
             ON CONFLICT (workspace_id) DO NOTHING",
            &[text(workspace_id), text(database), number(now)],
        )
        .await?;
        Ok(())
    }

    /// Forgets a workspace that was never created (its creation failed after placing it).
    pub async fn unplace_workspace(&self, workspace_id: &str) -> ApiResult<()> {
        self.run("DELETE FROM workspace_homes WHERE workspace_id = ? AND moving_to IS NULL", &[text(workspace_id)]).await?;
        Ok(())
    }
}
