//! Leads as the API sees them: built from a validated draft, rendered to
//! JSON, filtered by query parameters, and changed by PATCH. All pure.

use crate::error::{ApiError, ApiResult};
use crate::store::leads::{LeadQuery, LeadRow, StatusChangeRow};
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::lead::{LeadDraft, LeadStatus};
use leadsbot_shared::time::{format_rfc3339, parse_rfc3339};
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::{json, Value};

/// Where a lead came from and what the request said about its sender.
pub struct Origin<'a> {
    pub workspace_id: &'a str,
    pub source: &'a str,
    pub user_agent: Option<String>,
    pub country: Option<String>,
}

pub fn build_lead(id: String, draft: &LeadDraft, origin: Origin<'_>, now_ms: i64) -> LeadRow {
    let attr = |name: &str| draft.attribute(name).map(str::to_string);
    let status = if draft.honeypot_filled { LeadStatus::Spam } else { LeadStatus::New };
    LeadRow {
        id,
        workspace_id: origin.workspace_id.to_string(),
        email: draft.email.as_ref().to_string(),
        name: attr("name"),
        phone: attr("phone"),
        company: attr("company"),
        message: attr("message"),
        campaign: attr("campaign"),
        utm_source: attr("utm_source"),
        utm_medium: attr("utm_medium"),
        utm_campaign: attr("utm_campaign"),
        utm_term: attr("utm_term"),
        utm_content: attr("utm_content"),
        page_url: attr("page_url"),
        referrer: attr("referrer"),
        page_title: attr("page_title"),
        form_id: attr("form_id"),
        form_name: attr("form_name"),
        form_action: attr("form_action"),
        custom: Value::Object(draft.custom.clone()).to_string(),
        source: origin.source.to_string(),
        user_agent: origin.user_agent.map(|ua| ua.chars().take(512).collect()),
        country: origin.country,
        status: status.as_str().to_string(),
        tags: "[]".into(),
        note: None,
        created_at: now_ms,
        updated_at: now_ms,
    }
}

pub fn lead_json(row: &LeadRow) -> Value {
    let custom: Value = serde_json::from_str(&row.custom).unwrap_or_else(|_| json!({}));
    let tags: Value = serde_json::from_str(&row.tags).unwrap_or_else(|_| json!([]));
    json!({
        "id": row.id, "workspace_id": row.workspace_id, "email": row.email,
        "name": row.name, "phone": row.phone, "company": row.company, "message": row.message,
        "custom": custom, "source": row.source, "campaign": row.campaign,
        "utm_source": row.utm_source, "utm_medium": row.utm_medium, "utm_campaign": row.utm_campaign,
        "utm_term": row.utm_term, "utm_content": row.utm_content,
        "page_url": row.page_url, "referrer": row.referrer, "page_title": row.page_title,
        "form_id": row.form_id, "form_name": row.form_name, "form_action": row.form_action,
        "user_agent": row.user_agent, "country": row.country,
        "status": row.status, "tags": tags, "note": row.note,
        "created_at": format_rfc3339(row.created_at), "updated_at": format_rfc3339(row.updated_at),
    })
}

/// A lead with its status history: what `GET /api/v1/leads/:id` answers and
/// what each NDJSON export line holds.
pub fn lead_detail_json(row: &LeadRow, history: &[StatusChangeRow]) -> Value {
    let mut body = lead_json(row);
    body["status_history"] = json!(history.iter().map(status_change_json).collect::<Vec<_>>());
    body
}

pub fn status_change_json(change: &StatusChangeRow) -> Value {
    json!({
        "from": change.from_status, "to": change.to_status,
        "changed_by": change.changed_by, "changed_at": format_rfc3339(change.changed_at),
    })
}

pub const DEFAULT_PAGE_SIZE: u32 = 50;
pub const MAX_PAGE_SIZE: u32 = 100;

/// Reads list filters; unknown parameters are refused so typos do not
/// silently return everything.
pub fn parse_query(pairs: &[(String, String)]) -> ApiResult<LeadQuery> {
    let (mut limit, mut before_id) = (DEFAULT_PAGE_SIZE, None);
    let mut query = parse_filters(pairs, |name, value, errors| {
        match name {
            "cursor" if is_sortable_id(IdKind::Lead, value) => before_id = Some(value.to_string()),
            "cursor" => errors.push(FieldError::new("cursor", "invalid_cursor", "use the next_cursor of a previous page")),
            "limit" => match value.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => limit = n,
                _ => errors.push(FieldError::new("limit", "out_of_range", format!("limit is a whole number from 1 to {MAX_PAGE_SIZE}"))),
            },
            _ => return false,
        }
        true
    })?;
    query.limit = limit;
    query.before_id = before_id;
    Ok(query)
}

