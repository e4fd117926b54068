//! Running a workflow by hand: for one lead, or for the leads a filter (the
//! same filters as `GET /api/v1/leads`) matches, bounded; conditions still
//! apply. A dry run answers which leads and actions, changing nothing.

use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::leads::{parse_filters, LeadOut};
use crate::store::deliveries::DueDelivery;
use crate::store::leads::LeadRow;
use crate::store::workflow_runs::NewRun;
use crate::store::workflows::WorkflowRow;
use crate::store::Store;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::workflow::WorkflowDefinition;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// The most leads one trigger call runs a workflow for (newest first).
pub const MAX_TRIGGER_LEADS: u32 = 500;

/// One lead, or a filter. Exactly one of the two.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerIn {
    #[serde(default, deserialize_with = "crate::wire::non_null")]
    #[schema(nullable = false, pattern = "^lead_[0-9A-HJKMNP-TV-Z]{26}$")]
    pub lead_id: Option<String>,
    /// The same keys as `GET /api/v1/leads`' query (status, source, campaign, email, q, created_after, created_before), as strings.
    #[serde(default, deserialize_with = "crate::wire::non_null")]
    #[schema(value_type = Option<Object>, nullable = false)]
    pub filter: Option<Map<String, Value>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TriggerOut {
    /// Runs created (each goes through the queue).
    pub runs: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DryRunOut {
    /// Leads that the filter and the conditions match (at most 500).
    pub matched: usize,
    pub lead_ids: Vec<String>,
    /// The actions each of them would run, in order.
    #[schema(value_type = Vec<Object>)]
    pub actions: Value,
}

/// The leads the trigger names that meet the workflow's conditions.
pub async fn select(store: &Store, workspace_id: &str, def: &WorkflowDefinition, input: TriggerIn) -> ApiResult<Vec<LeadRow>> {
    let leads = match (input.lead_id, input.filter) {
        (Some(id), None) => match store.lead(workspace_id, &id).await? {
            Some(lead) => vec![lead],
            None => return Err(ApiError::invalid("lead_id", "not_found", "no lead with this id in this workspace")),
        },
        (None, Some(filter)) => {
            let mut query = parse_filters(&filter_pairs(&filter)?, |_, _, _| false).map_err(under_filter)?;
            query.limit = MAX_TRIGGER_LEADS;
            let mut rows = store.leads(workspace_id, &query).await?;
            rows.truncate(MAX_TRIGGER_LEADS as usize);
            rows
        }
        _ => return Err(ApiError::invalid("lead_id", "one_of_required", "send either lead_id or filter")),
    };
    let mut matching = Vec::new();
    for lead in leads {
        if def.matches(&serde_json::to_value(LeadOut::from(&lead))?) {
            matching.push(lead);
        }
    }
    Ok(matching)
}

fn filter_pairs(filter: &Map<String, Value>) -> ApiResult<Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut pairs = Vec::new();
    for (key, value) in filter {
        match value.as_str() {
            Some(text) => pairs.push((key.clone(), text.to_string())),
            None => errors.push(FieldError::new(format!("filter.{key}"), "invalid_value", "filter values are strings, as in the list's query")),
        }
    }
    if errors.is_empty() { Ok(pairs) } else { Err(ApiError::Validation(errors)) }
}

fn under_filter(error: ApiError) -> ApiError {
    match error {
        ApiError::Validation(errors) => {
            ApiError::Validation(errors.into_iter().map(|e| FieldError { field: format!("filter.{}", e.field), ..e }).collect())
        }
        other => other,
    }
}

/// Creates one run per lead; returns their outbox rows, to enqueue.
pub async fn start(store: &Store, workflow: &WorkflowRow, def: &WorkflowDefinition, leads: &[LeadRow], now: i64) -> ApiResult<Vec<DueDelivery>> {
    // Each call is its own trigger: running a workflow by hand twice runs it twice.
    let trigger_key = format!("manual:{}", new_id(IdKind::Event, now)?);
    let actions = serde_json::to_string(&def.actions)?;
    let mut runs = Vec::with_capacity(leads.len());
    for lead in leads {
        let id = new_id(IdKind::WorkflowRun, now)?;
        runs.push(NewRun {
            event_id: id.clone(),
            id,
            workspace_id: workflow.workspace_id.clone(),
            workflow_id: workflow.id.clone(),
            lead_id: lead.id.clone(),
            trigger_key: trigger_key.clone(),
            trigger: json!({"event": "manual"}).to_string(),
            depth: 0,
            actions: actions.clone(),
            status: "running",
            now,
        });
    }
    store.insert_runs(&runs).await
}
