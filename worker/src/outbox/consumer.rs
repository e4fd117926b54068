//! The queue consumer, in stages across the whole batch: read the messages,
//! claim every attempt (one D1 round trip), load each target once, call every
//! target concurrently, record every attempt (one D1 round trip), then ack
//! each message, scheduling retries as new delayed messages that carry the
//! attempt count. The workflow runs the batch's expansions created are then
//! worked the same way in the same invocation, not a queue hop later, and
//! so, stage after stage, is what those runs write (`work_created`). It
//! never returns an error: workers-rs panics on one, and a panic would retry
//! the whole batch. The same stages make the first attempt of a request's
//! new jobs after its response (`super::inline`), with no queue message.

use super::attempt::{call_telegram_job, call_webhook, Attempted, Call};
use super::decisions::{Decisions, JobContext};
use super::message::{dead_letter, enqueue, enqueue_later, messages_for, DeliveryMessage};
use super::outcome::{next_step, releases_line, Next};
use super::targets::{self, Targets};
use super::webhook::URL_NOT_ALLOWED;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::platform::now_ms;
use crate::store::deliveries::{AttemptClaim, AttemptRecord, AttemptRow, DeliveryJob, DueDelivery, CANCELLED, FAILED, PENDING, SUCCEEDED};
use crate::store::{databases, Store};
use crate::workspace::moves;
use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use leadsbot_shared::databases::DatabaseName;
use leadsbot_shared::job::JobKind;
use leadsbot_shared::retry::{verdict, AttemptResult, Verdict};
use worker::{D1PreparedStatement, Env, MessageBatch, MessageExt, QueueRetryOptions, QueueRetryOptionsBuilder, RawMessage};

/// How long to wait before retrying a message whose handling hit our own
/// fault (D1 unavailable, say).
const INTERNAL_RETRY_SECS: u32 = 10;

// How many attempts (or one lead's runs in turn) are in flight at once is
// `Config::max_in_flight` (`DELIVERY_MAX_IN_FLIGHT`; wrangler.toml says how it
// is chosen): a receiver that hangs holds one place for the delivery timeout.

/// A queue invocation starts no attempt after this long; the rest of its
/// batch is recorded as not attempted and retried on the schedule. A queue
/// consumer may run 15 minutes, and a batch of sends to receivers that hang
/// (each up to the delivery timeout, `max_in_flight` at a time) could take
/// longer.
const TIME_BUDGET_MS: i64 = 10 * 60 * 1000;
// Room for the attempts already started: however many are in flight, they run
// side by side, each send bounded by the delivery timeout (10 s by default).
const _: () = assert!(TIME_BUDGET_MS + 60_000 < 15 * 60 * 1000, "inside a queue consumer's 15 minutes");

/// At most this many of the outbox rows a batch created are worked in the
/// same invocation; the rest go on the queue. An invocation may make 1,000
/// D1 queries and subrequests (Workers Paid); a run typically makes one or
/// two (its change or its send), and a full batch creates about two rows a
/// message when each lead starts a few workflows.
const MAX_WORKED_INLINE: usize = 200;

pub struct Deliverer<'d, D: Decisions> {
    store: Store,
    config: Config,
    env: Env,
    /// Automation, for the jobs that decide rather than send.
    decisions: &'d D,
    /// When this invocation started (`budget_ms` counts from it).
    started_at: i64,
    /// No attempt starts after this long: `TIME_BUDGET_MS` on the queue,
    /// less after a response (`super::inline`).
    budget_ms: i64,
    /// The database a queue batch was grouped on: a turn whose workspace has
    /// since started moving away from it is not attempted (`moved_away`).
    database: Option<DatabaseName>,
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


