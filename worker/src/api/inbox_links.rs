//! One-time sign-in links for the inbox (`POST /api/v1/inbox-links`).

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::ApiResult;
use crate::http::json;
use crate::auth::session::{new_secret, secret_hash, LINK_TTL_MS};
use crate::api::openapi::problems::KeyProblems;
use crate::platform::random_bytes;
use crate::store::sessions::LinkOwner;
use leadsbot_shared::credentials::CredentialKind;
use leadsbot_shared::time::format_rfc3339;
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

/// A sign-in link: open it in a browser within 15 minutes; it works once.
#[derive(Serialize, ToSchema)]
pub struct InboxLinkOut {
    /// Open in a browser: `https://HOST/app/sign-in?link=lbl_…`.
    url: String,
    #[schema(format = DateTime)]
    expires_at: String,
}

/// Create a sign-in link for the inbox (admin)
///
/// The link signs a browser into `/app` as this key (with its scopes), once,
/// within 15 minutes. Only its hash is stored. Revoking the key ends the
/// sessions it opened.
#[utoipa::path(post, path = "/api/v1/inbox-links", operation_id = "createInboxLink", tag = "inbox", security(("apiKey" = [])),
    responses((status = 201, description = "Created", body = InboxLinkOut), KeyProblems))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let secret = new_secret(CredentialKind::Link, &key.workspace_id, random_bytes()?);
    let expires_at = app.now_ms + LINK_TTL_MS;
    let owner = LinkOwner::key(key.workspace_id, key.key_id);
    app.store.insert_inbox_link(&secret_hash(&secret), &owner, app.now_ms, expires_at).await?;
    let url = format!("{}/app/sign-in?link={secret}", app.origin()?);
    json(201, &InboxLinkOut { url, expires_at: format_rfc3339(expires_at) })
}
