//! Delivery: fanning events out to webhook endpoints and Telegram through
//! Cloudflare Queues. (Filled in by the delivery work; for now events are
//! recorded in D1 and nothing is sent.)

use crate::app::App;
use crate::error::ApiResult;
use crate::store::leads::{EventRow, LeadRow};

/// Hands a stored event to delivery. Never fails the caller: the event is
/// already committed, and the sweeper picks up anything not enqueued.
pub async fn dispatch_event(_app: &App, _event: &EventRow) {}

/// The events a PATCH to a lead produces.
pub fn lead_change_events(app: &App, lead: &LeadRow, transition: Option<&(String, String)>) -> ApiResult<Vec<EventRow>> {
    // Spam emits nothing; a lead rescued from spam is announced by its status change.
    if lead.status == "spam" {
        return Ok(Vec::new());
    }
    let mut events = vec![crate::events::lead_event(crate::events::LEAD_UPDATED, lead, None, app.now_ms)?];
    if let Some((from, to)) = transition {
        let extra = serde_json::json!({"previous_status": from, "status": to});
        events.push(crate::events::lead_event(crate::events::LEAD_STATUS_CHANGED, lead, Some(extra), app.now_ms)?);
    }
    Ok(events)
}
