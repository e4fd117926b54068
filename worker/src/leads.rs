//! Leads as the API sees them: built from a validated draft, shown as
//! `LeadOut`, filtered by query parameters, and changed by PATCH. All pure.

pub mod events;

use crate::error::{ApiError, ApiResult};
use crate::http::{CursorOf, PageQuery};
use crate::store::leads::{LeadQuery, LeadRow};
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::lead::{LeadDraft, LeadStatus};
use leadsbot_shared::time::parse_rfc3339;
use leadsbot_shared::FieldError;
use serde_json::Value;

pub mod change;
pub mod notes;
mod out;
mod patch;
pub mod schemas;

pub use change::{chain_patched, ChangeBy};

pub use out::{CapturedOut, LeadDetailOut, LeadOut, LeadPageOut};
pub use patch::{apply_patch, etag, LeadPatch, Patched};
#[cfg(test)]
use patch::if_match_admits;

/// The limits a PATCH enforces, for the document.
pub mod patch_limits {
    pub use super::patch::{MAX_TAGS, MAX_TAG_CHARS};
}

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
        revision: String::new(),
        assignee_id: None,
    }
}

/// Reads list filters and the list's paging (`http::paging`); unknown
/// parameters are refused so typos do not silently return everything.
pub fn parse_query(pairs: &[(String, String)]) -> ApiResult<LeadQuery> {
    let mut page = PageQuery::default();
    let mut query = parse_filters(pairs, |name, value, errors| page.take(CursorOf::Id(IdKind::Lead), name, value, errors))?;
    query.limit = page.limit;
    query.before_id = page.cursor;
    Ok(query)
}

/// The filters every lead listing shares (the list, the export): one rule in
/// one place. `own` reads the caller's other parameters (values as sent) and
/// says whether it knew the name; anything neither knows is refused.
pub fn parse_filters(pairs: &[(String, String)], mut own: impl FnMut(&str, &str, &mut Vec<FieldError>) -> bool) -> ApiResult<LeadQuery> {
    let mut query = LeadQuery::default();
    let mut errors = Vec::new();
    for (name, value) in pairs {
        // Values are taken as sent (the document's schemas say what is valid).
        let value = value.clone();
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
            "q" if !value.trim().is_empty() => query.search = Some(value.trim().chars().take(200).collect()),
            "q" => {}
            "assignee" => match assignee_filter(&value, None) {
                Ok(assignee) => query.assignee = Some(assignee),
                Err(error) => errors.push(error),
            },
            "created_after" => query.created_after = time(&mut errors),
            "created_before" => query.created_before = time(&mut errors),
            other if own(other, &value, &mut errors) => {}
            other => errors.push(FieldError::new(other, "unknown_parameter", "this filter does not exist")),
        }
    }
    if errors.is_empty() { Ok(query) } else { Err(ApiError::Validation(errors)) }
}

/// The `assignee` filter: a member id, `none` (nobody) or `me` (`me`: the
/// signed-in member, which an API key is not). `Ok(None)`: unassigned leads.
pub fn assignee_filter(value: &str, me: Option<&str>) -> Result<Option<String>, FieldError> {
    match value {
        "none" => Ok(None),
        "me" => me.map(|id| Some(id.to_string())).ok_or_else(|| FieldError::new("assignee", "no_member", "me needs a member's session")),
        id if leadsbot_shared::ids::is_sortable_id(IdKind::Member, id) => Ok(Some(id.to_string())),
        _ => Err(FieldError::new("assignee", "invalid_assignee", "assignee is a member id (mem_…), none or me")),
    }
}

#[cfg(test)]
mod tests;
