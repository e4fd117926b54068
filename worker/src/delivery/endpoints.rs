//! Webhook endpoints and their delivery log as the API sees them: input
//! checks, patches and JSON. Pure.

use super::webhook::validate_events;
use crate::error::{ApiError, ApiResult};
use crate::store::deliveries::{AttemptRow, DeliveryRow};
use crate::store::endpoints::EndpointRow;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::webhook_url::{UrlPolicy, WebhookUrl};
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::{json, Value};

const MAX_DESCRIPTION_CHARS: usize = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    pub url: String,
    #[serde(default)]
    pub events: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    /// `true` re-enables a disabled endpoint (and forgets its failures).
    pub enabled: Option<bool>,
}

/// Checked fields of a new endpoint: (url, events JSON, description).
pub fn check_new(input: EndpointIn, policy: UrlPolicy) -> ApiResult<(String, String, Option<String>)> {
    let patch = EndpointPatch { url: Some(input.url), events: Some(input.events), description: input.description, enabled: None };
    let mut row = EndpointRow { events: "[]".into(), ..blank() };
    apply_patch(&mut row, patch, policy, 0)?;
    Ok((row.url, row.events, row.description))
}

fn blank() -> EndpointRow {
    EndpointRow {
        id: String::new(), workspace_id: String::new(), url: String::new(), description: None, events: String::new(),
        secret_sealed: String::new(), previous_secret_sealed: None, previous_secret_expires_at: None,
        disabled_at: None, disabled_reason: None, failing_since: None, created_at: 0, updated_at: 0,
    }
}

/// Applies a checked patch. The URL is checked when it changes, and when
/// the endpoint is turned back on (it may have been disabled for its URL).
pub fn apply_patch(row: &mut EndpointRow, patch: EndpointPatch, policy: UrlPolicy, now: i64) -> ApiResult<()> {
    let mut errors = Vec::new();
    let url = patch.url.as_deref().or((patch.enabled == Some(true)).then_some(row.url.as_str()));
    match url.map(|url| WebhookUrl::parse(url, policy)) {
        Some(Ok(url)) => row.url = url.as_str().to_string(),
        Some(Err(refused)) => errors.push(FieldError::from(&refused)),
        None => {}
    }
    if let Some(events) = patch.events {
        match validate_events(&events) {
            Ok(events) => row.events = Value::from(events).to_string(),
            Err(errs) => errors.extend(errs),
        }
    }
    if let Some(description) = patch.description {
        let description = description.trim().to_string();
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::too_long("description", MAX_DESCRIPTION_CHARS));
        }
        row.description = Some(description).filter(|d| !d.is_empty());
    }
    match patch.enabled {
        Some(true) => (row.disabled_at, row.disabled_reason, row.failing_since) = (None, None, None),
        Some(false) if row.disabled_at.is_none() => (row.disabled_at, row.disabled_reason) = (Some(now), Some("manual".into())),
        _ => {}
    }
    row.updated_at = now;
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

pub fn endpoint_json(row: &EndpointRow) -> Value {
    let time = |t: Option<i64>| t.map(format_rfc3339);
    json!({
        "id": row.id,
        "url": row.url,
        "description": row.description,
        "events": serde_json::from_str::<Value>(&row.events).unwrap_or_else(|_| json!([])),
        "enabled": row.disabled_at.is_none(),
        "disabled_at": time(row.disabled_at),
        "disabled_reason": row.disabled_reason,
        "failing_since": time(row.failing_since),
        "previous_secret_expires_at": time(row.previous_secret_expires_at),
        "created_at": format_rfc3339(row.created_at),
        "updated_at": format_rfc3339(row.updated_at),
    })
}

pub fn delivery_json(row: &DeliveryRow, attempts: &[AttemptRow]) -> Value {
    json!({
        "id": row.id,
        "event_id": row.event_id,
        "event": row.event_type,
        "target": row.target_kind,
        "target_id": row.target_id,
        "status": row.status,
        "attempt_count": row.attempts,
        "next_attempt_at": row.next_attempt_at.filter(|_| row.status == "pending").map(format_rfc3339),
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "created_at": format_rfc3339(row.created_at),
        "dead_lettered_at": row.dead_lettered_at.map(format_rfc3339),
        "attempts": attempts.iter().filter(|a| a.delivery_id == row.id).map(attempt_json).collect::<Vec<_>>(),
    })
}

