//! Leads on the wire: what the API answers and what events carry.

use crate::leads::schemas;
use crate::store::leads::{LeadRow, StatusChangeRow};
use leadsbot_shared::campaign::CampaignSlug;
use leadsbot_shared::time::format_rfc3339;
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A lead, as the API shows it and as lead events carry it in `data`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadOut {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub message: Option<String>,
    /// Fields the form sent beyond the known ones, as sent.
    #[schema(value_type = Object)]
    pub custom: Map<String, Value>,
    /// `widget`, `api`, `inbound_webhook`, or the sender's own slug.
    pub source: String,
    /// The lead's campaign: the slug its `campaign` label joins, else its
    /// `utm_campaign`'s (`Spring Sale` → `spring-sale`); what every campaign filter matches.
    pub campaign: Option<String>,
    /// The `campaign` label as the lead sent it.
    pub campaign_label: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub page_title: Option<String>,
    pub form_id: Option<String>,
    pub form_name: Option<String>,
    pub form_action: Option<String>,
    pub user_agent: Option<String>,
    pub country: Option<String>,
    #[schema(schema_with = schemas::lead_status)]
    pub status: String,
    pub tags: Vec<String>,
    pub note: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// The member the lead is assigned to (`mem_…`), `null` when nobody.
    pub assignee: Option<String>,
}

impl From<&LeadRow> for LeadOut {
    fn from(row: &LeadRow) -> Self {
        Self {
            id: row.id.clone(),
            workspace_id: row.workspace_id.clone(),
            email: row.email.clone(),
            name: row.name.clone(),
            phone: row.phone.clone(),
            company: row.company.clone(),
            message: row.message.clone(),
            custom: serde_json::from_str(&row.custom).unwrap_or_default(),
            source: row.source.clone(),
            campaign: CampaignSlug::for_lead(row.campaign.as_deref(), row.utm_campaign.as_deref()).map(|slug| slug.as_str().to_string()),
            campaign_label: row.campaign.clone(),
            utm_source: row.utm_source.clone(),
            utm_medium: row.utm_medium.clone(),
            utm_campaign: row.utm_campaign.clone(),
            utm_term: row.utm_term.clone(),
            utm_content: row.utm_content.clone(),
            page_url: row.page_url.clone(),
            referrer: row.referrer.clone(),
            page_title: row.page_title.clone(),
            form_id: row.form_id.clone(),
            form_name: row.form_name.clone(),
            form_action: row.form_action.clone(),
            user_agent: row.user_agent.clone(),
            country: row.country.clone(),
            status: row.status.clone(),
            tags: serde_json::from_str(&row.tags).unwrap_or_default(),
            note: row.note.clone(),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
            assignee: row.assignee_id.clone(),
        }
    }
}

/// One lead with how its status got where it is.
#[derive(Debug, Serialize, ToSchema)]
pub struct LeadDetailOut {
    #[serde(flatten)]
    pub lead: LeadOut,
    pub status_history: Vec<StatusChangeOut>,
}

impl LeadDetailOut {
    pub fn new(row: &LeadRow, history: &[StatusChangeRow]) -> Self {
        Self { lead: LeadOut::from(row), status_history: history.iter().map(StatusChangeOut::from).collect() }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatusChangeOut {
    #[schema(schema_with = schemas::lead_status)]
    pub from: String,
    #[schema(schema_with = schemas::lead_status)]
    pub to: String,
    /// Who made the change: a person (`member:mem_…`), an API key id, `workflow:<id>`, or `telegram:@user` (`telegram:<id>` without a username) for a button press.
    pub changed_by: Option<String>,
    #[schema(format = DateTime)]
    pub changed_at: String,
}

impl From<&StatusChangeRow> for StatusChangeOut {
    fn from(change: &StatusChangeRow) -> Self {
        Self {
            from: change.from_status.clone(),
            to: change.to_status.clone(),
            changed_by: change.changed_by.clone(),
            changed_at: format_rfc3339(change.changed_at),
        }
    }
}

crate::http::page_type!(
    /// A page of leads, newest first.
    LeadPageOut, LeadOut
);

/// What a capture answers: the lead's id and its public status.
#[derive(Debug, Serialize, ToSchema)]
pub struct CapturedOut {
    pub id: String,
    #[schema(schema_with = schemas::lead_status)]
    pub status: String,
}
