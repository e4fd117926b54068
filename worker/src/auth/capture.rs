//! Who may write a lead to `/api/inbound/:workspace_id/leads`: the one place
//! that decides it. `require` turns a credential into a `Requirement` (plain
//! data: workspace, credential hash, scope, origin), refusing on the spot what
//! cannot be valid by its shape. The store turns that requirement into the
//! check inside the capture batch (one round trip when it holds); when the
//! write did not happen, `judge_key` / `judge_token` apply the same rules to
//! the rows read back, to say precisely why.

use super::Scope;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::store::databases;
use crate::store::keys::KeyRow;
use crate::store::workspaces::WorkspaceRow;
use leadsbot_shared::body::Fields;
use leadsbot_shared::credentials::{self, CredentialKind, Home};
use leadsbot_shared::ids::{is_sortable_id, workspace_of_public_token, IdKind};
use leadsbot_shared::signing::{constant_time_eq, precheck_server_signature, SignatureError};
use serde_json::Value;

pub enum Credential {
    /// `X-LeadsBot-Timestamp` + `X-LeadsBot-Signature`, verified with the
    /// workspace's inbound secret before the write.
    Signature { timestamp: String, signature: String },
    ApiKey(String),
    PublicToken(String),
}

/// Idempotency keys and lead sources are kept apart per class, so a browser
/// (whose token is public) can never claim a key a server will use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterClass {
    Browser,
    Server,
}

impl WriterClass {
    pub fn idempotency_scope(self) -> &'static str {
        match self {
            Self::Browser => "inbound:browser",
            Self::Server => "inbound:server",
        }
    }

    pub fn default_source(self) -> &'static str {
        match self {
            Self::Browser => "widget",
            Self::Server => "api",
        }
    }
}

impl Credential {
    pub fn from_request(app: &App, fields: &Fields) -> ApiResult<Self> {
        if let Some(signature) = app.header("X-LeadsBot-Signature") {
            let timestamp = app.header("X-LeadsBot-Timestamp").unwrap_or_default();
            return Ok(Self::Signature { timestamp, signature });
        }
        if let Some(secret) = super::bearer(app) {
            return Ok(Self::ApiKey(secret));
        }
        app.header("X-LeadsBot-Token")
            .or_else(|| fields.get("_token").and_then(Value::as_str).map(str::to_string))
            .map(Self::PublicToken)
            .ok_or_else(|| ApiError::Unauthorized("send the public token (X-LeadsBot-Token or _token), an API key, or a server signature".into()))
    }

    pub fn class(&self) -> WriterClass {
        match self {
            Self::PublicToken(_) => WriterClass::Browser,
            Self::Signature { .. } | Self::ApiKey(_) => WriterClass::Server,
        }
    }
}

pub use crate::store::capture::{Proof, Requirement};

impl Requirement {
    pub fn verified(workspace_id: &str) -> Self {
        Self { workspace_id: workspace_id.to_string(), proof: Proof::Verified }
    }
}

/// Why a capture was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The path names no workspace this credential could write to; looks
    /// like an unknown workspace (404).
    NoSuchWorkspace,
    Malformed(&'static str),
    Invalid(&'static str),
    /// A public token replaced by a rotation whose grace has ended.
    TokenExpired,
    MissingScope(Scope),
    /// The token was valid but the origin is not allowed (None: no Origin).
    OriginNotAllowed(Option<String>),
    Signature(SignatureError),
}

impl Refusal {
    /// What an operator sees at `GET /api/v1/workspace/rejections`: only for
    /// browser captures whose token was genuinely this workspace's.
    pub fn rejection_reason(&self) -> Option<&'static str> {
        match self {
            Self::OriginNotAllowed(_) => Some("origin_not_allowed"),
            Self::TokenExpired => Some("token_expired"),
            _ => None,
        }
    }

    pub fn into_error(self) -> ApiError {
        match self {
            Self::NoSuchWorkspace => ApiError::NotFound("no such workspace".into()),
            Self::Malformed(why) | Self::Invalid(why) => ApiError::Unauthorized(why.into()),
            Self::TokenExpired => ApiError::Unauthorized("this public token was replaced and its grace period has ended; use the new token".into()),
            Self::MissingScope(scope) => ApiError::Forbidden(format!("this API key lacks the {} scope", scope.as_str())),
            Self::OriginNotAllowed(origin) => {
                ApiError::Forbidden(format!("origin {} is not allowed for this workspace", origin.as_deref().unwrap_or("(none)")))
            }
            Self::Signature(err) => ApiError::Unauthorized(err.describe().into()),
        }
    }
}

