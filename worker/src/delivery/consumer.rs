//! The queue consumer: for each message, claim the attempt, call the target,
//! record what happened, then ack (scheduling any retry as a new delayed
//! message carrying the attempt count). It never returns an error: workers-rs
//! panics on one, and a panic would retry the whole batch.

use super::attempt::{call_telegram, call_webhook, Call};
use super::targets::{self, Targets};
use super::message::{dead_letter, enqueue_later, DeliveryMessage};
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::{AttemptRecord, AttemptRow, DeliveryJob, FAILED, PENDING, SUCCEEDED};
use crate::store::Store;
use futures_util::future::join_all;
use leadsbot_shared::retry::{verdict, AttemptResult, Verdict};
use worker::{D1PreparedStatement, Env, MessageBatch, MessageExt, QueueRetryOptions, QueueRetryOptionsBuilder, RawMessage};

/// How long to wait before retrying a message whose handling hit our own
/// fault (D1 unavailable, say): the delivery itself is untouched.
const INTERNAL_RETRY_SECS: u32 = 10;

pub struct Deliverer {
    store: Store,
    config: Config,
    env: Env,
}

pub async fn consume(batch: MessageBatch<DeliveryMessage>, env: Env) {
    let deliverer = match Deliverer::new(env) {
        Ok(deliverer) => deliverer,
        Err(err) => {
            worker::console_error!("delivery consumer cannot start: {err:?}");
            return batch.retry_all_with_options(&retry_later());
        }
    };
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    // Stages, each concurrent across the batch so one slow receiver holds up
    // nobody: claim every attempt, load each target once, call and settle.
    let claims = join_all(messages.iter().map(|m| deliverer.claim(m))).await;
    let claimed: Vec<(&RawMessage, DeliveryJob)> = messages.iter().zip(claims).filter_map(|(m, job)| Some((m, job?))).collect();
    if claimed.is_empty() {
        return;
    }
    let jobs: Vec<&DeliveryJob> = claimed.iter().map(|(_, job)| job).collect();
    let targets = match targets::load(&deliverer.store, &jobs).await {
        Ok(targets) => targets,
        Err(err) => {
            // The claimed attempts are spent; the sweeper re-enqueues them once overdue.
            worker::console_error!("loading delivery targets failed: {err:?}");
            return claimed.iter().for_each(|(m, _)| m.retry_with_options(&retry_later()));
        }
    };
    join_all(claimed.iter().map(|(m, job)| deliverer.deliver(m, job, &targets))).await;
}

fn retry_later() -> QueueRetryOptions {
    QueueRetryOptionsBuilder::new().with_delay_seconds(INTERNAL_RETRY_SECS).build()
}

impl Deliverer {
    fn new(env: Env) -> ApiResult<Self> {
        let store = Store::new(env.d1("DB").map_err(|e| ApiError::internal("D1 binding DB", e))?);
        Ok(Self { store, config: Config::from_env(&env)?, env })
    }

    /// Reads a message and claims its attempt. `None` when there is nothing
    /// to send; the message is then already acked (or set to retry).
    async fn claim(&self, raw: &RawMessage) -> Option<DeliveryJob> {
        let text = js_sys::JSON::stringify(&raw.body()).ok().and_then(|s| s.as_string()).unwrap_or_default();
        let Ok(DeliveryMessage::DeliveryV1 { workspace_id, delivery_id, attempts }) = DeliveryMessage::parse(&text) else {
            // Retrying cannot make it readable.
            worker::console_error!("dropping an unreadable delivery message: {text}");
            raw.ack();
            return None;
        };
        let now = now_ms();
        let busy_until = now + i64::from(self.config.delivery_timeout_ms) + self.config.sweep_after_secs * 1000;
        // A message for a finished delivery, or a duplicate of an attempt
        // already made, claims nothing and is acked and forgotten.
        match self.store.claim_attempt(&workspace_id, &delivery_id, attempts, busy_until, now).await {
            Ok(Some(job)) => Some(job),
            Ok(None) => {
                raw.ack();
                None
            }
            Err(err) => {
                worker::console_error!("claiming delivery {delivery_id} failed, retrying: {err:?}");
                raw.retry_with_options(&retry_later());
                None
            }
        }
    }

