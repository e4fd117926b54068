//! Automation's side of the outbox (`outbox::decisions::Decisions`): a
//! workflow's expansion into runs, a run's next actions, a follow-up's
//! firing. The entry points hand this to the queue consumer.

use crate::outbox::attempt::{Attempted, Call};
use crate::outbox::decisions::{Decisions, JobContext};
use crate::outbox::targets::Targets;
use crate::platform::now_ms;
use crate::store::deliveries::DeliveryJob;
use crate::automation::workflows::run::{LeadTurn, Runner};
use leadsbot_shared::job::JobKind;

/// What automation decides when the outbox works its jobs.
pub struct Automation;

impl Decisions for Automation {
    type Turn = LeadTurn;

    async fn decide(&self, kind: JobKind, job: &DeliveryJob, targets: &Targets, turn: &mut LeadTurn, cx: &JobContext<'_>) -> Attempted {
        match kind {
            JobKind::WorkflowExpansion => crate::automation::workflows::expand::expand(cx.store, job, targets.workflows(job), now_ms()),
            JobKind::WorkflowRun => runner(cx).execute(job, targets, turn).await,
            JobKind::FollowUp => crate::automation::follow_ups::fire::attempt(cx.store, cx.env, cx.config, job).await,
            JobKind::Webhook | JobKind::Telegram | JobKind::Email | JobKind::Slack => Call::not_sent(format!("{} is a channel's job, not automation's", kind.public_name())).into(),
        }
    }

    async fn finish_turn(&self, turn: &mut LeadTurn, cx: &JobContext<'_>) -> Vec<String> {
        if turn.has_pending() {
            runner(cx).finish_turn(turn).await;
        }
        turn.lost_jobs()
    }
}

fn runner<'a>(cx: &JobContext<'a>) -> Runner<'a> {
    Runner { store: cx.store, env: cx.env, now: now_ms() }
}
