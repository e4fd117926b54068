use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_pairs, read_json, PageQuery};
use crate::leads::change::{change_lead, ChangeOutcome, Expect, LeadChange};
use crate::leads::{etag, parse_query, LeadDetailOut, LeadOut, LeadPageOut, LeadPatch};
use crate::api::openapi::params::LeadFilters;
use crate::api::openapi::schemas::LeadCursor;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems, Stale};
use crate::store::leads::LeadRow;
use worker::Response;

/// List leads, newest first
#[utoipa::path(get, path = "/api/v1/leads", operation_id = "listLeads", tag = "leads", security(("apiKey" = [])),
    params(
        LeadFilters,
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)"),
        ("cursor" = Option<LeadCursor>, Query, description = "next_cursor of the previous page; empty is the first page"),
    ),
    responses((status = 200, description = "A page", body = LeadPageOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let query = parse_query(&query_pairs(&app.req)?)?;
    let mut rows = app.store.leads(&key.workspace_id, &query).await?;
    let next_cursor = PageQuery { limit: query.limit, cursor: None }.cut(&mut rows, |r| r.id.clone());
    json(200, &LeadPageOut::new(rows.iter().map(LeadOut::from).collect(), next_cursor))
}

/// One lead with its status history
#[utoipa::path(get, path = "/api/v1/leads/{id}", operation_id = "getLead", tag = "leads", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 200, description = "The lead", body = LeadDetailOut, headers(("ETag" = String, description = "Send as If-Match to PATCH only this version")),
        links(("PatchLead" = (operation_id = "patchLead", parameters(("id" = "$request.path.id"), ("header.If-Match" = "$response.header.ETag")))))),
        KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let id = app.param("id");
    let lead = app.store.lead(&key.workspace_id, &id).await?.ok_or_else(not_found)?;
    let history = app.store.status_changes(&key.workspace_id, &id).await?;
    with_etag(json(200, &LeadDetailOut::new(&lead, &history))?, &lead)
}

/// Change status, tags or note
///
/// With `If-Match` (the lead's ETag), the change applies only if nobody changed the lead since
/// (else 412, nothing changed). A patch that changes nothing (`{}`, or the current values)
/// writes nothing and emits no event.
#[utoipa::path(patch, path = "/api/v1/leads/{id}", operation_id = "patchLead", tag = "leads", security(("apiKey" = [])),
    params(
        ("id" = String, Path, description = "Lead id"),
        ("If-Match" = Option<String>, Header, nullable = false, description = "The ETag of the lead as last read"),
    ),
    request_body = LeadPatch,
    responses((status = 200, description = "The lead as it is now", body = LeadOut, headers(("ETag" = String))), BodyProblems, KeyProblems, NotFound, Stale, Conflict))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let patch: LeadPatch = read_json(&mut app.req).await?;
    let (id, if_match) = (app.param("id"), app.header("If-Match"));
    let lead = patch_lead(app, &key.workspace_id, &key.key_id, &id, patch, if_match.as_deref()).await?;
    with_etag(json(200, &LeadOut::from(&lead))?, &lead)
}

/// THE way a request changes a lead (the API, the inbox): `change_lead` as
/// `actor` (an API key id), then its events dispatched; `if_match` as in PATCH.
pub(crate) async fn patch_lead(app: &App, workspace_id: &str, actor: &str, id: &str, patch: LeadPatch, if_match: Option<&str>) -> ApiResult<LeadRow> {
    let expect = if_match.map_or(Expect::Anything, Expect::ETag);
    let change = LeadChange { workspace_id, lead_id: id, patch, changed_by: actor, expect };
    match change_lead(&app.store, &change, app.now_ms).await? {
        ChangeOutcome::Changed { lead, due } => {
            crate::outbox::dispatch(app, due, crate::automation::jobs::Automation);
            Ok(lead)
        }
        ChangeOutcome::Unchanged(lead) => Ok(lead),
        ChangeOutcome::NotFound => Err(not_found()),
        ChangeOutcome::Stale(_) => Err(stale()),
    }
}

fn with_etag(mut response: Response, lead: &LeadRow) -> ApiResult<Response> {
    response.headers_mut().set("ETag", &etag(lead))?;
    Ok(response)
}

fn not_found() -> ApiError {
    ApiError::NotFound("no lead with this id in this workspace".into())
}

fn stale() -> ApiError {
    ApiError::PreconditionFailed("the lead changed since it was read (If-Match does not match its ETag); read it again".into())
}
