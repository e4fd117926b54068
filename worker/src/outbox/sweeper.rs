//! The cron sweeper: gives up on deliveries that cannot even be attempted,
//! re-enqueues pending deliveries whose queue message is overdue (a lost
//! enqueue, a lost retry), hands the queue the jobs falling due within the
//! minute that no message could carry (due beyond the queue's longest
//! delay), and releases any in-order line whose head waits, so delivery
//! never depends on the queue having kept every message.

use super::message::{dead_letter, delay_until, enqueue, enqueue_later, DeliveryMessage};
use crate::config::Config;
use crate::platform::now_ms;
use crate::store::CrossWorkspace;
use futures_util::future::join_all;
use worker::Env;

/// Enough for a minute's backlog; the next run takes the rest.
const MAX_PER_SWEEP: u32 = 1000;
/// The sweeper runs every minute: what falls due before the next run is
/// handed to the queue now, with the delay that remains.
const LOOKAHEAD_MS: i64 = 60_000;

/// Sweeps one database's outbox (the cron runs it on each).
pub async fn sweep(env: &Env, store: &CrossWorkspace) {
    let (env, store) = (env.clone(), store.clone());
    let config = match Config::from_env(&env) {
        Ok(config) => config,
        Err(err) => return worker::console_error!("sweeper: {err:?}"),
    };
    let now = now_ms();
    let overdue_before = now - config.sweep_after_secs * 1000;
    give_up(&env, &store, overdue_before, now).await;
    match store.claim_overdue(overdue_before, now, MAX_PER_SWEEP).await {
        Ok(due) if due.is_empty() => {}
        Ok(due) => {
            worker::console_log!("sweeper: re-enqueueing {} overdue deliveries", due.len());
            enqueue(&env, due.iter().map(DeliveryMessage::from).collect()).await;
        }
        Err(err) => worker::console_error!("sweeper scan failed: {err:?}"),
    }
    hand_over_due_soon(&env, &store, &config, overdue_before, now).await;
    match store.release_waiting_heads(now, MAX_PER_SWEEP).await {
        Ok(released) => enqueue(&env, released.iter().map(DeliveryMessage::from).collect()).await,
        Err(err) => worker::console_error!("sweeper: releasing in-order lines failed: {err:?}"),
    }
}

/// Deliveries claimed again and again without an outcome are marked failed
/// with that reason and dead-lettered like exhausted ones; the lines they
/// held up are released by the step after.
async fn give_up(env: &Env, store: &CrossWorkspace, overdue_before: i64, now: i64) {
    match store.give_up_unattemptable(overdue_before, now, MAX_PER_SWEEP).await {
        Ok(given_up) => {
            for row in given_up {
                worker::console_warn!("sweeper: gave up on delivery {} (workspace {}): it could not be attempted", row.id, row.workspace_id);
                dead_letter(env, DeliveryMessage::DeliveryV1 { workspace_id: row.workspace_id, delivery_id: row.id, attempts: row.attempts }).await;
            }
        }
        Err(err) => worker::console_error!("sweeper: giving up on unattemptable deliveries failed: {err:?}"),
    }
}

/// Jobs due within the lookahead that were scheduled beyond the queue's
/// reach go on the queue, each delayed until it is due. A lost send leaves
/// the job overdue, for `claim_overdue` on a later run.
async fn hand_over_due_soon(env: &Env, store: &CrossWorkspace, config: &Config, overdue_before: i64, now: i64) {
    let reach_ms = i64::from(config.follow_up_queue_max_delay_secs) * 1000;
    match store.claim_due_beyond_reach(now + LOOKAHEAD_MS, overdue_before, reach_ms, now, MAX_PER_SWEEP).await {
        Ok(due) => {
            join_all(due.into_iter().map(|job| {
                let message = DeliveryMessage::DeliveryV1 { workspace_id: job.workspace_id, delivery_id: job.id, attempts: job.attempts };
                enqueue_later(env, message, delay_until(job.next_attempt_at, now))
            }))
            .await;
        }
        Err(err) => worker::console_error!("sweeper: handing over jobs due soon failed: {err:?}"),
    }
}
