//! Webhook endpoints (`/api/v1/webhooks`): register, change, rotate secrets,
//! read the delivery log and replay failures.

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::credentials::new_id;
use crate::delivery::endpoints::{apply_patch, check_new, delivery_json, endpoint_json, EndpointIn, EndpointPatch};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, query_pairs, read_json};
use crate::platform::random_bytes;
use crate::store::endpoints::EndpointRow;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::parse_rfc3339;
use crate::delivery::webhook::EVENT_TYPES;
use crate::store::deliveries::DueDelivery;
use crate::store::recovery::EndpointRef;
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Response;

async fn admin(app: &App) -> ApiResult<KeyAuth> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    Ok(key)
}

async fn load(app: &App, key: &KeyAuth) -> ApiResult<EndpointRow> {
    app.store.endpoint(&key.workspace_id, &app.param("id")).await?.ok_or_else(|| ApiError::NotFound("no webhook endpoint with this id in this workspace".into()))
}

/// A new secret, as (plaintext to show once, sealed to store).
fn new_secret(app: &App) -> ApiResult<(String, String)> {
    let secret = new_endpoint_secret(random_bytes()?);
    let sealed = app.config()?.secrets.seal(&secret, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?;
    Ok((secret, sealed))
}

pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let rows = app.store.endpoints(&key.workspace_id).await?;
    json(200, &json!({"data": rows.iter().map(endpoint_json).collect::<Vec<_>>()}))
}

pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let input: EndpointIn = read_json(&mut app.req).await?;
    let (url, events, description) = check_new(input, app.config()?.url_policy)?;
    let (secret, secret_sealed) = new_secret(app)?;
    let now = app.now_ms;
    let row = EndpointRow {
        id: new_id(IdKind::WebhookEndpoint, now)?,
        workspace_id: key.workspace_id.clone(),
        url, description, events, secret_sealed,
        previous_secret_sealed: None, previous_secret_expires_at: None,
        disabled_at: None, disabled_reason: None, failing_since: None,
        created_at: now, updated_at: now,
    };
    app.store.insert_endpoint(&row).await?;
    let mut body = endpoint_json(&row);
    body["secret"] = json!(secret);
    json(201, &body)
}

pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    json(200, &endpoint_json(&load(app, &key).await?))
}

pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let patch: EndpointPatch = read_json(&mut app.req).await?;
    let mut row = load(app, &key).await?;
    apply_patch(&mut row, patch, app.config()?.url_policy, app.now_ms)?;
    app.store.update_endpoint(&row).await?;
    json(200, &endpoint_json(&row))
}

pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    if app.store.delete_endpoint(&key.workspace_id, &app.param("id")).await? {
        no_content()
    } else {
        Err(ApiError::NotFound("no webhook endpoint with this id in this workspace".into()))
    }
}

/// The old secret keeps signing (in the `-Previous` headers) for the grace
/// period, so receivers can switch without dropping a delivery.
pub async fn rotate_secret(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let mut row = load(app, &key).await?;
    let (secret, sealed) = new_secret(app)?;
    let grace_ms = app.config()?.rotation_grace_secs * 1000;
    row.previous_secret_sealed = Some(std::mem::replace(&mut row.secret_sealed, sealed));
    row.previous_secret_expires_at = Some(app.now_ms + grace_ms);
    row.updated_at = app.now_ms;
    app.store.update_endpoint(&row).await?;
    let mut body = endpoint_json(&row);
    body["secret"] = json!(secret);
    json(200, &body)
}

pub async fn deliveries(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let endpoint = load(app, &key).await?;
    let (mut status, mut cursor, mut limit) = (None, None, 50u32);
    for (name, value) in query_pairs(&app.req)? {
        match name.as_str() {
            "status" if ["pending", "succeeded", "failed"].contains(&value.as_str()) => status = Some(value),
            "cursor" => cursor = Some(value),
            "limit" => limit = value.parse().ok().filter(|l| (1..=100).contains(l)).ok_or_else(|| ApiError::invalid("limit", "out_of_range", "limit is from 1 to 100"))?,
            other => return Err(ApiError::invalid(other, "unknown_parameter", "filters are status (pending, succeeded, failed), cursor and limit")),
        }
    }
    let mut rows = app.store.deliveries_for_target(&key.workspace_id, &endpoint.id, status.as_deref(), cursor.as_deref(), limit).await?;
    let next_cursor = (rows.len() > limit as usize).then(|| rows.get(limit as usize - 1).map(|r| r.id.clone())).flatten();
    rows.truncate(limit as usize);
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attempts = app.store.attempts_for(&key.workspace_id, &ids).await?;
    json(200, &json!({"data": rows.iter().map(|r| delivery_json(r, &attempts)).collect::<Vec<_>>(), "next_cursor": next_cursor}))
}

#[derive(Deserialize)]
struct RecoverIn {
    since: String,
}

/// The answer to a recover call.
#[derive(Serialize)]
struct RecoverOut {
    /// Failed deliveries made pending again.
    replayed: usize,
    delivery_ids: Vec<String>,
    /// Deliveries created for events the endpoint never received.
    missing: u32,
    /// True when the cap was reached: call again for the rest.
    more: bool,
}

/// Replays the failed deliveries to this endpoint since a time, and creates
/// deliveries for the events since then that it subscribes to but never
/// received (raised while it was disabled, say), at most
/// `RECOVER_MAX_PER_CALL` in all. The missing events go out one at a time in
/// event order, through the queue; nothing is sent inside this request.
pub async fn recover(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let input: RecoverIn = read_json(&mut app.req).await?;
    let since = parse_rfc3339(input.since.trim()).ok_or_else(|| ApiError::invalid("since", "invalid_datetime", "use an RFC 3339 date-time"))?;
    let endpoint = load(app, &key).await?;
    let config = app.config()?;
    let cap = config.recover_max_per_call;
    // Older deliveries may have been removed by retention: their events would look missing.
    let since = since.max(app.now_ms - config.delivery_log_retention_days * config.retention_day_ms);
    let replayed = app.store.replay_failed_since(&key.workspace_id, &endpoint.id, since, app.now_ms, cap).await?;
    let room = cap.saturating_sub(replayed.len() as u32);
    let target = EndpointRef { workspace_id: &key.workspace_id, id: &endpoint.id, event_types: &EVENT_TYPES };
    let recovered = app.store.recover_missing(target, since, app.now_ms, room).await?;
    let mut due: Vec<DueDelivery> = replayed.iter().filter(|d| d.in_order == 0).cloned().collect();
    due.extend(recovered.released);
    crate::delivery::enqueue_now(app, &due).await;
    let out = RecoverOut { replayed: replayed.len(), delivery_ids: replayed.into_iter().map(|d| d.id).collect(), missing: recovered.missing, more: recovered.more };
    json(202, &out)
}
