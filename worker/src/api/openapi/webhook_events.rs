//! The document's top-level `webhooks` (OpenAPI 3.1): every event type an
//! endpoint can receive, as the POST it gets: the signed headers and the
//! envelope `{id, event, created_at, workspace_id, data}` with that
//! event's `data`. The `data` schemas are the types the events are built
//! from (`LeadOut`, `RunOut`, `FollowUpOut`) or, where an event is built
//! as JSON, a type here that a native test holds to the built payload.

use crate::automation::follow_ups::out::FollowUpOut;
use crate::automation::workflows::RunOut;
use crate::leads::events::*;
use crate::leads::LeadOut;
use crate::outbox::webhook::EVENT_TYPES;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

/// What every event's body holds.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct WebhookEnvelope {
    /// The event's id (`evt_…`), the same in every delivery of it.
    #[schema(pattern = "^evt_")]
    id: String,
    /// The event type (also in `X-LeadsBot-Event`).
    event: String,
    #[schema(format = DateTime)]
    created_at: String,
    workspace_id: String,
    /// The event's data: see each event.
    #[schema(value_type = Object)]
    data: Value,
    /// Present, and true, only on a test send (`POST /api/v1/webhooks/{id}/test`).
    test: Option<bool>,
}

/// `data` of `lead.status_changed`: the lead, plus the status it left.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct StatusChangedData {
    previous_status: String,
}

/// `data` of `lead.assigned`: the lead (its `assignee` the new one), plus the assignee before.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct AssignedData {
    /// The member assigned (`mem_…`), `null` when the lead was unassigned.
    assignee: Option<String>,
    previous_assignee: Option<String>,
}

/// `data` of `lead.follow_up_due`: the lead, plus the follow-up that fell due.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct FollowUpDueData {
    follow_up: FollowUpOut,
}

/// `data` of `lead.erased`: the erased lead's id, nothing of the person.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct ErasedData {
    id: String,
}

/// `data` of `workflow.action`: which run and action sent it, and the lead
/// (`lead`) or the action's rendered `payload`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct WorkflowActionData {
    workflow_id: String,
    run_id: String,
    /// The action's index in the workflow.
    action: u32,
    lead_id: String,
    lead: Option<LeadOut>,
    /// The action's `payload` template, rendered for the lead.
    #[schema(value_type = Object)]
    payload: Option<Value>,
}

/// `data` of `campaign.paused`, `campaign.resumed` and `campaign.archived`.
#[allow(dead_code)]
#[derive(ToSchema)]
pub struct CampaignEventData {
    id: String,
    slug: String,
    name: String,
    /// The state the control left the campaign in.
    state: String,
    previous_state: String,
    /// The API key id (or inbox user) that applied the control.
    changed_by: String,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

fn reference<T: ToSchema>() -> Value {
    json!({"$ref": format!("#/components/schemas/{}", T::name())})
}

/// The lead with more fields beside its own.
fn lead_with<T: ToSchema>() -> Value {
    json!({"allOf": [reference::<LeadOut>(), reference::<T>()]})
}

/// Each event type's `data`; `None` for a type this table does not know
/// (a native test keeps that from happening).
fn data_schema(event: &str) -> Option<Value> {
    Some(match event {
        LEAD_CREATED | LEAD_UPDATED => reference::<LeadOut>(),
        LEAD_STATUS_CHANGED => lead_with::<StatusChangedData>(),
        LEAD_FOLLOW_UP_DUE => lead_with::<FollowUpDueData>(),
        LEAD_ASSIGNED => lead_with::<AssignedData>(),
        LEAD_ERASED => reference::<ErasedData>(),
        WORKFLOW_ACTION => reference::<WorkflowActionData>(),
        WORKFLOW_COMPLETED | WORKFLOW_FAILED => reference::<RunOut>(),
        CAMPAIGN_PAUSED | CAMPAIGN_RESUMED | CAMPAIGN_ARCHIVED => reference::<CampaignEventData>(),
        _ => return None,
    })
}

fn header(name: &str, required: bool, description: &str) -> Value {
    json!({"name": name, "in": "header", "required": required, "description": description, "schema": {"type": "string"}})
}

/// The headers of every delivery (`outbox::webhook::signed_headers`).
fn headers() -> Value {
    json!([
        header("X-LeadsBot-Event", true, "The event type"),
        header("X-LeadsBot-Delivery", true, "The delivery id, the same across retries: de-duplicate on it"),
        header("X-LeadsBot-Timestamp", true, "Unix seconds of this attempt"),
        header("X-LeadsBot-Signature", true, "Hex HMAC-SHA256 of the raw body, keyed by the whole whsec_… secret"),
        header("X-LeadsBot-Signature-Previous", false, "The same with the previous secret, during a rotation's grace period"),
        header("webhook-id", true, "Standard Webhooks: the delivery id"),
        header("webhook-timestamp", true, "Standard Webhooks: unix seconds"),
        header("webhook-signature", true, "Standard Webhooks: v1,<base64>, both secrets space-separated during a rotation"),
    ])
}

/// The `webhooks` object: one POST per event type.
pub fn webhooks() -> Value {
    let mut out = Map::new();
    for event in EVENT_TYPES {
        let body = json!({"allOf": [
            reference::<WebhookEnvelope>(),
            {"type": "object", "required": ["data"], "properties": {"event": {"const": event}, "data": data_schema(event).unwrap_or_default()}},
        ]});
        out.insert(event.into(), json!({"post": {
            "operationId": format!("{}Webhook", event.replace('.', "_")),
            "summary": format!("The {event} event"),
            "tags": ["webhooks"],
            "parameters": headers(),
            "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
            "responses": {"2XX": {"description": "Received: any 2xx counts as delivered"}},
        }}));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_type_has_its_data_schema() {
        for event in EVENT_TYPES {
            assert!(data_schema(event).is_some(), "{event} has no data schema");
        }
        assert_eq!(webhooks().as_object().unwrap().len(), EVENT_TYPES.len());
    }

    fn properties<T: ToSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).unwrap();
        let mut keys: Vec<String> = schema["properties"].as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn keys(value: &Value) -> Vec<String> {
        let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn the_envelope_is_what_events_are_built_as() {
        let event = test_event("ws_1", 0).unwrap();
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(keys(&payload), properties::<WebhookEnvelope>());
    }

    #[test]
    fn a_campaign_event_is_what_its_schema_says() {
        use crate::automation::campaigns::control_event;
        use leadsbot_shared::campaign::{CampaignState, Control};
        let row = crate::store::campaigns::CampaignRow {
            id: "cmp_1".into(), workspace_id: "ws_1".into(), slug: "spring".into(), name: "Spring".into(), state: "active".into(), created_at: 0, updated_at: 0,
        };
        let event = control_event(&row, Control::Pause, CampaignState::Paused, "key_1", 0).unwrap();
        let payload: Value = serde_json::from_str(&event.payload).unwrap();
        assert_eq!(keys(&payload["data"]), properties::<CampaignEventData>());
    }
}
