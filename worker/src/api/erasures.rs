//! Erasure: one lead (`DELETE /api/v1/leads/:id`) or every lead of a person
//! (`POST /api/v1/erasures`). Needs the write scope.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::lifecycle::erasure::{erase_leads, erase_person, Eraser};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound};
use crate::wire::non_null;
use leadsbot_shared::email::LeadEmail;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

/// Whose leads to erase.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureIn {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(required = true, nullable = false, format = Email, max_length = 254)]
    pub email: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ErasureOut {
    /// How many leads were erased.
    pub erased: u32,
}

/// Erase one lead
///
/// The lead, its history and its pending deliveries are gone; a `lead.erased` event tells receivers.
#[utoipa::path(delete, path = "/api/v1/leads/{id}", operation_id = "eraseLead", tag = "leads", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id")),
    responses((status = 204, description = "Erased"), KeyProblems, NotFound))]
pub async fn erase_lead(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let id = app.param("id");
    if app.store.lead(&key.workspace_id, &id).await?.is_none() {
        return Err(ApiError::NotFound("no lead with this id in this workspace".into()));
    }
    let who = Eraser { workspace_id: &key.workspace_id, requested_by: &key.key_id, now_ms: app.now_ms };
    let deliveries = erase_leads(&app.store, &who, &[id]).await?;
    crate::outbox::dispatch(app, deliveries, crate::automation::jobs::Automation);
    no_content()
}

/// Erase every lead of a person
#[utoipa::path(post, path = "/api/v1/erasures", operation_id = "eraseByEmail", tag = "leads", security(("apiKey" = [])),
    request_body = ErasureIn,
    responses((status = 200, description = "Erased", body = ErasureOut), BodyProblems, KeyProblems))]
pub async fn erase_by_email(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let input: ErasureIn = read_json(&mut app.req).await?;
    let email = LeadEmail::parse(input.email.as_deref().unwrap_or_default()).map_err(|e| ApiError::Validation(vec![e]))?;
    let who = Eraser { workspace_id: &key.workspace_id, requested_by: &key.key_id, now_ms: app.now_ms };
    let (erased, deliveries) = erase_person(&app.store, &who, email.as_ref()).await?;
    crate::outbox::dispatch(app, deliveries, crate::automation::jobs::Automation);
    json(200, &ErasureOut { erased })
}
