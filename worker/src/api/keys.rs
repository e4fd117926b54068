use crate::app::App;
use crate::auth::{self, Scope};
use crate::auth::credentials::{issue_key, KeyOut};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, page_type, query_pairs, read_json, PageQuery};
use crate::api::openapi::schemas;
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{BodyProblems, Conflict, KeyProblems, NotFound, QueryProblems};
use crate::store::keys::Revocation;
use crate::wire::non_null;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

const MAX_NAME_CHARS: usize = 100;

/// A new API key.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyIn {
    /// Defaults to "API key".
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, max_length = 100)]
    pub(crate) name: Option<String>,
    /// Defaults to `["read"]`.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::scopes_in)]
    pub(crate) scopes: Option<Vec<String>>,
}

page_type!(
    /// A page of API keys, newest first, revoked ones included.
    KeyListOut, KeyOut
);

/// A new key, with its secret shown only this once.
#[derive(Serialize, ToSchema)]
pub struct KeyCreatedOut {
    #[serde(flatten)]
    key: KeyOut,
    /// The secret (`lb_sk_…`): store it now, it is never shown again.
    #[serde(rename = "key")]
    secret: String,
}

/// List API keys, newest first (admin)
#[utoipa::path(get, path = "/api/v1/keys", operation_id = "listKeys", tag = "keys", security(("apiKey" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of keys, revoked ones included", body = KeyListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let mut keys = app.store.keys_page(&key.workspace_id, page.cursor.as_deref(), page.limit).await?;
    let next_cursor = page.cut(&mut keys, |k| k.id.clone());
    json(200, &KeyListOut::new(keys.iter().map(KeyOut::from).collect(), next_cursor))
}

/// Create an API key (admin)
#[utoipa::path(post, path = "/api/v1/keys", operation_id = "createKey", tag = "keys", security(("apiKey" = [])),
    request_body = KeyIn,
    responses((status = 201, description = "Created", body = KeyCreatedOut,
        links(("RevokeKey" = (operation_id = "revokeKey", parameters(("id" = "$response.body#/id")))))),
        BodyProblems, KeyProblems))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: KeyIn = read_json(&mut app.req).await?;
    let (name, scopes) = validate_key(input)?;
    let (secret, row) = issue_key(&key.workspace_id, &name, &scopes, app.now_ms)?;
    app.store.insert_key(&row).await?;
    json(201, &KeyCreatedOut { key: KeyOut::from(&row), secret })
}

/// Revoke an API key (admin); immediate
///
/// A workspace's last live admin key cannot be revoked (409): create another admin key first.
#[utoipa::path(delete, path = "/api/v1/keys/{id}", operation_id = "revokeKey", tag = "keys", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Key id")),
    responses((status = 204, description = "Revoked"), KeyProblems, NotFound, Conflict))]
pub async fn revoke(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    match app.store.revoke_key(&key.workspace_id, &app.param("id"), app.now_ms).await? {
        Revocation::Revoked => no_content(),
        Revocation::NoSuchKey => Err(ApiError::NotFound("no live key with this id".into())),
        Revocation::LastAdminKey => Err(ApiError::Conflict(
            "this is the workspace's last live admin key; create another admin key before revoking it".into(),
        )),
    }
}

pub(crate) fn validate_key(input: KeyIn) -> ApiResult<(String, Vec<Scope>)> {
    let raw = input.name.unwrap_or_default();
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::Validation(vec![FieldError::too_long("name", MAX_NAME_CHARS)]));
    }
    let name = Some(raw.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| "API key".into());
    let requested = input.scopes.unwrap_or_else(|| vec!["read".into()]);
    let mut scopes = Vec::new();
    for (i, text) in requested.iter().enumerate() {
        let scope = Scope::parse(text).ok_or_else(|| {
            ApiError::invalid(&format!("scopes[{i}]"), "invalid_scope", "scopes are read, write and admin")
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes", "required", "a key needs at least one scope"));
    }
    Ok((name, scopes))
}
