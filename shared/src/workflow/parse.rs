//! From the API's JSON to a `WorkflowDefinition`, reporting every problem at
//! once, each addressed by its path in the body (`actions[2].template`).

mod actions;

pub(super) use actions::actions;
use super::{Condition, Conditions, Op, Trigger, WorkflowDefinition};
use crate::lead::LeadStatus;
use crate::{lead_view, FieldError};
use serde_json::{Map, Value};

pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_ACTIONS: usize = 20;
pub const MAX_CONDITIONS: usize = 20;
pub const MAX_ONE_OF: usize = 100;
/// A year: follow-ups further out than that are a calendar's job.
pub const MAX_AFTER_SECONDS: u64 = 366 * 24 * 3600;

pub(super) type Errors = Vec<FieldError>;

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

pub(super) fn push<T>(errors: &mut Errors, error: FieldError) -> Option<T> {
    errors.push(error);
    None
}

pub(super) fn path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

pub(super) fn object<'a>(value: &'a Value, at: &str, errors: &mut Errors) -> Option<&'a Map<String, Value>> {
    match value.as_object() {
        Some(map) => Some(map),
        None => push(errors, FieldError::invalid_type(if at.is_empty() { "body" } else { at }, "an object")),
    }
}

pub(super) fn required<'a>(map: &'a Map<String, Value>, key: &str, prefix: &str, errors: &mut Errors) -> Option<&'a Value> {
    match map.get(key) {
        None | Some(Value::Null) => push(errors, FieldError::required(&path(prefix, key))),
        Some(value) => Some(value),
    }
}

pub(super) fn known_keys(map: &Map<String, Value>, prefix: &str, allowed: &[&str], errors: &mut Errors) {
    for key in map.keys().filter(|k| !allowed.contains(&k.as_str())) {
        errors.push(FieldError::new(path(prefix, key), "unknown_field", format!("unknown field; expected one of {}", allowed.join(", "))));
    }
}

pub(super) fn text<'a>(value: &'a Value, at: &str, errors: &mut Errors) -> Option<&'a str> {
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

pub(super) fn status(value: Option<&Value>, at: &str, errors: &mut Errors) -> Option<Option<String>> {
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

pub(super) fn value_list<'a>(value: &'a Value, at: &str, max: usize, errors: &mut Errors) -> Option<&'a Vec<Value>> {
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

