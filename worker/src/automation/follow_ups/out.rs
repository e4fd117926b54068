//! Follow-ups on the wire: what `POST /leads/:id/follow-ups` takes and what
//! the follow-up routes answer.

use crate::error::{ApiError, ApiResult};
use crate::store::follow_ups::FollowUpRow;
use crate::wire::{non_null, non_null_whole};
use leadsbot_shared::template::{Template, MAX_TEMPLATE_CHARS};
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::workflow::{FollowUpAction, MAX_AFTER_SECONDS};
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::openapi::schema::Schema;
use utoipa::ToSchema;

/// A follow-up to schedule: the same shape as a workflow's `follow_up` action, without `type`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FollowUpIn {
    /// Seconds from now, 1 to 31,622,400 (366 days).
    #[serde(default, deserialize_with = "non_null_whole")]
    #[schema(value_type = i64, required = true, nullable = false, minimum = 1, maximum = 31_622_400)]
    after_seconds: Option<i64>,
    #[schema(schema_with = action_schema)]
    action: ActionIn,
    /// Cancel it if the lead's status changes before it is due (default true).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = bool, nullable = false)]
    cancel_on_status_change: Option<bool>,
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ActionIn {
    Telegram { template: String },
    Webhook {},
}

/// What to do when due: a Telegram reminder from a template, or a `lead.follow_up_due` webhook event.
pub fn action_schema() -> Schema {
    serde_json::from_value(json!({"oneOf": [
        {"type": "object", "required": ["type", "template"], "additionalProperties": false, "properties": {
            "type": {"type": "string", "enum": ["telegram"]},
            "template": {"type": "string", "minLength": 1, "maxLength": MAX_TEMPLATE_CHARS, "pattern": "\\S",
                "description": "Text with {{lead.<field>}} placeholders; every value is HTML-escaped"}}},
        {"type": "object", "required": ["type"], "additionalProperties": false, "properties": {"type": {"type": "string", "enum": ["webhook"]}}},
    ]}))
    .expect("a valid schema")
}

impl FollowUpIn {
    /// (after_seconds, action, cancel_on_status_change), or 422 naming what is wrong.
    pub fn check(self) -> ApiResult<(u64, FollowUpAction, bool)> {
        let mut errors = Vec::new();
        let after_seconds = match self.after_seconds.and_then(|n| u64::try_from(n).ok()) {
            Some(n) if (1..=MAX_AFTER_SECONDS).contains(&n) => n,
            None if self.after_seconds.is_none() => {
                errors.push(FieldError::required("after_seconds"));
                0
            }
            _ => {
                errors.push(FieldError::new("after_seconds", "out_of_range", format!("after_seconds is a whole number from 1 to {MAX_AFTER_SECONDS}")));
                0
            }
        };
        let action = match self.action {
            ActionIn::Webhook {} => Some(FollowUpAction::Webhook),
            ActionIn::Telegram { template } => match Template::parse(&template, "action.template") {
                Ok(template) => Some(FollowUpAction::Telegram { template }),
                Err(error) => {
                    errors.push(error);
                    None
                }
            },
        };
        match action {
            Some(action) if errors.is_empty() => Ok((after_seconds, action, self.cancel_on_status_change.unwrap_or(true))),
            _ => Err(ApiError::Validation(errors)),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpOut {
    /// `fu_…`
    id: String,
    lead_id: String,
    #[schema(format = DateTime)]
    due_at: String,
    #[schema(schema_with = status_schema)]
    status: String,
    #[schema(schema_with = action_schema)]
    action: Value,
    cancel_on_status_change: bool,
    /// Due, but waiting: the lead's campaign is paused (it fires once the campaign resumes).
    held: bool,
    /// An API key id, `telegram:<user>` (Snooze) or `workflow:<run id>`.
    created_by: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    sent_at: Option<String>,
    #[schema(format = DateTime)]
    cancelled_at: Option<String>,
    /// `status_changed`, `deleted` or `campaign_archived`.
    cancel_reason: Option<String>,
    /// The event it wrote when sent: its reminder, or `lead.follow_up_due`.
    event_id: Option<String>,
    #[schema(format = DateTime)]
    updated_at: String,
    /// The outbox job that fires it; null once the delivery log has expired it.
    delivery: Option<FollowUpDeliveryOut>,
}

/// Where the job that fires a follow-up stands. A firing that fails is
/// retried on the delivery retry schedule, then `failed`: replay it with
/// `POST /api/v1/deliveries/{id}/retry`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpDeliveryOut {
    /// `dlv_…`
    id: String,
    #[schema(schema_with = delivery_status_schema)]
    status: String,
    attempts: u32,
    /// Why the last attempt failed.
    last_error: Option<String>,
}

fn delivery_status_schema() -> Schema {
    serde_json::from_value(json!({"type": "string", "enum": ["held", "pending", "succeeded", "failed", "cancelled"]})).expect("a valid schema")
}

fn status_schema() -> Schema {
    serde_json::from_value(json!({"type": "string", "enum": ["scheduled", "sent", "cancelled"]})).expect("a valid schema")
}

crate::http::page_type!(
    /// A page of a lead's follow-ups, oldest first (by id).
    FollowUpListOut, FollowUpOut
);

impl From<&FollowUpRow> for FollowUpOut {
    fn from(row: &FollowUpRow) -> Self {
        Self {
            id: row.id.clone(),
            lead_id: row.lead_id.clone(),
            due_at: format_rfc3339(row.due_at),
            status: row.status.clone(),
            action: serde_json::from_str(&row.action).unwrap_or_default(),
            cancel_on_status_change: row.cancel_on_status_change == 1,
            held: row.held(),
            created_by: row.created_by.clone(),
            created_at: format_rfc3339(row.created_at),
            sent_at: row.sent_at.map(format_rfc3339),
            cancelled_at: row.cancelled_at.map(format_rfc3339),
            cancel_reason: row.cancel_reason.clone(),
            event_id: row.event_id.clone(),
            updated_at: format_rfc3339(row.updated_at),
            delivery: row.job_id.clone().zip(row.job_status.clone()).map(|(id, status)| FollowUpDeliveryOut {
                id,
                status,
                attempts: row.job_attempts.unwrap_or_default(),
                last_error: row.job_error.clone(),
            }),
        }
    }
}