pub async fn consume<D: Decisions>(batch: MessageBatch<DeliveryMessage>, env: Env, decisions: &D) {
    if let Err(err) = Config::from_env(&env) {
        worker::console_error!("delivery consumer cannot start: {err:?}");
        return batch.retry_all_with_options(&retry_later());
    }
    let messages: Vec<RawMessage> = batch.raw_iter().collect();
    // A workspace move's steps share the queue; they are not deliveries.
    let (steps, messages): (Vec<_>, Vec<_>) = messages.into_iter().map(|m| (moves::read(&m), m)).partition(|(step, _)| step.is_some());
    let messages: Vec<RawMessage> = messages.into_iter().map(|(_, m)| m).collect();
    moves::run_steps(&env, steps.iter().filter_map(|(step, m)| Some((m, step.clone()?))).collect()).await;
    let readable: Vec<(&RawMessage, DeliveryMessage)> = messages.iter().filter_map(|m| read(m).map(|msg| (m, msg))).collect();
    // Each database's jobs are claimed, worked and recorded there; the databases side by side.
    let groups = by_database(&env, readable).await;
    join_all(groups.into_iter().map(|(database, readable)| {
        let env = env.clone();
        async move {
            let opened = Config::from_env(&env).and_then(|config| Ok((databases::open(&env, &database)?.with_member_mail(config.email.is_some()), config)));
            let deliverer = match opened.and_then(|(store, config)| Deliverer::new(env, store, config, TIME_BUDGET_MS, decisions)).map(|d| d.bound_to(database.clone())) {
                Ok(deliverer) => deliverer,
                Err(err) => {
                    worker::console_error!("delivery consumer cannot open {database}: {err:?}");
                    return readable.iter().for_each(|(raw, _)| raw.retry_with_options(&retry_later()));
                }
            };
            let claimed = deliverer.claim_all(&readable).await;
            let created = deliverer.work(claimed).await;
            deliverer.work_created(created).await;
        }
    }))
    .await;
}

