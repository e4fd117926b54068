//! Issuing credentials: each secret is shown once and stored as a hash (or,
//! where we must use it later, sealed).

use crate::auth::{key_hash, Scope};
use crate::error::ApiResult;
use crate::platform::random_bytes;
use crate::store::keys::KeyRow;
use crate::ids::new_id;
use leadsbot_shared::ids::{api_key, public_token, redacted_parts, IdKind};
use crate::wire::schema;
use serde::Serialize;
use serde_json::json;
use utoipa::openapi::schema::Schema;
use utoipa::ToSchema;


/// A fresh API key: the secret (to show once) and the row to store.
pub fn issue_key(workspace_id: &str, name: &str, scopes: &[Scope], now_ms: i64) -> ApiResult<(String, KeyRow)> {
    let secret = api_key(workspace_id, random_bytes()?);
    let (prefix, last4) = redacted_parts(&secret);
    let row = KeyRow {
        id: new_id(IdKind::ApiKey, now_ms)?,
        workspace_id: workspace_id.to_string(),
        name: name.to_string(),
        key_hash: key_hash(&secret),
        prefix,
        last4,
        scopes: scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
        created_at: now_ms,
        last_used_at: None,
        revoked_at: None,
    };
    Ok((secret, row))
}

pub fn issue_public_token(workspace_id: &str) -> ApiResult<String> {
    Ok(public_token(workspace_id, random_bytes()?))
}

/// An API key as lists show it: enough to recognise it, never to use it.
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyOut {
    pub id: String,
    pub name: String,
    /// The key's first characters (`lb_sk_…`).
    pub prefix: String,
    pub last4: String,
    #[schema(schema_with = scopes)]
    pub scopes: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<&KeyRow> for KeyOut {
    fn from(row: &KeyRow) -> Self {
        let time = |t: Option<i64>| t.map(leadsbot_shared::time::format_rfc3339);
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            prefix: row.prefix.clone(),
            last4: row.last4.clone(),
            scopes: row.scopes.split_whitespace().map(str::to_string).collect(),
            created_at: leadsbot_shared::time::format_rfc3339(row.created_at),
            last_used_at: time(row.last_used_at),
            revoked_at: time(row.revoked_at),
        }
    }
}

fn scope_names() -> Vec<&'static str> {
    crate::auth::Scope::ALL.iter().map(|s| s.as_str()).collect()
}

/// A key's scopes, as shown.
pub fn scopes() -> Schema {
    schema(json!({"type": "array", "items": {"type": "string", "enum": scope_names()}}))
}

/// Scopes asked for: at least one.
pub fn scopes_in() -> Schema {
    schema(json!({"type": "array", "minItems": 1, "items": {"type": "string", "enum": scope_names()}}))
}
