//! From the API's JSON to a `WorkflowDefinition`, reporting every problem at
//! once, each addressed by its path in the body (`actions[2].template`).

use super::{Action, Condition, Conditions, FollowUpAction, Op, Payload, Trigger, WorkflowDefinition};
use crate::ids::{is_sortable_id, IdKind};
use crate::lead::LeadStatus;
use crate::template::Template;
use crate::{lead_view, FieldError};
use serde_json::{Map, Value};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ACTIONS: usize = 20;
pub const MAX_CONDITIONS: usize = 20;
pub const MAX_ONE_OF: usize = 100;
/// A year: follow-ups further out than that are a calendar's job.
pub const MAX_AFTER_SECONDS: u64 = 366 * 24 * 3600;
const MAX_TAG_CHARS: usize = 50;
const MAX_PAYLOAD_BYTES: usize = 8192;

type Errors = Vec<FieldError>;

pub(super) fn definition(json: &Value) -> Result<WorkflowDefinition, Errors> {
    let mut errors = Vec::new();
    let Some(body) = object(json, "", &mut errors) else { return Err(errors) };
    known_keys(body, "", &["name", "enabled", "trigger", "conditions", "actions"], &mut errors);
    let name = required(body, "name", "", &mut errors).and_then(|v| name(v, &mut errors));
    let enabled = match body.get("enabled") {
        None => Some(true),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => push(&mut errors, FieldError::invalid_type("enabled", "true or false")),
    };
    let trigger = required(body, "trigger", "", &mut errors).and_then(|v| trigger(v, &mut errors));
    let conditions = match body.get("conditions") {
        None | Some(Value::Null) => Some(None),
        Some(v) => conditions(v, &mut errors).map(Some),
    };
    let actions = required(body, "actions", "", &mut errors).and_then(|v| actions(v, &mut errors));
    match (name, enabled, trigger, conditions, actions) {
        (Some(name), Some(enabled), Some(trigger), Some(conditions), Some(actions)) if errors.is_empty() => {
            Ok(WorkflowDefinition { name, enabled, trigger, conditions, actions })
        }
        _ => Err(errors),
    }
}

fn push<T>(errors: &mut Errors, error: FieldError) -> Option<T> {
    errors.push(error);
    None
}

fn path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

fn object<'a>(value: &'a Value, at: &str, errors: &mut Errors) -> Option<&'a Map<String, Value>> {
    match value.as_object() {
        Some(map) => Some(map),
        None => push(errors, FieldError::invalid_type(if at.is_empty() { "body" } else { at }, "an object")),
    }
}

fn required<'a>(map: &'a Map<String, Value>, key: &str, prefix: &str, errors: &mut Errors) -> Option<&'a Value> {
    match map.get(key) {
        None | Some(Value::Null) => push(errors, FieldError::required(&path(prefix, key))),
        Some(value) => Some(value),
    }
}

fn known_keys(map: &Map<String, Value>, prefix: &str, allowed: &[&str], errors: &mut Errors) {
    for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
        errors.push(FieldError::new(path(prefix, key), "unknown_field", format!("unknown field; expected one of {}", allowed.join(", "))));
    }
}

fn text<'a>(value: &'a Value, at: &str, errors: &mut Errors) -> Option<&'a str> {
    match value.as_str() {
        Some(s) => Some(s),
        None => push(errors, FieldError::invalid_type(at, "a string")),
    }
}

fn name(value: &Value, errors: &mut Errors) -> Option<String> {
    let name = text(value, "name", errors)?.trim();
    match name.chars().count() {
        0 => push(errors, FieldError::required("name")),
        n if n > MAX_NAME_CHARS => push(errors, FieldError::too_long("name", MAX_NAME_CHARS)),
        _ => Some(name.to_string()),
    }
}

fn status(value: Option<&Value>, at: &str, errors: &mut Errors) -> Option<Option<String>> {
    let Some(value) = value.filter(|v| !v.is_null()) else { return Some(None) };
    match value.as_str().and_then(LeadStatus::parse) {
        Some(s) => Some(Some(s.as_str().to_string())),
        None => push(errors, FieldError::new(at, "invalid_status", "status is one of new, contacted, qualified, won, lost, spam")),
    }
}

fn trigger(value: &Value, errors: &mut Errors) -> Option<Trigger> {
    let map = object(value, "trigger", errors)?;
    let event = text(required(map, "event", "trigger", errors)?, "trigger.event", errors)?;
    let allowed: &[&str] = if event == "lead.status_changed" { &["event", "from", "to"] } else { &["event"] };
    known_keys(map, "trigger", allowed, errors);
    match event {
        "lead.created" => Some(Trigger::LeadCreated),
        "manual" => Some(Trigger::Manual),
        "lead.status_changed" => {
            let from = status(map.get("from"), "trigger.from", errors);
            let to = status(map.get("to"), "trigger.to", errors);
            Some(Trigger::StatusChanged { from: from?, to: to? })
        }
        _ => push(errors, FieldError::new("trigger.event", "invalid_trigger", "trigger.event is one of lead.created, lead.status_changed, manual")),
    }
}

