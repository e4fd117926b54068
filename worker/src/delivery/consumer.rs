//! The queue consumer, in stages across the whole batch: read the messages,
//! claim every attempt (one D1 round trip), load each target once, call every
//! target concurrently, record every attempt (one D1 round trip), then ack
//! each message, scheduling retries as new delayed messages that carry the
//! attempt count. The workflow runs the batch's expansions created are then
//! worked the same way in the same invocation, not a queue hop later. It
//! never returns an error: workers-rs panics on one, and a panic would retry
//! the whole batch.

use super::attempt::{call_telegram_job, call_webhook, Attempted, Call};
use super::message::{dead_letter, enqueue, enqueue_later, DeliveryMessage};
use super::outcome::{next_step, releases_line, Next};
use super::targets::{self, Targets};
use super::webhook::URL_NOT_ALLOWED;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::{AttemptClaim, AttemptRecord, AttemptRow, DeliveryJob, DueDelivery, FAILED, PENDING, SUCCEEDED};
use crate::workflows::run::{LeadTurn, Runner};
use crate::store::Store;
use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use leadsbot_shared::job::JobKind;
use leadsbot_shared::retry::{verdict, AttemptResult, Verdict};
use worker::{D1PreparedStatement, Env, MessageBatch, MessageExt, QueueRetryOptions, QueueRetryOptionsBuilder, RawMessage};

/// How long to wait before retrying a message whose handling hit our own
/// fault (D1 unavailable, say).
const INTERNAL_RETRY_SECS: u32 = 10;

/// At most this many attempts (or one lead's runs in turn) of one batch are
/// in flight at once. Background work must leave the database to captures:
/// D1 runs a database's queries one at a time, and on `wrangler dev` one
/// thread runs requests, the consumer and D1 alike. A whole batch at once
/// piled hundreds of queries onto D1 and starved captures (wrangler dev
/// answered them with resets); 8 at once still took a fifth of capture
/// throughput while workflows ran (`bench/workflows.mjs`). With 2, captures
/// pay little for automation, which catches up between them. On
/// Cloudflare, throughput comes from more consumer invocations when a
/// backlog builds (Queues scales them), not from the overlap inside one.
/// What it costs: a receiver that hangs holds one of the two for the
/// delivery timeout; `TIME_BUDGET_MS` keeps a batch of those inside an
/// invocation's limits.
const MAX_IN_FLIGHT: usize = 2;

/// An invocation starts no attempt after this long; the rest of its batch
/// is recorded as not attempted and retried on the schedule. A queue
/// consumer may run 15 minutes, and a batch of sends to receivers that hang
/// (each up to the delivery timeout, two at a time) could take longer.
const TIME_BUDGET_MS: i64 = 10 * 60 * 1000;
// Room for the attempts already started (two at a time, up to a 10 s delivery timeout per send).
const _: () = assert!(TIME_BUDGET_MS + 60_000 < 15 * 60 * 1000, "inside a queue consumer's 15 minutes");

/// At most this many of the outbox rows a batch created are worked in the
/// same invocation; the rest go on the queue. An invocation may make 1,000
/// D1 queries and subrequests (Workers Paid); a run typically makes one or
/// two (its change or its send), and a full batch creates about two rows a
/// message when each lead starts a few workflows.
const MAX_WORKED_INLINE: usize = 200;

pub struct Deliverer {
    store: Store,
    config: Config,
    env: Env,
    /// When this invocation started (`TIME_BUDGET_MS` counts from it).
    started_at: i64,
}

/// A claimed attempt, with the queue message that asked for it (none for
/// work this invocation created itself).
type Claimed<'a> = (Option<&'a RawMessage>, DeliveryJob);

