//! Workflow definitions.

use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

/// A workflow as stored: `definition` is its JSON (trigger, conditions,
/// actions) as the API shows it.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub enabled: u32,
    pub trigger_event: String,
    pub definition: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A workflow an endpoint's deletion would leave dangling.
#[derive(Debug, Clone, Deserialize)]
pub struct EndpointUser {
    pub id: String,
    pub name: String,
}

/// Workflow `w` has a `webhook` action sending to endpoint ?2 (in workspace ?1).
pub(super) const USES_ENDPOINT: &str = "w.workspace_id = ?1 AND EXISTS (SELECT 1 FROM json_each(w.definition, '$.actions') a
    WHERE json_extract(a.value, '$.type') = 'webhook' AND json_extract(a.value, '$.endpoint_id') = ?2)";

const COLUMNS: &str = "id, workspace_id, name, enabled, trigger_event, definition, created_at, updated_at";

impl Store {
    pub async fn insert_workflow(&self, row: &WorkflowRow) -> ApiResult<()> {
        self.run(
            &format!("INSERT INTO workflows ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"),
            &[text(&row.id), text(&row.workspace_id), text(&row.name), number(i64::from(row.enabled)), text(&row.trigger_event), text(&row.definition), number(row.created_at), number(row.updated_at)],
        )
        .await?;
        Ok(())
    }

    pub async fn update_workflow(&self, row: &WorkflowRow) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE workflows SET name = ?, enabled = ?, trigger_event = ?, definition = ?, updated_at = ? WHERE workspace_id = ? AND id = ?",
                &[text(&row.name), number(i64::from(row.enabled)), text(&row.trigger_event), text(&row.definition), number(row.updated_at), text(&row.workspace_id), text(&row.id)],
            )
            .await?;
        Ok(changed == 1)
    }

    pub async fn delete_workflow(&self, workspace_id: &str, id: &str) -> ApiResult<bool> {
        Ok(self.run("DELETE FROM workflows WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await? == 1)
    }

    pub async fn workflow(&self, workspace_id: &str, id: &str) -> ApiResult<Option<WorkflowRow>> {
        self.first(&format!("SELECT {COLUMNS} FROM workflows WHERE workspace_id = ? AND id = ?"), &[text(workspace_id), text(id)]).await
    }

    pub async fn workflows(&self, workspace_id: &str) -> ApiResult<Vec<WorkflowRow>> {
        self.all(&format!("SELECT {COLUMNS} FROM workflows WHERE workspace_id = ? ORDER BY id"), &[text(workspace_id)]).await
    }

    /// A page, newest first, starting after `before_id`; one row more than
    /// `limit` tells the caller another page exists.
    pub async fn workflows_page(&self, workspace_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<WorkflowRow>> {
        self.all(
            &format!("SELECT {COLUMNS} FROM workflows WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"),
            &[text(workspace_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// The enabled workflows an event of this kind triggers.
    pub async fn enabled_workflows(&self, workspace_id: &str, trigger_event: &str) -> ApiResult<Vec<WorkflowRow>> {
        self.all(
            &format!("SELECT {COLUMNS} FROM workflows WHERE workspace_id = ? AND enabled = 1 AND trigger_event = ? ORDER BY id"),
            &[text(workspace_id), text(trigger_event)],
        )
        .await
    }

    /// The workflows (enabled or not) with an action sending to this endpoint.
    pub async fn workflows_using_endpoint(&self, workspace_id: &str, endpoint_id: &str) -> ApiResult<Vec<EndpointUser>> {
        self.all(&format!("SELECT w.id, w.name FROM workflows w WHERE {USES_ENDPOINT} ORDER BY w.id"), &[text(workspace_id), text(endpoint_id)]).await
    }
}
