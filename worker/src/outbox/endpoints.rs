//! Webhook endpoints and their delivery log as the API sees them: input
//! checks, patches and wire types. Pure.

use super::webhook::validate_events;
use crate::error::{ApiError, ApiResult};
use crate::store::deliveries::{AttemptRow, DeliveryRow};
use crate::store::endpoints::EndpointRow;
use crate::wire::schema;
use serde_json::json;
use utoipa::openapi::schema::Schema;
use crate::wire::non_null;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::webhook_url::{UrlPolicy, WebhookUrl};
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// A new webhook endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointIn {
    /// https (plain http only to localhost in development); public hosts only.
    #[schema(schema_with = webhook_url)]
    pub url: String,
    /// Event types to receive; empty (the default) means all.
    #[serde(default)]
    #[schema(schema_with = event_types)]
    pub events: Vec<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, max_length = 500)]
    pub description: Option<String>,
}

/// Changes to an endpoint; absent fields stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = webhook_url)]
    pub url: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = event_types)]
    pub events: Option<Vec<String>>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, max_length = 500)]
    pub description: Option<String>,
    /// `true` re-enables a disabled endpoint (and forgets its failures); `false` disables it.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
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
        if description.chars().count() > MAX_DESCRIPTION_CHARS {
            errors.push(FieldError::too_long("description", MAX_DESCRIPTION_CHARS));
        }
        row.description = Some(description.trim().to_string()).filter(|d| !d.is_empty());
    }
    match patch.enabled {
        Some(true) => (row.disabled_at, row.disabled_reason, row.failing_since) = (None, None, None),
        Some(false) if row.disabled_at.is_none() => (row.disabled_at, row.disabled_reason) = (Some(now), Some("manual".into())),
        _ => {}
    }
    row.updated_at = now;
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// A webhook endpoint; its secret is never shown again after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointOut {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    #[schema(schema_with = event_types)]
    pub events: Vec<String>,
    pub enabled: bool,
    #[schema(format = DateTime)]
    pub disabled_at: Option<String>,
    /// `manual`, `gone` (the receiver answered 410), `failing` (5 days of failures), …
    pub disabled_reason: Option<String>,
    #[schema(format = DateTime)]
    pub failing_since: Option<String>,
    /// Until when the previous secret still signs, after a rotation.
    #[schema(format = DateTime)]
    pub previous_secret_expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&EndpointRow> for EndpointOut {
    fn from(row: &EndpointRow) -> Self {
        let time = |t: Option<i64>| t.map(format_rfc3339);
        Self {
            id: row.id.clone(),
            url: row.url.clone(),
            description: row.description.clone(),
            events: serde_json::from_str(&row.events).unwrap_or_default(),
            enabled: row.disabled_at.is_none(),
            disabled_at: time(row.disabled_at),
            disabled_reason: row.disabled_reason.clone(),
            failing_since: time(row.failing_since),
            previous_secret_expires_at: time(row.previous_secret_expires_at),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

/// An endpoint with its new secret (`whsec_…`), shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct EndpointWithSecretOut {
    #[serde(flatten)]
    pub endpoint: EndpointOut,
    pub secret: String,
}

/// One delivery of one event to one target, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: String,
    pub event_id: String,
    /// The event type.
    pub event: String,
    /// `webhook` or `telegram`.
    pub target: String,
    pub target_id: String,
    #[schema(schema_with = delivery_status)]
    pub status: String,
    pub attempt_count: u32,
    /// When the next attempt is due, while pending.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub dead_lettered_at: Option<String>,
    pub attempts: Vec<AttemptOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub attempt: u32,
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// `null` when no response came (timeout, refused connection).
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub response_body: Option<String>,
}

impl DeliveryOut {
    pub fn new(row: &DeliveryRow, attempts: &[AttemptRow]) -> Self {
        Self {
            id: row.id.clone(),
            event_id: row.event_id.clone(),
            event: row.event_type.clone(),
            target: row.target_kind.clone(),
            target_id: row.target_id.clone(),
            status: row.status.clone(),
            attempt_count: row.attempts,
            next_attempt_at: row.next_attempt_at.filter(|_| row.status == "pending").map(format_rfc3339),
            last_status_code: row.last_status_code,
            last_error: row.last_error.clone(),
            created_at: format_rfc3339(row.created_at),
            dead_lettered_at: row.dead_lettered_at.map(format_rfc3339),
            attempts: attempts.iter().filter(|a| a.delivery_id == row.id).map(AttemptOut::from).collect(),
        }
    }
}

impl From<&AttemptRow> for AttemptOut {
    fn from(a: &AttemptRow) -> Self {
        Self {
            attempt: a.attempt,
            attempted_at: format_rfc3339(a.attempted_at),
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            error: a.error.clone(),
            response_body: a.response_body.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::webhook::URL_NOT_ALLOWED;

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
            last_error: Some("no response".into()), created_at: 0, dead_lettered_at: Some(1_709_210_096_789), ..Default::default()
        };
        assert_eq!(DeliveryOut::new(&row, &[]).dead_lettered_at.as_deref(), Some("2024-02-29T12:34:56.789Z"));
        let live = DeliveryRow { dead_lettered_at: None, status: "pending".into(), ..row };
        assert!(DeliveryOut::new(&live, &[]).dead_lettered_at.is_none());
    }
}

/// Event types an endpoint subscribes to.
pub fn event_types() -> Schema {
    schema(json!({"type": "array", "items": {"type": "string", "enum": crate::outbox::webhook::EVENT_TYPES}}))
}

pub fn delivery_status() -> Schema {
    schema(json!({"type": "string", "enum": ["pending", "succeeded", "failed"]}))
}

/// A webhook URL: https, international names allowed (stored in punycode).
/// That the host is on the public internet (no private, loopback or
/// link-local address in any notation, no `localhost`, `*.local`,
/// `*.internal`, or name without a dot) is checked beyond what a schema says.
pub fn webhook_url() -> Schema {
    schema(json!({"type": "string", "format": "iri", "pattern": "^https://", "maxLength": 2000}))
}