fn conditions(value: &Value, errors: &mut Errors) -> Option<Conditions> {
    let map = object(value, "conditions", errors)?;
    let (key, list) = match (map.len(), map.iter().next()) {
        (1, Some((key, list))) if key == "all" || key == "any" => (key.as_str(), list),
        _ => return push(errors, FieldError::new("conditions", "invalid_conditions", "conditions is {\"all\": [...]} or {\"any\": [...]}")),
    };
    let at = format!("conditions.{key}");
    let items = value_list(list, &at, MAX_CONDITIONS, errors)?;
    let parsed: Vec<Option<Condition>> = items.iter().enumerate().map(|(i, c)| condition(c, &format!("{at}[{i}]"), errors)).collect();
    let parsed: Option<Vec<Condition>> = parsed.into_iter().collect();
    parsed.map(|list| if key == "all" { Conditions::All(list) } else { Conditions::Any(list) })
}

fn value_list<'a>(value: &'a Value, at: &str, max: usize, errors: &mut Errors) -> Option<&'a Vec<Value>> {
    match value.as_array() {
        Some(items) if items.len() > max => push(errors, FieldError::new(at, "too_many", format!("at most {max} items"))),
        Some(items) => Some(items),
        None => push(errors, FieldError::invalid_type(at, "a list")),
    }
}

fn condition(value: &Value, at: &str, errors: &mut Errors) -> Option<Condition> {
    let map = object(value, at, errors)?;
    known_keys(map, at, &["field", "op", "value"], errors);
    let field_at = path(at, "field");
    let field = required(map, "field", at, errors).and_then(|f| text(f, &field_at, errors));
    let field = match field {
        Some(f) if lead_view::is_known(f) => Some(f.to_string()),
        Some(_) => push(errors, FieldError::new(&field_at, "invalid_field", format!("field is one of {} or custom.<key>", lead_view::FIELDS.join(", ")))),
        None => None,
    };
    let op_at = path(at, "op");
    let op = required(map, "op", at, errors).and_then(|o| text(o, &op_at, errors)).and_then(|o| match Op::parse(o) {
        Some(op) => Some(op),
        None => push(errors, FieldError::new(&op_at, "invalid_op", "op is one of equals, not_equals, contains, exists, one_of, greater_than, less_than")),
    });
    let op = op?;
    let value = operand(op, map.get("value").unwrap_or(&Value::Null), &path(at, "value"), errors)?;
    Some(Condition { field: field?, op, value })
}

/// The value an operator needs: a scalar, a list of them, a number, or for
/// `exists` an optional true/false.
fn operand(op: Op, value: &Value, at: &str, errors: &mut Errors) -> Option<Value> {
    let scalar = |v: &Value| v.is_string() || v.is_number() || v.is_boolean();
    let ok = match op {
        Op::Exists => value.is_null() || value.is_boolean(),
        Op::Equals | Op::NotEquals | Op::Contains => scalar(value),
        Op::OneOf => value.as_array().is_some_and(|l| !l.is_empty() && l.len() <= MAX_ONE_OF && l.iter().all(scalar)),
        Op::GreaterThan | Op::LessThan => lead_view::number_of(value).is_some(),
    };
    let expected = match op {
        Op::Exists => "true or false, or absent",
        Op::OneOf => "a list of 1 to 100 strings or numbers",
        Op::GreaterThan | Op::LessThan => "a number",
        _ => "a string, number or boolean",
    };
    if ok { Some(value.clone()) } else { push(errors, FieldError::new(at, "invalid_value", format!("{at} must be {expected} for this op"))) }
}

pub(super) fn actions(value: &Value, errors: &mut Errors) -> Option<Vec<Action>> {
    let items = value_list(value, "actions", MAX_ACTIONS, errors)?;
    if items.is_empty() {
        return push(errors, FieldError::new("actions", "required", "a workflow needs at least one action"));
    }
    items.iter().enumerate().map(|(i, a)| action(a, &format!("actions[{i}]"), errors)).collect::<Vec<_>>().into_iter().collect()
}

