//! Replaying one delivery (`POST /api/v1/deliveries/:id/retry`).

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::json;
use crate::store::deliveries::DueDelivery;
use crate::openapi::{KeyProblems, NotFound};
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

#[derive(Serialize, ToSchema)]
pub struct RetryOut {
    id: String,
    #[schema(value_type = String, pattern = "^pending$")]
    status: &'static str,
}

/// Send a delivery again
///
/// A finished delivery is sent again (same id, same `webhook-id`). A pending
/// one is already on its way; asking again changes nothing.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", operation_id = "retryDelivery", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = RetryOut), KeyProblems, NotFound))]
pub async fn retry(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let id = app.param("id");
    replay(app, &key.workspace_id, &id).await?;
    json(202, &RetryOut { id, status: "pending" })
}

/// Sends a delivery of this workspace again (the API, the inbox): 404 if none.
pub(crate) async fn replay(app: &App, workspace_id: &str, id: &str) -> ApiResult<()> {
    if app.store.delivery(workspace_id, id).await?.is_none() {
        return Err(ApiError::NotFound("no delivery with this id in this workspace".into()));
    }
    if let Some(replayed) = app.store.replay_delivery(workspace_id, id, app.now_ms).await? {
        // An in-order delivery rejoins its line and goes when its turn comes.
        let due = match replayed.in_order {
            1 => app.store.release_heads_of(workspace_id, &replayed.target_id, app.now_ms).await?,
            _ => vec![DueDelivery { id: replayed.id, workspace_id: replayed.workspace_id, attempts: replayed.attempts, in_order: 0, held: 0 }],
        };
        crate::delivery::dispatch_replayed(app, due);
    }
    Ok(())
}
