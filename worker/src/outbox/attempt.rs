//! One attempt at one (already loaded) target: build and sign the request,
//! send it. Returns plain data; deciding what happens next is the
//! consumer's job.

use super::outbound::{post, Reply};
use super::telegram;
use super::webhook::{signed_headers, SigningInput};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::DeliveryJob;
use crate::store::endpoints::EndpointRow;
use crate::store::integrations::IntegrationRow;
use crate::store::Store;
use super::digest_text::digest_message;
use leadsbot_shared::event::SUMMARY_DIGEST;
use leadsbot_shared::retry::parse_retry_after;
use worker::D1PreparedStatement;
use leadsbot_shared::webhook_url::{UrlError, WebhookUrl};

pub struct Call {
    pub started_at: i64,
    pub duration_ms: i64,
    pub reply: Reply,
    pub retry_after_secs: Option<u32>,
    /// Set when there is nothing to send to (endpoint deleted or disabled,
    /// event gone): the delivery fails without retries.
    pub stopped: Option<&'static str>,
    /// The target's URL failed the receiver rule, so nothing was sent; a
    /// webhook endpoint is disabled for it.
    pub url_refused: bool,
    /// False when no request was made: the receiver's health is not judged by it.
    pub sent: bool,
    /// Set when the job must not be sent at all (its recipient is suppressed):
    /// it ends `cancelled` with this reason, nothing dead-lettered, its run going on.
    pub cancelled: Option<&'static str>,
}

/// An attempt's outcome, and the writes to commit with its record: a run's
/// end, an expansion's new runs. Outbox rows those writes return are worked
/// next, in the same invocation.
pub struct Attempted {
    pub call: Call,
    pub then: Vec<D1PreparedStatement>,
}

impl From<Call> for Attempted {
    fn from(call: Call) -> Self {
        Self { call, then: Vec::new() }
    }
}

impl Call {
    /// The attempt's error as the delivery log words it: the reply's own, or
    /// what its status means (one wording for deliveries and test sends).
    pub fn error(&self) -> Option<String> {
        self.reply.error.clone().or_else(|| match self.reply.status {
            Some(code) if (200..300).contains(&code) => None,
            Some(code) if (300..400).contains(&code) => Some(format!("HTTP {code}: redirects are not followed")),
            Some(code) => Some(format!("HTTP {code}")),
            None => Some("no response".into()),
        })
    }

    pub fn stopped(reason: &'static str) -> Self {
        Call { stopped: Some(reason), ..Self::not_sent(reason.to_string()) }
    }

    /// A job whose stored kind this release does not know: it fails at once
    /// with that reason (dead-lettered and replayable, never sent elsewhere).
    pub fn unknown_kind(unknown: &leadsbot_shared::job::UnknownJobKind) -> Self {
        Call { stopped: Some("unknown job kind"), ..Self::not_sent(unknown.to_string()) }
    }

    /// The attempt could not be made (its secret does not open, say): a
    /// failure with the reason, retried on the schedule like any other.
    pub fn not_sent(reason: String) -> Self {
        let reply = Reply { error: Some(reason), ..Reply::default() };
        Call { started_at: now_ms(), duration_ms: 0, reply, retry_after_secs: None, stopped: None, url_refused: false, cancelled: None, sent: false }
    }

    /// Not sent, and never to be: the job ends `cancelled` with `reason`.
    pub fn cancelled(reason: &'static str) -> Self {
        Call { cancelled: Some(reason), ..Self::not_sent(reason.to_string()) }
    }

    /// Work done without a request (a workflow step): recorded as a success.
    pub fn done() -> Self {
        let reply = Reply { status: Some(200), ..Reply::default() };
        Call { started_at: now_ms(), duration_ms: 0, reply, retry_after_secs: None, stopped: None, url_refused: false, cancelled: None, sent: false }
    }

    /// Stopped before sending, with the rule's reason as the attempt's error.
    pub(super) fn url_refused(refused: &UrlError) -> Self {
        let mut call = Call::stopped("the URL is not allowed");
        call.reply.error = Some(format!("not sent: {refused}"));
        call.url_refused = true;
        call
    }
}

fn open(config: &Config, sealed: &str, what: &str) -> ApiResult<String> {
    config.secrets.open(sealed).map_err(|e| ApiError::Internal(format!("{what} cannot be unsealed: {e}")))
}

async fn timed_post(url: &WebhookUrl, headers: &[(&str, String)], body: &str, timeout_ms: u32) -> (i64, i64, Reply) {
    let started_at = now_ms();
    let reply = post(url, headers, body, timeout_ms).await;
    (started_at, now_ms() - started_at, reply)
}

