//! Delivery: fanning events out to webhook endpoints, Telegram and Slack through a
//! D1 outbox and Cloudflare Queues. The outbox rows are written with the
//! event; here they are first attempted (by the request that wrote them, or
//! the queue), consumed, retried and swept.

pub(crate) mod attempt;
mod consumer;
mod dead_letters;
pub mod decisions;
pub mod digest_text;
pub mod email;
pub mod endpoints;
mod gather;
mod inline;
pub mod loops;
pub mod message;
pub(crate) mod outbound;
mod outcome;
mod run_action;
pub mod source;
pub(crate) mod targets;
pub mod sweeper;
pub mod slack;
pub mod telegram;
pub mod unsubscribe;
pub mod webhook;

use crate::app::App;
use crate::store::deliveries::{DeliveryJob, DueDelivery};
use decisions::Decisions;
use inline::FirstAttempt;
pub use inline::FirstAttempts;
use message::{enqueue, messages_for, DeliveryMessage, DEAD_LETTER_QUEUE};
use worker::{Env, MessageBatch};

/// The two queues this worker consumes.
#[derive(Debug, PartialEq, Eq)]
enum Consumer {
    Deliveries,
    DeadLetters,
}

/// Any queue but the dead-letter one is treated as deliveries: a delivery
/// message for a finished row is acked without effect, so a renamed queue
/// fails safe.
fn consumer_for(queue: &str) -> Consumer {
    if queue == DEAD_LETTER_QUEUE { Consumer::DeadLetters } else { Consumer::Deliveries }
}

/// Every queue batch, whichever queue it came from. Never fails: each
/// message is acked or retried inside.
pub async fn consume<D: decisions::Decisions>(batch: MessageBatch<DeliveryMessage>, env: Env, decisions: &D) {
    match consumer_for(&batch.queue()) {
        Consumer::Deliveries => consumer::consume(batch, env, decisions).await,
        Consumer::DeadLetters => dead_letters::consume(batch, env).await,
    }
}

/// Starts just-committed deliveries after the response, so a request never
/// waits on a receiver or the queue: their first attempt is made right
/// then (`inline`), or with `DELIVERY_INLINE_FIRST_ATTEMPT=off` they are
/// enqueued. A failure is logged and left to the sweeper.
/// `decisions` carries out the deciding jobs among them (automation's).
pub fn dispatch<D: Decisions + 'static>(app: &App, deliveries: Vec<DueDelivery>, decisions: D) {
    start(app, deliveries, true, decisions);
}

/// After a capture's batch wrote `deliveries` and, under `first`, claimed
/// `claimed` of them: those are attempted now, the rest (its automation,
/// anything past the cap) go on the queue, sent with those of the captures
/// gathered with it (`inline::FirstAttempts::start`).
pub fn dispatch_claimed<D: Decisions + 'static>(app: &App, first: Option<FirstAttempts>, claimed: Vec<DeliveryJob>, mut deliveries: Vec<DueDelivery>, decisions: D) {
    let Some(first) = first else {
        return dispatch(app, deliveries, decisions);
    };
    deliveries.retain(|due| !due.is_held() && !claimed.iter().any(|job| job.id == due.id));
    first.start(app, claimed, messages_for(&deliveries), decisions);
}

/// As `dispatch`, for deliveries an operator replays: the dev-only lost-send
/// fault (`DELIVERY_SKIP_ENQUEUE`) never leaves them to the sweeper.
pub fn dispatch_replayed<D: Decisions + 'static>(app: &App, deliveries: Vec<DueDelivery>, decisions: D) {
    start(app, deliveries, false, decisions);
}

fn start<D: Decisions + 'static>(app: &App, mut deliveries: Vec<DueDelivery>, sends_may_be_lost: bool, decisions: D) {
    // Held work waits for its campaign's resume, which dispatches it.
    deliveries.retain(|d| !d.is_held());
    if deliveries.is_empty() {
        return;
    }
    let config = match app.config() {
        Ok(config) => config,
        Err(err) => return worker::console_error!("dispatch: {err:?}"),
    };
    match inline::first_attempt(config.inline_first_attempt, config.skip_enqueue && sends_may_be_lost, config.delivery_timeout_ms) {
        FirstAttempt::Inline { budget_ms } => app.ctx.wait_until(inline::attempt(app.env.clone(), app.store.clone(), config, budget_ms, deliveries, decisions)),
        FirstAttempt::Queue => enqueue_after_response(app, deliveries, false),
        FirstAttempt::Sweeper => enqueue_after_response(app, deliveries, true),
    }
}

/// Enqueues deliveries after the response, or with `lost` (the dev-only
/// fault: as if every producer send were lost) leaves them to the sweeper.
fn enqueue_after_response(app: &App, deliveries: Vec<DueDelivery>, lost: bool) {
    if deliveries.is_empty() {
        return;
    }
    if lost {
        return worker::console_warn!("DELIVERY_SKIP_ENQUEUE: leaving deliveries to the sweeper");
    }
    let env = app.env.clone();
    app.ctx.wait_until(async move { enqueue(&env, deliveries.iter().map(DeliveryMessage::from).collect()).await });
}

/// Enqueues recovered deliveries now: recovery sends nothing itself, its
/// lines go through the queue one delivery at a time.
pub async fn enqueue_now(app: &App, due: &[DueDelivery]) {
    enqueue(&app.env, messages_for(due)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_from_the_dead_letter_queue_go_to_its_consumer() {
        assert_eq!(consumer_for("leadsbot-deliveries-dlq"), Consumer::DeadLetters);
        assert_eq!(consumer_for("leadsbot-deliveries"), Consumer::Deliveries);
        assert_eq!(consumer_for("leadsbot-staging-deliveries"), Consumer::Deliveries);
    }
}
