//! Changing a lead: the one path every change takes (the API's PATCH, a
//! Telegram button, a workflow's `set_status`/`add_tag`/`remove_tag`), so
//! status history, events, their outbox rows and the follow-ups a status
//! change cancels are the same whoever asks. `change_lead` reads, checks and
//! retries; `store_patched` writes one patched lead, `chain_patched` adds
//! one to a chain of changes written together (a workflow turn's).

use super::patch::{apply_patch, etag, if_match_admits, LeadPatch, Patched};
use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::store::deliveries::DueDelivery;
use crate::store::leads::{EventRow, LeadChain, LeadRow, StatusChangeRow, Then};
use crate::store::Store;
use leadsbot_shared::encoding::hex;
use leadsbot_shared::ids::IdKind;
use serde_json::Value;

/// What the lead must still be for the change to apply.
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// Whatever it is now (a concurrent change is simply retried on the fresh lead).
    Anything,
    /// An `If-Match` header: one of its ETags must be the lead's.
    ETag(&'a str),
    /// This status: a Telegram button offers a move from the status it showed.
    Status(&'a str),
    /// Nobody has the lead: "Take it" never takes it from someone who already has it.
    Unassigned,
}

pub struct LeadChange<'a> {
    pub workspace_id: &'a str,
    pub lead_id: &'a str,
    pub patch: LeadPatch,
    /// Who, as status history records it: an API key id, `telegram:@ada`, …
    pub changed_by: &'a str,
    pub expect: Expect<'a>,
}

#[derive(Debug)]
pub enum ChangeOutcome {
    /// Stored, with the outbox rows its events wrote, for the caller to dispatch.
    Changed { lead: LeadRow, due: Vec<DueDelivery> },
    /// The patch changes nothing: nothing was written, no event raised.
    Unchanged(LeadRow),
    NotFound,
    /// The lead is not as expected: nothing was written. Carries the lead as it is.
    Stale(LeadRow),
}

/// Applies a change. Invalid input is refused as such (422) whatever the
/// lead's version; then the expectation is checked, then the write is made
/// only if nobody changed the lead since it was read.
pub async fn change_lead(store: &Store, change: &LeadChange<'_>, now_ms: i64) -> ApiResult<ChangeOutcome> {
    if let Some(Some(member)) = &change.patch.assignee {
        check_assignee(store, change.workspace_id, member).await?;
    }
    for _ in 0..MAX_ATTEMPTS {
        let Some(lead) = store.lead(change.workspace_id, change.lead_id).await? else {
            return Ok(ChangeOutcome::NotFound);
        };
        let admitted = match change.expect {
            Expect::Anything => true,
            Expect::ETag(header) => if_match_admits(header, &etag(&lead)),
            Expect::Status(status) => lead.status == status,
            Expect::Unassigned => lead.assignee_id.is_none(),
        };
        let read = (lead.updated_at, lead.revision.clone());
        let patched = apply_patch(lead.clone(), change.patch.clone(), now_ms)?;
        if !admitted {
            return Ok(ChangeOutcome::Stale(lead));
        }
        if !patched.changed {
            return Ok(ChangeOutcome::Unchanged(patched.lead));
        }
        let by = ChangeBy { changed_by: change.changed_by, now_ms, caused_by: None, then: Vec::new() };
        if let Some((lead, due)) = store_patched(store, patched, (read.0, &read.1), &by).await? {
            return Ok(ChangeOutcome::Changed { lead, due });
        }
        // Changed under us: read again; an expectation is then checked on the fresh lead.
    }
    // Busy, not broken: the caller may simply try again.
    Err(ApiError::Conflict(format!("the lead changed {MAX_ATTEMPTS} times while this change was being applied; send it again")))
}

