//! Abuse limits on capture, checked before anything reaches D1, on
//! Cloudflare's rate-limiting bindings (counters at the edge, no storage
//! round trip). Browser captures are limited per client address and per
//! public token; server and capture-URL captures per credential.
//!
//! When a binding is missing or fails, capture goes on (fail open) with a
//! logged warning: the limits only bound cost, while every capture's
//! credential is still checked inside its write and garbage writes nothing;
//! turning real leads away because a limiter is down would lose them.

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use leadsbot_shared::signing::{body_signature_hex, sha256_hex};
use std::cell::Cell;

/// Per client address (hashed), browser captures only: `[[ratelimits]]` in wrangler.toml.
const CLIENT_LIMITER: &str = "CAPTURE_CLIENT_LIMITER";
/// Per credential (public token, API key, signing secret, capture URL).
const CREDENTIAL_LIMITER: &str = "CAPTURE_CREDENTIAL_LIMITER";
/// Both bindings' period in wrangler.toml; a client over a limit may try
/// again after it.
const WINDOW_SECS: u32 = 10;

thread_local! {
    /// One warning per isolate for a missing binding, not one per request.
    static WARNED_MISSING: Cell<bool> = const { Cell::new(false) };
}

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
fn client_key(app: &App) -> String {
    let address = app.header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into());
    let hashed = match app.env.secret("SECRETS_KEY") {
        Ok(key) => body_signature_hex(&key.to_string(), address.as_bytes()),
        Err(_) => sha256_hex(address.as_bytes()),
    };
    format!("client:{hashed}")
}

async fn check(app: &App, binding: &str, key: String) -> ApiResult<()> {
    let Ok(limiter) = app.env.rate_limiter(binding) else {
        if !WARNED_MISSING.replace(true) {
            worker::console_warn!("rate limiter {binding} is not bound: capture is not rate limited");
        }
        return Ok(());
    };
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => Err(ApiError::RateLimited { retry_after_secs: WINDOW_SECS }),
        Ok(_) => Ok(()),
        Err(err) => {
            worker::console_warn!("rate limiter {binding} unavailable, letting the capture through: {err:?}");
            Ok(())
        }
    }
}
