use crate::app::App;
use crate::auth::{self, Scope};
use crate::credentials::{issue_key, key_json};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, read_json};
use crate::store::keys::Revocation;
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::json;
use worker::Response;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyIn {
    name: Option<String>,
    scopes: Option<Vec<String>>,
}

pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let keys = app.store.keys(&key.workspace_id).await?;
    json(200, &json!({"data": keys.iter().map(key_json).collect::<Vec<_>>()}))
}

pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: KeyIn = read_json(&mut app.req).await?;
    let (name, scopes) = validate_key(input)?;
    let (secret, row) = issue_key(&key.workspace_id, &name, &scopes, app.now_ms)?;
    app.store.insert_key(&row).await?;
    let mut body = key_json(&row);
    body["key"] = json!(secret);
    json(201, &body)
}

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

fn validate_key(input: KeyIn) -> ApiResult<(String, Vec<Scope>)> {
    let name = input.name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| "API key".into());
    if name.chars().count() > 100 {
        return Err(ApiError::Validation(vec![FieldError::too_long("name", 100)]));
    }
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
