//! Whether a workflow's actions can reach what they send through: the
//! endpoint a `webhook` action names, the Telegram integration a `telegram`
//! action (or a follow-up's Telegram reminder) needs. The one rule, applied
//! when a workflow is created or changed:
//! - an action never names an endpoint that does not exist, when the actions
//!   are set or the workflow is turned on;
//! - an enabled workflow's channels are all set up (Telegram configured,
//!   endpoints enabled, email configured for the deployment), checked when its actions are set or it is turned on,
//!   so a run never fails for want of setup. A disabled workflow may be saved
//!   before its channels are ready;
//! - anything else (turning a workflow off, renaming it) is never refused
//!   here, even when an endpoint it names was deleted since.

use super::{Action, FollowUpAction, WorkflowDefinition};
use crate::FieldError;

/// What the workspace has set up for the actions to send through.
#[derive(Debug, Clone, Default)]
pub struct Channels {
    /// Whether Telegram is set up (`PUT /api/v1/integrations/telegram`).
    pub telegram: bool,
    /// The endpoints the actions name that exist: (id, enabled).
    pub endpoints: Vec<(String, bool)>,
    /// Whether this deployment can send email (`EMAIL_FROM` and `PUBLIC_URL` set).
    pub email: bool,
    /// Whether Slack is set up (`PUT /api/v1/integrations/slack`).
    pub slack: bool,
}

impl Channels {
    fn endpoint_enabled(&self, id: &str) -> Option<bool> {
        self.endpoints.iter().find(|(e, _)| e == id).map(|(_, enabled)| *enabled)
    }
}

/// The workflow as stored before this change (a new workflow has none).
#[derive(Debug, Clone, Copy)]
pub struct Before<'a> {
    pub enabled: bool,
    pub actions: &'a [Action],
}

/// The endpoints a workflow's actions name, each once, in order.
pub fn endpoint_ids(actions: &[Action]) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for action in actions {
        if let Action::Webhook { endpoint_id, .. } = action {
            if !ids.contains(&endpoint_id.as_str()) {
                ids.push(endpoint_id);
            }
        }
    }
    ids
}

/// Whether any action needs Telegram.
pub fn needs_telegram(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::Telegram { .. } | Action::FollowUp { action: FollowUpAction::Telegram { .. }, .. }))
}

/// Whether any action needs Slack.
pub fn needs_slack(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::Slack { .. }))
}

/// The actions of `def` that cannot be saved as they are, each named by its
/// path (`actions[2]`, `actions[0].endpoint_id`).
pub fn channel_problems(def: &WorkflowDefinition, before: Option<Before<'_>>, channels: &Channels) -> Vec<FieldError> {
    let actions_set = before.is_none_or(|b| b.actions != def.actions.as_slice());
    let turned_on = def.enabled && before.is_none_or(|b| !b.enabled);
    if !actions_set && !turned_on {
        return Vec::new();
    }
    let must_run = def.enabled;
    let mut errors = Vec::new();
    for (i, action) in def.actions.iter().enumerate() {
        match action {
            Action::Webhook { endpoint_id, .. } => match channels.endpoint_enabled(endpoint_id) {
                None => errors.push(FieldError::new(format!("actions[{i}].endpoint_id"), "not_found", "no webhook endpoint with this id in this workspace")),
                Some(false) if must_run => errors.push(FieldError::new(
                    format!("actions[{i}].endpoint_id"),
                    "endpoint_disabled",
                    "this webhook endpoint is disabled: enable it (PATCH /api/v1/webhooks/:id {\"enabled\": true}) or save the workflow disabled",
                )),
                Some(_) => {}
            },
            Action::Telegram { .. } if must_run && !channels.telegram => errors.push(telegram_not_set_up(format!("actions[{i}]"))),
            Action::FollowUp { action: FollowUpAction::Telegram { .. }, .. } if must_run && !channels.telegram => {
                errors.push(telegram_not_set_up(format!("actions[{i}].action")))
            }
            Action::Email { .. } if must_run && !channels.email => errors.push(FieldError::new(
                format!("actions[{i}]"),
                "email_not_set_up",
                "email is not set up for this deployment: set EMAIL_FROM and PUBLIC_URL (README, \"Email\") or save the workflow disabled",
            )),
            Action::Slack { .. } if must_run && !channels.slack => errors.push(FieldError::new(
                format!("actions[{i}]"),
                "slack_not_set_up",
                "Slack is not set up for this workspace: set it up first (PUT /api/v1/integrations/slack) or save the workflow disabled",
            )),
            _ => {}
        }
    }
    errors
}

