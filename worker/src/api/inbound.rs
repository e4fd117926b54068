//! Inbound capture: browsers (public token), servers (API key or signature)
//! and tools posting to a capture URL all end in the same capture path.

use crate::capture::abuse;
use crate::outbox::loops;
use crate::app::{App, CredentialStore};
use crate::auth::capture::{diagnose, inbound_secrets, origin_allowed, require, Credential, Proof, Refusal, Requirement};
use crate::auth::{server_signature, tool_signature};
use crate::capture::{capture as store_capture, Capture, Outcome};
use crate::error::{ApiError, ApiResult};
use crate::http::read_body;
use crate::workspace::normalize_origin;
use crate::leads::CapturedOut;
use crate::api::openapi::schemas::{LeadForm, LeadIn};
use crate::api::openapi::problems::CaptureProblems;
use leadsbot_shared::body::{is_supported, parse_fields, BodyError, Fields};
use leadsbot_shared::idempotency::request_fingerprint;
use leadsbot_shared::credentials::{self, CredentialKind};
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::mapping::apply_mapping;
use leadsbot_shared::signing::SignatureError;
use serde_json::Value;
use worker::{Headers, Response};

/// How long a browser may cache a successful preflight.
const PREFLIGHT_MAX_AGE_SECS: &str = "86400";

/// Capture a lead
///
/// Browsers post with the public token (and an allowed Origin), servers with an API key
/// (write scope) or a server signature. JSON, urlencoded and multipart forms, or JSON sent as
/// text/plain (no CORS preflight).
#[utoipa::path(post, path = "/api/inbound/{workspace_id}/leads", operation_id = "captureLead", tag = "capture",
    security(("apiKey" = []), ("publicToken" = []), ("serverSignature" = [])),
    params(
        ("workspace_id" = String, Path, description = "Workspace id"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, max_length = 255, description = "Repeated within 8 days (per workspace and writer class) with the same fields, returns the first lead instead of storing another; with different fields, a 422 with code `idempotency_key_reused`"),
    ),
    request_body(content(
        (LeadIn = "application/json"), (LeadIn = "text/plain"),
        (LeadForm = "application/x-www-form-urlencoded"), (LeadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = CapturedOut, links(
            ("GetLead" = (operation_id = "getLead", parameters(("id" = "$response.body#/id")))),
            ("PatchLead" = (operation_id = "patchLead", parameters(("id" = "$response.body#/id")))),
            ("EraseLead" = (operation_id = "eraseLead", parameters(("id" = "$response.body#/id")))),
        )),
        (status = 200, description = "Replay of an earlier submission with the same idempotency key and fields", body = CapturedOut,
            headers(("Idempotent-Replayed" = String, description = "true"))),
        CaptureProblems,
    ))]
pub async fn capture(app: &mut App) -> ApiResult<Response> {
    // Any page may read our answers (errors help a site's developer); whether
    // a lead is accepted from that page is decided by the origin check.
    app.cors_origin = app.header("Origin");
    loops::refuse_own_delivery(app)?;
    let (body, fields) = read_fields(app).await?;
    let workspace_id = app.param("workspace_id");
    let credential = Credential::from_request(app, &fields)?;
    let requirement = require(&workspace_id, &credential, request_origin(app).as_deref(), app.now_ms).map_err(Refusal::into_error)?;
    app.bind_workspace(&workspace_id).await?;
    match &requirement.proof {
        Proof::PublicToken { token_hash, .. } => abuse::limit_browser(app, token_hash).await?,
        Proof::ApiKey { key_hash, .. } => {
            abuse::limit_credential(app, format!("key:{key_hash}")).await?;
            loops::cap_workspace_leads(app, &workspace_id).await?;
        }
        Proof::Verified => {
            abuse::limit_credential(app, format!("signature:{workspace_id}")).await?;
            verify_signature(app, &workspace_id, &body).await?;
        }
    }
    let class = credential.class();
    let fingerprint = request_fingerprint(&fields);
    let capture = Capture { workspace_id: &workspace_id, requirement: &requirement, scope: class.idempotency_scope(), default_source: class.default_source(), fields, fingerprint };
    match store_capture(app, capture).await? {
        Outcome::Answered(response) => Ok(response),
        Outcome::NotWritten(replay) => {
            if let Err(refusal) = diagnose(app, &requirement).await? {
                record_rejection(app, &requirement, &refusal);
                return Err(refusal.into_error());
            }
            replay.answer(app).await
        }
    }
}

/// The request's `Origin`, normalized like `allowed_origins` (kept as sent
/// when it is not a web origin, e.g. `null`, so it matches nothing).
fn request_origin(app: &App) -> Option<String> {
    app.header("Origin").map(|o| normalize_origin(&o).unwrap_or(o))
}

async fn verify_signature(app: &App, workspace_id: &str, body: &[u8]) -> ApiResult<()> {
    let workspace = app.store.workspace(workspace_id).await?;
    let workspace = workspace.ok_or_else(|| ApiError::Unauthorized(SignatureError::Mismatch.describe().into()))?;
    server_signature(app, &inbound_secrets(&workspace, app.now_ms), body)
}