pub async fn call_webhook(config: &Config, job: &DeliveryJob, endpoint: Option<&EndpointRow>) -> ApiResult<Call> {
    let Some(endpoint) = endpoint else {
        return Ok(Call::stopped("the endpoint was deleted"));
    };
    if endpoint.disabled_at.is_some() {
        return Ok(Call::stopped("the endpoint is disabled"));
    }
    // Checked again before every attempt: the row may predate the rule, or the policy may be stricter now.
    let url = match WebhookUrl::parse(&endpoint.url, config.url_policy) {
        Ok(url) => url,
        Err(refused) => return Ok(Call::url_refused(&refused)),
    };
    let now = now_ms();
    let secret = open(config, &endpoint.secret_sealed, "the endpoint's signing secret")?;
    let previous = match (&endpoint.previous_secret_sealed, endpoint.previous_secret_expires_at) {
        (Some(sealed), Some(expires)) if expires > now => Some(open(config, sealed, "the endpoint's previous signing secret")?),
        _ => None,
    };
    let headers = signed_headers(&SigningInput {
        body: job.body().as_bytes(),
        event_type: &job.event_type,
        delivery_id: &job.id,
        timestamp: now / 1000,
        secret: &secret,
        previous_secret: previous.as_deref(),
    });
    let (started_at, duration_ms, reply) = timed_post(&url, &headers, job.body(), config.delivery_timeout_ms).await;
    let retry_after_secs = parse_retry_after(reply.retry_after.as_deref());
    Ok(Call { started_at, duration_ms, reply, retry_after_secs, stopped: None, url_refused: false, cancelled: None, sent: true })
}

/// A Telegram job of the outbox. A digest's message is built now, from its
/// event (which names leads by id) and the leads as they are: a replay is
/// rebuilt, never the stored text of an older release sent again.
pub async fn call_telegram_job(config: &Config, store: &Store, job: &DeliveryJob, integration: Option<&IntegrationRow>) -> ApiResult<Call> {
    let Some(integration) = integration.filter(|_| job.event_type == SUMMARY_DIGEST) else {
        return call_telegram(config, job, integration).await;
    };
    let payload: serde_json::Value = serde_json::from_str(job.body())?;
    let text = digest_message(store, &job.workspace_id, &payload).await?;
    send_telegram(config, job, integration, &text, None).await
}

pub async fn call_telegram(config: &Config, job: &DeliveryJob, integration: Option<&IntegrationRow>) -> ApiResult<Call> {
    let Some(integration) = integration else {
        return Ok(Call::stopped("the Telegram integration was removed"));
    };
    let payload: serde_json::Value = serde_json::from_str(job.body())?;
    let buttons = telegram::triage_buttons(&job.event_type, &payload);
    send_telegram(config, job, integration, &telegram::message_text(&job.event_type, &payload), buttons).await
}

async fn send_telegram(config: &Config, job: &DeliveryJob, integration: &IntegrationRow, text: &str, buttons: Option<serde_json::Value>) -> ApiResult<Call> {
    let token = open(config, &integration.secret_sealed, "the Telegram bot token")?;
    let settings: serde_json::Value = serde_json::from_str(&integration.settings)?;
    let chat_id = settings["chat_id"].as_str().unwrap_or_default();
    let body = telegram::send_message_body(chat_id, text, buttons);
    // The error names only the host: the token is in the URL's path.
    let url = match WebhookUrl::parse(&telegram::send_message_url(&config.telegram_api_base, &token), config.url_policy) {
        Ok(url) => url,
        Err(refused) => {
            worker::console_error!("TELEGRAM_API_BASE is not allowed, no Telegram alert is sent: {refused}");
            return Ok(Call::url_refused(&refused));
        }
    };
    // Every outbound request names its job, as webhooks do: a capture that carries it is refused (no loop).
    let headers = [("Content-Type", "application/json".to_string()), ("X-LeadsBot-Delivery", job.id.clone())];
    let (started_at, duration_ms, mut reply) = timed_post(&url, &headers, &body, config.delivery_timeout_ms).await;
    // The token is in the URL; make sure no error text carries it into the log.
    reply.error = reply.error.map(|e| e.replace(&token, "<bot token>"));
    let retry_after_secs = match reply.status {
        Some(429) => reply.body.as_deref().and_then(telegram::retry_after),
        _ => None,
    };
    Ok(Call { started_at, duration_ms, reply, retry_after_secs, stopped: None, url_refused: false, cancelled: None, sent: true })
}
