//! The workflow definition's schema, built from the constants its parser
//! (`leadsbot_shared::workflow`) checks. What a schema cannot say (a
//! placeholder that does not exist, an endpoint of another workspace) is a 422.

use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::template::MAX_TEMPLATE_CHARS;
use leadsbot_shared::workflow::{Op, MAX_ACTIONS, MAX_AFTER_SECONDS, MAX_CONDITIONS, MAX_NAME_CHARS};
use serde_json::{json, Value};
use utoipa::openapi::schema::Schema;

fn schema(value: Value) -> Schema {
    serde_json::from_value(value).expect("a valid schema")
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "additionalProperties": false, "required": required, "properties": properties})
}

fn status() -> Value {
    json!({"type": "string", "enum": LeadStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()})
}

fn template() -> Value {
    json!({"type": "string", "minLength": 1, "maxLength": MAX_TEMPLATE_CHARS, "pattern": "\\S",
        "description": "Text with {{lead.<field>}} placeholders (lead.custom.<key> too); every value is HTML-escaped for Telegram"})
}

fn trigger() -> Value {
    json!({"oneOf": [
        object(&["event"], json!({"event": {"type": "string", "const": "lead.created"}})),
        object(&["event"], json!({"event": {"type": "string", "const": "lead.status_changed"}, "from": status(), "to": status()})),
        object(&["event"], json!({"event": {"type": "string", "const": "manual"}})),
    ]})
}

fn conditions() -> Value {
    let mut fields: Vec<&str> = leadsbot_shared::lead_view::FIELDS.to_vec();
    fields.sort_unstable();
    let condition = object(&["field", "op"], json!({
        "field": {"type": "string", "anyOf": [{"enum": fields}, {"pattern": "^custom\\..*\\S"}]},
        "op": {"type": "string", "enum": Op::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>()},
        "value": {"description": "A string, number or boolean; a list for one_of; a number for greater_than/less_than; true/false or nothing for exists",
            "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}]}}]},
    }));
    let list = json!({"type": "array", "maxItems": MAX_CONDITIONS, "items": condition});
    json!({"oneOf": [object(&["all"], json!({"all": list})), object(&["any"], json!({"any": list}))]})
}

fn tag_action(kind: &str) -> Value {
    object(&["type", "tag"], json!({"type": {"type": "string", "const": kind}, "tag": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": "\\S"}}))
}

fn actions() -> Value {
    let telegram = object(&["type", "template"], json!({"type": {"type": "string", "const": "telegram"}, "template": template()}));
    let follow_up = object(&["type", "after_seconds", "action"], json!({
        "type": {"type": "string", "const": "follow_up"},
        "after_seconds": {"type": "integer", "minimum": 1, "maximum": MAX_AFTER_SECONDS},
        "action": {"oneOf": [telegram.clone(), object(&["type"], json!({"type": {"type": "string", "const": "webhook"}}))]},
        "cancel_on_status_change": {"type": "boolean", "default": true},
    }));
    json!({"type": "array", "minItems": 1, "maxItems": MAX_ACTIONS, "items": {"oneOf": [
        telegram,
        object(&["type", "endpoint_id"], json!({"type": {"type": "string", "const": "webhook"},
            "endpoint_id": {"type": "string", "pattern": "^ep_[0-9A-HJKMNP-TV-Z]{26}$"},
            "payload": {"type": "object", "description": "Sent as data.payload; every string in it is a template"}})),
        object(&["type", "status"], json!({"type": {"type": "string", "const": "set_status"}, "status": status()})),
        tag_action("add_tag"),
        tag_action("remove_tag"),
        follow_up,
        email(),
        object(&["type"], json!({"type": {"type": "string", "const": "slack"}, "text": slack_line()})),
        assign(),
    ]}})
}

/// Assign the lead to one member, or in turn to the active members of a role.
fn assign() -> Value {
    let kind = json!({"type": "string", "const": "assign"});
    json!({"oneOf": [
        object(&["type", "to"], json!({"type": kind, "to": {"type": "string", "pattern": "^mem_[0-9A-HJKMNP-TV-Z]{26}$", "description": "A member id"}})),
        object(&["type", "round_robin"], json!({"type": kind, "round_robin": {"type": "string", "enum": ["owner", "admin", "member", "viewer"],
            "description": "A role: its active members, by id, each in turn (removed members skipped)"}})),
    ]})
}

/// An email to the lead. `to` takes only "lead" for now (more recipients may come).
fn email() -> Value {
    let mut subject = template();
    subject["pattern"] = json!("^[^\\r\\n]*\\S[^\\r\\n]*$");
    subject["description"] = json!("One line with {{lead.<field>}} placeholders; values as they are (non-ASCII sent as encoded-words)");
    let mut body = template();
    body["description"] = json!("The text part; the HTML part is the same text with every value HTML-escaped. Each email ends with a one-click unsubscribe link");
    object(&["type", "to", "subject", "body"], json!({
        "type": {"type": "string", "const": "email"},
        "to": {"type": "string", "pattern": leadsbot_shared::workflow::EmailRecipient::PATTERN, "description": "Who is emailed: the lead (with one-click unsubscribe), the lead's assignee, or every active member of a role (`members:owner`, `members:admin`, `members:member`, `members:viewer`)"},
        "subject": subject,
        "body": body,
    }))
}

/// A Slack action's optional line above the lead's blocks.
fn slack_line() -> Value {
    let mut text = template();
    text["description"] = json!("A line above the lead's blocks, with {{lead.<field>}} placeholders; the whole line is escaped for Slack's mrkdwn");
    text
}

fn properties() -> Value {
    json!({
        "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_CHARS, "pattern": "\\S"},
        "enabled": {"type": "boolean", "default": true},
        "trigger": trigger(),
        "conditions": conditions(),
        "actions": actions(),
    })
}

/// A new workflow.
pub fn workflow_in() -> Schema {
    schema(object(&["name", "trigger", "actions"], properties()))
}

/// Fields to change; `conditions: null` removes the conditions.
pub fn workflow_patch() -> Schema {
    let mut props = properties();
    props["conditions"] = json!({"oneOf": [conditions(), {"type": "null"}]});
    schema(object(&[], props))
}
