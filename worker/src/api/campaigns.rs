//! Campaigns (`/api/v1/campaigns`): create, list with lead counts, rename,
//! and the manual controls pause, resume and archive.

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::automation::campaigns::{check_name, check_new, control_event, next_state, CampaignIn, CampaignListOut, CampaignOut, CampaignPatch, ControlListOut, ControlOut};
use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_pairs, read_json, PageQuery};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems};
use crate::store::campaigns::{CampaignRow, ControlRow, ControlWrite};
use leadsbot_shared::campaign::{CampaignState, Control};
use leadsbot_shared::ids::IdKind;
use worker::Response;

async fn key_with(app: &App, scope: Scope) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(scope)?;
    Ok(key)
}

async fn load(app: &App, key: &KeyAuth) -> ApiResult<CampaignRow> {
    app.store.campaign(&key.workspace_id, &app.param("id")).await?.ok_or_else(|| ApiError::NotFound("no campaign with this id in this workspace".into()))
}

async fn answer(app: &App, status: u16, row: &CampaignRow) -> ApiResult<Response> {
    let counts = app.store.campaign_counts(&row.workspace_id, Some(&row.id)).await?;
    json(status, &CampaignOut::new(row, counts.get(&row.id)))
}

/// List campaigns with their lead counts, newest first
#[utoipa::path(get, path = "/api/v1/campaigns", operation_id = "listCampaigns", tag = "campaigns", security(("apiKey" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of campaigns", body = CampaignListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = key_with(app, Scope::Read).await?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let mut rows = app.store.campaigns_page(&key.workspace_id, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    let counts = app.store.campaign_counts(&key.workspace_id, None).await?;
    json(200, &CampaignListOut::new(rows.iter().map(|r| CampaignOut::new(r, counts.get(&r.id))).collect(), next_cursor))
}

/// Create a campaign
///
/// Leads also create campaigns on the fly: a `campaign` (else `utm_campaign`)
/// whose slug is new makes an active campaign.
#[utoipa::path(post, path = "/api/v1/campaigns", operation_id = "createCampaign", tag = "campaigns", security(("apiKey" = [])),
    request_body = CampaignIn,
    responses((status = 201, description = "Created, active", body = CampaignOut, links(
            ("GetCampaign" = (operation_id = "getCampaign", parameters(("id" = "$response.body#/id")))),
            ("PatchCampaign" = (operation_id = "patchCampaign", parameters(("id" = "$response.body#/id")))),
            ("PauseCampaign" = (operation_id = "pauseCampaign", parameters(("id" = "$response.body#/id")))),
            ("ArchiveCampaign" = (operation_id = "archiveCampaign", parameters(("id" = "$response.body#/id")))),
            ("ListCampaignControls" = (operation_id = "listCampaignControls", parameters(("id" = "$response.body#/id")))),
        )),
        BodyProblems, KeyProblems, Conflict))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = key_with(app, Scope::Write).await?;
    let input: CampaignIn = read_json(&mut app.req).await?;
    let (slug, name) = check_new(&input)?;
    let now = app.now_ms;
    let row = CampaignRow {
        id: new_id(IdKind::Campaign, now)?,
        workspace_id: key.workspace_id.clone(),
        slug: slug.as_str().to_string(),
        name,
        state: CampaignState::Active.as_str().into(),
        created_at: now,
        updated_at: now,
    };
    if !app.store.insert_campaign(&row).await? {
        return Err(ApiError::Conflict(format!("a campaign with the slug {} exists in this workspace", row.slug)));
    }
    answer(app, 201, &row).await
}

/// One campaign with its lead counts
#[utoipa::path(get, path = "/api/v1/campaigns/{id}", operation_id = "getCampaign", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, description = "The campaign", body = CampaignOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = key_with(app, Scope::Read).await?;
    let row = load(app, &key).await?;
    answer(app, 200, &row).await
}

