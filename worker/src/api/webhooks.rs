//! Webhook endpoints (`/api/v1/webhooks`): register, change, rotate secrets,
//! read the delivery log and replay failures.

use crate::app::App;
use crate::auth::{self, KeyAuth, Scope};
use crate::ids::new_id;
use crate::outbox::endpoints::{apply_patch, check_new, DeliveryOut, EndpointIn, EndpointOut, EndpointPatch, EndpointWithSecretOut};
use crate::error::{ApiError, ApiResult, WorkflowRef};
use crate::store::workflows::EndpointUser;
use crate::http::{json, no_content, only_flag, page_type, query_pairs, read_json, CursorOf, PageQuery};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems};
use crate::platform::random_bytes;
use crate::store::endpoints::EndpointRow;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::parse_rfc3339;
use leadsbot_shared::FieldError;
use crate::outbox::webhook::fanned_out_event_types;
use crate::store::deliveries::DueDelivery;
use crate::store::recovery::EndpointRef;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

page_type!(
    /// A page of webhook endpoints, newest first.
    EndpointListOut, EndpointOut
);

page_type!(
    /// A page of deliveries, newest first.
    DeliveryPageOut, DeliveryOut
);


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

/// List webhook endpoints, newest first (admin)
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "listWebhooks", tag = "webhooks", security(("apiKey" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of endpoints", body = EndpointListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let mut rows = app.store.endpoints_page(&key.workspace_id, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    json(200, &EndpointListOut::new(rows.iter().map(EndpointOut::from).collect(), next_cursor))
}

/// Subscribe an endpoint (admin)
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "createWebhook", tag = "webhooks", security(("apiKey" = [])),
    request_body = EndpointIn,
    responses((status = 201, description = "Created, with its secret", body = EndpointWithSecretOut, links(
            ("GetWebhook" = (operation_id = "getWebhook", parameters(("id" = "$response.body#/id")))),
            ("PatchWebhook" = (operation_id = "patchWebhook", parameters(("id" = "$response.body#/id")))),
            ("DeleteWebhook" = (operation_id = "deleteWebhook", parameters(("id" = "$response.body#/id")))),
            ("RotateWebhookSecret" = (operation_id = "rotateWebhookSecret", parameters(("id" = "$response.body#/id")))),
            ("ListWebhookDeliveries" = (operation_id = "listWebhookDeliveries", parameters(("id" = "$response.body#/id")))),
            ("RecoverWebhook" = (operation_id = "recoverWebhook", parameters(("id" = "$response.body#/id")))),
        )),
        BodyProblems, KeyProblems))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let input: EndpointIn = read_json(&mut app.req).await?;
    let (url, events, description) = check_new(input, app.config()?.url_policy)?;
    crate::outbox::loops::refuse_own_host(app, "url", &url)?;
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
    json(201, &EndpointWithSecretOut { endpoint: EndpointOut::from(&row), secret })
}

/// One webhook endpoint (admin)
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", operation_id = "getWebhook", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint", body = EndpointOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    json(200, &EndpointOut::from(&load(app, &key).await?))
}

/// Change an endpoint, or disable or re-enable it (admin)
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", operation_id = "patchWebhook", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id")),
    request_body = EndpointPatch,
    responses((status = 200, description = "The endpoint as it is now", body = EndpointOut), BodyProblems, KeyProblems, NotFound))]
pub async fn patch(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let patch: EndpointPatch = read_json(&mut app.req).await?;
    let mut row = load(app, &key).await?;
    let url_checked = patch.url.is_some() || patch.enabled == Some(true);
    apply_patch(&mut row, patch, app.config()?.url_policy, app.now_ms)?;
    if url_checked {
        crate::outbox::loops::refuse_own_host(app, "url", &row.url)?;
    }
    app.store.update_endpoint(&row).await?;
    json(200, &EndpointOut::from(&row))
}

/// Delete an endpoint (admin)
///
/// Refused (409, `urn:leadsbot:problem:in-use`, the workflows in `workflows`)
/// while a workflow's `webhook` action sends to it. With `force=true` it is
/// deleted and every such workflow disabled in the same write; their ids are
/// in the `Disabled-Workflows` header.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", operation_id = "deleteWebhook", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id"), ("force" = Option<bool>, Query, description = "Delete even if workflows use it, disabling them")),
    responses((status = 204, description = "Deleted", headers(("Disabled-Workflows" = String,
            description = "With force=true, when workflows used the endpoint: their ids, comma-separated, every one now disabled"))),
        Conflict, KeyProblems, NotFound, QueryProblems))]
pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let force = only_flag(&query_pairs(&app.req)?, "force")?;
    let endpoint = load(app, &key).await?;
    let users = app.store.workflows_using_endpoint(&key.workspace_id, &endpoint.id).await?;
    if let Some(problem) = in_use(&users).filter(|_| !force) {
        return Err(problem);
    }
    let deleted = if force {
        app.store.delete_endpoint_disabling_workflows(&key.workspace_id, &endpoint.id, app.now_ms).await?
    } else {
        app.store.delete_unused_endpoint(&key.workspace_id, &endpoint.id).await?
    };
    if !deleted {
        // A workflow was saved with it meanwhile, or it was deleted meanwhile.
        let users = app.store.workflows_using_endpoint(&key.workspace_id, &endpoint.id).await?;
        return Err(in_use(&users).unwrap_or_else(|| ApiError::NotFound("no webhook endpoint with this id in this workspace".into())));
    }
    let mut response = no_content()?;
    if !users.is_empty() {
        let ids: Vec<&str> = users.iter().map(|w| w.id.as_str()).collect();
        response.headers_mut().set("Disabled-Workflows", &ids.join(", "))?;
    }
    Ok(response)
}

