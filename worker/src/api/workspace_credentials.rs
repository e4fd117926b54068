//! Rotating a workspace's capture credentials: the public token (in every
//! embed tag) and the inbound signing secret. The new value is shown once; the
//! old one keeps working for a grace period so sites and servers can switch.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::auth::credentials::issue_public_token;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_optional_json};
use crate::platform::random_bytes;
use leadsbot_shared::ids::redacted_parts;
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::format_rfc3339;
use crate::api::openapi::problems::{BodyProblems, KeyProblems};
use crate::wire::non_null_whole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

/// The longest grace a rotation may ask for: a week.
const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;

/// An optional body: `{}` or none at all takes the default grace.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// Seconds the old value keeps working; default `ROTATION_GRACE_SECS`
    /// (24 h). 0 ends it at once (for a leaked credential).
    #[serde(default, deserialize_with = "non_null_whole")]
    #[schema(nullable = false, minimum = 0, maximum = 604800)]
    grace_secs: Option<i64>,
}

/// The new public token, shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedPublicTokenOut {
    public_token: String,
    public_token_prefix: String,
    /// When the old token stops working.
    #[schema(format = DateTime)]
    previous_expires_at: String,
}

/// The new inbound signing secret, shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedInboundSecretOut {
    inbound_signing_secret: String,
    /// When the old secret stops working.
    #[schema(format = DateTime)]
    previous_expires_at: String,
}

/// Rotate the public token (admin)
///
/// The old token keeps working until `previous_expires_at`.
#[utoipa::path(post, path = "/api/v1/workspace/rotate-public-token", operation_id = "rotatePublicToken", tag = "workspace", security(("apiKey" = [])),
    request_body(content = Option<RotateIn>, description = "Optional"),
    responses((status = 200, description = "Rotated", body = RotatedPublicTokenOut), BodyProblems, KeyProblems))]
pub async fn rotate_public_token(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let previous_expires_at = grace_end(app).await?;
    let (token, prefix) = new_public_token(app, &key.workspace_id, previous_expires_at).await?;
    let out = RotatedPublicTokenOut { public_token: token, public_token_prefix: prefix, previous_expires_at: format_rfc3339(previous_expires_at) };
    json(200, &out)
}

/// Replaces the workspace's public token (the API, the inbox's settings); the
/// old one works until `previous_expires_at`. Returns the token and its prefix.
pub(crate) async fn new_public_token(app: &App, workspace_id: &str, previous_expires_at: i64) -> ApiResult<(String, String)> {
    let token = issue_public_token(workspace_id)?;
    let prefix = redacted_parts(&token).0;
    if !app.store.rotate_public_token(workspace_id, &auth::key_hash(&token), &prefix, previous_expires_at, app.now_ms).await? {
        return Err(ApiError::NotFound("workspace not found".into()));
    }
    Ok((token, prefix))
}

/// Rotate the inbound signing secret (admin)
///
/// The old secret keeps verifying server signatures until `previous_expires_at`.
#[utoipa::path(post, path = "/api/v1/workspace/rotate-inbound-secret", operation_id = "rotateInboundSecret", tag = "workspace", security(("apiKey" = [])),
    request_body(content = Option<RotateIn>, description = "Optional"),
    responses((status = 200, description = "Rotated", body = RotatedInboundSecretOut), BodyProblems, KeyProblems))]
pub async fn rotate_inbound_secret(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let previous_expires_at = grace_end(app).await?;
    let secret = new_endpoint_secret(random_bytes()?);
    let sealed = app.config()?.secrets.seal(&secret, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?;
    if !app.store.rotate_inbound_secret(&key.workspace_id, &sealed, previous_expires_at, app.now_ms).await? {
        return Err(ApiError::NotFound("workspace not found".into()));
    }
    let out = RotatedInboundSecretOut { inbound_signing_secret: secret, previous_expires_at: format_rfc3339(previous_expires_at) };
    json(200, &out)
}

/// When the replaced value stops working (unix ms).
async fn grace_end(app: &mut App) -> ApiResult<i64> {
    let input: RotateIn = read_optional_json(&mut app.req).await?;
    let grace_secs = match input.grace_secs {
        Some(secs) if !(0..=MAX_GRACE_SECS).contains(&secs) => {
            return Err(ApiError::invalid("grace_secs", "out_of_range", format!("grace_secs is 0 to {MAX_GRACE_SECS}")));
        }
        Some(secs) => secs,
        None => app.config()?.rotation_grace_secs,
    };
    Ok(app.now_ms + grace_secs * 1000)
}
