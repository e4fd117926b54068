use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::store::rejections::RejectionRow;
use crate::store::workspaces::WorkspaceUpdate;
use crate::summaries::zone::Zone;
use crate::workspaces::{validate_digest_hour, validate_retention, validate_settings, workspace_json, WorkspacePatchIn};
use leadsbot_shared::time::format_rfc3339;
use serde::Serialize;
use worker::Response;

pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let row = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    json(200, &workspace_json(&row))
}

pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: WorkspacePatchIn = read_json(&mut app.req).await?;
    let current = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let name = input.name.unwrap_or_else(|| current.name.clone());
    let origins = input.allowed_origins.unwrap_or_else(|| current.allowed_origins());
    let settings = validate_settings(Some(&name), Some(&origins), true)?;
    let lead_retention_days = validate_retention(input.lead_retention_days.unwrap_or(current.lead_retention_days))?;
    let timezone = input.timezone.map(|t| t.trim().to_string()).unwrap_or_else(|| current.timezone.clone());
    if Zone::new(&timezone).is_none() {
        return Err(ApiError::invalid("timezone", "unknown_timezone", "timezone is an IANA time zone name, like Europe/Berlin"));
    }
    let digest_hour = validate_digest_hour(input.digest_hour.unwrap_or(current.digest_hour))?;
    let allowed_origins = serde_json::to_string(&settings.allowed_origins)?;
    let update = WorkspaceUpdate { name: &settings.name, allowed_origins: &allowed_origins, lead_retention_days, timezone: &timezone, digest_hour };
    app.store.update_workspace(&current.id, &update, app.now_ms).await?;
    let updated = app.store.workspace(&current.id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    json(200, &workspace_json(&updated))
}

#[derive(Debug, Serialize)]
pub struct RejectionOut {
    /// `null` when the refused request sent no `Origin`.
    origin: Option<String>,
    reason: String,
    count: i64,
    first_at: String,
    last_at: String,
}

#[derive(Debug, Serialize)]
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

/// Browser captures refused although their public token was valid, per
/// origin and reason, most recently seen first.
pub async fn rejections(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let rows = app.store.rejections(&key.workspace_id).await?;
    json(200, &RejectionsOut { data: rows.into_iter().map(RejectionOut::from).collect() })
}
