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

/// The lead a test send is about: obviously not a person, never stored.
pub const TEST_LEAD_ID: &str = "lead_00000000000000000000000000";

/// The example a test send carries (`POST /api/v1/webhooks/:id/test`): a
/// `lead.created` shaped as the real one, about an obviously fake lead, with
/// `"test": true` beside `event` so a receiver can tell it apart. Never stored.
pub fn test_event(workspace_id: &str, now_ms: i64) -> ApiResult<EventRow> {
    let lead = LeadRow {
        id: TEST_LEAD_ID.into(),
        workspace_id: workspace_id.into(),
        email: "test.lead@example.com".into(),
        name: Some("Test Lead".into()),
        message: Some("A test event from LeadsBot: no lead was created.".into()),
        custom: "{}".into(),
        source: "api".into(),
        status: "new".into(),
        tags: "[]".into(),
        created_at: now_ms,
        updated_at: now_ms,
        ..LeadRow::default()
    };
    let mut event = lead_event(LEAD_CREATED, &lead, None, now_ms)?;
    let mut payload: Value = serde_json::from_str(&event.payload)?;
    payload["test"] = Value::Bool(true);
    event.payload = payload.to_string();
    Ok(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_event_is_a_lead_created_about_a_fake_lead_marked_test() {
        let event = test_event("ws_1", 0).unwrap();
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["test"], true);
        assert_eq!(payload["event"], LEAD_CREATED);
        assert_eq!(payload["id"], event.id.as_str());
        assert_eq!(payload["workspace_id"], "ws_1");
        assert_eq!(payload["data"]["id"], TEST_LEAD_ID);
        assert_eq!(payload["data"]["email"], "test.lead@example.com");
        let real = lead_event(LEAD_CREATED, &LeadRow { custom: "{}".into(), tags: "[]".into(), ..LeadRow::default() }, None, 0).unwrap();
        let real: Value = serde_json::from_str(&real.payload).unwrap();
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&payload["data"]), keys(&real["data"]), "shaped as a real lead.created");
    }
}
