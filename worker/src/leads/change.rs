//! Storing a patched lead: the one path every change to a lead takes (PATCH
//! /leads/:id, a workflow's `set_status`/`add_tag`/`remove_tag`), so status
//! history and events are the same whoever made the change.

use super::Patched;
use crate::credentials::new_id;
use crate::error::ApiResult;
use crate::store::leads::{EventRow, LeadRow, StatusChangeRow, Then};
use crate::store::Store;
use leadsbot_shared::encoding::hex;
use leadsbot_shared::ids::IdKind;
use serde_json::Value;

/// Who changes the lead and what else happens exactly when the change does.
pub struct ChangeBy<'a> {
    /// Recorded in the status history (`changed_by`): an API key id, `workflow:<id>`.
    pub changed_by: &'a str,
    pub now_ms: i64,
    /// Added to a `lead.status_changed` event as `caused_by` (a workflow run),
    /// so that workflows never trigger themselves into a loop.
    pub caused_by: Option<Value>,
    /// Statements to run only if the change is written (a run's action record).
    pub then: Vec<Then>,
}

/// Writes a changing patch if the lead is still as read (`read` = its
/// `updated_at` and `revision` then); `None`, having written nothing, if it
/// was not. Returns the lead as stored and the events raised, to dispatch.
pub async fn store_patched(store: &Store, patched: Patched, read: (i64, &str), by: &ChangeBy<'_>) -> ApiResult<Option<(LeadRow, Vec<EventRow>)>> {
    let Patched { mut lead, transition, .. } = patched;
    lead.revision = hex(&crate::platform::random_bytes::<8>()?);
    let change = match &transition {
        Some((from, to)) => Some(StatusChangeRow {
            id: new_id(IdKind::StatusChange, by.now_ms)?,
            lead_id: lead.id.clone(),
            from_status: from.clone(),
            to_status: to.clone(),
            changed_by: Some(by.changed_by.to_string()),
            changed_at: by.now_ms,
        }),
        None => None,
    };
    let mut events = crate::delivery::lead_change_events(by.now_ms, &lead, transition.as_ref())?;
    if let Some(cause) = &by.caused_by {
        events.iter_mut().filter(|e| e.kind == crate::events::LEAD_STATUS_CHANGED).try_for_each(|e| add_cause(e, cause))?;
    }
    if !store.update_lead_if_unchanged(&lead, read, change.as_ref(), &events, &by.then).await? {
        return Ok(None);
    }
    Ok(Some((lead, events)))
}

fn add_cause(event: &mut EventRow, cause: &Value) -> ApiResult<()> {
    let mut payload: Value = serde_json::from_str(&event.payload)?;
    payload["caused_by"] = cause.clone();
    event.payload = payload.to_string();
    Ok(())
}
