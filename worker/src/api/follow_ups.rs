//! A lead's follow-ups: `/api/v1/leads/:id/follow-ups`.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::automation::follow_ups::out::{FollowUpIn, FollowUpListOut, FollowUpOut};
use crate::automation::follow_ups::{schedule, FollowUpSpec};
use crate::http::{json, no_content, query_pairs, read_json, PageQuery};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems};
use crate::store::follow_ups::{CANCELLED, CANCELLED_BY_REQUEST};
use worker::Response;

fn lead_not_found() -> ApiError {
    ApiError::NotFound("no lead with this id in this workspace".into())
}

/// A lead's follow-ups, oldest first
#[utoipa::path(get, path = "/api/v1/leads/{id}/follow-ups", operation_id = "listFollowUps", tag = "follow-ups", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id"), PageParams),
    responses((status = 200, description = "A page, oldest first", body = FollowUpListOut), KeyProblems, NotFound, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let lead_id = app.param("id");
    app.store.lead(&key.workspace_id, &lead_id).await?.ok_or_else(lead_not_found)?;
    let mut rows = app.store.lead_follow_ups(&key.workspace_id, &lead_id, page.cursor.as_deref(), page.limit + 1).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    json(200, &FollowUpListOut::new(rows.iter().map(FollowUpOut::from).collect(), next_cursor))
}

/// Schedule a follow-up
#[utoipa::path(post, path = "/api/v1/leads/{id}/follow-ups", operation_id = "createFollowUp", tag = "follow-ups", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id")),
    request_body = FollowUpIn,
    responses((status = 201, description = "Scheduled", body = FollowUpOut, links(
        ("CancelFollowUp" = (operation_id = "cancelFollowUp", parameters(("id" = "$request.path.id"), ("follow_up_id" = "$response.body#/id")))),
    )), BodyProblems, KeyProblems, NotFound))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let (after_seconds, action, cancel_on_status_change) = read_json::<FollowUpIn>(&mut app.req).await?.check()?;
    let spec = FollowUpSpec { id: None, workspace_id: key.workspace_id.clone(), lead_id: app.param("id"), after_seconds, action, cancel_on_status_change, created_by: key.key_id.clone() };
    let row = schedule(&app.store, &app.env, &spec, app.now_ms).await?.ok_or_else(lead_not_found)?;
    json(201, &FollowUpOut::from(&row))
}

/// Cancel a follow-up
///
/// A scheduled follow-up is cancelled (204, also when it already was); one already sent is a 409.
#[utoipa::path(delete, path = "/api/v1/leads/{id}/follow-ups/{follow_up_id}", operation_id = "cancelFollowUp", tag = "follow-ups", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id"), ("follow_up_id" = String, Path, description = "Follow-up id")),
    responses((status = 204, description = "Cancelled"), KeyProblems, NotFound, Conflict))]
pub async fn cancel(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let (lead_id, id) = (app.param("id"), app.param("follow_up_id"));
    if app.store.cancel_follow_up(&key.workspace_id, &lead_id, &id, CANCELLED_BY_REQUEST, app.now_ms).await? {
        return no_content();
    }
    match app.store.follow_up(&key.workspace_id, &id).await? {
        Some(row) if row.lead_id == lead_id && row.status == CANCELLED => no_content(),
        Some(row) if row.lead_id == lead_id => Err(ApiError::Conflict(format!("this follow-up was already {}", row.status))),
        _ => Err(ApiError::NotFound("no follow-up with this id for this lead".into())),
    }
}
