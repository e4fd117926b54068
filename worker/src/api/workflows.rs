//! Workflows (`/api/v1/workflows`): define, change, delete, run by hand, and
//! read their runs (also per lead: `/api/v1/leads/:id/runs`).

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, only_flag, query_pairs, read_json, CursorOf, PageQuery};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound, QueryProblems};
use crate::store::workflow_runs::RunsBy;
use crate::store::workflows::WorkflowRow;
use crate::automation::workflows::trigger::{self, DryRunOut, TriggerIn, TriggerOut};
use crate::automation::workflows::{definition, stored_definition, RunOut, RunPageOut, WorkflowListOut, WorkflowOut};
use leadsbot_shared::ids::IdKind;
use crate::store::integrations::{SLACK, TELEGRAM};
use leadsbot_shared::workflow::channels::{self, Before, Channels};
use leadsbot_shared::workflow::WorkflowDefinition;
use leadsbot_shared::FieldError;
use serde_json::{Map, Value};
use worker::Response;

/// The body of a new workflow (schema: `openapi::workflow_schemas`).
pub struct WorkflowIn;
/// Fields of a workflow to change.
pub struct WorkflowPatch;

impl utoipa::PartialSchema for WorkflowIn {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::api::openapi::workflow_schemas::workflow_in().into()
    }
}
impl utoipa::ToSchema for WorkflowIn {}
impl utoipa::PartialSchema for WorkflowPatch {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        crate::api::openapi::workflow_schemas::workflow_patch().into()
    }
}
impl utoipa::ToSchema for WorkflowPatch {}

async fn key(app: &App, scope: Scope) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(scope)?;
    Ok(key)
}

async fn load(app: &App, key: &KeyAuth) -> ApiResult<WorkflowRow> {
    app.store.workflow(&key.workspace_id, &app.param("id")).await?.ok_or_else(|| ApiError::NotFound("no workflow with this id in this workspace".into()))
}

/// The definition's problems: a field it does not have or a value of the
/// wrong JSON type is a 400 (as for every body), anything else a 422.
fn refused(errors: Vec<FieldError>) -> ApiError {
    match errors.iter().find(|e| e.code == "unknown_field" || e.code == "invalid_type") {
        Some(shape) => ApiError::MalformedField(shape.clone()),
        None => ApiError::Validation(errors),
    }
}

/// Parses a definition and checks what only the store knows: that the
/// channels its actions send through exist and, for an enabled workflow, are
/// set up (the rule: `leadsbot_shared::workflow::channels`).
async fn checked(app: &App, workspace_id: &str, body: &Value, before: Option<Before<'_>>) -> ApiResult<WorkflowDefinition> {
    let def = WorkflowDefinition::parse(body).map_err(refused)?;
    let mut channels = Channels::default();
    for id in channels::endpoint_ids(&def.actions) {
        if let Some(endpoint) = app.store.endpoint(workspace_id, id).await? {
            channels.endpoints.push((endpoint.id, endpoint.disabled_at.is_none()));
        }
    }
    if channels::needs_telegram(&def.actions) {
        channels.telegram = app.store.integration(workspace_id, TELEGRAM).await?.is_some();
    }
    channels.email = app.config()?.email.is_some();
    if channels::needs_slack(&def.actions) {
        channels.slack = app.store.integration(workspace_id, SLACK).await?.is_some();
    }
    let errors = channels::channel_problems(&def, before, &channels);
    if errors.is_empty() { Ok(def) } else { Err(ApiError::Validation(errors)) }
}

fn row_of(def: &WorkflowDefinition, id: String, workspace_id: String, created_at: i64, now: i64) -> ApiResult<WorkflowRow> {
    Ok(WorkflowRow {
        id, workspace_id, created_at, updated_at: now,
        name: def.name.clone(),
        enabled: u32::from(def.enabled),
        trigger_event: def.trigger.event().to_string(),
        definition: stored_definition(def)?,
    })
}

