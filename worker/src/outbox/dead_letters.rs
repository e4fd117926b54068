//! The dead-letter queue's consumer. A delivery whose retries are exhausted
//! is already marked failed; its message arriving here is recorded on the
//! row (`dead_lettered_at`, shown in the delivery log) and logged, so the
//! path can be watched. Like the delivery consumer it never returns an
//! error: each message is acked, or retried on a store error.

use super::consumer::{read, retry_later};
use super::message::DeliveryMessage;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::{databases, Store};
use crate::workspace::moves;
use futures_util::future::join_all;
use worker::{Env, MessageBatch, MessageExt, RawMessage};

pub async fn consume(batch: MessageBatch<DeliveryMessage>, env: Env) {
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    // A move's step that ran out of retries goes back: a move holds its workspace frozen until done.
    let (steps, messages): (Vec<_>, Vec<_>) = messages.into_iter().map(|m| (moves::read(&m), m)).partition(|(step, _)| step.is_some());
    let messages: Vec<RawMessage> = messages.into_iter().map(|(_, m)| m).collect();
    moves::revive_steps(&env, steps.iter().filter_map(|(step, m)| Some((m, step.clone()?))).collect()).await;
    // Concurrently: each message stands alone, so one store error retries only its own.
    join_all(messages.iter().filter_map(|raw| read(raw).map(|message| settle(&env, raw, message)))).await;
}

async fn settle(env: &Env, raw: &RawMessage, message: DeliveryMessage) {
    let DeliveryMessage::DeliveryV1 { workspace_id, .. } = &message;
    // Recorded in the database holding the workspace (a moving one's waits, retried).
    match databases::for_workspace(env, workspace_id, now_ms()).await {
        Ok(store) => settle_in(&store, raw, &message).await,
        Err(err) => {
            if !matches!(err, ApiError::Unavailable { .. }) {
                worker::console_error!("dead letter for {workspace_id}: {err:?}");
            }
            raw.retry_with_options(&retry_later());
        }
    }
}

async fn settle_in(store: &Store, raw: &RawMessage, message: &DeliveryMessage) {
    match record(store, message).await {
        Ok(()) => raw.ack(),
        Err(err) => {
            worker::console_error!("recording a dead letter failed, retrying it: {err:?}");
            raw.retry_with_options(&retry_later());
        }
    }
}

async fn record(store: &Store, message: &DeliveryMessage) -> ApiResult<()> {
    // Every job, follow-ups included, dies as a delivery message (a previous release's follow-up message reads as its job's).
    let DeliveryMessage::DeliveryV1 { workspace_id, delivery_id, attempts } = message;
    match store.mark_dead_lettered(workspace_id, delivery_id, now_ms()).await? {
        Some(row) => worker::console_warn!(
            "dead letter: delivery {delivery_id} (workspace {workspace_id}, {} {}) failed after {} attempts; replay it with POST /api/v1/deliveries/{delivery_id}/retry",
            row.target_kind, row.target_id, row.attempts
        ),
        // Not failed: replayed since, or given up on by the delivery queue while the sweeper still owns it.
        None => worker::console_warn!("dead letter: delivery {delivery_id} (workspace {workspace_id}, message after {attempts} attempts) is not failed; nothing to record"),
    }
    Ok(())
}