/// Everything decidable without storage. A refusal here costs no D1 query.
pub fn require(workspace_id: &str, credential: &Credential, origin: Option<&str>, now_ms: i64) -> Result<Requirement, Refusal> {
    if !is_sortable_id(IdKind::Workspace, workspace_id) {
        return Err(Refusal::NoSuchWorkspace);
    }
    let proof = match credential {
        Credential::Signature { timestamp, signature } => {
            precheck_server_signature(timestamp, signature, now_ms / 1000).map_err(Refusal::Signature)?;
            Proof::Verified
        }
        Credential::ApiKey(secret) => match credentials::home(CredentialKind::ApiKey, secret) {
            None => return Err(Refusal::Malformed("this API key is malformed")),
            Some(Home::Workspace(named)) if named != workspace_id => return Err(Refusal::NoSuchWorkspace),
            Some(home) => Proof::ApiKey { key_hash: super::key_hash(secret), scope: Scope::Write, old: home == Home::Directory },
        },
        Credential::PublicToken(token) => match workspace_of_public_token(token) {
            None => return Err(Refusal::Malformed("this public token is malformed")),
            Some(named) if named != workspace_id => return Err(Refusal::NoSuchWorkspace),
            Some(_) => Proof::PublicToken { token_hash: super::key_hash(token), origin: origin.map(str::to_string), now: now_ms },
        },
    };
    Ok(Requirement { workspace_id: workspace_id.to_string(), proof })
}

/// Reads what the requirement depends on and judges it, off the hot path.
pub async fn diagnose(app: &App, requirement: &Requirement) -> ApiResult<Result<(), Refusal>> {
    Ok(match &requirement.proof {
        Proof::Verified => Ok(()),
        Proof::ApiKey { key_hash, scope, old } => {
            // A new key named this workspace (`require`): it is looked up there alone.
            let key = if *old {
                // Wherever it lives: a key of another workspace is told apart from no key.
                databases::first_found(&app.env, |store| async move { store.live_key_by_hash(key_hash).await }).await?
            } else {
                app.store.live_key_in_workspace(&requirement.workspace_id, key_hash).await?
            };
            judge_key(&requirement.workspace_id, *scope, key.as_ref())
        }
        Proof::PublicToken { token_hash, origin, now } => {
            let workspace = app.store.workspace(&requirement.workspace_id).await?;
            judge_token(token_hash, origin.as_deref(), *now, workspace.as_ref())
        }
    })
}

/// The rule of `Proof::ApiKey` over a live key row (the store's SQL mirrors it).
pub fn judge_key(workspace_id: &str, scope: Scope, key: Option<&KeyRow>) -> Result<(), Refusal> {
    let key = key.ok_or(Refusal::Invalid("this API key is invalid or revoked"))?;
    if key.workspace_id != workspace_id {
        return Err(Refusal::NoSuchWorkspace);
    }
    if !key.scopes.split_whitespace().any(|s| s == scope.as_str()) {
        return Err(Refusal::MissingScope(scope));
    }
    Ok(())
}

/// The rule of `Proof::PublicToken` over the workspace row (the store's SQL mirrors it).
pub fn judge_token(token_hash: &str, origin: Option<&str>, now: i64, workspace: Option<&WorkspaceRow>) -> Result<(), Refusal> {
    let workspace = workspace.ok_or(Refusal::Invalid("this public token is invalid"))?;
    let same = |hash: &str| constant_time_eq(hash.as_bytes(), token_hash.as_bytes());
    if !same(&workspace.public_token_hash) {
        match (&workspace.previous_public_token_hash, workspace.previous_public_token_expires_at) {
            (Some(previous), Some(expires_at)) if same(previous) && expires_at > now => {}
            (Some(previous), _) if same(previous) => return Err(Refusal::TokenExpired),
            _ => return Err(Refusal::Invalid("this public token is invalid")),
        }
    }
    if !origin_allowed(&workspace.allowed_origins(), origin) {
        return Err(Refusal::OriginNotAllowed(origin.map(str::to_string)));
    }
    Ok(())
}

/// An empty list admits every origin; otherwise the normalized origin must be
/// listed exactly (the list is stored normalized).
pub fn origin_allowed(allowed: &[String], origin: Option<&str>) -> bool {
    allowed.is_empty() || origin.is_some_and(|o| allowed.iter().any(|a| a == o))
}

/// The inbound signing secrets that verify a signature now: the current one,
/// and the one before it during its rotation grace.
pub fn inbound_secrets(workspace: &WorkspaceRow, now_ms: i64) -> Vec<&str> {
    let mut secrets = vec![workspace.inbound_secret_sealed.as_str()];
    if let (Some(previous), Some(expires_at)) = (&workspace.previous_inbound_secret_sealed, workspace.previous_inbound_secret_expires_at) {
        if expires_at > now_ms {
            secrets.push(previous);
        }
    }
    secrets
}

#[cfg(test)]
#[path = "capture_tests.rs"]
mod tests;
