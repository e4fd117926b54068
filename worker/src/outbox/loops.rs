//! The service never feeds itself: a webhook may not point at its own hosts
//! (`shared::loops::OwnHosts`), a capture that carries one of our delivery
//! headers is refused, and the leads a workspace's API keys and capture URLs
//! create are capped per minute (a relay that strips our headers is bounded
//! by the cap), the cap's hits counted in the workspace's rejections.

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::auth::limiter::{admit, WORKSPACE_LEADS};
use leadsbot_shared::loops::{is_own_delivery, OwnHosts};
use leadsbot_shared::FieldError;
use std::cell::RefCell;
use std::collections::HashMap;

/// The worker's name in wrangler.toml: its `workers.dev` address is
/// `leadsbot.<account>.workers.dev`. A renamed worker lists its address in
/// `PUBLIC_HOSTS`.
const WORKER_NAME: &str = "leadsbot";
/// The reason a cap hit is listed under in `GET /api/v1/workspace/rejections`.
pub const CAP_REASON: &str = "lead_cap";
/// A cap hit is written to the rejections at most this often per workspace
/// (and isolate), with the hits since: a loop must not cost a write per request.
const RECORD_EVERY_MS: i64 = 10_000;

/// 422 naming `field` when `url` is one of this service's hosts.
pub fn refuse_own_host(app: &App, field: &str, url: &str) -> ApiResult<()> {
    let Ok(parsed) = url::Url::parse(url) else { return Ok(()) };
    let serving = app.req.url().ok().and_then(|u| u.host_str().map(|h| match u.port() { Some(p) => format!("{h}:{p}"), None => h.to_string() }));
    let configured = app.env.var("PUBLIC_HOSTS").map(|v| v.to_string()).unwrap_or_default();
    if OwnHosts::new(serving.as_deref(), &configured, WORKER_NAME).owns(&parsed) {
        let message = "this URL is LeadsBot itself: each delivery would come back as a capture and loop; point it at another service";
        return Err(ApiError::Validation(vec![FieldError::new(field, "own_host", message)]));
    }
    Ok(())
}

/// 422 for a capture carrying one of our delivery headers: our own delivery
/// came back (a webhook endpoint, or a relay, points at a capture URL).
pub fn refuse_own_delivery(app: &App) -> ApiResult<()> {
    if is_own_delivery(app.header("X-LeadsBot-Delivery").as_deref(), app.header("webhook-id").as_deref()) {
        let field = if app.header("X-LeadsBot-Delivery").is_some() { "X-LeadsBot-Delivery" } else { "webhook-id" };
        let message = "this request is a LeadsBot webhook delivery: a webhook endpoint (or a relay) points back at a capture URL, which would loop";
        return Err(ApiError::Validation(vec![FieldError::new(field, "delivery_loop", message)]));
    }
    Ok(())
}

thread_local! {
    /// Per workspace: when a cap hit was last written, and the hits since.
    static UNRECORDED_HITS: RefCell<HashMap<String, (i64, i64)>> = RefCell::new(HashMap::new());
}

/// The per-workspace cap on leads from API keys and capture URLs: 429 with
/// `Retry-After` over it, the hit counted in the workspace's rejections.
pub async fn cap_workspace_leads(app: &App, workspace_id: &str) -> ApiResult<()> {
    let refused = admit(&app.env, WORKSPACE_LEADS, format!("ws:{workspace_id}")).await;
    if refused.is_err() {
        if let Some(hits) = hits_to_record(workspace_id, app.now_ms) {
            let (store, workspace_id, now) = (app.store.clone(), workspace_id.to_string(), app.now_ms);
            app.ctx.wait_until(async move {
                if let Err(err) = store.record_rejections(&workspace_id, None, CAP_REASON, hits, now).await {
                    worker::console_warn!("could not record a capped capture: {err:?}");
                }
            });
        }
    }
    refused
}

/// Counts a hit; `Some(hits)` when they are due to be written.
fn hits_to_record(workspace_id: &str, now: i64) -> Option<i64> {
    UNRECORDED_HITS.with_borrow_mut(|hits| {
        if hits.len() > 1000 {
            hits.clear();
        }
        let (last_written, pending) = hits.entry(workspace_id.to_string()).or_insert((i64::MIN, 0));
        *pending += 1;
        (now.saturating_sub(*last_written) >= RECORD_EVERY_MS).then(|| {
            *last_written = now;
            std::mem::take(pending)
        })
    })
}

#[cfg(test)]
mod tests {
    use super::hits_to_record;

    #[test]
    fn cap_hits_are_written_at_most_every_ten_seconds_with_the_hits_since() {
        assert_eq!(hits_to_record("ws_a", 1_000), Some(1), "the first hit is written at once");
        assert_eq!(hits_to_record("ws_a", 2_000), None);
        assert_eq!(hits_to_record("ws_a", 5_000), None);
        assert_eq!(hits_to_record("ws_b", 5_000), Some(1), "per workspace");
        assert_eq!(hits_to_record("ws_a", 11_000), Some(3));
    }
}
