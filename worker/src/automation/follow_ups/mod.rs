//! Follow-ups: "still `new` in two hours? remind me". A follow-up is a row
//! (`store::follow_ups`) with a due time, an action (a Telegram reminder
//! rendered from a template, or a `lead.follow_up_due` webhook event) and a
//! cancel rule, and a job in the one outbox that fires it (`fire`): due at
//! its time, brought there by a delayed queue message when the queue's
//! delay reaches that far, else by the delivery sweeper, and retried,
//! failed and replayed like any job.

pub mod fire;
pub mod out;

use crate::config::Config;
use crate::ids::new_id;
use crate::outbox::message::{enqueue_later, DeliveryMessage};
use crate::error::{ApiError, ApiResult};
use crate::leads::events::{FOLLOW_UP_REMINDER, LEAD_FOLLOW_UP_DUE};
use crate::store::deliveries::PENDING;
use crate::store::follow_ups::{job_id, FollowUpRow, SCHEDULED};
use crate::store::Store;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::template::Template;
use leadsbot_shared::workflow::FollowUpAction;
use worker::Env;

/// What to schedule.
pub struct FollowUpSpec {
    /// A given id makes scheduling idempotent (a workflow's: from its run and
    /// action); `None` for a fresh one.
    pub id: Option<String>,
    pub workspace_id: String,
    pub lead_id: String,
    /// From now; 1 s at the least.
    pub after_seconds: u64,
    pub action: FollowUpAction,
    /// Cancel it if the lead's status changes before it is due (the default).
    pub cancel_on_status_change: bool,
    /// An API key id, `telegram:<user>`, `workflow:<run id>`.
    pub created_by: String,
}

/// Schedules a follow-up of an existing lead, with its job (`None` when the
/// lead does not exist in the workspace; the row as scheduled when its id was
/// taken before) and, when the queue's delay reaches its due time, sends the
/// message that brings the job to it. Beyond that reach, or if the send is
/// lost, the delivery sweeper hands the job to the queue.
pub async fn schedule(store: &Store, env: &Env, spec: &FollowUpSpec, now: i64) -> ApiResult<Option<FollowUpRow>> {
    let config = Config::from_env(env)?;
    let delay_secs = spec.after_seconds.max(1);
    let id = match &spec.id {
        Some(id) => id.clone(),
        None => new_id(IdKind::FollowUp, now)?,
    };
    let row = FollowUpRow {
        job_id: Some(job_id(&id)),
        id,
        workspace_id: spec.workspace_id.clone(),
        lead_id: spec.lead_id.clone(),
        due_at: now.saturating_add(i64::try_from(delay_secs).unwrap_or(i64::MAX / 2_000) * 1000),
        status: SCHEDULED.into(),
        action: serde_json::to_string(&spec.action)?,
        cancel_on_status_change: u32::from(spec.cancel_on_status_change),
        created_by: spec.created_by.clone(),
        sent_at: None,
        event_id: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
        job_status: Some(PENDING.into()),
        job_attempts: Some(0),
        job_error: None,
    };
    if !store.schedule_follow_up(&row, event_type(&spec.action)).await? {
        // Scheduled before under this id (then sending its message again is harmless), or no such lead.
        let Some(existing) = store.follow_up(&row.workspace_id, &row.id).await? else { return Ok(None) };
        if existing.lead_id != row.lead_id {
            return Ok(None);
        }
    }
    if delay_secs <= u64::from(config.follow_up_queue_max_delay_secs) && !config.skip_enqueue {
        enqueue_later(env, job_message(&row.workspace_id, &row.id), delay_secs as u32).await;
    }
    Ok(Some(row))
}

/// The type of the event a follow-up writes when it fires.
pub fn event_type(action: &FollowUpAction) -> &'static str {
    match action {
        FollowUpAction::Telegram { .. } => FOLLOW_UP_REMINDER,
        FollowUpAction::Webhook => LEAD_FOLLOW_UP_DUE,
    }
}

/// The message for a follow-up's first attempt (of a job that has made none).
pub fn job_message(workspace_id: &str, follow_up_id: &str) -> DeliveryMessage {
    DeliveryMessage::DeliveryV1 { workspace_id: workspace_id.to_string(), delivery_id: job_id(follow_up_id), attempts: 0 }
}

/// The action as stored (`{"type": "telegram", "template": …}` or `{"type": "webhook"}`).
pub fn stored_action(json: &str) -> ApiResult<FollowUpAction> {
    let value: serde_json::Value = serde_json::from_str(json)?;
    match (value["type"].as_str(), value["template"].as_str()) {
        (Some("telegram"), Some(source)) => Template::parse(source, "action.template")
            .map(|template| FollowUpAction::Telegram { template })
            .map_err(|e| ApiError::internal("stored follow-up template", e.message)),
        (Some("webhook"), _) => Ok(FollowUpAction::Webhook),
        _ => Err(ApiError::internal("stored follow-up action", json.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_actions_read_back() {
        let telegram = FollowUpAction::Telegram { template: Template::parse("Still new: {{lead.email}}", "t").unwrap() };
        let json = serde_json::to_string(&telegram).unwrap();
        assert_eq!(json, r#"{"type":"telegram","template":"Still new: {{lead.email}}"}"#);
        assert_eq!(stored_action(&json).unwrap(), telegram);
        assert_eq!(stored_action(r#"{"type":"webhook"}"#).unwrap(), FollowUpAction::Webhook);
        assert!(stored_action(r#"{"type":"fax"}"#).is_err());
    }

    #[test]
    fn a_follow_up_is_brought_to_its_time_by_its_jobs_first_attempt() {
        let json = serde_json::to_string(&job_message("ws_1", "fu_1")).unwrap();
        assert_eq!(json, r#"{"type":"delivery.v1","workspace_id":"ws_1","delivery_id":"dlv_fu_1","attempts":0}"#);
        assert_eq!(event_type(&FollowUpAction::Webhook), "lead.follow_up_due");
    }
}