/// A settled attempt: what to do once its record is committed.
struct Settled<'a> {
    raw: Option<&'a RawMessage>,
    next: DeliveryMessage,
    verdict: Verdict,
    /// Index of the statement releasing the next of its in-order line, if any.
    release_at: Option<usize>,
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
    let readable: Vec<(&RawMessage, DeliveryMessage)> = messages.iter().filter_map(|m| read(m).map(|msg| (m, msg))).collect();
    // Follow-ups ride the same queue; they fire in D1 and call no receiver.
    let (follow_ups, readable): (Vec<_>, Vec<_>) = readable.into_iter().partition(|(_, m)| matches!(m, DeliveryMessage::FollowUpV1 { .. }));
    crate::follow_ups::fire::consume(&deliverer.store, &deliverer.env, &deliverer.config, &follow_ups).await;
    let claimed = deliverer.claim_all(&readable).await;
    let created = deliverer.work(claimed).await;
    deliverer.work_created(created).await;
}

/// The claimed jobs in turns, by index, in batch order: the runs of one lead
/// share a turn; every other job has one of its own.
fn in_turns(claimed: &[Claimed<'_>], targets: &Targets) -> Vec<Vec<usize>> {
    let mut turns: Vec<Vec<usize>> = Vec::new();
    let mut by_lead: std::collections::HashMap<(&str, &str), usize> = std::collections::HashMap::new();
    for (i, (_, job)) in claimed.iter().enumerate() {
        let lead = job.is_run().then(|| targets.run_lead(job)).flatten();
        match lead.and_then(|lead| by_lead.get(&(job.workspace_id.as_str(), lead))) {
            Some(&turn) => turns[turn].push(i),
            None => {
                if let Some(lead) = lead {
                    by_lead.insert((job.workspace_id.as_str(), lead), turns.len());
                }
                turns.push(vec![i]);
            }
        }
    }
    turns
}

/// The error of an attempt not made because its invocation ran out of time.
const OUT_OF_TIME: &str = "not attempted: its batch ran out of time; tried again on the retry schedule";

/// Whether an invocation that started at `started_at` may start no more attempts.
fn out_of_time(started_at: i64, now: i64) -> bool {
    now - started_at > TIME_BUDGET_MS
}

pub(crate) fn retry_later() -> QueueRetryOptions {
    QueueRetryOptionsBuilder::new().with_delay_seconds(INTERNAL_RETRY_SECS).build()
}

/// Parses a message; an unreadable one is acked (retrying cannot fix it).
pub(super) fn read(raw: &RawMessage) -> Option<DeliveryMessage> {
    let text = js_sys::JSON::stringify(&raw.body()).ok().and_then(|s| s.as_string()).unwrap_or_default();
    let parsed = DeliveryMessage::parse(&text).ok();
    if parsed.is_none() {
        worker::console_error!("dropping an unreadable delivery message: {text}");
        raw.ack();
    }
    parsed
}

impl Deliverer {
    /// Loads the targets, calls them and records the attempts; returns the
    /// outbox rows the attempts created (an expansion's runs, a run's event
    /// deliveries), to work next.
    async fn work(&self, claimed: Vec<Claimed<'_>>) -> Vec<DueDelivery> {
        if claimed.is_empty() {
            return Vec::new();
        }
        let jobs: Vec<&DeliveryJob> = claimed.iter().map(|(_, job)| job).collect();
        let targets = match targets::load(&self.store, &jobs).await {
            Ok(targets) => targets,
            Err(err) => {
                // The claimed attempts are spent; the sweeper re-enqueues them once overdue.
                worker::console_error!("loading delivery targets failed: {err:?}");
                claimed.iter().filter_map(|(m, _)| *m).for_each(|m| m.retry_with_options(&retry_later()));
                return Vec::new();
            }
        };
        // Concurrently but bounded, in batch order: one slow receiver holds up few.
        // A lead's runs go one after another, each from the lead as the one before left it.
        let turns = stream::iter(in_turns(&claimed, &targets).into_iter().map(|turn| self.call_in_turn(turn, &claimed, &targets)));
        let mut done: Vec<(usize, Attempted)> = turns.buffered(MAX_IN_FLIGHT).collect::<Vec<_>>().await.into_iter().flatten().collect();
        done.sort_by_key(|(i, _)| *i);
        let attempts = done.into_iter().map(|(_, attempted)| attempted).collect();
        self.settle_all(&claimed, attempts).await
    }

    /// Attempts these claimed jobs one after another (they share a lead),
    /// then writes the lead changes their runs left pending. A run whose
    /// changes could not be written has its attempt made again.
    async fn call_in_turn(&self, turn: Vec<usize>, claimed: &[Claimed<'_>], targets: &Targets) -> Vec<(usize, Attempted)> {
        if out_of_time(self.started_at, now_ms()) {
            return turn.into_iter().map(|i| (i, Call::not_sent(OUT_OF_TIME.into()).into())).collect();
        }
        let mut lead = LeadTurn::default();
        let mut done = Vec::with_capacity(turn.len());
        for i in turn {
            done.push((i, self.call(&claimed[i].1, targets, &mut lead).await));
        }
        if lead.has_pending() {
            self.runner().finish_turn(&mut lead).await;
        }
        for (i, attempted) in &mut done {
            if lead.lost(&claimed[*i].1.id) {
                *attempted = Call::not_sent("the run's changes to its lead could not be written; the run is tried again".into()).into();
            }
        }
        done
    }

    fn runner(&self) -> Runner<'_> {
        Runner { store: &self.store, config: &self.config, env: &self.env, now: now_ms() }
    }

    /// Works the outbox rows this batch's attempts created (an expansion's
    /// runs, a run's `workflow.*` event deliveries), claimed like any
    /// delivery (so neither the queue nor the sweeper can attempt one
    /// twice). Should the claim fail, they go on the queue instead.
    async fn work_created(&self, created: Vec<DueDelivery>) {
        let mut runnable: Vec<DueDelivery> = created.into_iter().filter(|due| due.held == 0).collect();
        let later = runnable.split_off(runnable.len().min(MAX_WORKED_INLINE));
        enqueue(&self.env, later.iter().map(DeliveryMessage::from).collect()).await;
        if runnable.is_empty() {
            return;
        }
        let claims: Vec<AttemptClaim<'_>> = runnable.iter().map(|due| AttemptClaim { workspace_id: &due.workspace_id, delivery_id: &due.id, attempts_made: due.attempts }).collect();
        let now = now_ms();
        let busy_until = now + i64::from(self.config.delivery_timeout_ms) + self.config.sweep_after_secs * 1000;
        match self.store.claim_attempts(&claims, busy_until, now).await {
            Ok(jobs) => {
                // What these create in turn (their ends' outbox rows) goes on the queue: one stage is enough.
                let more = self.work(jobs.into_iter().flatten().map(|job| (None, job)).collect()).await;
                enqueue(&self.env, more.iter().filter(|due| due.held == 0).map(DeliveryMessage::from).collect()).await;
            }
            Err(err) => {
                worker::console_error!("claiming new workflow runs failed, enqueueing them: {err:?}");
                enqueue(&self.env, runnable.iter().map(DeliveryMessage::from).collect()).await;
            }
        }
    }

    fn new(env: Env) -> ApiResult<Self> {
        let store = Store::new(env.d1("DB").map_err(|e| ApiError::internal("D1 binding DB", e))?);
        Ok(Self { store, config: Config::from_env(&env)?, env, started_at: now_ms() })
    }

    /// Claims every attempt (`readable` holds delivery messages only); messages with nothing to send (finished, or a
    /// duplicate of an attempt already made) are acked here.
    async fn claim_all<'a>(&self, readable: &[(&'a RawMessage, DeliveryMessage)]) -> Vec<Claimed<'a>> {
        let claims: Vec<AttemptClaim<'_>> = readable
            .iter()
            .filter_map(|(_, message)| match message {
                DeliveryMessage::DeliveryV1 { workspace_id, delivery_id, attempts } => Some(AttemptClaim { workspace_id, delivery_id, attempts_made: *attempts }),
                DeliveryMessage::FollowUpV1 { .. } => None,
            })
            .collect();
        let now = now_ms();
        let busy_until = now + i64::from(self.config.delivery_timeout_ms) + self.config.sweep_after_secs * 1000;
        match self.store.claim_attempts(&claims, busy_until, now).await {
            Ok(jobs) => readable
                .iter()
                .zip(jobs)
                .filter_map(|((raw, _), job)| {
                    if job.is_none() {
                        raw.ack();
                    }
                    Some((Some(*raw), job?))
                })
                .collect(),
            Err(err) => {
                worker::console_error!("claiming deliveries failed, retrying the batch: {err:?}");
                readable.iter().for_each(|(raw, _)| raw.retry_with_options(&retry_later()));
                Vec::new()
            }
        }
    }

    /// Never an error: what keeps an attempt from being made is its outcome.
    /// A run works on its lead as the runs before it in its turn left it.
    /// A kind this release does not know fails its job with that reason.
    async fn call(&self, job: &DeliveryJob, targets: &Targets, lead: &mut LeadTurn) -> Attempted {
        match job.kind() {
            Ok(JobKind::WorkflowExpansion) => crate::workflows::expand::expand(&self.store, job, targets.workflows(job), now_ms()),
            Ok(JobKind::WorkflowRun) => self.runner().execute(job, targets, lead).await,
            Ok(channel @ (JobKind::Webhook | JobKind::Telegram)) => self.send(channel, job, targets).await.into(),
            Err(unknown) => {
                worker::console_error!("job {} fails: {unknown}", job.id);
                Call::unknown_kind(&unknown).into()
            }
        }
    }

    /// A webhook or Telegram alert.
    async fn send(&self, channel: JobKind, job: &DeliveryJob, targets: &Targets) -> Call {
        if job.payload.is_none() {
            return Call::stopped("the event no longer exists");
        }
        let call = match channel {
            JobKind::Webhook => call_webhook(&self.config, job, targets.endpoint(job)).await,
            _ => call_telegram_job(&self.config, &self.store, job, targets.telegram(job)).await,
        };
        call.unwrap_or_else(|err| {
            worker::console_error!("delivery {} could not be attempted: {err:?}", job.id);
            Call::not_sent(match err {
                ApiError::Internal(reason) => format!("could not be attempted: {reason}"),
                other => format!("could not be attempted: {other:?}"),
            })
        })
    }

    /// Records every attempt in one batch, with the writes that commit with
    /// it, then acks each message and schedules its retry or dead letter,
    /// and enqueues any in-order delivery whose turn has come. Returns the
    /// outbox rows those writes created.
    async fn settle_all(&self, claimed: &[Claimed<'_>], attempts: Vec<Attempted>) -> Vec<DueDelivery> {
        let mut statements = Vec::new();
        let mut settled = Vec::new();
        let mut creating = Vec::new();
        for ((raw, job), Attempted { call, then }) in claimed.iter().zip(attempts) {
            match self.settle(job, call) {
                Ok((stmts, verdict)) => {
                    statements.extend(stmts);
                    creating.extend(statements.len()..statements.len() + then.len());
                    statements.extend(then);
                    // A lost release is found by the sweeper, which releases waiting heads.
                    let release = releases_line(job.in_order == 1, verdict).then(|| self.store.release_head(&job.workspace_id, &job.target_id, now_ms()).ok()).flatten();
                    let release_at = release.map(|statement| {
                        statements.push(statement);
                        statements.len() - 1
                    });
                    let next = DeliveryMessage::DeliveryV1 { workspace_id: job.workspace_id.clone(), delivery_id: job.id.clone(), attempts: job.attempts + 1 };
                    settled.push(Settled { raw: *raw, next, verdict, release_at });
                }
                Err(err) => {
                    // Its claim stays unrecorded; the claim cap ends a loop of these.
                    worker::console_error!("delivery {} could not be settled: {err:?}", job.id);
                    raw.inspect(|m| m.retry_with_options(&retry_later()));
                }
            }
        }
        let results = match self.store.record_attempts(statements).await {
            Ok(results) => results,
            Err(err) => {
                // Unrecorded claims: the sweeper re-enqueues them once overdue.
                worker::console_error!("recording delivery attempts failed: {err:?}");
                settled.iter().filter_map(|s| s.raw).for_each(|m| m.retry_with_options(&retry_later()));
                return Vec::new();
            }
        };
        let created = creating.iter().filter_map(|&i| results.get(i)?.results::<DueDelivery>().ok()).flatten().collect();
        let released: Vec<DeliveryMessage> = settled
            .iter()
            .filter_map(|s| results.get(s.release_at?)?.results::<DueDelivery>().ok())
            .flatten()
            .map(|due| DeliveryMessage::from(&due))
            .collect();
        // If this send is lost, the sweeper releases the line's waiting head.
        enqueue(&self.env, released).await;
        join_all(settled.into_iter().map(|s| self.follow_up(s))).await;
        created
    }

    async fn follow_up(&self, settled: Settled<'_>) {
        match next_step(settled.verdict) {
            // If this send is lost, the row is due at next_attempt_at and the sweeper finds it.
            Next::RetryIn(secs) => drop(enqueue_later(&self.env, settled.next, secs).await),
            Next::DeadLetter => dead_letter(&self.env, settled.next).await,
            Next::Done => {}
        }
        if let Some(raw) = settled.raw {
            raw.ack();
        }
    }

    /// An attempt's verdict and the statements that record it.
    fn settle(&self, job: &DeliveryJob, call: Call) -> ApiResult<(Vec<D1PreparedStatement>, Verdict)> {
        let attempt = job.attempts + 1;
        let result = match call.reply.status {
            Some(code) => AttemptResult::Status { code, retry_after_secs: call.retry_after_secs },
            None => AttemptResult::NoResponse,
        };
        let stopped = call.stopped.is_some();
        // Without randomness the retry is merely not spread out.
        let jitter = crate::platform::random_bytes::<4>().map(u32::from_le_bytes).unwrap_or(0);
        let verdict = if stopped { Verdict::Exhausted } else { verdict(result, attempt, &self.config.retry_schedule_secs, jitter) };
        let now = now_ms();
        let (status, next_attempt_at) = match verdict {
            Verdict::Delivered => (SUCCEEDED, None),
            Verdict::RetryIn(secs) => (PENDING, Some(now + i64::from(secs) * 1000)),
            Verdict::Exhausted | Verdict::Gone => (FAILED, None),
        };
        let row = attempt_row(job, attempt, &call);
        let mut statements = self.store.attempt_statements(&job.workspace_id, AttemptRecord { attempt: &row, status, next_attempt_at })?;
        if job.is_webhook() && call.sent {
            statements.extend(self.endpoint_health(job, verdict, now)?);
        }
        if job.is_webhook() && call.url_refused {
            statements.extend(self.store.disable_endpoint(&job.workspace_id, &job.target_id, URL_NOT_ALLOWED, now)?);
        }
        Ok((statements, verdict))
    }

    /// 410 disables the endpoint; failing every delivery for the configured
    /// period disables it; any success resets the count.
    fn endpoint_health(&self, job: &DeliveryJob, verdict: Verdict, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, id) = (&job.workspace_id, &job.target_id);
        match verdict {
            Verdict::Delivered => self.store.endpoint_succeeded(ws, id),
            Verdict::Gone => self.store.disable_endpoint(ws, id, "gone", now),
            Verdict::RetryIn(_) | Verdict::Exhausted => self.store.endpoint_failed(ws, id, now, now - self.config.endpoint_disable_after_secs * 1000),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invocation_starts_attempts_within_its_time_budget_only() {
        let started = 1_000_000;
        assert!(!out_of_time(started, started));
        assert!(!out_of_time(started, started + TIME_BUDGET_MS));
        assert!(out_of_time(started, started + TIME_BUDGET_MS + 1));
    }
}
