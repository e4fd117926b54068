use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::store::rejections::RejectionRow;
use crate::workspaces::{validate_retention, validate_settings, workspace_json, WorkspacePatchIn};
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
    let retention = validate_retention(input.lead_retention_days.unwrap_or(current.lead_retention_days))?;
    let origins_json = serde_json::to_string(&settings.allowed_origins)?;
    app.store.update_workspace(&current.id, &settings.name, &origins_json, retention, app.now_ms).await?;
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
