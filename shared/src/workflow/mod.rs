//! Workflows: a trigger, conditions over a lead, and ordered actions.
//! The definition is parsed from the API's JSON with every problem named by
//! its path (`actions[2].template`), and written back in the same shape.

pub mod channels;
mod conditions;
mod parse;
#[cfg(test)]
mod tests;

pub use conditions::{Condition, Conditions, Op};
pub use parse::{MAX_ACTIONS, MAX_AFTER_SECONDS, MAX_CONDITIONS, MAX_NAME_CHARS};

use crate::template::Template;
use crate::members::Role;
use serde::Serialize;
use serde_json::Value;

/// A workflow as the API takes and shows it (without id and times).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowDefinition {
    pub name: String,
    pub enabled: bool,
    pub trigger: Trigger,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
    pub actions: Vec<Action>,
}

impl WorkflowDefinition {
    /// Parses a create body (`enabled` defaults to true, `conditions` may be omitted).
    pub fn parse(json: &Value) -> Result<Self, Vec<crate::FieldError>> {
        parse::definition(json)
    }

    /// Parses a stored list of actions (a run's snapshot of its workflow's).
    pub fn parse_actions(json: &Value) -> Result<Vec<Action>, Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        match parse::actions(json, &mut errors) {
            Some(actions) if errors.is_empty() => Ok(actions),
            _ => Err(errors),
        }
    }

    /// Whether a lead meets the conditions (no conditions: every lead).
    pub fn matches(&self, lead: &Value) -> bool {
        self.conditions.as_ref().is_none_or(|c| c.matches(lead))
    }
}

/// What starts a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event")]
pub enum Trigger {
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.status_changed")]
    StatusChanged {
        #[serde(skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    #[serde(rename = "manual")]
    Manual,
}

impl Trigger {
    /// The events that can start a workflow (`manual` is started by hand).
    pub const EVENTS: [&'static str; 2] = ["lead.created", "lead.status_changed"];

    /// The event name, as stored and as runs report it.
    pub fn event(&self) -> &'static str {
        match self {
            Self::LeadCreated => "lead.created",
            Self::StatusChanged { .. } => "lead.status_changed",
            Self::Manual => "manual",
        }
    }

    /// Whether a status change from → to starts this workflow.
    pub fn matches_status_change(&self, from_status: &str, to_status: &str) -> bool {
        match self {
            Self::StatusChanged { from, to } => {
                from.as_deref().is_none_or(|f| f == from_status) && to.as_deref().is_none_or(|t| t == to_status)
            }
            _ => false,
        }
    }
}

/// One step of a workflow, in order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Action {
    Telegram { template: Template },
    Webhook {
        endpoint_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        payload: Option<Payload>,
    },
    SetStatus { status: String },
    AddTag { tag: String },
    RemoveTag { tag: String },
    FollowUp { after_seconds: u64, action: FollowUpAction, cancel_on_status_change: bool },
    /// An email with a text and an HTML part, both from the same templates.
    Email { to: EmailRecipient, subject: Template, body: Template },
    /// A Slack message about the lead, with `text` (a template) as a line above it.
    Slack {
        #[serde(skip_serializing_if = "Option::is_none")]
        text: Option<Template>,
    },
    /// Assigns the lead: to one member (`to`), or in turn to the active
    /// members of a role (`round_robin`). Exactly one of the two is set.
    Assign {
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        round_robin: Option<String>,
    },
}

/// Who an `email` action writes to: the lead (every such email offers
/// one-click unsubscribe), the lead's assignee, or every active member of
/// a role (their own mail: no unsubscribe, no suppression list).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailRecipient {
    Lead,
    Assignee,
    Members(Role),
}

impl Serialize for EmailRecipient {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_string())
    }
}

impl EmailRecipient {
    /// The pattern of the wire form, for the API's schema.
    pub const PATTERN: &'static str = "^(lead|assignee|members:(owner|admin|member|viewer))$";

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "lead" => Some(Self::Lead),
            "assignee" => Some(Self::Assignee),
            _ => text.strip_prefix("members:").and_then(|role| Role::parse("to", role).ok()).map(Self::Members),
        }
    }

    /// The wire form (`lead`, `assignee`, `members:<role>`).
    pub fn as_string(self) -> String {
        match self {
            Self::Lead => "lead".into(),
            Self::Assignee => "assignee".into(),
            Self::Members(role) => format!("members:{}", role.as_str()),
        }
    }
}

impl Action {
    /// The action's `type`, as the API and runs name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Telegram { .. } => "telegram",
            Self::Webhook { .. } => "webhook",
            Self::SetStatus { .. } => "set_status",
            Self::AddTag { .. } => "add_tag",
            Self::RemoveTag { .. } => "remove_tag",
            Self::FollowUp { .. } => "follow_up",
            Self::Email { .. } => "email",
            Self::Slack { .. } => "slack",
            Self::Assign { .. } => "assign",
        }
    }
}

/// What a follow-up does when due: a Telegram reminder, or a
/// `lead.follow_up_due` webhook event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FollowUpAction {
    Telegram { template: Template },
    Webhook,
}

/// A custom webhook payload: JSON whose every string is a template.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload(Value);

impl Payload {
    /// The payload with each string rendered for this lead.
    pub fn render(&self, lead: &Value) -> Value {
        render_json(&self.0, lead)
    }
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

fn render_json(value: &Value, lead: &Value) -> Value {
    match value {
        // Parsed at save time; a string that no longer parses renders as itself.
        Value::String(s) => Template::parse(s, "").map(|t| t.render_value(lead)).unwrap_or_else(|_| value.clone()),
        Value::Array(items) => Value::Array(items.iter().map(|v| render_json(v, lead)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), render_json(v, lead))).collect()),
        other => other.clone(),
    }
}