/// The filters every lead listing shares (the list, the export): one rule in
/// one place. `own` reads the caller's other parameters (trimmed values) and
/// says whether it knew the name; anything neither knows is refused.
pub fn parse_filters(pairs: &[(String, String)], mut own: impl FnMut(&str, &str, &mut Vec<FieldError>) -> bool) -> ApiResult<LeadQuery> {
    let mut query = LeadQuery::default();
    let mut errors = Vec::new();
    for (name, value) in pairs {
        let value = value.trim().to_string();
        let time = |errors: &mut Vec<FieldError>| {
            let parsed = parse_rfc3339(&value);
            if parsed.is_none() {
                errors.push(FieldError::new(name.as_str(), "invalid_datetime", "use an RFC 3339 date-time, like 2026-01-31T12:00:00Z"));
            }
            parsed
        };
        match name.as_str() {
            "status" if LeadStatus::parse(&value).is_some() => query.status = Some(value),
            "status" => errors.push(FieldError::new("status", "invalid_status", "status is one of new, contacted, qualified, won, lost, spam")),
            "source" => query.source = Some(value),
            "campaign" => query.campaign = Some(value),
            "email" => query.email = leadsbot_shared::email::LeadEmail::parse(&value).map(|e| e.as_ref().to_string()).ok().or(Some(value)),
            "q" if !value.is_empty() => query.search = Some(value.chars().take(200).collect()),
            "q" => {}
            "created_after" => query.created_after = time(&mut errors),
            "created_before" => query.created_before = time(&mut errors),
            other if own(other, &value, &mut errors) => {}
            other => errors.push(FieldError::new(other, "unknown_parameter", "this filter does not exist")),
        }
    }
    if errors.is_empty() { Ok(query) } else { Err(ApiError::Validation(errors)) }
}

/// A page of rows fetched with `limit + 1`: the page and the cursor of the next.
pub fn page(mut rows: Vec<LeadRow>, limit: u32) -> (Vec<LeadRow>, Option<String>) {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| r.id.clone()) } else { None };
    (rows, next)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub status: Option<String>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` clears the note.
    #[serde(default, with = "double_option")]
    pub note: Option<Option<String>>,
}

const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 50;
const MAX_NOTE_CHARS: usize = 5000;

/// Applies a patch, returning the changed row and the status transition (if
/// the status changed).
pub fn apply_patch(mut lead: LeadRow, patch: LeadPatch, now_ms: i64) -> ApiResult<(LeadRow, Option<(String, String)>)> {
    let mut errors = Vec::new();
    let mut transition = None;
    if let Some(status) = patch.status {
        match LeadStatus::parse(&status) {
            Some(_) if status != lead.status => transition = Some((std::mem::replace(&mut lead.status, status.clone()), status)),
            Some(_) => {}
            None => errors.push(FieldError::new("status", "invalid_status", "status is one of new, contacted, qualified, won, lost, spam")),
        }
    }
    if let Some(tags) = patch.tags {
        let mut clean: Vec<String> = Vec::new();
        for (i, tag) in tags.iter().map(|t| t.trim()).enumerate() {
            if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
                errors.push(FieldError::new(format!("tags[{i}]"), "invalid_tag", format!("tags are 1 to {MAX_TAG_CHARS} characters")));
            } else if !clean.iter().any(|c| c == tag) {
                clean.push(tag.to_string());
            }
        }
        if clean.len() > MAX_TAGS {
            errors.push(FieldError::new("tags", "too_many", format!("at most {MAX_TAGS} tags")));
        }
        lead.tags = Value::from(clean).to_string();
    }
    if let Some(note) = patch.note {
        let note = note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS) {
            errors.push(FieldError::too_long("note", MAX_NOTE_CHARS));
        }
        lead.note = note;
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    lead.updated_at = now_ms;
    Ok((lead, transition))
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(deserializer).map(Some)
    }
}

#[cfg(test)]
mod tests;
