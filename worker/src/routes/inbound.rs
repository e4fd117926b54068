//! Inbound capture: browsers (public token), servers (API key or signature)
//! and tools posting to a capture URL all end in the same capture path.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::capture::{capture as store_capture, Capture, Outcome};
use crate::store::capture::Writer;
use crate::workspaces::normalize_origin;
use crate::error::{ApiError, ApiResult};
use crate::http::read_body;
use crate::store::workspaces::WorkspaceRow;
use leadsbot_shared::body::{is_supported, parse_fields, BodyError, Fields};
use leadsbot_shared::ids::{is_capture_url_id, is_sortable_id, workspace_of_public_token, IdKind};
use leadsbot_shared::signing::SignatureError;
use leadsbot_shared::mapping::apply_mapping;
use serde_json::Value;
use worker::{Headers, Response};

/// How long a browser may cache a successful preflight.
const PREFLIGHT_MAX_AGE_SECS: &str = "86400";

pub async fn capture(app: &mut App) -> ApiResult<Response> {
    // Any page may read our answers (errors help a site's developer); whether
    // a lead is accepted from that page is decided by the origin check.
    app.cors_origin = app.header("Origin");
    let (body, fields) = read_fields(app).await?;
    let business_id = app.param("business_id");
    let credential = credential(app, &fields)?;
    let origin = app.header("Origin").map(|o| normalize_origin(&o).unwrap_or(o));
    let (secret_hash, source) = match &credential {
        Credential::Signature => {
            let workspace = workspace_named(app, &business_id).await?;
            let workspace = workspace.ok_or_else(|| ApiError::Unauthorized(SignatureError::Mismatch.describe().into()))?;
            auth::server_signature(app, &workspace.inbound_secret_sealed, &body)?;
            (String::new(), "api")
        }
        Credential::ApiKey(secret) => (auth::key_hash(secret), "api"),
        Credential::PublicToken(token) => {
            crate::abuse::check(app, token).await?;
            (auth::key_hash(token), "widget")
        }
    };
    let writer = match &credential {
        Credential::Signature => Writer::Verified,
        Credential::ApiKey(_) => Writer::ApiKey { key_hash: &secret_hash },
        Credential::PublicToken(_) => Writer::PublicToken { token_hash: &secret_hash, origin: origin.as_deref() },
    };
    let capture = Capture { workspace_id: &business_id, writer, scope: "inbound", default_source: source, fields };
    match store_capture(app, capture).await? {
        Outcome::Answered(response) => Ok(response),
        Outcome::NotWritten(replay) => {
            diagnose(app, &business_id, &credential).await?;
            replay.answer(app).await
        }
    }
}

enum Credential {
    Signature,
    ApiKey(String),
    PublicToken(String),
}

fn credential(app: &App, fields: &Fields) -> ApiResult<Credential> {
    if app.header("X-LeadsBot-Signature").is_some() {
        return Ok(Credential::Signature);
    }
    if let Some(secret) = auth::bearer(app) {
        return Ok(Credential::ApiKey(secret));
    }
    app.header("X-LeadsBot-Token")
        .or_else(|| fields.get("_token").and_then(Value::as_str).map(str::to_string))
        .map(Credential::PublicToken)
        .ok_or_else(|| ApiError::Unauthorized("send the public token (X-LeadsBot-Token or _token), an API key, or a server signature".into()))
}

/// The workspace a path names, if the id is well formed and exists.
async fn workspace_named(app: &App, business_id: &str) -> ApiResult<Option<WorkspaceRow>> {
    if !is_sortable_id(IdKind::Workspace, business_id) {
        return Ok(None);
    }
    app.store.workspace(business_id).await
}

