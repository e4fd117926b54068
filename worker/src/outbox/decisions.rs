//! The jobs that decide rather than send (a workflow's expansion and runs, a
//! follow-up's firing) are carried out by automation, which stands above the
//! outbox: the outbox never imports it. The entry points hand it in as
//! [`Decisions`], and the consumer calls it for every job that is not a
//! channel's.

use super::attempt::Attempted;
use super::targets::Targets;
use crate::config::Config;
use crate::store::deliveries::DeliveryJob;
use crate::store::Store;
use leadsbot_shared::job::JobKind;
use worker::Env;

/// What a decision is carried out with.
pub struct JobContext<'a> {
    pub store: &'a Store,
    pub config: &'a Config,
    pub env: &'a Env,
}

// A Worker runs one thread per isolate: these futures need not be `Send`.
#[allow(async_fn_in_trait)]
pub trait Decisions {
    /// What one lead's jobs in a batch share, worked one after another (a
    /// workflow run's lead changes, chained into one write).
    type Turn: Default;

    /// Carries out one deciding job; `kind` is never a channel's.
    async fn decide(&self, kind: JobKind, job: &DeliveryJob, targets: &Targets, turn: &mut Self::Turn, cx: &JobContext<'_>) -> Attempted;

    /// Ends a turn: writes what its jobs left pending, and says which jobs'
    /// changes were not written (their attempts are made again).
    async fn finish_turn(&self, turn: &mut Self::Turn, cx: &JobContext<'_>) -> Vec<String>;
}