fn action(value: &Value, at: &str, errors: &mut Errors) -> Option<Action> {
    let map = object(value, at, errors)?;
    let type_at = path(at, "type");
    let kind = text(required(map, "type", at, errors)?, &type_at, errors)?;
    let allowed: &[&str] = match kind {
        "telegram" => &["type", "template"],
        "webhook" => &["type", "endpoint_id", "payload"],
        "set_status" => &["type", "status"],
        "add_tag" | "remove_tag" => &["type", "tag"],
        "follow_up" => &["type", "after_seconds", "action", "cancel_on_status_change"],
        _ => return push(errors, FieldError::new(type_at, "invalid_action", "type is one of telegram, webhook, set_status, add_tag, remove_tag, follow_up")),
    };
    known_keys(map, at, allowed, errors);
    match kind {
        "telegram" => template(map, at, errors).map(|template| Action::Telegram { template }),
        "webhook" => webhook(map, at, errors),
        "set_status" => status(required(map, "status", at, errors), &path(at, "status"), errors)?.map(|status| Action::SetStatus { status }),
        "add_tag" => tag(map, at, errors).map(|tag| Action::AddTag { tag }),
        "remove_tag" => tag(map, at, errors).map(|tag| Action::RemoveTag { tag }),
        _ => follow_up(map, at, errors),
    }
}

fn template(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Template> {
    let field = path(at, "template");
    let source = text(required(map, "template", at, errors)?, &field, errors)?;
    Template::parse(source, &field).map_err(|e| errors.push(e)).ok()
}

fn tag(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<String> {
    let field = path(at, "tag");
    let tag = text(required(map, "tag", at, errors)?, &field, errors)?.trim();
    if tag.is_empty() || tag.chars().count() > MAX_TAG_CHARS {
        return push(errors, FieldError::new(field, "invalid_tag", format!("tags are 1 to {MAX_TAG_CHARS} characters, not only spaces")));
    }
    Some(tag.to_string())
}

fn webhook(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Action> {
    let id_at = path(at, "endpoint_id");
    let endpoint_id = text(required(map, "endpoint_id", at, errors)?, &id_at, errors)?;
    if !is_sortable_id(IdKind::WebhookEndpoint, endpoint_id) {
        return push(errors, FieldError::new(id_at, "invalid_id", "endpoint_id is a webhook endpoint id (ep_…)"));
    }
    let payload = match map.get("payload") {
        None | Some(Value::Null) => None,
        Some(p) => Some(payload(p, &path(at, "payload"), errors)?),
    };
    Some(Action::Webhook { endpoint_id: endpoint_id.to_string(), payload })
}

fn payload(value: &Value, at: &str, errors: &mut Errors) -> Option<Payload> {
    object(value, at, errors)?;
    if value.to_string().len() > MAX_PAYLOAD_BYTES {
        return push(errors, FieldError::new(at, "too_long", format!("payload is at most {MAX_PAYLOAD_BYTES} bytes of JSON")));
    }
    let before = errors.len();
    check_strings(value, at, errors);
    (errors.len() == before).then(|| Payload(value.clone()))
}

/// Every string in a payload is a template: its placeholders must exist.
fn check_strings(value: &Value, at: &str, errors: &mut Errors) {
    match value {
        Value::String(s) if s.contains("{{") => {
            if let Err(e) = Template::parse(s, at) {
                errors.push(e);
            }
        }
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| check_strings(v, &format!("{at}[{i}]"), errors)),
        Value::Object(map) => map.iter().for_each(|(k, v)| check_strings(v, &path(at, k), errors)),
        _ => {}
    }
}

fn follow_up(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Action> {
    let after_at = path(at, "after_seconds");
    let after = required(map, "after_seconds", at, errors).and_then(|v| match v.as_u64() {
        Some(n) if (1..=MAX_AFTER_SECONDS).contains(&n) => Some(n),
        _ => push(errors, FieldError::new(&after_at, "out_of_range", format!("after_seconds is a whole number from 1 to {MAX_AFTER_SECONDS}"))),
    });
    let cancel = match map.get("cancel_on_status_change") {
        None | Some(Value::Null) => Some(true),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => push(errors, FieldError::invalid_type(&path(at, "cancel_on_status_change"), "true or false")),
    };
    let inner_at = path(at, "action");
    let inner = required(map, "action", at, errors).and_then(|v| follow_up_action(v, &inner_at, errors));
    Some(Action::FollowUp { after_seconds: after?, action: inner?, cancel_on_status_change: cancel? })
}

fn follow_up_action(value: &Value, at: &str, errors: &mut Errors) -> Option<FollowUpAction> {
    let map = object(value, at, errors)?;
    let type_at = path(at, "type");
    match text(required(map, "type", at, errors)?, &type_at, errors)? {
        "telegram" => {
            known_keys(map, at, &["type", "template"], errors);
            template(map, at, errors).map(|template| FollowUpAction::Telegram { template })
        }
        "webhook" => {
            known_keys(map, at, &["type"], errors);
            Some(FollowUpAction::Webhook)
        }
        _ => push(errors, FieldError::new(type_at, "invalid_action", "a follow-up's action type is telegram or webhook")),
    }
}
