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
use std::collections::HashMap;
use worker::Env;

/// A binding and its period in wrangler.toml (10 or 60 seconds).
#[derive(Clone, Copy)]
pub struct Limit {
    pub binding: &'static str,
    pub period_secs: u32,
}

// The limits beside capture's (`abuse.rs`), each a `[[ratelimits]]` binding in wrangler.toml.

/// Leads a workspace's API keys and capture URLs create, together (`loops.rs`).
pub const WORKSPACE_LEADS: Limit = Limit { binding: "WORKSPACE_LEAD_LIMITER", period_secs: 60 };
/// Inbox sign-ins (by key or link) per client address, before any D1 read.
pub const SIGN_INS_PER_CLIENT: Limit = Limit { binding: "SIGN_IN_CLIENT_LIMITER", period_secs: 60 };
/// Inbox sign-ins per workspace, once the key or link names it.
pub const SIGN_INS_PER_WORKSPACE: Limit = Limit { binding: "SIGN_IN_WORKSPACE_LIMITER", period_secs: 60 };
/// Sign-in links mailed per address (hashed), whoever asks: nobody fills a mailbox.
pub const SIGN_IN_MAILS_PER_ADDRESS: Limit = Limit { binding: "SIGN_IN_MAIL_LIMITER", period_secs: 60 };
/// Inbox requests whose session cookie names no live session, per client address.
pub const UNKNOWN_SESSIONS_PER_CLIENT: Limit = Limit { binding: "UNKNOWN_SESSION_LIMITER", period_secs: 60 };
/// Telegram webhook posts per workspace, before the secret is checked.
pub const TELEGRAM_UPDATES_PER_WORKSPACE: Limit = Limit { binding: "TELEGRAM_WEBHOOK_LIMITER", period_secs: 60 };
/// Lead exports per API key.
pub const EXPORTS_PER_KEY: Limit = Limit { binding: "EXPORT_LIMITER", period_secs: 60 };
/// Test sends to webhook endpoints per workspace: each is an outbound request made at once.
pub const WEBHOOK_TESTS_PER_WORKSPACE: Limit = Limit { binding: "WEBHOOK_TEST_LIMITER", period_secs: 60 };

thread_local! {
    /// One warning per isolate and binding when it is missing, not one per request.
    static WARNED_MISSING: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    /// Keys this isolate found over a limit, and until when (see `refuse_known_over`).
    static KNOWN_OVER: RefCell<HashMap<(&'static str, String), i64>> = RefCell::new(HashMap::new());
}

/// For a limit that counts only failures (an unknown session, say), which
/// are known only after the work: refuses, before any work, a key this
/// isolate found over the limit less than a period ago.
pub fn refuse_known_over(limit: Limit, key: &str, now_ms: i64) -> ApiResult<()> {
    let until = KNOWN_OVER.with_borrow(|over| over.get(&(limit.binding, key.to_string())).copied());
    match until {
        Some(until) if until > now_ms => Err(ApiError::RateLimited { retry_after_secs: ((until - now_ms) / 1000 + 1) as u32 }),
        _ => Ok(()),
    }
}

/// Counts one failure against `limit`; over it, the key is also remembered
/// for `refuse_known_over` until its period has passed.
pub async fn count_failure(env: &Env, limit: Limit, key: String, now_ms: i64) -> ApiResult<()> {
    let counted = admit(env, limit, key.clone()).await;
    if counted.is_err() {
        KNOWN_OVER.with_borrow_mut(|over| {
            if over.len() >= 1000 {
                over.retain(|_, until| *until > now_ms);
            }
            over.insert((limit.binding, key), now_ms + i64::from(limit.period_secs) * 1000);
        });
    }
    counted
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
