//! Delivery: fanning events out to webhook endpoints and Telegram through a
//! D1 outbox and Cloudflare Queues. The outbox rows are written with the
//! event; here they are enqueued, consumed, retried and swept.

mod attempt;
pub mod consumer;
pub mod endpoints;
pub mod message;
mod outbound;
mod targets;
pub mod sweeper;
pub mod telegram;
pub mod webhook;

use crate::app::App;
use crate::error::ApiResult;
use crate::store::deliveries::DueDelivery;
use crate::store::leads::{EventRow, LeadRow};
use message::{enqueue, DeliveryMessage};

/// Hands a stored event to delivery (for writes that did not return their
/// outbox rows). Never fails the caller: the event and its deliveries are
/// already committed, and the sweeper picks up anything not enqueued.
pub async fn dispatch_event(app: &App, event: &EventRow) {
    let (store, workspace_id, event_id) = (app.store.clone(), event.workspace_id.clone(), event.id.clone());
    later(app, async move {
        store.pending_for_event(&workspace_id, &event_id).await.map_err(|err| worker::console_error!("dispatch of {event_id} failed, the sweeper will retry: {err:?}")).unwrap_or_default()
    });
}

/// Enqueues just-committed deliveries after the response, so a capture
/// never waits on the queue; a failure is logged and left to the sweeper.
pub fn dispatch(app: &App, deliveries: Vec<DueDelivery>) {
    if !deliveries.is_empty() {
        later(app, async move { deliveries });
    }
}

fn later(app: &App, due: impl std::future::Future<Output = Vec<DueDelivery>> + 'static) {
    match app.config() {
        // Dev-only fault injection: as if every producer send were lost.
        Ok(config) if config.skip_enqueue => worker::console_warn!("DELIVERY_SKIP_ENQUEUE: leaving deliveries to the sweeper"),
        Ok(_) => {
            let env = app.env.clone();
            app.ctx.wait_until(async move { enqueue(&env, due.await.iter().map(DeliveryMessage::from).collect()).await });
        }
        Err(err) => worker::console_error!("dispatch: {err:?}"),
    }
}

/// Enqueues replayed deliveries now.
pub async fn enqueue_now(app: &App, due: &[DueDelivery]) {
    enqueue(&app.env, due.iter().map(DeliveryMessage::from).collect()).await;
}

/// The events a PATCH to a lead produces.
pub fn lead_change_events(app: &App, lead: &LeadRow, transition: Option<&(String, String)>) -> ApiResult<Vec<EventRow>> {
    // Spam emits nothing; a lead rescued from spam is announced by its status change.
    if lead.status == "spam" {
        return Ok(Vec::new());
    }
    let mut events = vec![crate::events::lead_event(crate::events::LEAD_UPDATED, lead, None, app.now_ms)?];
    if let Some((from, to)) = transition {
        let extra = serde_json::json!({"previous_status": from, "status": to});
        events.push(crate::events::lead_event(crate::events::LEAD_STATUS_CHANGED, lead, Some(extra), app.now_ms)?);
    }
    Ok(events)
}
