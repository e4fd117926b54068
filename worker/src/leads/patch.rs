//! Changing a lead: the PATCH body, its rules, and the lead's ETag.

use crate::error::{ApiError, ApiResult};
use crate::leads::schemas;
use crate::store::leads::LeadRow;
use crate::wire::{is_blank, non_null, nullable};
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

pub const MAX_TAGS: usize = 20;
pub const MAX_TAG_CHARS: usize = 50;
pub const MAX_NOTE_CHARS: usize = 5000;

/// Fields to change; absent fields stay as they are. An empty object, or
/// values equal to the current ones, change nothing and emit no event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::lead_status)]
    pub status: Option<String>,
    /// Replaces the tags: each 1 to 50 characters (not only spaces), at most 20; repeats are kept once.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::tags)]
    pub tags: Option<Vec<String>>,
    /// Removes these tags (after `tags`, if given), from the lead as it is when the change is
    /// written, so tags others add meanwhile are kept.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::tags)]
    pub remove_tags: Option<Vec<String>>,
    /// Adds these tags (after `remove_tags`), to the lead as it is when the change is written;
    /// the lead may hold at most 20.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::tags)]
    pub add_tags: Option<Vec<String>>,
    /// `null` clears the note.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 5000)]
    pub note: Option<Option<String>>,
    /// The member the lead is assigned to (`mem_…`, an active or invited member of the
    /// workspace); `null` unassigns.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, pattern = "^mem_[0-9A-HJKMNP-TV-Z]{26}$")]
    pub assignee: Option<Option<String>>,
}

/// A lead after a patch: the row to store, the status transition if the
/// status changed, and whether anything changed at all.
#[derive(Debug)]
pub struct Patched {
    pub lead: LeadRow,
    pub transition: Option<(String, String)>,
    /// The assignee before and after, if it changed.
    pub reassignment: Option<(Option<String>, Option<String>)>,
    pub changed: bool,
}

/// Applies a patch. Limits are checked on the values as sent, exactly as
/// the document's schema states them.
pub fn apply_patch(current: LeadRow, patch: LeadPatch, now_ms: i64) -> ApiResult<Patched> {
    let mut lead = current.clone();
    let mut errors = Vec::new();
    if let Some(status) = patch.status.clone() {
        match LeadStatus::parse(&status) {
            Some(_) => lead.status = status,
            None => errors.push(FieldError::new("status", "invalid_status", "status is one of new, contacted, qualified, won, lost, spam")),
        }
    }
    match patch_tags(&lead.tags, &patch) {
        Ok(Some(tags)) => lead.tags = tags,
        Ok(None) => {}
        Err(mut errs) => errors.append(&mut errs),
    }
    if let Some(note) = patch.note {
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            errors.push(FieldError::too_long("note", MAX_NOTE_CHARS));
        }
        lead.note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
    }
    if let Some(assignee) = patch.assignee {
        lead.assignee_id = assignee;
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // Each list is within its limit, as the schema says; whether the lead
    // can hold them all depends on what it holds now: a conflict, not bad input.
    let held = serde_json::from_str::<Vec<String>>(&lead.tags).map_or(0, |t| t.len());
    if held > MAX_TAGS {
        return Err(ApiError::Conflict(format!("a lead holds at most {MAX_TAGS} tags: with this change it would hold {held}; remove some (remove_tags) first")));
    }
    let transition = (lead.status != current.status).then(|| (current.status.clone(), lead.status.clone()));
    let reassignment = (lead.assignee_id != current.assignee_id).then(|| (current.assignee_id.clone(), lead.assignee_id.clone()));
    let changed = (&lead.status, &lead.tags, &lead.note) != (&current.status, &current.tags, &current.note) || reassignment.is_some();
    if changed {
        lead.updated_at = now_ms;
    }
    Ok(Patched { lead, transition, reassignment, changed })
}

/// The tags after a patch (`None`: untouched), as stored JSON. `tags`
/// replaces, then `remove_tags` and `add_tags` apply to what the lead holds
/// now: operations, so a change retried on a fresher lead keeps the tags
/// someone else added or removed in between.
fn patch_tags(current: &str, patch: &LeadPatch) -> Result<Option<String>, Vec<FieldError>> {
    if patch.tags.is_none() && patch.add_tags.is_none() && patch.remove_tags.is_none() {
        return Ok(None);
    }
    let mut errors = Vec::new();
    let mut checked = |field: &str, tags: &Option<Vec<String>>| tags.as_ref().map(|t| clean_tags(field, t).unwrap_or_else(|mut e| {
        errors.append(&mut e);
        Vec::new()
    }));
    let (replaced, removed, added) = (checked("tags", &patch.tags), checked("remove_tags", &patch.remove_tags), checked("add_tags", &patch.add_tags));
    let mut tags = replaced.unwrap_or_else(|| serde_json::from_str(current).unwrap_or_default());
    tags.retain(|t| !removed.iter().flatten().any(|r| r == t));
    for tag in added.into_iter().flatten() {
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(Value::from(tags).to_string()))
}

fn clean_tags(field: &str, tags: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    if tags.len() > MAX_TAGS {
        errors.push(FieldError::new(field, "too_many", format!("at most {MAX_TAGS} tags")));
    }
    let mut clean: Vec<String> = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        if is_blank(tag) || tag.chars().count() > MAX_TAG_CHARS {
            errors.push(FieldError::new(format!("{field}[{i}]"), "invalid_tag", format!("tags are 1 to {MAX_TAG_CHARS} characters, not only spaces")));
        } else {
            let tag = tag.trim_matches(leadsbot_shared::encoding::is_ecma_space);
            if !clean.iter().any(|c| c == tag) {
                clean.push(tag.to_string());
            }
        }
    }
    if errors.is_empty() { Ok(clean) } else { Err(errors) }
}

/// A strong validator for the lead's current state: it changes whenever a
/// PATCH changes the lead (its time and the random revision of that write).
pub fn etag(lead: &LeadRow) -> String {
    format!("\"{:x}-{}\"", lead.updated_at, lead.revision)
}

/// Whether an `If-Match` header value admits this ETag (`*` or a listed tag).
pub fn if_match_admits(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|tag| tag == "*" || tag == etag)
}
