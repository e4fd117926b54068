//! Events: what happened to a lead, in the exact bytes receivers get.

use crate::ids::new_id;
use crate::error::ApiResult;
use crate::leads::LeadOut;
use crate::store::leads::{EventRow, LeadRow};
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::time::format_rfc3339;
use serde_json::{json, Value};

pub use leadsbot_shared::event::*;

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