/// The messages by the database holding their workspace. A message whose
/// workspace is moving (or whose home cannot be read now) is retried later.
async fn by_database<'a>(env: &Env, readable: Vec<(&'a RawMessage, DeliveryMessage)>) -> Vec<(DatabaseName, Vec<(&'a RawMessage, DeliveryMessage)>)> {
    let mut groups: Vec<(DatabaseName, Vec<(&RawMessage, DeliveryMessage)>)> = Vec::new();
    let now = now_ms();
    for (raw, message) in readable {
        let DeliveryMessage::DeliveryV1 { workspace_id, .. } = &message;
        match databases::home_of(env, workspace_id, now).await {
            Ok(database) => match groups.iter_mut().find(|(d, _)| *d == database) {
                Some((_, group)) => group.push((raw, message)),
                None => groups.push((database, vec![(raw, message)])),
            },
            Err(err) => {
                if !matches!(err, ApiError::Unavailable { .. }) {
                    worker::console_error!("delivery message for {workspace_id}: {err:?}");
                }
                raw.retry_with_options(&retry_later());
            }
        }
    }
    groups
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

/// The error of an attempt not made because its workspace began moving to another database.
const MOVING: &str = "not attempted: the workspace is moving to another database; tried again on the retry schedule";

/// Whether an invocation that started at `started_at`, with `budget_ms` to
/// start attempts in, may start no more.
fn out_of_time(started_at: i64, budget_ms: i64, now: i64) -> bool {
    now - started_at > budget_ms
}

/// The lease a claim at `now` takes: the sweeper leaves a claimed row alone
/// until its attempt has had the delivery timeout and the sweep delay.
pub(super) fn lease_until(config: &Config, now: i64) -> i64 {
    now + i64::from(config.delivery_timeout_ms) + config.sweep_after_secs * 1000
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

impl<'d, D: Decisions> Deliverer<'d, D> {
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
        let mut done: Vec<(usize, Attempted)> = turns.buffered(self.config.max_in_flight).collect::<Vec<_>>().await.into_iter().flatten().collect();
        done.sort_by_key(|(i, _)| *i);
        let attempts = done.into_iter().map(|(_, attempted)| attempted).collect();
        self.settle_all(&claimed, attempts).await
    }

    /// Attempts these claimed jobs one after another (they share a lead),
    /// then writes the lead changes their runs left pending. A run whose
    /// changes could not be written has its attempt made again.
    async fn call_in_turn(&self, turn: Vec<usize>, claimed: &[Claimed<'_>], targets: &Targets) -> Vec<(usize, Attempted)> {
        if out_of_time(self.started_at, self.budget_ms, now_ms()) {
            return turn.into_iter().map(|i| (i, Call::not_sent(OUT_OF_TIME.into()).into())).collect();
        }
        if let Some(&first) = turn.first() {
            if self.moved_away(&claimed[first].1.workspace_id).await {
                return turn.into_iter().map(|i| (i, Call::not_sent(MOVING.into()).into())).collect();
            }
        }
        // A turn's jobs share one workspace: they run on a store bound to it.
        let Some(store) = turn.first().map(|&first| self.store.bound_to(&claimed[first].1.workspace_id)) else { return Vec::new() };
        let mut lead = D::Turn::default();
        let mut done = Vec::with_capacity(turn.len());
        for i in turn {
            done.push((i, self.call(&store, &claimed[i].1, targets, &mut lead).await));
        }
        let lost = self.decisions.finish_turn(&mut lead, &self.context(&store)).await;
        for (i, attempted) in &mut done {
            if lost.contains(&claimed[*i].1.id) {
                *attempted = Call::not_sent("the run's changes to its lead could not be written; the run is tried again".into()).into();
            }
        }
        done
    }

    fn context<'s>(&'s self, store: &'s Store) -> JobContext<'s> {
        JobContext { store, config: &self.config, env: &self.env }
    }

    /// Works the outbox rows this batch's attempts created, stage by stage
    /// (an expansion's runs, then the Telegram messages and webhooks those
    /// runs' actions wrote, then the runs those sends release, …), so a
    /// run's send leaves with the run instead of a queue window later. At
    /// most `MAX_WORKED_INLINE` rows in all and none once out of time: the
    /// rest go on the queue.
    pub(super) async fn work_created(&self, mut created: Vec<DueDelivery>) {
        let mut left = MAX_WORKED_INLINE;
        while !created.is_empty() && left > 0 && !self.out_of_time() {
            let stage = created.len().min(left);
            left -= stage;
            created = self.claim_and_work(created, stage).await;
        }
        enqueue(&self.env, messages_for(&created)).await;
    }

    /// Claims outbox rows no message asked for (at most `cap`; the rest, and
    /// all of them should the claim fail, go on the queue) and works them,
    /// so neither the queue nor the sweeper can make the same attempt.
    /// Held rows are left to their campaign's resume. Returns the rows
    /// their attempts created.
    pub(super) async fn claim_and_work(&self, due: Vec<DueDelivery>, cap: usize) -> Vec<DueDelivery> {
        let mut runnable: Vec<DueDelivery> = due.into_iter().filter(|due| !due.is_held()).collect();
        let later = runnable.split_off(runnable.len().min(cap));
        enqueue(&self.env, later.iter().map(DeliveryMessage::from).collect()).await;
        if runnable.is_empty() {
            return Vec::new();
        }
        let claims: Vec<AttemptClaim<'_>> = runnable.iter().map(|due| AttemptClaim { workspace_id: &due.workspace_id, delivery_id: &due.id, attempts_made: due.attempts }).collect();
        let now = now_ms();
        match self.store.claim_attempts(&claims, self.busy_until(now), now).await {
            Ok(jobs) => self.work_jobs(jobs.into_iter().flatten().collect()).await,
            Err(err) => {
                worker::console_error!("claiming new outbox rows failed, enqueueing them: {err:?}");
                enqueue(&self.env, runnable.iter().map(DeliveryMessage::from).collect()).await;
                Vec::new()
            }
        }
    }

    /// Whether this invocation may start no more attempts.
    pub(super) fn out_of_time(&self) -> bool {
        out_of_time(self.started_at, self.budget_ms, now_ms())
    }

    fn busy_until(&self, now: i64) -> i64 {
        lease_until(&self.config, now)
    }

    /// Works jobs this invocation has claimed without a queue message.
    pub(super) async fn work_jobs(&self, jobs: Vec<DeliveryJob>) -> Vec<DueDelivery> {
        self.work(jobs.into_iter().map(|job| (None, job)).collect()).await
    }

    /// `budget_ms`: how long attempts may start for (`TIME_BUDGET_MS` on the queue).
    pub(super) fn new(env: Env, store: Store, config: Config, budget_ms: i64, decisions: &'d D) -> ApiResult<Self> {
        Ok(Self { store, config, env, decisions, started_at: now_ms(), budget_ms, database: None })
    }

    fn bound_to(self, database: DatabaseName) -> Self {
        Self { database: Some(database), ..self }
    }

    /// Whether `workspace_id` no longer lives (or is freezing to move) in the
    /// database this batch writes to. A batch may run minutes; the directory
    /// (cached `DIRECTORY_CACHE_SECS`) tells it of a freeze well before a
    /// move starts copying (`MOVE_SETTLE_SECS` later), so no attempt starts
    /// and is recorded where the copy would miss it.
    async fn moved_away(&self, workspace_id: &str) -> bool {
        let Some(database) = &self.database else { return false };
        !matches!(databases::home_of(&self.env, workspace_id, now_ms()).await, Ok(home) if home == *database)
    }

    /// Claims every attempt; messages with nothing to send (finished, or a
    /// duplicate of an attempt already made) are acked here.
    async fn claim_all<'a>(&self, readable: &[(&'a RawMessage, DeliveryMessage)]) -> Vec<Claimed<'a>> {
        let claims: Vec<AttemptClaim<'_>> = readable
            .iter()
            .map(|(_, DeliveryMessage::DeliveryV1 { workspace_id, delivery_id, attempts })| AttemptClaim { workspace_id, delivery_id, attempts_made: *attempts })
            .collect();
        let now = now_ms();
        match self.store.claim_attempts(&claims, self.busy_until(now), now).await {
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
    async fn call(&self, store: &Store, job: &DeliveryJob, targets: &Targets, lead: &mut D::Turn) -> Attempted {
        match job.kind() {
            Ok(channel @ (JobKind::Webhook | JobKind::Telegram | JobKind::Email | JobKind::Slack)) => self.send(store, channel, job, targets).await.into(),
            Ok(decision) => self.decisions.decide(decision, job, targets, lead, &self.context(store)).await,
            Err(unknown) => {
                worker::console_error!("job {} fails: {unknown}", job.id);
                Call::unknown_kind(&unknown).into()
            }
        }
    }

    /// A webhook, a Telegram alert, an email or a Slack message.
    async fn send(&self, store: &Store, channel: JobKind, job: &DeliveryJob, targets: &Targets) -> Call {
        if job.payload.is_none() {
            return Call::stopped("the event no longer exists");
        }
        let call = match channel {
            JobKind::Webhook => call_webhook(&self.config, job, targets.endpoint(job)).await,
            JobKind::Email => super::email::call_email(&self.config, &self.env, store, job, targets.member(job), |hash| targets.is_suppressed(job, hash)).await,
            JobKind::Slack => super::slack::call_slack(&self.config, job, targets.slack(job)).await,
            _ => call_telegram_job(&self.config, store, job, targets.telegram(job)).await,
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
            let action_error = job.run_id.is_some().then(|| attempt_row(job, job.attempts + 1, &call).error).flatten();
            match self.settle(job, call).and_then(|(stmts, verdict)| Ok((stmts, verdict, self.run_action(job, verdict, action_error, then)?))) {
                Ok((stmts, verdict, then)) => {
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
        // A cancelled job is finished as a delivered one is (nothing to retry or dead-letter).
        let verdict = match (call.cancelled, stopped) {
            (Some(_), _) => Verdict::Delivered,
            (None, true) => Verdict::Exhausted,
            (None, false) => verdict(result, attempt, &self.config.retry_schedule_secs, jitter),
        };
        let now = now_ms();
        let (status, next_attempt_at) = match verdict {
            _ if call.cancelled.is_some() => (CANCELLED, None),
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

    /// `then` with what the attempt of a run's action job means for the run
    /// (`run_action`): it commits with the attempt's record, and a run it
    /// releases is worked next like created work.
    fn run_action(&self, job: &DeliveryJob, verdict: Verdict, error: Option<String>, mut then: Vec<D1PreparedStatement>) -> ApiResult<Vec<D1PreparedStatement>> {
        then.extend(super::run_action::statements(&self.store, job, verdict, error, now_ms())?);
        Ok(then)
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
    let error = call.error();
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
        assert!(!out_of_time(started, TIME_BUDGET_MS, started));
        assert!(!out_of_time(started, TIME_BUDGET_MS, started + TIME_BUDGET_MS));
        assert!(out_of_time(started, TIME_BUDGET_MS, started + TIME_BUDGET_MS + 1));
        assert!(out_of_time(started, 15_000, started + 15_001), "a shorter budget ends sooner");
    }
}
