//! Events: what happened to a lead, in the exact bytes receivers get.

use crate::credentials::new_id;
use crate::error::ApiResult;
use crate::leads::LeadOut;
use crate::store::leads::{EventRow, LeadRow};
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::time::format_rfc3339;
use serde_json::{json, Value};

pub const LEAD_CREATED: &str = "lead.created";
pub const LEAD_UPDATED: &str = "lead.updated";
pub const LEAD_STATUS_CHANGED: &str = "lead.status_changed";
/// A lead was erased; its data holds the lead id only, so receivers can erase too.
pub const LEAD_ERASED: &str = "lead.erased";
/// A workflow's `webhook` action, sent to the one endpoint it names (as
/// that action's own job, never fanned out to subscribers).
pub const WORKFLOW_ACTION: &str = "workflow.action";
/// A workflow run finished every action / gave up on one.
pub const WORKFLOW_COMPLETED: &str = "workflow.completed";
pub const WORKFLOW_FAILED: &str = "workflow.failed";
/// Internal kinds, never fanned out: a run's outbox row (the run's own
/// kind, not stored as an event), and a run's Telegram message (`{"text"}`,
/// stored as the event of that action's job).
pub const WORKFLOW_RUN: &str = "workflow.run";
pub const WORKFLOW_TELEGRAM: &str = "workflow.telegram";
/// Campaign controls (`shared::campaign::Control::event_type`), on webhooks.
pub const CAMPAIGN_PAUSED: &str = "campaign.paused";
pub const CAMPAIGN_RESUMED: &str = "campaign.resumed";
pub const CAMPAIGN_ARCHIVED: &str = "campaign.archived";
/// A follow-up fell due (its action was `webhook`): the lead, plus `follow_up`.
pub const LEAD_FOLLOW_UP_DUE: &str = "lead.follow_up_due";
/// Internal: a follow-up's Telegram reminder, its text prepared; never sent to endpoints.
pub const FOLLOW_UP_REMINDER: &str = "follow_up.reminder";
/// A workspace's daily or weekly digest, sent to Telegram only.
pub const SUMMARY_DIGEST: &str = "summary.digest";

/// The payload is serialised once, here, and stored: every delivery attempt
/// then sends (and signs) identical bytes.
pub fn lead_event(kind: &str, lead: &LeadRow, extra: Option<Value>, now_ms: i64) -> ApiResult<EventRow> {
    let id = new_id(IdKind::Event, now_ms)?;
    let mut data = serde_json::to_value(LeadOut::from(lead))?;
    if let (Some(Value::Object(extra)), Value::Object(data)) = (extra, &mut data) {
        data.extend(extra);
    }
    let payload = json!({
        "id": id,
        "event": kind,
        "created_at": format_rfc3339(now_ms),
        "workspace_id": lead.workspace_id,
        "data": data,
    });
    Ok(EventRow {
        id,
        workspace_id: lead.workspace_id.clone(),
        kind: kind.to_string(),
        lead_id: Some(lead.id.clone()),
        payload: payload.to_string(),
        created_at: now_ms,
    })
}

/// `lead.erased`: ids only, nothing of the person.
pub fn erased_event(workspace_id: &str, lead_id: &str, now_ms: i64) -> ApiResult<EventRow> {
    let id = new_id(IdKind::Event, now_ms)?;
    let payload = json!({
        "id": id,
        "event": LEAD_ERASED,
        "created_at": format_rfc3339(now_ms),
        "workspace_id": workspace_id,
        "data": {"id": lead_id},
    });
    Ok(EventRow {
        id,
        workspace_id: workspace_id.to_string(),
        kind: LEAD_ERASED.to_string(),
        lead_id: Some(lead_id.to_string()),
        payload: payload.to_string(),
        created_at: now_ms,
    })
}

/// An event that is not about one lead's data (`data` as given).
pub fn event(kind: &str, workspace_id: &str, lead_id: Option<&str>, data: Value, now_ms: i64) -> ApiResult<EventRow> {
    let id = new_id(IdKind::Event, now_ms)?;
    let payload = json!({"id": id, "event": kind, "created_at": format_rfc3339(now_ms), "workspace_id": workspace_id, "data": data});
    Ok(EventRow {
        id,
        workspace_id: workspace_id.to_string(),
        kind: kind.to_string(),
        lead_id: lead_id.map(str::to_string),
        payload: payload.to_string(),
        created_at: now_ms,
    })
}
