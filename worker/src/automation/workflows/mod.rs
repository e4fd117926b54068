//! Workflows: definitions on the wire, their expansion into runs (off the
//! queue, never on the capture path), running them action by action, and
//! triggering them by hand. The rules themselves (parsing, conditions,
//! templates) are pure and live in `leadsbot_shared::workflow`.

mod assign;
pub mod expand;
pub mod run;
pub mod trigger;

use crate::error::{ApiError, ApiResult};
use crate::store::workflow_runs::{RunActionRow, RunRow};
use crate::store::workflows::WorkflowRow;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::workflow::WorkflowDefinition;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A chain of workflow actions deeper than this starts no more runs: the
/// hard stop behind the rule that a workflow never triggers itself.
pub const MAX_DEPTH: u32 = 3;

/// A workflow as the API shows it: its definition, id and times.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkflowOut {
    pub id: String,
    pub name: String,
    pub enabled: bool,
    /// `{"event": "lead.created" | "lead.status_changed" | "manual"}`, the latter with optional `from`/`to` statuses.
    #[schema(value_type = Object)]
    pub trigger: Value,
    /// `{"all": [...]}` or `{"any": [...]}` of `{"field", "op", "value"}`; absent: every lead.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>, nullable = false)]
    pub conditions: Option<Value>,
    /// The ordered actions (`telegram`, `webhook`, `set_status`, `add_tag`, `remove_tag`, `follow_up`, `email`, `assign`).
    #[schema(value_type = Vec<Object>)]
    pub actions: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl WorkflowOut {
    pub fn from_row(row: &WorkflowRow) -> ApiResult<Self> {
        let def: Value = serde_json::from_str(&row.definition)?;
        Ok(Self {
            id: row.id.clone(),
            name: row.name.clone(),
            enabled: row.enabled == 1,
            trigger: def["trigger"].clone(),
            conditions: def.get("conditions").filter(|c| !c.is_null()).cloned(),
            actions: def["actions"].clone(),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        })
    }
}

crate::http::page_type!(
    /// A page of workflows, newest first.
    WorkflowListOut, WorkflowOut
);

/// A stored workflow's definition, parsed (it was valid when saved).
pub fn definition(row: &WorkflowRow) -> ApiResult<WorkflowDefinition> {
    let mut json: Value = serde_json::from_str(&row.definition)?;
    json["name"] = Value::String(row.name.clone());
    json["enabled"] = Value::Bool(row.enabled == 1);
    WorkflowDefinition::parse(&json).map_err(|e| ApiError::internal("stored workflow definition", format!("{e:?}")))
}

/// What is stored as a workflow's definition: everything but name and enabled.
pub fn stored_definition(def: &WorkflowDefinition) -> ApiResult<String> {
    let mut json = serde_json::to_value(def)?;
    if let Value::Object(map) = &mut json {
        map.remove("name");
        map.remove("enabled");
    }
    Ok(json.to_string())
}

/// One action of a run and how it went.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunActionOut {
    #[serde(rename = "type")]
    pub kind: String,
    /// `pending` (not yet done, or failing and being retried: see `error`), `completed`, `failed`, `skipped`.
    pub status: String,
    pub error: Option<String>,
}

/// A run of a workflow for one lead.
#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub id: String,
    pub workflow_id: String,
    pub lead_id: String,
    /// What started it: `{"event": "lead.created", "event_id"}`, a status change with `from`/`to`, or `{"event": "manual"}`.
    #[schema(value_type = Object)]
    pub trigger: Value,
    /// `running`, `completed` or `failed` (a paused campaign holds the expansion that creates runs, not runs).
    pub status: String,
    pub actions: Vec<RunActionOut>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
}

impl RunOut {
    pub fn new(run: &RunRow, actions: &[RunActionRow]) -> Self {
        Self {
            id: run.id.clone(),
            workflow_id: run.workflow_id.clone(),
            lead_id: run.lead_id.clone(),
            trigger: serde_json::from_str(&run.trigger).unwrap_or(Value::Object(Map::new())),
            status: run.status.clone(),
            actions: actions
                .iter()
                .filter(|a| a.run_id == run.id)
                .map(|a| RunActionOut { kind: a.kind.clone(), status: a.status.clone(), error: a.error.clone() })
                .collect(),
            created_at: format_rfc3339(run.created_at),
            finished_at: run.finished_at.map(format_rfc3339),
        }
    }
}

crate::http::page_type!(
    /// A page of runs, newest first.
    RunPageOut, RunOut
);
