use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::workspaces::{validate_settings, workspace_json, WorkspaceSettingsIn};
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
    let input: WorkspaceSettingsIn = read_json(&mut app.req).await?;
    let current = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let name = input.name.unwrap_or_else(|| current.name.clone());
    let origins = input.allowed_origins.unwrap_or_else(|| current.allowed_origins());
    let settings = validate_settings(Some(&name), Some(&origins), true)?;
    let origins_json = serde_json::to_string(&settings.allowed_origins)?;
    app.store.update_workspace(&current.id, &settings.name, &origins_json, app.now_ms).await?;
    let updated = app.store.workspace(&current.id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    json(200, &workspace_json(&updated))
}