/// Rename a campaign
#[utoipa::path(patch, path = "/api/v1/campaigns/{id}", operation_id = "patchCampaign", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    request_body = CampaignPatch,
    responses((status = 200, description = "The campaign as it is now", body = CampaignOut), BodyProblems, KeyProblems, NotFound))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = key_with(app, Scope::Write).await?;
    let patch: CampaignPatch = read_json(&mut app.req).await?;
    let name = patch.name.as_deref().map(check_name).transpose().map_err(|e| ApiError::Validation(vec![e]))?;
    let mut row = load(app, &key).await?;
    if let Some(name) = name.filter(|n| *n != row.name) {
        if !app.store.rename_campaign(&key.workspace_id, &row.id, &name, app.now_ms).await? {
            return Err(ApiError::NotFound("no campaign with this id in this workspace".into()));
        }
        (row.name, row.updated_at) = (name, app.now_ms);
    }
    answer(app, 200, &row).await
}

/// Pause a campaign: its leads are stored and sent to webhooks, their response waits
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/pause", operation_id = "pauseCampaign", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, description = "Paused", body = CampaignOut, links(
            ("ResumeCampaign" = (operation_id = "resumeCampaign", parameters(("id" = "$request.path.id")))),
        )), KeyProblems, NotFound, Conflict))]
pub async fn pause(app: &mut App) -> ApiResult<Response> {
    control(app, Control::Pause).await
}

/// Resume a paused campaign: its held response runs, in capture order, once
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/resume", operation_id = "resumeCampaign", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, description = "Active again", body = CampaignOut), KeyProblems, NotFound, Conflict))]
pub async fn resume(app: &mut App) -> ApiResult<Response> {
    control(app, Control::Resume).await
}

/// Archive a campaign: its leads are still stored and sent to webhooks, with no response (final)
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/archive", operation_id = "archiveCampaign", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id")),
    responses((status = 200, description = "Archived", body = CampaignOut), KeyProblems, NotFound, Conflict))]
pub async fn archive(app: &mut App) -> ApiResult<Response> {
    control(app, Control::Archive).await
}

/// The controls applied to a campaign: who, when
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/controls", operation_id = "listCampaignControls", tag = "campaigns", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Campaign id"), PageParams),
    responses((status = 200, description = "A page, newest first", body = ControlListOut), KeyProblems, NotFound, QueryProblems))]
pub async fn controls(app: &mut App) -> ApiResult<Response> {
    let key = key_with(app, Scope::Read).await?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let row = load(app, &key).await?;
    let mut rows = app.store.campaign_controls(&key.workspace_id, &row.id, page.cursor.as_deref(), page.limit + 1).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    json(200, &ControlListOut::new(rows.iter().map(ControlOut::from).collect(), next_cursor))
}

/// Applies a control if the campaign's state allows it (409 otherwise),
/// atomically with its record, its event and what it does to held work.
async fn control(app: &mut App, control: Control) -> ApiResult<Response> {
    let key = key_with(app, Scope::Write).await?;
    // Two controls racing: the loser reads the new state and answers by it.
    for _ in 0..3 {
        let row = load(app, &key).await?;
        let to = next_state(&row, control)?;
        let now = app.now_ms;
        let record = ControlRow {
            id: new_id(IdKind::CampaignControl, now)?,
            action: control.as_str().into(),
            from_state: row.state.clone(),
            to_state: to.as_str().into(),
            requested_by: key.key_id.clone(),
            created_at: now,
        };
        let event = control_event(&row, control, to, &key.key_id, now)?;
        let write = ControlWrite { campaign: &row, control, to, record: &record, event: &event };
        if let Some(due) = app.store.apply_control(write).await? {
            crate::outbox::dispatch(app, due, crate::automation::jobs::Automation);
            let row = CampaignRow { state: to.as_str().into(), updated_at: now, ..row };
            return answer(app, 200, &row).await;
        }
    }
    Err(ApiError::Conflict("the campaign kept changing; read it again".into()))
}
