//! Abuse limits on capture, checked before anything reaches D1, on
//! Cloudflare's rate-limiting bindings (counters at the edge, no storage
//! round trip). Browser captures are limited per client address and per
//! public token; server and capture-URL captures per credential.
//!
//! When a binding is missing or fails, capture goes on (fail open, see
//! `limiter`): every capture's credential is still checked inside its write
//! and garbage writes nothing.

use crate::app::App;
use crate::error::ApiResult;
use crate::auth::limiter::Limit;
use leadsbot_shared::signing::{body_signature_hex, sha256_hex};

/// Per client address (hashed), browser captures only: `[[ratelimits]]` in wrangler.toml.
const CLIENT_LIMITER: &str = "CAPTURE_CLIENT_LIMITER";
/// Per credential (public token, API key, signing secret, capture URL).
const CREDENTIAL_LIMITER: &str = "CAPTURE_CREDENTIAL_LIMITER";
/// Both bindings' period in wrangler.toml; a client over a limit may try
/// again after it.
const WINDOW_SECS: u32 = 10;

/// A browser capture: per client address, then per public token.
pub async fn limit_browser(app: &App, token_hash: &str) -> ApiResult<()> {
    check(app, CLIENT_LIMITER, client_key(app)).await?;
    check(app, CREDENTIAL_LIMITER, format!("token:{token_hash}")).await
}

/// A server or capture-URL capture, per credential: `credential` names it
/// (`key:<hash>`, `signature:<workspace>`, `url:<id>`).
pub async fn limit_credential(app: &App, credential: String) -> ApiResult<()> {
    check(app, CREDENTIAL_LIMITER, credential).await
}

/// The client's address, hashed (keyed by SECRETS_KEY when set, so the
/// limiter's keys cannot be reversed by trying every IPv4 address); the
/// address itself is never stored.
pub(crate) fn client_key(app: &App) -> String {
    let address = app.header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into());
    let hashed = match app.env.secret("SECRETS_KEY") {
        Ok(key) => body_signature_hex(&key.to_string(), address.as_bytes()),
        Err(_) => sha256_hex(address.as_bytes()),
    };
    format!("client:{hashed}")
}

async fn check(app: &App, binding: &'static str, key: String) -> ApiResult<()> {
    crate::auth::limiter::admit(&app.env, Limit { binding, period_secs: WINDOW_SECS }, key).await
}
