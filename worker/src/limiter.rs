//! One check against a Workers Rate Limiting binding (`[[ratelimits]]` in
//! wrangler.toml): counters at the edge, no storage round trip. Every limit
//! of the service goes through here, answering 429 with `Retry-After` (the
//! binding's period) when a key is over its limit.
//!
//! A missing or failing binding lets the request through (fail open) with a
//! logged warning: the limits bound cost, while every request is still
//! authenticated and checked; turning real work away because a limiter is
//! down would lose it.

use crate::error::{ApiError, ApiResult};
use std::cell::RefCell;
use worker::Env;

/// A binding and its period in wrangler.toml (10 or 60 seconds).
#[derive(Clone, Copy)]
pub struct Limit {
    pub binding: &'static str,
    pub period_secs: u32,
}

thread_local! {
    /// One warning per isolate and binding when it is missing, not one per request.
    static WARNED_MISSING: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
}

pub async fn admit(env: &Env, limit: Limit, key: String) -> ApiResult<()> {
    let Ok(limiter) = env.rate_limiter(limit.binding) else {
        let first = WARNED_MISSING.with_borrow_mut(|warned| !warned.contains(&limit.binding) && { warned.push(limit.binding); true });
        if first {
            worker::console_warn!("rate limiter {} is not bound: not limited", limit.binding);
        }
        return Ok(());
    };
    match limiter.limit(key).await {
        Ok(outcome) if !outcome.success => Err(ApiError::RateLimited { retry_after_secs: limit.period_secs }),
        Ok(_) => Ok(()),
        Err(err) => {
            worker::console_warn!("rate limiter {} unavailable, letting the request through: {err:?}", limit.binding);
            Ok(())
        }
    }
}