/// List workflows, newest first
#[utoipa::path(get, path = "/api/v1/workflows", operation_id = "listWorkflows", tag = "workflows", security(("apiKey" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of workflows", body = WorkflowListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Read).await?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let mut rows = app.store.workflows_page(&key.workspace_id, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    json(200, &WorkflowListOut::new(rows.iter().map(WorkflowOut::from_row).collect::<ApiResult<_>>()?, next_cursor))
}

/// Create a workflow
///
/// An enabled workflow's channels must be set up: a `telegram` action (or a
/// follow-up's Telegram reminder) needs Telegram, a `webhook` action an
/// enabled endpoint; else 422 naming the action (`telegram_not_set_up`,
/// `endpoint_disabled`). A disabled one may be saved before they are.
#[utoipa::path(post, path = "/api/v1/workflows", operation_id = "createWorkflow", tag = "workflows", security(("apiKey" = [])),
    request_body = WorkflowIn,
    responses((status = 201, description = "Created", body = WorkflowOut, links(
            ("GetWorkflow" = (operation_id = "getWorkflow", parameters(("id" = "$response.body#/id")))),
            ("ListWorkflowRuns" = (operation_id = "listWorkflowRuns", parameters(("id" = "$response.body#/id")))),
        )), BodyProblems, KeyProblems))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Write).await?;
    let body: Value = read_json(&mut app.req).await?;
    let def = checked(app, &key.workspace_id, &body, None).await?;
    let row = row_of(&def, new_id(IdKind::Workflow, app.now_ms)?, key.workspace_id.clone(), app.now_ms, app.now_ms)?;
    app.store.insert_workflow(&row).await?;
    json(201, &WorkflowOut::from_row(&row)?)
}

/// One workflow
#[utoipa::path(get, path = "/api/v1/workflows/{id}", operation_id = "getWorkflow", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Workflow id")),
    responses((status = 200, description = "The workflow", body = WorkflowOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Read).await?;
    json(200, &WorkflowOut::from_row(&load(app, &key).await?)?)
}

/// Change a workflow, or turn it on or off
///
/// Fields left out stay as they are; the result is checked as a whole. Runs
/// under way keep the actions they started with. Turning a workflow on, or
/// changing an enabled one's actions, checks its channels as creating does;
/// turning it off always succeeds, even when an endpoint it names is gone.
#[utoipa::path(patch, path = "/api/v1/workflows/{id}", operation_id = "patchWorkflow", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Workflow id")),
    request_body = WorkflowPatch,
    responses((status = 200, description = "The workflow as it is now", body = WorkflowOut), BodyProblems, KeyProblems, NotFound))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Write).await?;
    let changes: Map<String, Value> = read_json(&mut app.req).await?;
    let row = load(app, &key).await?;
    let stored = definition(&row)?;
    let mut merged = serde_json::to_value(&stored)?;
    for (name, value) in changes {
        match (name.as_str(), value) {
            ("conditions", Value::Null) => drop(merged.as_object_mut().and_then(|m| m.remove("conditions"))),
            (_, value) => merged[name.as_str()] = value,
        }
    }
    let before = Before { enabled: stored.enabled, actions: &stored.actions };
    let def = checked(app, &key.workspace_id, &merged, Some(before)).await?;
    let updated = row_of(&def, row.id.clone(), row.workspace_id.clone(), row.created_at, app.now_ms)?;
    if !app.store.update_workflow(&updated).await? {
        return Err(ApiError::NotFound("no workflow with this id in this workspace".into()));
    }
    json(200, &WorkflowOut::from_row(&updated)?)
}

/// Delete a workflow
///
/// Runs under way finish; their records stay readable per lead.
#[utoipa::path(delete, path = "/api/v1/workflows/{id}", operation_id = "deleteWorkflow", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Workflow id")),
    responses((status = 204, description = "Deleted"), KeyProblems, NotFound))]
pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Write).await?;
    if !app.store.delete_workflow(&key.workspace_id, &app.param("id")).await? {
        return Err(ApiError::NotFound("no workflow with this id in this workspace".into()));
    }
    no_content()
}

/// Run a workflow by hand
///
/// For one lead (`lead_id`) or for the leads a filter matches (the list's
/// filters; at most 500, newest first). Leads that do not meet the
/// workflow's conditions are skipped. With `dry_run=true`: which leads match
/// and which actions would run, changing nothing.
#[utoipa::path(post, path = "/api/v1/workflows/{id}/trigger", operation_id = "triggerWorkflow", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Workflow id"), ("dry_run" = Option<bool>, Query, description = "Only say what would run")),
    request_body = TriggerIn,
    responses((status = 202, description = "Runs created", body = TriggerOut), (status = 200, description = "Dry run", body = DryRunOut), BodyProblems, KeyProblems, NotFound))]
pub async fn trigger(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Write).await?;
    let dry_run = only_flag(&query_pairs(&app.req)?, "dry_run")?;
    let input: TriggerIn = read_json(&mut app.req).await?;
    let row = load(app, &key).await?;
    let def = definition(&row)?;
    let leads = trigger::select(&app.store, &key.workspace_id, &def, input).await?;
    if dry_run {
        let out = DryRunOut { matched: leads.len(), lead_ids: leads.iter().map(|l| l.id.clone()).collect(), actions: serde_json::to_value(&def.actions)? };
        return json(200, &out);
    }
    let due = trigger::start(&app.store, &row, &def, &leads, app.now_ms).await?;
    let runs = due.len();
    crate::outbox::dispatch(app, due, crate::automation::jobs::Automation);
    json(202, &TriggerOut { runs })
}

/// A workflow's runs, newest first
#[utoipa::path(get, path = "/api/v1/workflows/{id}/runs", operation_id = "listWorkflowRuns", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Workflow id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)"),
        ("cursor" = Option<String>, Query, pattern = "^(|run_[0-9A-HJKMNP-TV-Z]{26})$", description = "next_cursor of the previous page")),
    responses((status = 200, description = "A page of runs", body = RunPageOut), KeyProblems, NotFound, QueryProblems))]
pub async fn runs(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Read).await?;
    let workflow = load(app, &key).await?;
    runs_page(app, &key, RunsBy::Workflow(&workflow.id)).await
}

/// A lead's workflow runs, newest first
#[utoipa::path(get, path = "/api/v1/leads/{id}/runs", operation_id = "listLeadRuns", tag = "workflows", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)"),
        ("cursor" = Option<String>, Query, pattern = "^(|run_[0-9A-HJKMNP-TV-Z]{26})$", description = "next_cursor of the previous page")),
    responses((status = 200, description = "A page of runs", body = RunPageOut), KeyProblems, NotFound, QueryProblems))]
pub async fn lead_runs(app: &mut App) -> ApiResult<Response> {
    let key = key(app, Scope::Read).await?;
    let lead = app.store.lead(&key.workspace_id, &app.param("id")).await?.ok_or_else(|| ApiError::NotFound("no lead with this id in this workspace".into()))?;
    runs_page(app, &key, RunsBy::Lead(&lead.id)).await
}

async fn runs_page(app: &App, key: &KeyAuth, by: RunsBy<'_>) -> ApiResult<Response> {
    let page = PageQuery::parse(&query_pairs(&app.req)?, CursorOf::Id(IdKind::WorkflowRun), |_, _, _| false)?;
    let mut rows = app.store.runs_page(&key.workspace_id, by, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    let actions = app.store.run_actions(&key.workspace_id, &rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()).await?;
    json(200, &RunPageOut::new(rows.iter().map(|r| RunOut::new(r, &actions)).collect(), next_cursor))
}
