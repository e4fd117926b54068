//! Follow-ups: "still `new` in two hours? remind me". A follow-up is a row
//! (`store::follow_ups`) with a due time, an action (a Telegram reminder
//! rendered from a template, or a `lead.follow_up_due` webhook event) and a
//! cancel rule. It is brought to its time by a delayed queue message when
//! the queue's delay reaches that far, else by the cron sweeper, and fired
//! once (`fire`).

pub mod fire;
pub mod out;

use crate::config::Config;
use crate::credentials::new_id;
use crate::delivery::message::{enqueue_later, DeliveryMessage};
use crate::error::{ApiError, ApiResult};
use crate::store::follow_ups::{FollowUpRow, SCHEDULED};
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

/// Schedules a follow-up of an existing lead (`None` when the lead does not
/// exist in the workspace; the row as scheduled when its id was taken before) and, when the queue's delay reaches its due time,
/// sends the message that fires it. A lost send is found by the sweeper.
pub async fn schedule(store: &Store, env: &Env, spec: &FollowUpSpec, now: i64) -> ApiResult<Option<FollowUpRow>> {
    let config = Config::from_env(env)?;
    let delay_secs = spec.after_seconds.max(1);
    let in_queue_reach = delay_secs <= u64::from(config.follow_up_queue_max_delay_secs);
    let row = FollowUpRow {
        id: match &spec.id {
            Some(id) => id.clone(),
            None => new_id(IdKind::FollowUp, now)?,
        },
        workspace_id: spec.workspace_id.clone(),
        lead_id: spec.lead_id.clone(),
        due_at: now.saturating_add(i64::try_from(delay_secs).unwrap_or(i64::MAX / 2_000) * 1000),
        status: SCHEDULED.into(),
        action: serde_json::to_string(&spec.action)?,
        cancel_on_status_change: u32::from(spec.cancel_on_status_change),
        created_by: spec.created_by.clone(),
        queued: u32::from(in_queue_reach),
        held: 0,
        sent_at: None,
        event_id: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: now,
        updated_at: now,
    };
    if !store.insert_follow_up(&row).await? {
        // Scheduled before under this id (then sending its message again is harmless), or no such lead.
        let Some(existing) = store.follow_up(&row.workspace_id, &row.id).await? else { return Ok(None) };
        if existing.lead_id != row.lead_id {
            return Ok(None);
        }
    }
    if in_queue_reach && !config.skip_enqueue {
        enqueue_later(env, message(&row.workspace_id, &row.id), delay_secs as u32).await;
    }
    Ok(Some(row))
}

pub fn message(workspace_id: &str, follow_up_id: &str) -> DeliveryMessage {
    DeliveryMessage::FollowUpV1 { workspace_id: workspace_id.to_string(), follow_up_id: follow_up_id.to_string() }
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
    fn follow_up_messages_are_tagged() {
        let json = serde_json::to_string(&message("ws_1", "fu_1")).unwrap();
        assert_eq!(json, r#"{"type":"follow_up.v1","workspace_id":"ws_1","follow_up_id":"fu_1"}"#);
    }
}
