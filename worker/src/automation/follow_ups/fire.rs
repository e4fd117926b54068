//! Firing a due follow-up: the attempt of its job. What it writes (still
//! scheduled → sent, with its event and outbox rows; or held, or cancelled)
//! commits in the batch that records the attempt, so it happens once
//! whatever the queue redelivers. A firing that fails (an action this
//! release cannot read, D1 unavailable) is retried on the delivery retry
//! schedule, then ends `failed`: dead-lettered, shown, replayable.

use super::stored_action;
use crate::config::Config;
use crate::outbox::attempt::{Attempted, Call};
use crate::outbox::message::{delay_until, enqueue_later, DeliveryMessage};
use crate::error::{ApiError, ApiResult};
use crate::leads::events::{lead_event, FOLLOW_UP_REMINDER, LEAD_FOLLOW_UP_DUE};
use crate::leads::LeadOut;
use crate::platform::now_ms;
use crate::store::deliveries::DeliveryJob;
use crate::store::follow_up_firing::Firing;
use crate::store::follow_ups::{FollowUpRow, SCHEDULED};
use crate::store::leads::{EventRow, LeadRow};
use crate::store::Store;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::workflow::FollowUpAction;
use serde_json::json;
use worker::{D1PreparedStatement, Env};

/// A message that arrives this early (delays are whole seconds) fires anyway.
const EARLY_TOLERANCE_MS: i64 = 1_000;

/// The attempt of a follow-up's job (`target_id` = the follow-up id).
pub async fn attempt(store: &Store, env: &Env, config: &Config, job: &DeliveryJob) -> Attempted {
    match prepare(store, env, config, job).await {
        Ok(then) => Attempted { call: Call::done(), then },
        Err(err) => {
            worker::console_error!("follow-up {} could not be fired: {err:?}", job.target_id);
            Call::not_sent(match err {
                ApiError::Internal(reason) => format!("could not be fired: {reason}"),
                other => format!("could not be fired: {other:?}"),
            })
            .into()
        }
    }
}

/// The writes that commit with the attempt's record.
async fn prepare(store: &Store, env: &Env, config: &Config, job: &DeliveryJob) -> ApiResult<Vec<D1PreparedStatement>> {
    let (ws, id) = (job.workspace_id.as_str(), job.target_id.as_str());
    let now = now_ms();
    let Some(row) = store.follow_up(ws, id).await? else {
        // Erased with its lead: the job ends cancelled.
        return Ok(vec![store.settle_job_statement(ws, id, "", now)?]);
    };
    if row.status != SCHEDULED {
        // Sent or cancelled meanwhile: the job ends as its follow-up did.
        return Ok(vec![store.settle_job_statement(ws, id, &row.lead_id, now)?]);
    }
    if !is_due(row.due_at, now) {
        return wait(store, env, config, job, &row, now).await;
    }
    let Some(lead) = store.lead(ws, &row.lead_id).await? else {
        return Ok(vec![store.settle_job_statement(ws, id, &row.lead_id, now)?]);
    };
    let (event, telegram) = due_event(&row, &lead, now)?;
    store.fire_statements(&Firing { follow_up: &row, event: &event, telegram, now })
}

/// A message that came before the follow-up is due: the attempt is undone
/// and the job waits again, with a message when the queue reaches its time
/// (else the sweeper hands it over when it comes due).
async fn wait(store: &Store, env: &Env, config: &Config, job: &DeliveryJob, row: &FollowUpRow, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    let wait_secs = delay_until(row.due_at, now);
    if wait_secs <= config.follow_up_queue_max_delay_secs {
        // Arrives after this batch commits (it is due by then), for the attempt this one gives back.
        let message = DeliveryMessage::DeliveryV1 { workspace_id: job.workspace_id.clone(), delivery_id: job.id.clone(), attempts: job.attempts };
        enqueue_later(env, message, wait_secs).await;
    }
    store.not_due_statements(&job.workspace_id, &job.id, job.attempts, row.due_at, now)
}

/// Whether a follow-up due at `due_at` fires at `now`: messages carry
/// whole-second delays, so one may come up to a second early.
fn is_due(due_at: i64, now: i64) -> bool {
    due_at <= now + EARLY_TOLERANCE_MS
}

/// The event a due follow-up writes: an internal reminder with its Telegram
/// text rendered now (the lead as it is when due), or `lead.follow_up_due`.
fn due_event(row: &FollowUpRow, lead: &LeadRow, now: i64) -> ApiResult<(EventRow, bool)> {
    let follow_up = json!({"id": row.id, "due_at": format_rfc3339(row.due_at)});
    match stored_action(&row.action)? {
        FollowUpAction::Webhook => Ok((lead_event(LEAD_FOLLOW_UP_DUE, lead, Some(json!({"follow_up": follow_up})), now)?, false)),
        FollowUpAction::Telegram { template } => {
            let view = serde_json::to_value(LeadOut::from(lead))?;
            let id = crate::ids::new_id(leadsbot_shared::ids::IdKind::Event, now)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_up_fires_from_a_second_before_its_time() {
        assert!(is_due(10_000, 10_000));
        assert!(is_due(10_000, 9_000), "a whole-second delay may land a second early");
        assert!(!is_due(10_000, 8_999));
        assert!(is_due(10_000, 50_000), "overdue");
    }
}
