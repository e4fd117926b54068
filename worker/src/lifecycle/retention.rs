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
//!   as an erasure request would (recorded as by `retention`). The sweep
//!   walks the workspaces with a cursor (`sweep_cursor`), one erasure batch
//!   per workspace per visit, so every workspace is reached in turn.

use leadsbot_shared::idempotency::IDEMPOTENCY_WINDOW_MS;
use crate::config::Config;
use crate::outbox::message::{enqueue, DeliveryMessage};
use crate::lifecycle::erasure::{erase_leads, Eraser, LEADS_PER_BATCH};
use crate::error::ApiResult;
use crate::platform::now_ms;
use crate::store::retention::RetentionSetting;
use crate::store::CrossWorkspace;
use crate::lifecycle::sweep_cursor::next_cursor;
use worker::Env;

/// Rows per delete statement.
const BATCH: u32 = 500;
/// Lead erasure batches per tick (of `LEADS_PER_BATCH` leads, one per
/// workspace visited), so a tick stays short whatever the backlog.
const MAX_LEAD_BATCHES: usize = 5;
/// Workspaces with a lead retention looked at per tick: one query, which
/// also tells which of them have expired leads.
const WORKSPACES_PER_TICK: u32 = 100;
/// This sweep's cursor in `sweep_cursors`.
const LEAD_RETENTION_SWEEP: &str = "lead_retention";

/// Runs on one database (the cron runs it on each).
pub async fn run(env: &Env, store: &CrossWorkspace) {
    let config = match Config::from_env(env) {
        Ok(config) => config,
        Err(err) => return worker::console_error!("retention: {err:?}"),
    };
    let now = now_ms();
    if let Err(err) = sweep_logs(&store, &config, now).await {
        worker::console_error!("retention of logs failed: {err:?}");
    }
    if let Err(err) = expire_leads(&env, &store, &config, now).await {
        worker::console_error!("lead retention failed: {err:?}");
    }
}

async fn sweep_logs(store: &CrossWorkspace, config: &Config, now: i64) -> ApiResult<()> {
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

/// One tick of the lead retention walk: the next page of workspaces after
/// the cursor, one erasure batch for each with expired leads until the
/// tick's budget is spent; the cursor then moves past the last one done.
async fn expire_leads(env: &Env, store: &CrossWorkspace, config: &Config, now: i64) -> ApiResult<()> {
    let cursor = store.sweep_cursor(LEAD_RETENTION_SWEEP).await?;
    let page = store.lead_retention_settings(cursor.as_deref(), now, config.retention_day_ms, WORKSPACES_PER_TICK).await?;
    let (mut batches, mut finished) = (0, 0);
    for setting in &page {
        if setting.has_expired_leads() {
            if batches == MAX_LEAD_BATCHES {
                break;
            }
            batches += 1;
            // A workspace that fails is logged and passed: it is visited again next round, the others are not held back.
            if let Err(err) = erase_expired_batch(env, store, config, setting, now).await {
                worker::console_error!("lead retention for {} failed: {err:?}", setting.id);
            }
        }
        finished += 1;
    }
    let ids: Vec<&str> = page.iter().map(|s| s.id.as_str()).collect();
    let next = next_cursor(cursor.as_deref(), &ids, WORKSPACES_PER_TICK, finished);
    store.save_sweep_cursor(LEAD_RETENTION_SWEEP, next, now).await
}

/// Erases one batch of a workspace's oldest leads past its retention.
async fn erase_expired_batch(env: &Env, store: &CrossWorkspace, config: &Config, setting: &RetentionSetting, now: i64) -> ApiResult<()> {
    let cutoff = now - setting.lead_retention_days * config.retention_day_ms;
    let workspace = store.for_workspace(&setting.id);
    let ids = workspace.leads_created_before(&setting.id, cutoff, LEADS_PER_BATCH).await?;
    if ids.is_empty() {
        return Ok(());
    }
    let who = Eraser { workspace_id: &setting.id, requested_by: "retention", now_ms: now };
    let deliveries = erase_leads(&workspace, &who, &ids).await?;
    enqueue(env, deliveries.iter().map(DeliveryMessage::from).collect()).await;
    Ok(())
}
