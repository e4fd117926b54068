//! The cron sweeper: gives up on deliveries that cannot even be attempted,
//! re-enqueues pending deliveries whose queue message is overdue (a lost
//! enqueue, a lost retry), and releases any in-order line whose head waits,
//! so delivery never depends on the queue having kept every message.

use super::message::{dead_letter, enqueue, DeliveryMessage};
use crate::config::Config;
use crate::platform::now_ms;
use crate::store::Store;
use worker::Env;

/// Enough for a minute's backlog; the next run takes the rest.
const MAX_PER_SWEEP: u32 = 1000;

pub async fn sweep(env: Env) {
    let config = match Config::from_env(&env) {
        Ok(config) => config,
        Err(err) => return worker::console_error!("sweeper: {err:?}"),
    };
    let store = match env.d1("DB") {
        Ok(db) => Store::new(db),
        Err(err) => return worker::console_error!("sweeper: D1 binding DB: {err}"),
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
    match store.release_waiting_heads(now, MAX_PER_SWEEP).await {
        Ok(released) => enqueue(&env, released.iter().map(DeliveryMessage::from).collect()).await,
        Err(err) => worker::console_error!("sweeper: releasing in-order lines failed: {err:?}"),
    }
}

/// Deliveries claimed again and again without an outcome are marked failed
/// with that reason and dead-lettered like exhausted ones; the lines they
/// held up are released by the step after.
async fn give_up(env: &Env, store: &Store, overdue_before: i64, now: i64) {
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
