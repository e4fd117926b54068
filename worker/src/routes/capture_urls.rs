//! Capture URLs (`/api/v1/inbound-webhooks`): URLs whose id is the credential,
//! for tools that can only be given a URL.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::platform::random_bytes;
use crate::store::capture_urls::CaptureUrlRow;
use leadsbot_shared::ids::capture_url_id;
use leadsbot_shared::mapping::validate_mapping;
use leadsbot_shared::presets::{validate_preset_mapping, Preset};
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use worker::Response;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureUrlIn {
    name: Option<String>,
    /// Generic: lead field → dotted path. With a preset: lead field → the
    /// tool's field reference, key or label.
    #[serde(default)]
    field_mapping: Map<String, Value>,
    /// When true, posts must be signed with the secret returned once: our
    /// server signature, or with a preset the tool's own signature header.
    /// Defaults to true with a preset, false without.
    require_signature: Option<bool>,
    /// `typeform` or `tally`: the tool's payload shape and signature scheme.
    preset: Option<String>,
}

#[derive(Serialize)]
struct CaptureUrlOut {
    id: String,
    name: String,
    url: String,
    preset: Option<String>,
    field_mapping: Value,
    signed: bool,
    created_at: String,
    /// Present only in the create answer: the secret, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    signing_secret: Option<Option<String>>,
}

fn capture_url_out(origin: &str, row: &CaptureUrlRow) -> CaptureUrlOut {
    CaptureUrlOut {
        id: row.id.clone(),
        name: row.name.clone(),
        url: format!("{origin}/api/inbound/w/{}/leads", row.id),
        preset: row.preset.clone(),
        field_mapping: serde_json::from_str::<Value>(&row.field_mapping).unwrap_or_else(|_| Value::Object(Map::new())),
        signed: row.secret_sealed.is_some(),
        created_at: format_rfc3339(row.created_at),
        signing_secret: None,
    }
}

fn parse_preset(preset: Option<&str>) -> ApiResult<Option<Preset>> {
    let Some(name) = preset else { return Ok(None) };
    let known = Preset::ALL.map(Preset::as_str).join(", ");
    Preset::parse(name).map(Some).ok_or_else(|| ApiError::invalid("preset", "unknown_preset", format!("preset must be one of: {known}")))
}

pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let origin = app.origin()?;
    let rows = app.store.capture_urls(&key.workspace_id).await?;
    json(200, &json!({"data": rows.iter().map(|r| capture_url_out(&origin, r)).collect::<Vec<_>>()}))
}

pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: CaptureUrlIn = read_json(&mut app.req).await?;
    let name = input.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| "Capture URL".into());
    if name.chars().count() > 100 {
        return Err(ApiError::Validation(vec![FieldError::too_long("name", 100)]));
    }
    let preset = parse_preset(input.preset.as_deref())?;
    match preset {
        Some(_) => validate_preset_mapping(&input.field_mapping),
        None => validate_mapping(&input.field_mapping),
    }
    .map_err(ApiError::Validation)?;
    let require_signature = input.require_signature.unwrap_or(preset.is_some());
    let secret = require_signature.then(|| random_bytes::<32>().map(new_endpoint_secret)).transpose()?;
    let secret_sealed = match &secret {
        Some(s) => Some(app.config()?.secrets.seal(s, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?),
        None => None,
    };
    let row = CaptureUrlRow {
        id: capture_url_id(random_bytes()?),
        workspace_id: key.workspace_id.clone(),
        name,
        field_mapping: Value::Object(input.field_mapping).to_string(),
        secret_sealed,
        created_at: app.now_ms,
        preset: preset.map(|p| p.as_str().to_string()),
    };
    app.store.insert_capture_url(&row).await?;
    let body = CaptureUrlOut { signing_secret: Some(secret), ..capture_url_out(&app.origin()?, &row) };
    json(201, &body)
}

pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    if app.store.delete_capture_url(&key.workspace_id, &app.param("id")).await? {
        no_content()
    } else {
        Err(ApiError::NotFound("no capture URL with this id in this workspace".into()))
    }
}