/// Counts a refused browser capture for the operator, after the response.
fn record_rejection(app: &App, requirement: &Requirement, refusal: &Refusal) {
    let (Some(reason), Proof::PublicToken { origin, .. }) = (refusal.rejection_reason(), &requirement.proof) else { return };
    let store = app.store.clone();
    let (workspace_id, origin, now) = (requirement.workspace_id.clone(), origin.clone(), app.now_ms);
    app.ctx.wait_until(async move {
        if let Err(err) = store.record_rejection(&workspace_id, origin.as_deref(), reason, now).await {
            worker::console_warn!("could not record a refused capture: {err:?}");
        }
    });
}

/// Capture a lead through a capture URL
///
/// The id is the credential. Fields are mapped by the capture URL's field mapping (with a
/// preset, from the tool's payload by field reference or label); with `require_signature`,
/// posts need a signature made with its secret: ours, or the tool's own header.
#[utoipa::path(post, path = "/api/inbound/w/{webhook_id}/leads", operation_id = "captureLeadViaUrl", tag = "capture",
    security((), ("serverSignature" = []), ("typeformSignature" = []), ("tallySignature" = [])),
    params(
        ("webhook_id" = String, Path, description = "Capture URL id (cap_…, or wh_… if made before that prefix)"),
        ("Idempotency-Key" = Option<String>, Header, nullable = false, max_length = 255, description = "Repeated within 8 days (per workspace and writer class) with the same fields, returns the first lead instead of storing another; with different fields, a 422 with code `idempotency_key_reused`"),
    ),
    request_body(content(
        (LeadIn = "application/json"), (LeadIn = "text/plain"),
        (LeadForm = "application/x-www-form-urlencoded"), (LeadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Stored", body = CapturedOut),
        (status = 200, description = "Replay of an earlier submission with the same idempotency key and fields", body = CapturedOut,
            headers(("Idempotent-Replayed" = String, description = "true"))),
        CaptureProblems,
    ))]
pub async fn capture_via_url(app: &mut App) -> ApiResult<Response> {
    loops::refuse_own_delivery(app)?;
    let (body, fields) = read_fields(app).await?;
    let id = app.param("webhook_id");
    let not_found = || ApiError::NotFound("no such capture URL".into());
    let Some(home) = credentials::home(CredentialKind::CaptureUrl, &id) else { return Err(not_found()) };
    abuse::limit_credential(app, format!("url:{id}")).await?;
    let id = &id;
    let endpoint = app
        .find_credential(home, |at| async move {
            let row = match at {
                CredentialStore::Workspace(store, workspace_id) => store.capture_url_in(workspace_id, id).await?,
                CredentialStore::OldCredential(across) => across.capture_url(id).await?,
            };
            Ok(row.map(|row| (row.workspace_id.clone(), row)))
        })
        .await?;
    let endpoint = endpoint.ok_or_else(not_found)?;
    loops::cap_workspace_leads(app, &endpoint.workspace_id).await?;
    let preset = endpoint.preset();
    match (preset, &endpoint.secret_sealed) {
        (Some(preset), Some(sealed)) => tool_signature(app, preset, sealed, &body)?,
        (None, Some(sealed)) => server_signature(app, &[sealed.as_str()], &body)?,
        (_, None) => {}
    }
    let mapping: serde_json::Map<String, Value> = serde_json::from_str(&endpoint.field_mapping).unwrap_or_default();
    let scope = format!("capture_url:{id}");
    // Of the tool's fields as sent: a mapping edited between its retries changes nothing.
    let fingerprint = request_fingerprint(&fields);
    let fields = match preset {
        Some(preset) => preset.lead_fields(&fields, &mapping).map_err(ApiError::Validation)?,
        None => apply_mapping(&mapping, fields),
    };
    let requirement = Requirement::verified(&endpoint.workspace_id);
    let capture = Capture { workspace_id: &endpoint.workspace_id, requirement: &requirement, scope: &scope, default_source: "inbound_webhook", fields, fingerprint };
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

/// CORS preflight
///
/// Browsers ask before a non-simple cross-origin post (JSON, custom headers). Without an
/// `Origin` this is not a preflight (400); an origin the workspace does not allow gets 403.
#[utoipa::path(options, path = "/api/inbound/{workspace_id}/leads", operation_id = "capturePreflight", tag = "capture", security(()),
    params(
        ("workspace_id" = String, Path, description = "Workspace id"),
        ("Origin" = String, Header, pattern = "\\S", description = "The page's origin"),
    ),
    responses(
        (status = 204, description = "Allowed", headers(
            ("Access-Control-Allow-Origin" = String), ("Access-Control-Allow-Methods" = String),
            ("Access-Control-Allow-Headers" = String), ("Access-Control-Max-Age" = String),
        )),
        (status = 400, description = "No Origin: not a preflight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "This origin may not post here", body = crate::error::Problem, content_type = "application/problem+json"),
    ))]
pub async fn preflight(app: &mut App) -> ApiResult<Response> {
    let workspace_id = app.param("workspace_id");
    let origin = app.header("Origin").ok_or_else(|| ApiError::BadRequest("a preflight needs an Origin header".into()))?;
    let workspace = match is_sortable_id(IdKind::Workspace, &workspace_id) {
        true => {
            app.bind_workspace(&workspace_id).await?;
            app.store.workspace(&workspace_id).await?
        }
        false => None,
    };
    let normalized = normalize_origin(&origin).unwrap_or_else(|| origin.clone());
    let allowed = workspace.is_some_and(|w| origin_allowed(&w.allowed_origins(), Some(&normalized)));
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