/// The 409 naming the workflows that send to an endpoint, if any do.
fn in_use(users: &[EndpointUser]) -> Option<ApiError> {
    if users.is_empty() {
        return None;
    }
    let named: Vec<String> = users.iter().map(|w| format!("{} ({})", w.name, w.id)).collect();
    let detail = format!(
        "workflows send to this endpoint: {}; change or delete them first, or delete with ?force=true to disable them",
        named.join(", ")
    );
    Some(ApiError::UsedByWorkflows(detail, users.iter().map(|w| WorkflowRef { id: w.id.clone(), name: w.name.clone() }).collect()))
}

/// Rotate an endpoint's secret (admin)
///
/// The old secret keeps signing (in the `-Previous` headers) for the grace
/// period, so receivers can switch without dropping a delivery.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", operation_id = "rotateWebhookSecret", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id")),
    responses((status = 200, description = "The endpoint with its new secret", body = EndpointWithSecretOut), KeyProblems, NotFound))]
pub async fn rotate_secret(app: &mut App) -> ApiResult<Response> {
    let key = admin(app).await?;
    let mut row = load(app, &key).await?;
    let (secret, sealed) = new_secret(app)?;
    let grace_ms = app.config()?.rotation_grace_secs * 1000;
    row.previous_secret_sealed = Some(std::mem::replace(&mut row.secret_sealed, sealed));
    row.previous_secret_expires_at = Some(app.now_ms + grace_ms);
    row.updated_at = app.now_ms;
    app.store.update_endpoint(&row).await?;
    json(200, &EndpointWithSecretOut { endpoint: EndpointOut::from(&row), secret })
}

/// An endpoint's deliveries with every attempt, newest first
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "listWebhookDeliveries", tag = "webhooks", security(("apiKey" = [])),
    params(
        ("id" = String, Path, description = "Endpoint id"),
        ("status" = Option<crate::api::openapi::schemas::DeliveryStatusName>, Query),
        PageParams,
    ),
    responses((status = 200, description = "A page", body = DeliveryPageOut), KeyProblems, NotFound, QueryProblems))]
pub async fn deliveries(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let endpoint = load(app, &key).await?;
    let mut status = None;
    let page = PageQuery::parse(&query_pairs(&app.req)?, CursorOf::Any, |name, value, errors| {
        match name {
            "status" if ["pending", "succeeded", "failed"].contains(&value) => status = Some(value.to_string()),
            "status" => errors.push(FieldError::new("status", "invalid_status", "status is pending, succeeded or failed")),
            _ => return false,
        }
        true
    })?;
    let mut rows = app.store.deliveries_for_target(&key.workspace_id, &endpoint.id, status.as_deref(), page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut rows, |r| r.id.clone());
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let attempts = app.store.attempts_for(&key.workspace_id, &ids).await?;
    json(200, &DeliveryPageOut::new(rows.iter().map(|r| DeliveryOut::new(r, &attempts)).collect(), next_cursor))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecoverIn {
    /// Replay failed deliveries created at or after this time (RFC 3339).
    #[schema(format = DateTime)]
    since: String,
}

/// What a recovery queued.
#[derive(Serialize, ToSchema)]
pub struct RecoverOut {
    /// Failed deliveries made pending again.
    replayed: usize,
    delivery_ids: Vec<String>,
    /// Deliveries created for events the endpoint never received.
    missing: u32,
    /// True when the cap was reached: call again for the rest.
    more: bool,
}

/// Replay failed deliveries and deliver missed events since a time
///
/// Replays the failed deliveries to this endpoint since a time, and creates
/// deliveries for the events since then that it subscribes to but never
/// received (raised while it was disabled, say), at most
/// `RECOVER_MAX_PER_CALL` in all. The missing events go out one at a time in
/// event order, through the queue; nothing is sent inside this request.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/recover", operation_id = "recoverWebhook", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Endpoint id")),
    request_body = RecoverIn,
    responses((status = 202, description = "Queued", body = RecoverOut), BodyProblems, KeyProblems, NotFound))]
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
    let event_types = fanned_out_event_types();
    let target = EndpointRef { workspace_id: &key.workspace_id, id: &endpoint.id, event_types: &event_types };
    let recovered = app.store.recover_missing(target, since, app.now_ms, room).await?;
    let mut due: Vec<DueDelivery> = replayed.iter().filter(|d| d.in_order == 0).cloned().collect();
    due.extend(recovered.released);
    crate::outbox::enqueue_now(app, &due).await;
    let out = RecoverOut { replayed: replayed.len(), delivery_ids: replayed.into_iter().map(|d| d.id).collect(), missing: recovered.missing, more: recovered.more };
    json(202, &out)
}