fn telegram_not_set_up(field: String) -> FieldError {
    FieldError::new(
        field,
        "telegram_not_set_up",
        "Telegram is not set up for this workspace: set it up first (PUT /api/v1/integrations/telegram) or save the workflow disabled",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const EP: &str = "ep_01J00000000000000000000000";

    fn workflow(enabled: bool) -> WorkflowDefinition {
        WorkflowDefinition::parse(&json!({"name": "w", "enabled": enabled, "trigger": {"event": "lead.created"}, "actions": [
            {"type": "telegram", "template": "hi"}, {"type": "webhook", "endpoint_id": EP}, {"type": "add_tag", "tag": "t"},
            {"type": "follow_up", "after_seconds": 60, "action": {"type": "telegram", "template": "later"}}]}))
        .unwrap()
    }

    fn channels(telegram: bool, endpoint: Option<bool>) -> Channels {
        Channels { telegram, endpoints: endpoint.map(|enabled| (EP.to_string(), enabled)).into_iter().collect(), email: true, slack: true }
    }

    fn named(errors: Vec<FieldError>) -> Vec<(String, &'static str)> {
        errors.into_iter().map(|e| (e.field, e.code)).collect()
    }

    #[test]
    fn a_new_enabled_workflow_needs_every_channel_set_up() {
        assert_eq!(channel_problems(&workflow(true), None, &channels(true, Some(true))), vec![]);
        assert_eq!(
            named(channel_problems(&workflow(true), None, &channels(false, Some(false)))),
            [("actions[0]".to_string(), "telegram_not_set_up"), ("actions[1].endpoint_id".into(), "endpoint_disabled"), ("actions[3].action".into(), "telegram_not_set_up")]
        );
    }

    #[test]
    fn a_disabled_workflow_may_wait_for_its_channels_but_never_names_a_missing_endpoint() {
        assert_eq!(channel_problems(&workflow(false), None, &channels(false, Some(false))), vec![]);
        assert_eq!(named(channel_problems(&workflow(false), None, &channels(true, None))), [("actions[1].endpoint_id".to_string(), "not_found")]);
    }

    #[test]
    fn turning_a_workflow_on_checks_it_as_new() {
        let def = workflow(true);
        let before = Before { enabled: false, actions: &def.actions };
        assert_eq!(named(channel_problems(&def, Some(before), &channels(false, Some(true)))).len(), 2);
        assert_eq!(named(channel_problems(&def, Some(before), &channels(true, None))), [("actions[1].endpoint_id".to_string(), "not_found")]);
    }

    #[test]
    fn a_workflow_whose_endpoint_is_gone_can_always_be_turned_off_or_renamed() {
        let (on, off) = (workflow(true), workflow(false));
        let nothing = channels(false, None);
        assert_eq!(channel_problems(&off, Some(Before { enabled: true, actions: &on.actions }), &nothing), vec![]);
        assert_eq!(channel_problems(&off, Some(Before { enabled: false, actions: &on.actions }), &nothing), vec![]);
        // Renaming an enabled one: its actions are not being set, so not checked again.
        assert_eq!(channel_problems(&on, Some(Before { enabled: true, actions: &on.actions }), &nothing), vec![]);
    }

    #[test]
    fn changing_an_enabled_workflows_actions_checks_them() {
        let def = workflow(true);
        let before = Before { enabled: true, actions: &def.actions[2..] };
        assert_eq!(named(channel_problems(&def, Some(before), &channels(true, None))), [("actions[1].endpoint_id".to_string(), "not_found")]);
    }

    #[test]
    fn an_enabled_workflow_that_emails_needs_email_set_up() {
        let def = WorkflowDefinition::parse(&json!({"name": "w", "trigger": {"event": "lead.created"}, "actions": [
            {"type": "add_tag", "tag": "t"}, {"type": "email", "to": "lead", "subject": "Hi", "body": "Hello {{lead.name}}"}]}))
        .unwrap();
        let no_email = Channels { email: false, ..channels(true, None) };
        assert_eq!(named(channel_problems(&def, None, &no_email)), [("actions[1]".to_string(), "email_not_set_up")]);
        assert_eq!(channel_problems(&def, None, &channels(false, None)), vec![]);
        let off = WorkflowDefinition { enabled: false, ..def };
        assert_eq!(channel_problems(&off, None, &no_email), vec![], "a disabled workflow may wait for email");
    }

    #[test]
    fn an_enabled_workflow_that_posts_to_slack_needs_slack_set_up() {
        let def = WorkflowDefinition::parse(&json!({"name": "w", "trigger": {"event": "lead.created"}, "actions": [
            {"type": "add_tag", "tag": "t"}, {"type": "slack", "text": "Hot: {{lead.name}}"}]}))
        .unwrap();
        let no_slack = Channels { slack: false, ..channels(true, None) };
        assert_eq!(named(channel_problems(&def, None, &no_slack)), [("actions[1]".to_string(), "slack_not_set_up")]);
        assert_eq!(channel_problems(&def, None, &channels(false, None)), vec![]);
        let off = WorkflowDefinition { enabled: false, ..def };
        assert_eq!(channel_problems(&off, None, &no_slack), vec![], "a disabled workflow may wait for Slack");
        assert!(needs_slack(&off.actions) && !needs_slack(&off.actions[..1]));
    }

    #[test]
    fn what_the_actions_need() {
        let def = workflow(true);
        assert_eq!(endpoint_ids(&[def.actions[1].clone(), def.actions[1].clone()]), [EP]);
        assert!(needs_telegram(&def.actions[3..]) && !needs_telegram(&def.actions[1..3]));
    }
}
