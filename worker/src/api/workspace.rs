use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::api::openapi::problems::{BodyProblems, KeyProblems};
use crate::store::rejections::RejectionRow;
use crate::store::workspaces::WorkspaceUpdate;
use crate::lifecycle::summaries::zone::Zone;
use crate::workspace::{validate_digest_hour, validate_retention, validate_settings, validate_time_zone, WorkspaceOut, WorkspacePatch};
use leadsbot_shared::time::format_rfc3339;
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

/// This workspace's settings
#[utoipa::path(get, path = "/api/v1/workspace", operation_id = "getWorkspace", tag = "workspace", security(("apiKey" = [])),
    responses((status = 200, description = "The workspace", body = WorkspaceOut), KeyProblems))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let row = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    json(200, &WorkspaceOut::new(&app.origin()?, &row))
}

/// Change the workspace's settings (admin)
///
/// Name, allowed origins, lead retention, time zone and digest hour; absent fields keep their value.
#[utoipa::path(patch, path = "/api/v1/workspace", operation_id = "patchWorkspace", tag = "workspace", security(("apiKey" = [])),
    request_body = WorkspacePatch,
    responses((status = 200, description = "The workspace as it is now", body = WorkspaceOut), BodyProblems, KeyProblems))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: WorkspacePatch = read_json(&mut app.req).await?;
    let current = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let name = input.name.unwrap_or_else(|| current.name.clone());
    let origins = input.allowed_origins.unwrap_or_else(|| current.allowed_origins());
    let settings = validate_settings(Some(&name), Some(&origins), true)?;
    let lead_retention_days = validate_retention(input.lead_retention_days.unwrap_or(current.lead_retention_days))?;
    let timezone = match input.timezone {
        Some(given) => validate_time_zone(given)?,
        None => current.timezone.clone(),
    };
    // The list is the IANA database's; the runtime must know each name too (tests/summaries.test.mjs).
    if Zone::new(&timezone).is_none() {
        return Err(ApiError::invalid("timezone", "unknown_timezone", "timezone is an IANA time zone name, like Europe/Berlin"));
    }
    let digest_hour = validate_digest_hour(input.digest_hour.unwrap_or(current.digest_hour))?;
    let allowed_origins = serde_json::to_string(&settings.allowed_origins)?;
    let update = WorkspaceUpdate { name: &settings.name, allowed_origins: &allowed_origins, lead_retention_days, timezone: &timezone, digest_hour };
    app.store.update_workspace(&current.id, &update, app.now_ms).await?;
    let updated = app.store.workspace(&current.id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    json(200, &WorkspaceOut::new(&app.origin()?, &updated))
}

/// Browser captures refused for one origin and reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionOut {
    /// `null` when the refused request sent no `Origin`.
    origin: Option<String>,
    reason: String,
    count: i64,
    #[schema(format = DateTime)]
    first_at: String,
    #[schema(format = DateTime)]
    last_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RejectionsOut {
    data: Vec<RejectionOut>,
}

impl From<RejectionRow> for RejectionOut {
    fn from(row: RejectionRow) -> Self {
        Self {
            origin: Some(row.origin).filter(|o| !o.is_empty()),
            reason: row.reason,
            count: row.count,
            first_at: format_rfc3339(row.first_at),
            last_at: format_rfc3339(row.last_at),
        }
    }
}

/// Refused captures
///
/// Browser captures refused although their public token was valid, per origin and reason, and
/// captures refused by the workspace's lead cap (reason `lead_cap`, no origin), most recently
/// seen first (counts and times, no lead data).
#[utoipa::path(get, path = "/api/v1/workspace/rejections", operation_id = "listRejections", tag = "workspace", security(("apiKey" = [])),
    responses((status = 200, description = "Refusals per origin and reason", body = RejectionsOut), KeyProblems))]
pub async fn rejections(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let rows = app.store.rejections(&key.workspace_id).await?;
    json(200, &RejectionsOut { data: rows.into_iter().map(RejectionOut::from).collect() })
}
