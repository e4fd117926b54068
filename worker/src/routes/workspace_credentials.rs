//! Rotating a workspace's capture credentials: the public token (in every
//! embed tag) and the inbound signing secret. The new value is shown once; the
//! old one keeps working for a grace period so sites and servers can switch.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::credentials::issue_public_token;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_optional_json};
use crate::platform::random_bytes;
use leadsbot_shared::ids::redacted_parts;
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::format_rfc3339;
use serde::{Deserialize, Serialize};
use worker::Response;

/// The longest grace a rotation may ask for: a week.
const MAX_GRACE_SECS: i64 = 7 * 24 * 3600;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RotateIn {
    /// Seconds the old value keeps working; default `ROTATION_GRACE_SECS`
    /// (24 h). 0 ends it at once (for a leaked credential).
    grace_secs: Option<i64>,
}

#[derive(Debug, Serialize)]
pub struct RotatedPublicTokenOut {
    public_token: String,
    public_token_prefix: String,
    previous_expires_at: String,
}

#[derive(Debug, Serialize)]
pub struct RotatedInboundSecretOut {
    inbound_signing_secret: String,
    previous_expires_at: String,
}

pub async fn rotate_public_token(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let previous_expires_at = grace_end(app).await?;
    let token = issue_public_token(&key.workspace_id)?;
    let prefix = redacted_parts(&token).0;
    if !app.store.rotate_public_token(&key.workspace_id, &auth::key_hash(&token), &prefix, previous_expires_at, app.now_ms).await? {
        return Err(ApiError::NotFound("workspace not found".into()));
    }
    let out = RotatedPublicTokenOut { public_token: token, public_token_prefix: prefix, previous_expires_at: format_rfc3339(previous_expires_at) };
    json(200, &out)
}

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
