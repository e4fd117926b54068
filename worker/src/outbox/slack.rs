//! Slack messages: one attempt at posting a job's message to the
//! workspace's incoming webhook. What the message says is
//! `leadsbot_shared::slack::lead_message`; what Slack's answer means for the
//! job is `leadsbot_shared::slack::refusal` and the retry rule.

use super::attempt::Call;
use super::outbound::post;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::DeliveryJob;
use crate::store::integrations::IntegrationRow;
use leadsbot_shared::retry::parse_retry_after;
use leadsbot_shared::slack::{lead_message, refusal};
use leadsbot_shared::webhook_url::WebhookUrl;
use serde_json::Value;

/// Where a message's "Open in inbox" button leads: `PUBLIC_URL` when set
/// (it may have changed since), else the origin Slack was set up from.
pub fn inbox_url(config: &Config, integration: &IntegrationRow) -> String {
    if let Some(public) = &config.public_url {
        return public.clone();
    }
    let settings: Value = serde_json::from_str(&integration.settings).unwrap_or_default();
    settings["inbox_url"].as_str().unwrap_or_default().to_string()
}

/// Posts a Slack job's message: a `lead.created` alert or a workflow's
/// `slack` action (both payloads carry the lead as `data`).
pub async fn call_slack(config: &Config, job: &DeliveryJob, integration: Option<&IntegrationRow>) -> ApiResult<Call> {
    let Some(integration) = integration else {
        return Ok(Call::stopped("the Slack integration was removed"));
    };
    let sealed_url = config.secrets.open(&integration.secret_sealed).map_err(|e| ApiError::Internal(format!("the Slack webhook URL cannot be unsealed: {e}")))?;
    // Checked again before every attempt: the policy may be stricter now than when it was set up.
    let url = match WebhookUrl::parse(&sealed_url, config.url_policy) {
        Ok(url) => url,
        Err(refused) => return Ok(Call::url_refused(&refused)),
    };
    let payload: Value = serde_json::from_str(job.body())?;
    let body = lead_message(&payload, &inbox_url(config, integration)).to_string();
    // Every outbound request names its job, as webhooks do: a capture that carries it is refused (no loop).
    let headers = [("Content-Type", "application/json".to_string()), ("X-LeadsBot-Delivery", job.id.clone())];
    let started_at = now_ms();
    let mut reply = post(&url, &headers, &body, config.delivery_timeout_ms).await;
    let duration_ms = now_ms() - started_at;
    // The URL is the secret: no error text carries it into the log.
    reply.error = reply.error.map(|e| e.replace(url.as_str(), "<Slack webhook URL>"));
    let retry_after_secs = parse_retry_after(reply.retry_after.as_deref());
    let refused = reply.status.and_then(|status| refusal(status, reply.body.as_deref().unwrap_or_default()));
    let stopped = refused.as_ref().map(|_| "Slack refused the message");
    if refused.is_some() {
        reply.error = refused;
    }
    Ok(Call { started_at, duration_ms, reply, retry_after_secs, stopped, url_refused: false, cancelled: None, sent: true })
}
