use crate::app::App;
use crate::auth::{self, Scope};
use crate::credentials::new_id;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_pairs, read_json};
use crate::leads::{apply_patch, lead_detail_json, lead_json, page, parse_query, LeadPatch};
use crate::store::leads::StatusChangeRow;
use leadsbot_shared::ids::IdKind;
use serde_json::json;
use worker::Response;

pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let query = parse_query(&query_pairs(&app.req)?)?;
    let rows = app.store.leads(&key.workspace_id, &query).await?;
    let (rows, next_cursor) = page(rows, query.limit);
    json(200, &json!({"data": rows.iter().map(lead_json).collect::<Vec<_>>(), "next_cursor": next_cursor}))
}

pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let id = app.param("id");
    let lead = app.store.lead(&key.workspace_id, &id).await?.ok_or_else(not_found)?;
    let history = app.store.status_changes(&key.workspace_id, &id).await?;
    json(200, &lead_detail_json(&lead, &history))
}

pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let patch: LeadPatch = read_json(&mut app.req).await?;
    let id = app.param("id");
    let lead = app.store.lead(&key.workspace_id, &id).await?.ok_or_else(not_found)?;
    let (updated, transition) = apply_patch(lead, patch, app.now_ms)?;
    let change = match &transition {
        Some((from, to)) => Some(StatusChangeRow {
            id: new_id(IdKind::StatusChange, app.now_ms)?,
            lead_id: updated.id.clone(),
            from_status: from.clone(),
            to_status: to.clone(),
            changed_by: Some(key.key_id.clone()),
            changed_at: app.now_ms,
        }),
        None => None,
    };
    let events = crate::delivery::lead_change_events(app, &updated, transition.as_ref())?;
    let event_statements = events.iter().map(|e| app.store.event_statements(e)).collect::<ApiResult<Vec<_>>>()?.concat();
    app.store.update_lead(&updated, change.as_ref(), event_statements).await?;
    for event in &events {
        crate::delivery::dispatch_event(app, event).await;
    }
    json(200, &lead_json(&updated))
}

fn not_found() -> ApiError {
    ApiError::NotFound("no lead with this id in this workspace".into())
}
