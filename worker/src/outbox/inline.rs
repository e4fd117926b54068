//! The first attempt of new jobs, made by the request that wrote them once
//! its response is answered (`ctx.wait_until`), so a lead's webhook does not
//! wait out the queue's batch window. The rows are committed before (with
//! the event) and claimed as the consumer claims them, so neither the queue
//! nor the sweeper makes the same attempt: a capture claims them in its own
//! write batch (`FirstAttempts`), saving a round trip before the send; other
//! requests claim them after the response (`attempt`). Concurrent captures
//! of one isolate make their first attempts together (`super::gather`), so
//! under load the targets read and the attempt record are shared, as in a
//! queue batch, while a lone lead's attempt starts at once. A capture attempts
//! only the jobs that send (webhooks, Telegram): its workflow automation
//! goes on the queue, whose consumer keeps `DELIVERY_MAX_IN_FLIGHT` of it
//! beside the captures (every lead's runs inline took most of capture
//! throughput on `wrangler dev`, bench/RESULTS.md). The consumer's own
//! stages make the attempts; retries go on the queue. Should the isolate end
//! before an attempt is recorded, the row stays claimed and the sweeper
//! re-enqueues it once its lease has passed.

use super::consumer::{lease_until, Deliverer};
use super::decisions::Decisions;
use super::gather::{gather, Group, Handed};
use super::message::{enqueue, DeliveryMessage};
use crate::app::App;
use crate::config::Config;
use crate::store::deliveries::{DeliveryJob, DueDelivery, NewClaim};
use crate::store::{databases, Store};
use leadsbot_shared::databases::DatabaseName;
use worker::Env;

/// How long `ctx.wait_until` keeps a request's work alive after its response (Workers: 30 s).
const WAIT_UNTIL_MS: i64 = 30_000;
/// Left after the last send could have timed out, for its record and what follows.
const RECORD_ROOM_MS: i64 = 5_000;

/// How many of a group's sends are in flight at once. A capture's group
/// holds only sends (it claims webhooks and Telegram alerts, never
/// automation), which wait on receivers rather than take the isolate's
/// thread or the database, so `DELIVERY_MAX_IN_FLIGHT` (2 on `wrangler
/// dev`, for the consumer's runs) does not bound them; 6 is as many
/// connections as Workers lets one invocation wait on at once. With 2, the
/// groups grew and a webhook under load waited for its group's turns
/// (p99 0.3 s against 0.1 s, bench/RESULTS.md).
const GROUP_SENDS_IN_FLIGHT: usize = 6;

/// At most this many of one request's new jobs are attempted by it; the rest
/// go on the queue (a workflow triggered for 500 leads, say). A queue batch
/// holds at most 100 (wrangler.toml), so a request never takes on more than
/// one consumer invocation would.
const MAX_FIRST_ATTEMPTS: usize = 100;

/// A request that makes the first attempt of the jobs it writes: the claim
/// its write batch takes on them, and what the attempts need.
pub struct FirstAttempts {
    pub claim: NewClaim,
    config: Config,
    budget_ms: i64,
}

impl FirstAttempts {
    /// `None` when the first attempt is left to the queue (or the settings
    /// cannot be read: then `dispatch` logs why).
    pub fn plan(app: &App) -> Option<Self> {
        let config = app.config().ok()?;
        match first_attempt(config.inline_first_attempt, config.skip_enqueue, config.delivery_timeout_ms) {
            FirstAttempt::Inline { budget_ms } => {
                let claim = NewClaim { busy_until: lease_until(&config, app.now_ms), cap: MAX_FIRST_ATTEMPTS };
                Some(Self { claim, config, budget_ms })
            }
            FirstAttempt::Queue | FirstAttempt::Sweeper => None,
        }
    }

    /// Whether queue sends are dropped (the dev-only fault `DELIVERY_SKIP_ENQUEUE`).
    pub fn sends_lost(&self) -> bool {
        self.config.skip_enqueue
    }

    /// After the response: attempts the jobs the write batch claimed, and
    /// sends `to_enqueue` (the capture's automation) to the queue, at once
    /// if one of this isolate's `max_in_flight` group slots is free, else in
    /// the open group, by the request that frees a slot (`super::gather`).
    pub fn start<D: Decisions + 'static>(self, app: &App, claimed: Vec<DeliveryJob>, to_enqueue: Vec<DeliveryMessage>, decisions: D) {
        let to_enqueue = if self.sends_lost() && !to_enqueue.is_empty() {
            // The dev-only fault: as if every producer send were lost; the sweeper finds them.
            worker::console_warn!("DELIVERY_SKIP_ENQUEUE: leaving deliveries to the sweeper");
            Vec::new()
        } else {
            to_enqueue
        };
        let items: Vec<Handed> = claimed.into_iter().map(Handed::Attempt).chain(to_enqueue.into_iter().map(Handed::Enqueue)).collect();
        if items.is_empty() {
            return;
        }
        if let Some(group) = gather(&app.database(), items, self.config.max_in_flight) {
            app.ctx.wait_until(attempt_groups(app.env.clone(), self.budget_ms, group, decisions));
        }
    }
}

/// Where a request's new jobs get their first attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum FirstAttempt {
    /// Right after the response, starting no attempt after `budget_ms`.
    Inline { budget_ms: i64 },
    /// On the queue.
    Queue,
    /// Nowhere until the sweeper finds them (a dev-only fault: every producer send lost).
    Sweeper,
}

