//! Webhook rules as pure functions: which events exist and the headers that
//! sign a delivery. Which URLs may receive is `leadsbot_shared::webhook_url`.

use leadsbot_shared::signing::{body_signature_hex, standard_webhook_signature};
use leadsbot_shared::FieldError;

/// Every event type an endpoint may subscribe to.
pub const EVENT_TYPES: [&str; 12] = [
    crate::leads::events::LEAD_CREATED, crate::leads::events::LEAD_UPDATED, crate::leads::events::LEAD_STATUS_CHANGED, crate::leads::events::LEAD_ERASED,
    crate::leads::events::WORKFLOW_ACTION, crate::leads::events::WORKFLOW_COMPLETED, crate::leads::events::WORKFLOW_FAILED,
    crate::leads::events::CAMPAIGN_PAUSED, crate::leads::events::CAMPAIGN_RESUMED, crate::leads::events::CAMPAIGN_ARCHIVED,
    crate::leads::events::LEAD_FOLLOW_UP_DUE, crate::leads::events::LEAD_ASSIGNED,
];
/// The event types an endpoint's subscription brings it, and so the ones
/// `recover` looks for missed events of: all but `workflow.action`, which
/// goes only to the endpoint its action names, as that action's own job.
pub fn fanned_out_event_types() -> Vec<&'static str> {
    EVENT_TYPES.into_iter().filter(|kind| *kind != crate::leads::events::WORKFLOW_ACTION).collect()
}

/// `disabled_reason` of an endpoint whose stored URL failed the receiver
/// rule (`leadsbot_shared::webhook_url`) just before an attempt.
pub const URL_NOT_ALLOWED: &str = "url_not_allowed";

/// Known, deduplicated event types; an empty list subscribes to all.
pub fn validate_events(events: &[String]) -> Result<Vec<String>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut clean: Vec<String> = Vec::new();
    for (i, event) in events.iter().enumerate() {
        if !EVENT_TYPES.contains(&event.as_str()) {
            errors.push(FieldError::new(format!("events[{i}]"), "unknown_event", format!("events are {}", EVENT_TYPES.join(", "))));
        } else if !clean.contains(event) {
            clean.push(event.clone());
        }
    }
    if errors.is_empty() { Ok(clean) } else { Err(errors) }
}

/// What identifies and signs one attempt.
pub struct SigningInput<'a> {
    pub body: &'a [u8],
    pub event_type: &'a str,
    /// Stable across retries: the receiver's idempotency key.
    pub delivery_id: &'a str,
    pub timestamp: i64,
    pub secret: &'a str,
    /// The secret before a rotation, while its grace period lasts.
    pub previous_secret: Option<&'a str>,
}

/// Every header of a delivery: ours (hex HMAC of the body) and Standard
/// Webhooks' (`v1,` base64 HMAC of `{id}.{timestamp}.{body}`).
pub fn signed_headers(input: &SigningInput<'_>) -> Vec<(&'static str, String)> {
    let mut headers = vec![
        ("Content-Type", "application/json".to_string()),
        ("User-Agent", "LeadsBot-Webhooks/1.0".to_string()),
        ("X-LeadsBot-Event", input.event_type.to_string()),
        ("X-LeadsBot-Delivery", input.delivery_id.to_string()),
        ("X-LeadsBot-Timestamp", input.timestamp.to_string()),
        ("X-LeadsBot-Signature", body_signature_hex(input.secret, input.body)),
    ];
    if let Some(previous) = input.previous_secret {
        headers.push(("X-LeadsBot-Signature-Previous", body_signature_hex(previous, input.body)));
    }
    let standard: Vec<String> = std::iter::once(input.secret)
        .chain(input.previous_secret)
        .filter_map(|secret| standard_webhook_signature(secret, input.delivery_id, input.timestamp, input.body))
        .collect();
    headers.push(("webhook-id", input.delivery_id.to_string()));
    headers.push(("webhook-timestamp", input.timestamp.to_string()));
    headers.push(("webhook-signature", standard.join(" ")));
    headers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_known_and_deduplicated() {
        let events = vec!["lead.created".to_string(), "lead.created".to_string()];
        assert_eq!(validate_events(&events).unwrap(), vec!["lead.created"]);
        assert_eq!(validate_events(&["lead.nope".into()]).unwrap_err()[0].field, "events[0]");
    }

    #[test]
    fn an_action_event_is_never_found_missing_by_other_endpoints() {
        let fanned_out = fanned_out_event_types();
        assert!(!fanned_out.contains(&crate::leads::events::WORKFLOW_ACTION));
        assert_eq!(fanned_out.len(), EVENT_TYPES.len() - 1);
    }

    #[test]
    fn grace_periods_sign_with_both_secrets() {
        let secret = leadsbot_shared::signing::new_endpoint_secret([1; 32]);
        let previous = leadsbot_shared::signing::new_endpoint_secret([2; 32]);
        let input = SigningInput { body: b"{}", event_type: "lead.created", delivery_id: "dlv_1", timestamp: 1_700_000_000, secret: &secret, previous_secret: Some(&previous) };
        let headers = signed_headers(&input);
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()).unwrap();
        assert_eq!(get("X-LeadsBot-Signature"), body_signature_hex(&secret, b"{}"));
        assert_eq!(get("X-LeadsBot-Signature-Previous"), body_signature_hex(&previous, b"{}"));
        let signatures: Vec<&str> = get("webhook-signature").leak().split(' ').collect();
        assert_eq!(signatures.len(), 2);
        assert!(signatures.iter().all(|s| s.starts_with("v1,")));
    }
}