    async fn deliver(&self, raw: &RawMessage, job: &DeliveryJob, targets: &Targets) {
        let call = match job.target_kind.as_str() {
            "webhook" => call_webhook(&self.config, job, targets.endpoint(job)).await,
            _ => call_telegram(&self.config, job, targets.telegram(job)).await,
        };
        let attempts_made = job.attempts + 1;
        match call {
            Ok(call) => match self.settle(job, attempts_made, call).await {
                Ok(()) => raw.ack(),
                Err(err) => {
                    worker::console_error!("recording delivery {} failed: {err:?}", job.id);
                    raw.retry_with_options(&retry_later());
                }
            },
            Err(err) => {
                worker::console_error!("delivery {} could not be attempted: {err:?}", job.id);
                raw.retry_with_options(&retry_later());
            }
        }
    }

    /// Records the attempt and acts on its verdict.
    async fn settle(&self, job: &DeliveryJob, attempt: u32, call: Call) -> ApiResult<()> {
        let result = match call.reply.status {
            Some(code) => AttemptResult::Status { code, retry_after_secs: call.retry_after_secs },
            None => AttemptResult::NoResponse,
        };
        let verdict = if call.stopped.is_some() { Verdict::Exhausted } else { verdict(result, attempt, &self.config.retry_schedule_secs) };
        let now = now_ms();
        let (status, next_attempt_at) = match verdict {
            Verdict::Delivered => (SUCCEEDED, None),
            Verdict::RetryIn(secs) => (PENDING, Some(now + i64::from(secs) * 1000)),
            Verdict::Exhausted | Verdict::Gone => (FAILED, None),
        };
        let row = attempt_row(job, attempt, &call);
        let health = if job.target_kind == "webhook" && call.stopped.is_none() { self.endpoint_health(job, verdict, now)? } else { Vec::new() };
        self.store.record_attempt(&job.workspace_id, AttemptRecord { attempt: &row, status, next_attempt_at }, health).await?;
        let next = DeliveryMessage::DeliveryV1 { workspace_id: job.workspace_id.clone(), delivery_id: job.id.clone(), attempts: attempt };
        match verdict {
            // If this send is lost, the row is due at next_attempt_at and the sweeper finds it.
            Verdict::RetryIn(secs) => drop(enqueue_later(&self.env, next, secs).await),
            Verdict::Exhausted if call.stopped.is_none() => dead_letter(&self.env, next).await,
            _ => {}
        }
        Ok(())
    }

    /// Statements that keep the endpoint's health, for the attempt's batch:
    /// 410 disables it; failing every delivery for the configured period
    /// disables it; any success resets the count.
    fn endpoint_health(&self, job: &DeliveryJob, verdict: Verdict, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, id) = (&job.workspace_id, &job.target_id);
        match verdict {
            Verdict::Delivered => self.store.endpoint_succeeded(ws, id),
            Verdict::Gone => self.store.disable_endpoint(ws, id, "gone", now),
            Verdict::RetryIn(_) | Verdict::Exhausted => {
                self.store.endpoint_failed(ws, id, now, now - self.config.endpoint_disable_after_secs * 1000)
            }
        }
    }
}

fn attempt_row(job: &DeliveryJob, attempt: u32, call: &Call) -> AttemptRow {
    let error = call.reply.error.clone().or_else(|| match call.reply.status {
        Some(code) if (200..300).contains(&code) => None,
        Some(code) if (300..400).contains(&code) => Some(format!("HTTP {code}: redirects are not followed")),
        Some(code) => Some(format!("HTTP {code}")),
        None => Some("no response".into()),
    });
    AttemptRow {
        delivery_id: job.id.clone(),
        attempt,
        attempted_at: call.started_at,
        status_code: call.reply.status,
        duration_ms: call.duration_ms,
        error,
        response_body: call.reply.body.clone(),
    }
}
