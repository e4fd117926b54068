//! Who is calling: the operator (admin token), a workspace's server (API key
//! or signature), or a visitor's browser (public token + origin).

pub mod credentials;
/// Rate limits beyond capture's: the one check every limit makes.
pub mod limiter;

use crate::app::{App, CredentialStore};
use crate::error::{ApiError, ApiResult};
use crate::store::keys::KeyRow;
use leadsbot_shared::credentials::{home as credential_home, CredentialKind};
use leadsbot_shared::presets::Preset;
use leadsbot_shared::signing::{constant_time_eq, sha256_hex, verify_server_signature, SignatureError};

pub mod capture;
/// Inbox sign-in links and sessions: secrets, hashes, cookies, CSRF.
pub mod session;

pub use leadsbot_shared::scope::Scope;

/// A live API key, resolved to its workspace.
#[derive(Debug, Clone)]
pub struct KeyAuth {
    pub key_id: String,
    pub workspace_id: String,
    scopes: Vec<Scope>,
}

impl KeyAuth {
    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this API key lacks the {} scope", scope.as_str())))
        }
    }
}

/// Keys are only ever compared by their SHA-256, so a database dump holds no usable key.
pub fn key_hash(secret: &str) -> String {
    sha256_hex(secret.as_bytes())
}

pub fn bearer(app: &App) -> Option<String> {
    let value = app.header("Authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim().to_string()).filter(|t| !t.is_empty())
}

/// `Authorization: Bearer <api key>` for `/api/v1/*`.
pub async fn api_key(app: &App) -> ApiResult<KeyAuth> {
    let secret = bearer(app).ok_or_else(|| ApiError::Unauthorized("send an API key as `Authorization: Bearer <key>`".into()))?;
    resolve_key(app, &secret).await?.ok_or_else(|| ApiError::Unauthorized("this API key is invalid or revoked".into()))
}

/// A new key is looked up in the workspace it names, an old one (no
/// workspace inside) through the directory; what has neither shape is no key.
pub async fn resolve_key(app: &App, secret: &str) -> ApiResult<Option<KeyAuth>> {
    let Some(home) = credential_home(CredentialKind::ApiKey, secret) else { return Ok(None) };
    let hash = &key_hash(secret);
    let found = app
        .find_credential(home, |at| async move {
            let row = match at {
                CredentialStore::Workspace(store, workspace_id) => store.live_key_in_workspace(workspace_id, hash).await?,
                CredentialStore::OldCredential(across) => across.live_key_by_hash(hash).await?,
            };
            Ok(row.map(|row| (row.workspace_id.clone(), row)))
        })
        .await?;
    let Some(row) = found else { return Ok(None) };
    touch_later(app, &row);
    let scopes = row.scopes.split_whitespace().filter_map(Scope::parse).collect();
    Ok(Some(KeyAuth { key_id: row.id, workspace_id: row.workspace_id, scopes }))
}

/// Records use at most once a minute, after the response, off the hot path.
fn touch_later(app: &App, row: &KeyRow) {
    let now = app.now_ms;
    if row.last_used_at.is_some_and(|t| now - t < 60_000) {
        return;
    }
    let store = app.store.clone();
    let (workspace_id, id) = (row.workspace_id.clone(), row.id.clone());
    app.ctx.wait_until(async move {
        if let Err(err) = store.touch_key(&workspace_id, &id, now).await {
            worker::console_warn!("could not record key use: {err:?}");
        }
    });
}

/// `Authorization: Bearer <ADMIN_TOKEN>` for `/api/admin/*`.
pub fn admin(app: &App) -> ApiResult<()> {
    let expected = app.config()?.admin_token.ok_or_else(|| ApiError::Unauthorized("the admin API is disabled: ADMIN_TOKEN is not set".into()))?;
    match bearer(app) {
        Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
        _ => Err(ApiError::Unauthorized("send the admin token as `Authorization: Bearer <ADMIN_TOKEN>`".into())),
    }
}

/// Checks `X-LeadsBot-Timestamp` + `X-LeadsBot-Signature` over the raw body
/// against any of the sealed secrets (during a rotation, the old one too).
pub fn server_signature(app: &App, sealed_secrets: &[&str], body: &[u8]) -> ApiResult<()> {
    let timestamp = app.header("X-LeadsBot-Timestamp").unwrap_or_default();
    let signature = app.header("X-LeadsBot-Signature").unwrap_or_default();
    let secrets = app.config()?.secrets;
    let mut outcome = Err(SignatureError::Mismatch);
    for sealed in sealed_secrets {
        let secret = secrets.open(sealed).map_err(|e| ApiError::internal("open inbound secret", e))?;
        outcome = verify_server_signature(&secret, &timestamp, &signature, body, crate::platform::now_secs());
        if !matches!(outcome, Err(SignatureError::Mismatch)) {
            break;
        }
    }
    outcome.map_err(|e| ApiError::Unauthorized(e.describe().into()))
}

/// A form tool's own signature (`Typeform-Signature`, `Tally-Signature`) on a
/// preset capture URL, made with the secret the operator pasted into the tool.
pub fn tool_signature(app: &App, preset: Preset, sealed_secret: &str, body: &[u8]) -> ApiResult<()> {
    let given = app.header(preset.signature_header());
    let secret = app.config()?.secrets.open(sealed_secret).map_err(|e| ApiError::internal("open capture URL secret", e))?;
    preset.verify_signature(&secret, given.as_deref(), body).map_err(|e| ApiError::Unauthorized(e.describe()))
}