/// `inline`: `DELIVERY_INLINE_FIRST_ATTEMPT`; `skip_enqueue`: the dev-only
/// fault, which loses queue sends, not inline attempts. A delivery timeout
/// too long to end inside `wait_until` leaves the attempt to the queue.
pub fn first_attempt(inline: bool, skip_enqueue: bool, delivery_timeout_ms: u32) -> FirstAttempt {
    match start_budget_ms(delivery_timeout_ms) {
        Some(budget_ms) if inline => FirstAttempt::Inline { budget_ms },
        _ if skip_enqueue => FirstAttempt::Sweeper,
        _ => FirstAttempt::Queue,
    }
}

/// How long after the response attempts may start: the last one started
/// still ends (by its timeout) and is recorded before `wait_until` is cut
/// off. `None` when the timeout leaves no room.
fn start_budget_ms(delivery_timeout_ms: u32) -> Option<i64> {
    let budget = WAIT_UNTIL_MS - i64::from(delivery_timeout_ms) - RECORD_ROOM_MS;
    (budget > 0).then_some(budget)
}

/// Claims and attempts `due` (new, not held), then works the rows those
/// attempts created, as a queue batch would. Never fails: what it cannot
/// start goes on the queue.
pub async fn attempt<D: Decisions>(env: Env, store: Store, config: Config, budget_ms: i64, due: Vec<DueDelivery>, decisions: D) {
    let deliverer = match Deliverer::new(env.clone(), store, config, budget_ms, &decisions) {
        Ok(deliverer) => deliverer,
        Err(err) => {
            worker::console_error!("first attempts cannot start, enqueueing them: {err:?}");
            return enqueue(&env, due.iter().map(DeliveryMessage::from).collect()).await;
        }
    };
    let created = deliverer.claim_and_work(due, MAX_FIRST_ATTEMPTS).await;
    deliverer.work_created(created).await;
}

/// Attempts a group of jobs claimed with the batches that wrote them, in
/// the group slot this request holds; while its time lasts, then the group
/// that gathered meanwhile, in the same slot. Then it works the rows those
/// attempts created. Each database's jobs are worked there, side by side.
async fn attempt_groups<D: Decisions>(env: Env, budget_ms: i64, mut group: Group, decisions: D) {
    let started_at = crate::platform::now_ms();
    let mut deliverers: Vec<(DatabaseName, Deliverer<'_, D>)> = Vec::new();
    let mut created: Vec<(DatabaseName, Vec<DueDelivery>)> = Vec::new();
    loop {
        let (jobs, messages) = group.take();
        for (database, _) in &jobs {
            if !deliverers.iter().any(|(d, _)| d == database) {
                match open_deliverer(&env, database, budget_ms, &decisions) {
                    Ok(deliverer) => deliverers.push((database.clone(), deliverer)),
                    Err(err) => worker::console_error!("first attempts in {database} cannot start; the sweeper takes them once their claim lapses: {err:?}"),
                }
            }
        }
        let work = jobs.into_iter().filter_map(|(database, jobs)| {
            let (_, deliverer) = deliverers.iter().find(|(d, _)| *d == database)?;
            Some(async move { (database, deliverer.work_jobs(jobs).await) })
        });
        // Should this request end first, the sweeper finds the rows those messages were for.
        let (worked, ()) = futures_util::future::join(futures_util::future::join_all(work), enqueue(&env, messages)).await;
        created.extend(worked);
        let in_time = crate::platform::now_ms() - started_at < budget_ms;
        match group.next(in_time) {
            Some(next) => group = next,
            None => break,
        }
    }
    let follow_ups = deliverers.iter().map(|(database, deliverer)| {
        let rows: Vec<DueDelivery> = created.iter().filter(|(d, _)| d == database).flat_map(|(_, rows)| rows.iter().cloned()).collect();
        deliverer.work_created(rows)
    });
    futures_util::future::join_all(follow_ups).await;
}

fn open_deliverer<'d, D: Decisions>(env: &Env, database: &DatabaseName, budget_ms: i64, decisions: &'d D) -> crate::error::ApiResult<Deliverer<'d, D>> {
    let mut config = Config::from_env(env)?;
    config.max_in_flight = GROUP_SENDS_IN_FLIGHT;
    let store = databases::open(env, database)?.with_member_mail(config.email.is_some());
    Deliverer::new(env.clone(), store, config, budget_ms, decisions)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_jobs_are_attempted_inline_unless_turned_off() {
        assert_eq!(first_attempt(true, false, 10_000), FirstAttempt::Inline { budget_ms: 15_000 });
        assert_eq!(first_attempt(false, false, 10_000), FirstAttempt::Queue);
    }

    #[test]
    fn the_lost_enqueue_fault_leaves_inline_attempts_alone() {
        assert_eq!(first_attempt(true, true, 10_000), FirstAttempt::Inline { budget_ms: 15_000 });
        assert_eq!(first_attempt(false, true, 10_000), FirstAttempt::Sweeper);
    }

    #[test]
    fn a_timeout_that_cannot_end_inside_wait_until_leaves_the_attempt_to_the_queue() {
        assert_eq!(first_attempt(true, false, 25_000), FirstAttempt::Queue);
        assert_eq!(first_attempt(true, false, 24_000), FirstAttempt::Inline { budget_ms: 1_000 });
    }
}
