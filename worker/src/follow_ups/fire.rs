//! Firing due follow-ups: the queue consumer's part (one D1 batch per
//! follow-up: still scheduled → sent, with its event and outbox rows) and
//! the cron sweeper's (hand the queue what it cannot be trusted to bring).

use super::{message, stored_action};
use crate::config::Config;
use crate::delivery::message::{enqueue, enqueue_later, DeliveryMessage};
use crate::error::ApiResult;
use crate::events::{lead_event, FOLLOW_UP_REMINDER, LEAD_FOLLOW_UP_DUE};
use crate::leads::LeadOut;
use crate::platform::now_ms;
use crate::store::follow_ups::{Firing, FollowUpRow, SCHEDULED};
use crate::store::leads::{EventRow, LeadRow};
use crate::store::Store;
use futures_util::future::join_all;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::workflow::FollowUpAction;
use serde_json::json;
use worker::{Env, MessageExt, RawMessage};

/// Most follow-ups the sweeper hands to the queue per run; the next run takes the rest.
const MAX_PER_SWEEP: u32 = 500;
/// The sweeper runs every minute: what falls due before the next run is
/// handed to the queue now, with the delay that remains.
const LOOKAHEAD_MS: i64 = 60_000;
/// A message that arrives this early (delays are whole seconds) fires anyway.
const EARLY_TOLERANCE_MS: i64 = 1_000;

/// Fires each follow-up message; acks it once handled, retries it on our own failure.
pub async fn consume(store: &Store, env: &Env, config: &Config, messages: &[(&RawMessage, DeliveryMessage)]) {
    join_all(messages.iter().map(|(raw, msg)| async move {
        let DeliveryMessage::FollowUpV1 { workspace_id, follow_up_id } = msg else { return raw.ack() };
        match fire(store, env, config, workspace_id, follow_up_id).await {
            Ok(()) => raw.ack(),
            Err(err) => {
                worker::console_error!("follow-up {follow_up_id} could not be fired, retrying: {err:?}");
                raw.retry_with_options(&crate::delivery::retry_later());
            }
        }
    }))
    .await;
}

async fn fire(store: &Store, env: &Env, config: &Config, workspace_id: &str, id: &str) -> ApiResult<()> {
    let Some(row) = store.follow_up(workspace_id, id).await? else { return Ok(()) };
    let now = now_ms();
    if row.status != SCHEDULED {
        return Ok(());
    }
    if row.due_at > now + EARLY_TOLERANCE_MS {
        let wait = ((row.due_at - now + 999) / 1000).min(i64::from(config.follow_up_queue_max_delay_secs)) as u32;
        enqueue_later(env, message(workspace_id, id), wait).await;
        return Ok(());
    }
    let Some(lead) = store.lead(workspace_id, &row.lead_id).await? else {
        // Erasure deletes a lead's follow-ups in its batch; nothing is left to remind of.
        return Ok(());
    };
    let (event, telegram) = due_event(&row, &lead, now)?;
    if let Some(deliveries) = store.fire_follow_up(&Firing { follow_up: &row, event: &event, telegram, now }).await? {
        enqueue(env, deliveries.iter().map(DeliveryMessage::from).collect()).await;
    }
    Ok(())
}

/// The event a due follow-up writes: an internal reminder with its Telegram
/// text rendered now (the lead as it is when due), or `lead.follow_up_due`.
fn due_event(row: &FollowUpRow, lead: &LeadRow, now: i64) -> ApiResult<(EventRow, bool)> {
    let follow_up = json!({"id": row.id, "due_at": format_rfc3339(row.due_at)});
    match stored_action(&row.action)? {
        FollowUpAction::Webhook => Ok((lead_event(LEAD_FOLLOW_UP_DUE, lead, Some(json!({"follow_up": follow_up})), now)?, false)),
        FollowUpAction::Telegram { template } => {
            let view = serde_json::to_value(LeadOut::from(lead))?;
            let id = crate::credentials::new_id(leadsbot_shared::ids::IdKind::Event, now)?;
            let payload = json!({
                "id": id, "event": FOLLOW_UP_REMINDER, "created_at": format_rfc3339(now), "workspace_id": lead.workspace_id,
                "data": {"id": lead.id, "status": lead.status, "follow_up": follow_up},
                "text": template.render_telegram(&view),
            });
            let event = EventRow { id, workspace_id: lead.workspace_id.clone(), kind: FOLLOW_UP_REMINDER.into(), lead_id: Some(lead.id.clone()), payload: payload.to_string(), created_at: now };
            Ok((event, true))
        }
    }
}

/// The cron's part: follow-ups due before its next run that no queue
/// message carries (due beyond the queue's reach when scheduled), and any
/// whose message was lost (overdue), are enqueued with the delay that remains.
pub async fn sweep(env: &Env) {
    let (config, store) = match (Config::from_env(env), env.d1("DB")) {
        (Ok(config), Ok(db)) => (config, Store::new(db)),
        _ => return worker::console_error!("follow-up sweeper: configuration or D1 binding missing"),
    };
    let now = now_ms();
    let overdue_before = now - config.sweep_after_secs * 1000;
    match store.claim_due_follow_ups(now + LOOKAHEAD_MS, overdue_before, now, MAX_PER_SWEEP).await {
        Ok(due) => {
            let sends = due.iter().map(|f| {
                let wait = ((f.due_at - now).max(0) + 999) / 1000;
                enqueue_later(env, message(&f.workspace_id, &f.id), wait as u32)
            });
            // A lost send leaves the row overdue: the run after next re-enqueues it.
            join_all(sends).await;
        }
        Err(err) => worker::console_error!("follow-up sweeper scan failed: {err:?}"),
    }
    if let Err(err) = store.prune_telegram_updates(now - 2 * 86_400_000).await {
        worker::console_error!("pruning telegram updates failed: {err:?}");
    }
}