fn attempt_json(a: &AttemptRow) -> Value {
    json!({
        "attempt": a.attempt,
        "attempted_at": format_rfc3339(a.attempted_at),
        "status_code": a.status_code,
        "duration_ms": a.duration_ms,
        "error": a.error,
        "response_body": a.response_body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::webhook::URL_NOT_ALLOWED;

    #[test]
    fn new_endpoints_are_checked_field_by_field() {
        let input = EndpointIn { url: "http://evil.example/".into(), events: vec!["nope".into()], description: None };
        let ApiError::Validation(errors) = check_new(input, UrlPolicy::AllowLocalhost).unwrap_err() else { panic!() };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["url", "events[0]"]);
        let ok = EndpointIn { url: "https://hooks.example/in".into(), events: vec![], description: Some(" CRM ".into()) };
        assert_eq!(check_new(ok, UrlPolicy::PublicHttpsOnly).unwrap(), ("https://hooks.example/in".into(), "[]".into(), Some("CRM".into())));
    }

    #[test]
    fn enabling_forgets_failures_and_disabling_is_manual() {
        let url = "https://hooks.example/in".to_string();
        let mut row = EndpointRow { url, disabled_at: Some(5), disabled_reason: Some("gone".into()), failing_since: Some(1), ..blank() };
        apply_patch(&mut row, EndpointPatch { enabled: Some(true), ..Default::default() }, UrlPolicy::PublicHttpsOnly, 9).unwrap();
        assert_eq!((row.disabled_at, row.failing_since), (None, None));
        apply_patch(&mut row, EndpointPatch { enabled: Some(false), ..Default::default() }, UrlPolicy::PublicHttpsOnly, 10).unwrap();
        assert_eq!((row.disabled_at, row.disabled_reason.as_deref()), (Some(10), Some("manual")));
    }

    #[test]
    fn an_endpoint_is_not_turned_back_on_while_its_url_is_refused() {
        let url = "https://169.254.169.254/".to_string();
        let mut row = EndpointRow { url, disabled_at: Some(5), disabled_reason: Some(URL_NOT_ALLOWED.into()), ..blank() };
        let enable = || EndpointPatch { enabled: Some(true), ..Default::default() };
        let Err(ApiError::Validation(errors)) = apply_patch(&mut row, enable(), UrlPolicy::PublicHttpsOnly, 9) else { panic!() };
        assert_eq!((errors[0].field.as_str(), errors[0].code), ("url", "private_host"));
        let fixed = EndpointPatch { url: Some("https://hooks.example/in".into()), ..enable() };
        apply_patch(&mut row, fixed, UrlPolicy::PublicHttpsOnly, 10).unwrap();
        assert_eq!((row.url.as_str(), row.disabled_at), ("https://hooks.example/in", None));
        // Turning an endpoint off never needs its URL to pass.
        let mut legacy = EndpointRow { url: "http://10.0.0.1/".into(), ..blank() };
        apply_patch(&mut legacy, EndpointPatch { enabled: Some(false), ..Default::default() }, UrlPolicy::PublicHttpsOnly, 11).unwrap();
    }

    #[test]
    fn deliveries_show_when_they_were_dead_lettered() {
        let row = DeliveryRow {
            id: "dlv_1".into(), event_id: "evt_1".into(), event_type: "lead.created".into(), target_kind: "webhook".into(),
            target_id: "we_1".into(), status: "failed".into(), attempts: 3, next_attempt_at: None, last_status_code: None,
            last_error: Some("no response".into()), created_at: 0, dead_lettered_at: Some(1_709_210_096_789),
        };
        assert_eq!(delivery_json(&row, &[])["dead_lettered_at"], "2024-02-29T12:34:56.789Z");
        let live = DeliveryRow { dead_lettered_at: None, status: "pending".into(), ..row };
        assert!(delivery_json(&live, &[])["dead_lettered_at"].is_null());
    }
}
