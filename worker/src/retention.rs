//! Retention, run by the cron beside the delivery sweeper, in bounded
//! batches (a few statements of at most `BATCH` rows per tick; the next tick
//! takes the rest):
//! - idempotency claims once their replay window has passed;
//! - after `DELIVERY_LOG_RETENTION_DAYS` (default 30), the attempt logs of
//!   settled deliveries, then settled deliveries with no attempt left, and
//!   events no delivery refers to any more. Held and pending work is never
//!   deleted, nor what it needs: a campaign paused for longer still sends
//!   its held work on resume;
//! - leads older than a workspace's `lead_retention_days`, erased exactly
//!   as an erasure request would (recorded as by `retention`).

use leadsbot_shared::idempotency::IDEMPOTENCY_WINDOW_MS;
use crate::config::Config;
use crate::delivery::message::{enqueue, DeliveryMessage};
use crate::erasure::{erase_leads, Eraser, LEADS_PER_BATCH};
use crate::error::ApiResult;
use crate::platform::now_ms;
use crate::store::Store;
use worker::Env;

/// Rows per delete statement.
const BATCH: u32 = 500;
/// Lead erasure batches per tick, across workspaces.
const MAX_LEAD_BATCHES: usize = 5;
/// Workspaces with a lead retention looked at per tick.
const MAX_WORKSPACES: u32 = 100;

pub async fn run(env: Env) {
    let (config, store) = match (Config::from_env(&env), env.d1("DB")) {
        (Ok(config), Ok(db)) => (config, Store::new(db)),
        (Err(err), _) => return worker::console_error!("retention: {err:?}"),
        (_, Err(err)) => return worker::console_error!("retention: D1 binding DB: {err}"),
    };
    let now = now_ms();
    if let Err(err) = sweep_logs(&store, &config, now).await {
        worker::console_error!("retention of logs failed: {err:?}");
    }
    if let Err(err) = expire_leads(&env, &store, &config, now).await {
        worker::console_error!("lead retention failed: {err:?}");
    }
}

async fn sweep_logs(store: &Store, config: &Config, now: i64) -> ApiResult<()> {
    let keys = store.delete_expired_idempotency_keys(now - IDEMPOTENCY_WINDOW_MS, BATCH).await?;
    let cutoff = now - config.delivery_log_retention_days * config.retention_day_ms;
    let attempts = store.delete_old_attempts(cutoff, BATCH).await?;
    let deliveries = store.delete_settled_deliveries(cutoff, BATCH).await?;
    let events = store.delete_settled_events(cutoff, BATCH).await?;
    if keys + attempts + deliveries + events > 0 {
        worker::console_log!("retention: deleted {keys} idempotency keys, {attempts} attempts, {deliveries} deliveries, {events} events");
    }
    Ok(())
}

async fn expire_leads(env: &Env, store: &Store, config: &Config, now: i64) -> ApiResult<()> {
    let mut batches = 0;
    for setting in store.lead_retention_settings(MAX_WORKSPACES).await? {
        let cutoff = now - setting.lead_retention_days * config.retention_day_ms;
        while batches < MAX_LEAD_BATCHES {
            let ids = store.leads_created_before(&setting.id, cutoff, LEADS_PER_BATCH).await?;
            if ids.is_empty() {
                break;
            }
            batches += 1;
            let who = Eraser { workspace_id: &setting.id, requested_by: "retention", now_ms: now };
            let deliveries = erase_leads(store, &who, &ids).await?;
            enqueue(env, deliveries.iter().map(DeliveryMessage::from).collect()).await;
        }
    }
    Ok(())
}
