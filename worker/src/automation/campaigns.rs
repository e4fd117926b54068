//! Campaigns as the API sees them: wire types, input checks, and the
//! events the manual controls emit. Pure.

use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::store::campaigns::{CampaignRow, ControlRow};
use crate::store::leads::EventRow;
use leadsbot_shared::campaign::{CampaignSlug, CampaignState, Control, MAX_NAME_CHARS};
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A new campaign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignIn {
    /// Lowercase letters and digits joined by single `-` (`spring-sale`), at most 64 characters.
    #[schema(max_length = 64, pattern = "^[a-z0-9]+(-[a-z0-9]+)*$")]
    pub slug: String,
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
}

/// Changes to a campaign; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignPatch {
    #[serde(default, deserialize_with = "crate::wire::non_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
}

/// A campaign, with its leads counted per status.
#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignOut {
    pub id: String,
    pub slug: String,
    pub name: String,
    #[schema(value_type = String, pattern = "^(active|paused|archived)$")]
    pub state: String,
    /// Leads of the campaign per status (every status, 0 when none).
    #[schema(value_type = BTreeMap<String, u32>)]
    pub counts: BTreeMap<String, u32>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

crate::http::page_type!(
    /// A page of campaigns, newest first.
    CampaignListOut, CampaignOut
);

/// A manual control as recorded: what, who (the API key's id), when.
#[derive(Debug, Serialize, ToSchema)]
pub struct ControlOut {
    pub id: String,
    #[schema(value_type = String, pattern = "^(pause|resume|archive)$")]
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub requested_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

crate::http::page_type!(
    /// A page of a campaign's controls, newest first.
    ControlListOut, ControlOut
);

impl CampaignOut {
    pub fn new(row: &CampaignRow, counts: Option<&BTreeMap<String, u32>>) -> Self {
        let mut all: BTreeMap<String, u32> = LeadStatus::ALL.iter().map(|s| (s.as_str().to_string(), 0)).collect();
        all.extend(counts.into_iter().flatten().map(|(k, v)| (k.clone(), *v)));
        Self {
            id: row.id.clone(),
            slug: row.slug.clone(),
            name: row.name.clone(),
            state: row.state.clone(),
            counts: all,
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

impl From<&ControlRow> for ControlOut {
    fn from(row: &ControlRow) -> Self {
        Self {
            id: row.id.clone(),
            action: row.action.clone(),
            from_state: row.from_state.clone(),
            to_state: row.to_state.clone(),
            requested_by: row.requested_by.clone(),
            created_at: format_rfc3339(row.created_at),
        }
    }
}

/// A name: at most 200 characters, not blank; stored trimmed.
pub fn check_name(name: &str) -> Result<String, FieldError> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(FieldError::too_long("name", MAX_NAME_CHARS));
    }
    if crate::wire::is_blank(name) {
        return Err(FieldError::new("name", "blank", "name must have a visible character"));
    }
    Ok(name.trim().to_string())
}

/// A checked new campaign: (slug, name).
pub fn check_new(input: &CampaignIn) -> ApiResult<(CampaignSlug, String)> {
    let slug = CampaignSlug::parse(&input.slug);
    let name = check_name(&input.name);
    match (slug, name) {
        (Ok(slug), Ok(name)) => Ok((slug, name)),
        (slug, name) => Err(ApiError::Validation(slug.err().into_iter().chain(name.err()).collect())),
    }
}

/// The state a control leads to from the campaign's, or a 409 saying why not.
pub fn next_state(row: &CampaignRow, control: Control) -> ApiResult<CampaignState> {
    let state = CampaignState::parse(&row.state).ok_or_else(|| ApiError::internal("campaign state", &row.state))?;
    state.apply(control).map_err(|refused| ApiError::Conflict(refused.describe()))
}

/// `campaign.paused` / `resumed` / `archived`: the campaign as it is after
/// the control, who applied it and the state it left.
pub fn control_event(row: &CampaignRow, control: Control, to: CampaignState, by: &str, now_ms: i64) -> ApiResult<EventRow> {
    let id = new_id(IdKind::Event, now_ms)?;
    let payload = json!({
        "id": id,
        "event": control.event_type(),
        "created_at": format_rfc3339(now_ms),
        "workspace_id": row.workspace_id,
        "data": {
            "id": row.id, "slug": row.slug, "name": row.name, "state": to.as_str(), "previous_state": row.state,
            "changed_by": by, "created_at": format_rfc3339(row.created_at), "updated_at": format_rfc3339(now_ms),
        },
    });
    Ok(EventRow { id, workspace_id: row.workspace_id.clone(), kind: control.event_type().into(), lead_id: None, payload: payload.to_string(), created_at: now_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(state: &str) -> CampaignRow {
        CampaignRow { id: "cmp_1".into(), workspace_id: "ws_1".into(), slug: "spring".into(), name: "Spring".into(), state: state.into(), created_at: 0, updated_at: 0 }
    }

    #[test]
    fn counts_list_every_status() {
        let counts = BTreeMap::from([("new".to_string(), 3)]);
        let out = CampaignOut::new(&row("active"), Some(&counts));
        assert_eq!(out.counts["new"], 3);
        assert_eq!(out.counts["spam"], 0);
        assert_eq!(out.counts.len(), LeadStatus::ALL.len());
    }

    #[test]
    fn bad_input_names_each_field() {
        let err = check_new(&CampaignIn { slug: "Spring Sale".into(), name: " ".into() }).unwrap_err();
        let ApiError::Validation(errors) = err else { panic!() };
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["slug", "name"]);
        assert!(check_name(&"x".repeat(201)).is_err());
    }

    #[test]
    fn refused_controls_are_conflicts() {
        assert_eq!(next_state(&row("paused"), Control::Pause).unwrap_err().status(), 409);
        assert_eq!(next_state(&row("paused"), Control::Resume).unwrap(), CampaignState::Active);
        let event = control_event(&row("active"), Control::Pause, CampaignState::Paused, "key_1", 1_000).unwrap();
        let payload: serde_json::Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(payload["event"], "campaign.paused");
        assert_eq!(payload["data"]["state"], "paused");
        assert_eq!(payload["data"]["previous_state"], "active");
        assert_eq!(payload["data"]["changed_by"], "key_1");
        assert_eq!(event.lead_id, None);
    }

    #[test]
    fn every_control_event_can_be_subscribed_to() {
        for control in Control::ALL {
            assert!(crate::outbox::webhook::EVENT_TYPES.contains(&control.event_type()), "{}", control.event_type());
        }
    }
}
