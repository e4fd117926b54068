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
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use worker::Response;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaptureUrlIn {
    name: Option<String>,
    #[serde(default)]
    field_mapping: Map<String, Value>,
    /// When true, posts must carry a server signature made with the secret returned once.
    #[serde(default)]
    require_signature: bool,
}

fn capture_url_json(origin: &str, row: &CaptureUrlRow) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "url": format!("{origin}/api/inbound/w/{}/leads", row.id),
        "field_mapping": serde_json::from_str::<Value>(&row.field_mapping).unwrap_or_else(|_| json!({})),
        "signed": row.secret_sealed.is_some(),
        "created_at": format_rfc3339(row.created_at),
    })
}

pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let origin = app.origin()?;
    let rows = app.store.capture_urls(&key.workspace_id).await?;
    json(200, &json!({"data": rows.iter().map(|r| capture_url_json(&origin, r)).collect::<Vec<_>>()}))
}

pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: CaptureUrlIn = read_json(&mut app.req).await?;
    let name = input.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| "Capture URL".into());
    if name.chars().count() > 100 {
        return Err(ApiError::Validation(vec![FieldError::too_long("name", 100)]));
    }
    validate_mapping(&input.field_mapping).map_err(ApiError::Validation)?;
    let secret = input.require_signature.then(|| random_bytes::<32>().map(new_endpoint_secret)).transpose()?;
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
    };
    app.store.insert_capture_url(&row).await?;
    let mut body = capture_url_json(&app.origin()?, &row);
    body["signing_secret"] = json!(secret);
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
