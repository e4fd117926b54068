//! The actions of a definition, each checked by its type.

use super::{known_keys, object, path, push, required, status, text, value_list, Errors, MAX_ACTIONS, MAX_AFTER_SECONDS};
use crate::ids::{is_sortable_id, IdKind};
use crate::members::Role;
use crate::template::Template;
use crate::workflow::{Action, EmailRecipient, FollowUpAction, Payload};
use crate::FieldError;
use serde_json::{Map, Value};

const MAX_TAG_CHARS: usize = 50;
const MAX_PAYLOAD_BYTES: usize = 8192;

pub(in crate::workflow) fn actions(value: &Value, errors: &mut Errors) -> Option<Vec<Action>> {
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
        "email" => &["type", "to", "subject", "body"],
        "slack" => &["type", "text"],
        "assign" => &["type", "to", "round_robin"],
        _ => return push(errors, FieldError::new(type_at, "invalid_action", "type is one of telegram, slack, webhook, email, set_status, add_tag, remove_tag, follow_up, assign")),
    };
    known_keys(map, at, allowed, errors);
    match kind {
        "telegram" => template(map, at, errors).map(|template| Action::Telegram { template }),
        "webhook" => webhook(map, at, errors),
        "set_status" => status(required(map, "status", at, errors), &path(at, "status"), errors)?.map(|status| Action::SetStatus { status }),
        "add_tag" => tag(map, at, errors).map(|tag| Action::AddTag { tag }),
        "remove_tag" => tag(map, at, errors).map(|tag| Action::RemoveTag { tag }),
        "email" => email(map, at, errors),
        "slack" => slack(map, at, errors),
        "assign" => assign(map, at, errors),
        _ => follow_up(map, at, errors),
    }
}

fn template(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Template> {
    template_at(map, "template", at, errors)
}

fn template_at(map: &Map<String, Value>, key: &str, at: &str, errors: &mut Errors) -> Option<Template> {
    let field = path(at, key);
    let source = text(required(map, key, at, errors)?, &field, errors)?;
    Template::parse(source, &field).map_err(|e| errors.push(e)).ok()
}

/// `{"type": "email", "to": "lead" | "assignee" | "members:<role>", "subject": …, "body": …}`: a subject is one line.
fn email(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Action> {
    let to_at = path(at, "to");
    let to = required(map, "to", at, errors).and_then(|v| text(v, &to_at, errors)).and_then(|to| match EmailRecipient::parse(to) {
        Some(to) => Some(to),
        None => push(errors, FieldError::new(&to_at, "invalid_recipient", "to is lead, assignee or members:<role> (owner, admin, member or viewer)")),
    });
    let subject = template_at(map, "subject", at, errors).and_then(|subject| {
        if subject.source().contains(['\r', '\n']) {
            return push(errors, FieldError::new(path(at, "subject"), "invalid_subject", "a subject is one line"));
        }
        Some(subject)
    });
    let body = template_at(map, "body", at, errors);
    Some(Action::Email { to: to?, subject: subject?, body: body? })
}

/// `{"type": "slack"}`, with an optional `text` template shown above the lead.
fn slack(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Action> {
    match map.get("text") {
        None | Some(Value::Null) => Some(Action::Slack { text: None }),
        Some(_) => template_at(map, "text", at, errors).map(|text| Action::Slack { text: Some(text) }),
    }
}

/// `{"type": "assign", "to": "mem_…"}` or `{"type": "assign", "round_robin": "<role>"}`.
fn assign(map: &Map<String, Value>, at: &str, errors: &mut Errors) -> Option<Action> {
    let (to_at, role_at) = (path(at, "to"), path(at, "round_robin"));
    match (map.get("to"), map.get("round_robin")) {
        (Some(to), None) => {
            let to = text(to, &to_at, errors)?;
            if !is_sortable_id(IdKind::Member, to) {
                return push(errors, FieldError::new(to_at, "invalid_id", "to is a member id (mem_…)"));
            }
            Some(Action::Assign { to: Some(to.to_string()), round_robin: None })
        }
        (None, Some(role)) => {
            let role = text(role, &role_at, errors)?;
            let role = Role::parse(&role_at, role).map_err(|e| errors.push(e)).ok()?;
            Some(Action::Assign { to: None, round_robin: Some(role.as_str().to_string()) })
        }
        _ => push(errors, FieldError::new(at, "invalid_assign", "assign takes either to (a member id) or round_robin (a role), not both")),
    }
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
