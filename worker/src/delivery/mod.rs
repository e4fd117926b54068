//! Delivery: fanning events out to webhook endpoints and Telegram through a
//! D1 outbox and Cloudflare Queues. The outbox rows are written with the
//! event; here they are enqueued, consumed, retried and swept.

pub(crate) mod attempt;
mod consumer;
mod dead_letters;
pub mod decisions;
pub mod endpoints;
pub mod message;
pub(crate) mod outbound;
mod outcome;
mod run_action;
pub mod source;
pub(crate) mod targets;
pub mod sweeper;
pub mod telegram;
pub mod webhook;

use crate::app::App;
use crate::store::deliveries::DueDelivery;
use message::{enqueue, DeliveryMessage, DEAD_LETTER_QUEUE};
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

/// Enqueues just-committed deliveries after the response, so a capture
/// never waits on the queue; a failure is logged and left to the sweeper.
pub fn dispatch(app: &App, mut deliveries: Vec<DueDelivery>) {
    // Held work waits for its campaign's resume, which enqueues it.
    deliveries.retain(|d| d.held == 0);
    if !deliveries.is_empty() {
        later(app, deliveries);
    }
}

fn later(app: &App, due: Vec<DueDelivery>) {
    match app.config() {
        // Dev-only fault injection: as if every producer send were lost.
        Ok(config) if config.skip_enqueue => worker::console_warn!("DELIVERY_SKIP_ENQUEUE: leaving deliveries to the sweeper"),
        Ok(_) => {
            let env = app.env.clone();
            app.ctx.wait_until(async move { enqueue(&env, due.iter().map(DeliveryMessage::from).collect()).await });
        }
        Err(err) => worker::console_error!("dispatch: {err:?}"),
    }
}

/// Enqueues replayed deliveries now.
pub async fn enqueue_now(app: &App, due: &[DueDelivery]) {
    enqueue(&app.env, due.iter().filter(|d| d.held == 0).map(DeliveryMessage::from).collect()).await;
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
