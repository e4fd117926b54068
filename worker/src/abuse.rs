//! Abuse limits for browser submissions: per public token and client, on
//! Cloudflare's rate-limiting binding (no storage round trip).

use crate::app::App;
use crate::error::{ApiError, ApiResult};

const LIMITER_BINDING: &str = "CAPTURE_LIMITER";
/// The binding's window; a client that hit the limit may try again after it.
const WINDOW_SECS: u32 = 10;

pub async fn check(app: &App, token: &str) -> ApiResult<()> {
    let Ok(limiter) = app.env.rate_limiter(LIMITER_BINDING) else {
        // Deployed without the binding: capture keeps working, unthrottled.
        return Ok(());
    };
    let client = app.header("CF-Connecting-IP").unwrap_or_else(|| "unknown".into());
    let key = format!("{token}|{client}");
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => Err(ApiError::RateLimited { retry_after_secs: WINDOW_SECS }),
        Ok(_) => Ok(()),
        Err(err) => {
            // A limiter outage must not turn away real leads.
            worker::console_warn!("rate limiter unavailable: {err:?}");
            Ok(())
        }
    }
}
