//! The cron sweeper: re-enqueues pending deliveries whose queue message is
//! overdue (a lost enqueue, a lost retry), so delivery never depends on the
//! queue having kept every message.

use super::message::{enqueue, DeliveryMessage};
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
    match store.claim_overdue(now - config.sweep_after_secs * 1000, now, MAX_PER_SWEEP).await {
        Ok(due) if due.is_empty() => {}
        Ok(due) => {
            worker::console_log!("sweeper: re-enqueueing {} overdue deliveries", due.len());
            enqueue(&env, due.iter().map(DeliveryMessage::from).collect()).await;
        }
        Err(err) => worker::console_error!("sweeper scan failed: {err:?}"),
    }
}