/// A lead is assigned only to a member of its workspace (active or
/// invited; a removed member is no member): else 422 naming `assignee`.
async fn check_assignee(store: &Store, workspace_id: &str, member_id: &str) -> ApiResult<()> {
    let known = leadsbot_shared::ids::is_sortable_id(IdKind::Member, member_id) && store.member(workspace_id, member_id).await?.is_some();
    if known {
        return Ok(());
    }
    Err(ApiError::Validation(vec![leadsbot_shared::FieldError::new("assignee", "unknown_member", "assignee is the id of a member of this workspace (GET /api/v1/members), or null")]))
}

/// Reads and writes before a lead changing under us is reported as a 409.
/// Each lost race means another writer won, so this bounds the work, not the outcome.
const MAX_ATTEMPTS: usize = 8;

/// Who changes the lead and what else happens exactly when the change does.
pub struct ChangeBy<'a> {
    /// Recorded in the status history (`changed_by`): a person (`member:mem_…`), an API key id, `telegram:@user`, `workflow:<id>`.
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
/// was not. Returns the lead as stored and the outbox rows its events wrote, to dispatch.
pub async fn store_patched(store: &Store, patched: Patched, read: (i64, &str), by: &ChangeBy<'_>) -> ApiResult<Option<(LeadRow, Vec<DueDelivery>)>> {
    let mut chain = LeadChain::default();
    let lead = chain_patched(store, &mut chain, patched, read, by)?;
    Ok(store.write_chain(chain).await?.map(|written| (lead, written.due)))
}

/// Adds a changing patch to a chain of changes to its lead (`read` is the
/// lead as the chain's change before it leaves it, or as read); returns the
/// lead as it will be stored, with its new revision.
pub fn chain_patched(store: &Store, chain: &mut LeadChain, patched: Patched, read: (i64, &str), by: &ChangeBy<'_>) -> ApiResult<LeadRow> {
    let Patched { mut lead, transition, reassignment, .. } = patched;
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
    let mut events = lead_change_events(by.now_ms, &lead, transition.as_ref(), reassignment.as_ref())?;
    if let Some(cause) = &by.caused_by {
        events.iter_mut().filter(|e| e.kind == crate::leads::events::LEAD_STATUS_CHANGED).try_for_each(|e| add_cause(e, cause))?;
    }
    store.chain_change(chain, &lead, read, change.as_ref(), &events, &by.then)?;
    Ok(lead)
}

fn add_cause(event: &mut EventRow, cause: &Value) -> ApiResult<()> {
    let mut payload: Value = serde_json::from_str(&event.payload)?;
    payload["caused_by"] = cause.clone();
    event.payload = payload.to_string();
    Ok(())
}
/// The events a PATCH to a lead produces. A lead leaving spam also gets the
/// `lead.created` it skipped (and with it the Telegram alert and whatever
/// else follows a new lead); the store raises that one only if the lead
/// was never announced (`store::leads::NEVER_ANNOUNCED`), so it happens once.
pub fn lead_change_events(now_ms: i64, lead: &LeadRow, transition: Option<&(String, String)>, reassignment: Option<&(Option<String>, Option<String>)>) -> ApiResult<Vec<EventRow>> {
    // Spam emits nothing.
    if lead.status == "spam" {
        return Ok(Vec::new());
    }
    let mut events = Vec::new();
    if transition.is_some_and(|(from, _)| from == "spam") {
        events.push(crate::leads::events::lead_event(crate::leads::events::LEAD_CREATED, lead, None, now_ms)?);
    }
    events.push(crate::leads::events::lead_event(crate::leads::events::LEAD_UPDATED, lead, None, now_ms)?);
    if let Some((from, to)) = transition {
        let extra = serde_json::json!({"previous_status": from, "status": to});
        events.push(crate::leads::events::lead_event(crate::leads::events::LEAD_STATUS_CHANGED, lead, Some(extra), now_ms)?);
    }
    if let Some((from, to)) = reassignment {
        let extra = serde_json::json!({"previous_assignee": from, "assignee": to});
        events.push(crate::leads::events::lead_event(crate::leads::events::LEAD_ASSIGNED, lead, Some(extra), now_ms)?);
    }
    Ok(events)
}