/// Runs only when the write did not happen: finds out why, answering with
/// the precise problem, or returns Ok when the credential holds (a replay).
async fn diagnose(app: &App, business_id: &str, credential: &Credential) -> ApiResult<()> {
    let unauthorized = |why: &str| ApiError::Unauthorized(why.to_string());
    match credential {
        Credential::Signature => Ok(()),
        Credential::ApiKey(secret) => {
            let key = auth::resolve_key(app, secret).await?.ok_or_else(|| unauthorized("this API key is invalid or revoked"))?;
            if key.workspace_id != business_id {
                return Err(ApiError::NotFound("no such business".into()));
            }
            key.require(Scope::Write)
        }
        Credential::PublicToken(token) => {
            if workspace_of_public_token(token).is_some_and(|w| w != business_id) {
                return Err(ApiError::NotFound("no such business".into()));
            }
            let workspace = workspace_named(app, business_id).await?;
            let workspace = workspace.filter(|w| auth::public_token_matches(Some(w), token)).ok_or_else(|| unauthorized("this public token is invalid"))?;
            let origin = app.header("Origin");
            if !auth::origin_allowed(&workspace.allowed_origins(), origin.as_deref()) {
                return Err(ApiError::Forbidden(format!("origin {} is not allowed for this workspace", origin.as_deref().unwrap_or("(none)"))));
            }
            Ok(())
        }
    }
}

pub async fn capture_via_url(app: &mut App) -> ApiResult<Response> {
    let (body, fields) = read_fields(app).await?;
    let id = app.param("webhook_id");
    let not_found = || ApiError::NotFound("no such capture URL".into());
    let endpoint = if is_capture_url_id(&id) { app.store.capture_url(&id).await? } else { None };
    let endpoint = endpoint.ok_or_else(not_found)?;
    let preset = endpoint.preset();
    match (preset, &endpoint.secret_sealed) {
        (Some(preset), Some(sealed)) => auth::tool_signature(app, preset, sealed, &body)?,
        (None, Some(sealed)) => auth::server_signature(app, sealed, &body)?,
        (_, None) => {}
    }
    let mapping: serde_json::Map<String, Value> = serde_json::from_str(&endpoint.field_mapping).unwrap_or_default();
    let scope = format!("capture_url:{id}");
    let fields = match preset {
        Some(preset) => preset.lead_fields(&fields, &mapping).map_err(ApiError::Validation)?,
        None => apply_mapping(&mapping, fields),
    };
    let capture = Capture { workspace_id: &endpoint.workspace_id, writer: Writer::Verified, scope: &scope, default_source: "inbound_webhook", fields };
    match store_capture(app, capture).await? {
        Outcome::Answered(response) => Ok(response),
        Outcome::NotWritten(replay) => replay.answer(app).await,
    }
}

/// Refuses what cannot be read before reading it, then parses the body.
async fn read_fields(app: &mut App) -> ApiResult<(Vec<u8>, Fields)> {
    let content_type = app.header("Content-Type");
    if !is_supported(content_type.as_deref()) {
        let declared = content_type.as_deref().unwrap_or("no Content-Type");
        return Err(ApiError::UnsupportedMediaType(format!(
            "{declared} is not accepted; send application/json, application/x-www-form-urlencoded, multipart/form-data or text/plain (JSON)"
        )));
    }
    let body = read_body(&mut app.req).await?;
    let fields = parse_fields(content_type.as_deref(), &body).map_err(|err| match err {
        BodyError::UnsupportedMediaType(why) => ApiError::UnsupportedMediaType(why),
        BodyError::Malformed(why) => ApiError::BadRequest(why),
    })?;
    Ok((body, fields))
}

/// Browsers ask before a non-simple cross-origin post (JSON, custom headers).
pub async fn preflight(app: &mut App) -> ApiResult<Response> {
    let business_id = app.param("business_id");
    let origin = app.header("Origin").ok_or_else(|| ApiError::BadRequest("a preflight needs an Origin header".into()))?;
    let workspace = workspace_named(app, &business_id).await?;
    let allowed = workspace.is_some_and(|w| auth::origin_allowed(&w.allowed_origins(), Some(&origin)));
    if !allowed {
        return Err(ApiError::Forbidden(format!("origin {origin} is not allowed to post here")));
    }
    let headers = Headers::new();
    headers.set("Access-Control-Allow-Methods", "POST, OPTIONS")?;
    headers.set("Access-Control-Allow-Headers", "Content-Type, X-LeadsBot-Token, Idempotency-Key")?;
    headers.set("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECS)?;
    app.cors_origin = Some(origin);
    Ok(Response::builder().with_status(204).with_headers(headers).empty())
}
