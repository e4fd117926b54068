//! What travels on the delivery queue: ids and the attempt count only. The
//! payload stays in D1, so a message can be lost or doubled without harm.

use crate::store::deliveries::DueDelivery;
use crate::store::follow_ups::job_id as follow_up_job_id;
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBuilder, SendMessage};

pub const QUEUE: &str = "DELIVERIES";
pub const DEAD_LETTERS: &str = "DEAD_LETTERS";
/// The dead-letter queue's name (wrangler.toml): this worker consumes it too,
/// and a batch says which queue it came from only by name.
pub const DEAD_LETTER_QUEUE: &str = "leadsbot-deliveries-dlq";
/// Cloudflare Queues takes at most 100 messages per send.
const MAX_BATCH: usize = 100;

/// Tagged and versioned, so a consumer of a newer release can still read
/// (or knowingly drop) messages a previous one left on the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum DeliveryMessage {
    #[serde(rename = "delivery.v1")]
    DeliveryV1 {
        workspace_id: String,
        delivery_id: String,
        /// Attempts already made; the consumer only acts if the row agrees.
        attempts: u32,
    },
}

/// What a previous release may have left on the queues, as well as what
/// this one sends.
#[derive(Deserialize)]
#[serde(tag = "type")]
enum Incoming {
    #[serde(rename = "delivery.v1")]
    DeliveryV1 { workspace_id: String, delivery_id: String, attempts: u32 },
    /// A follow-up to fire: follow-ups are outbox jobs now, so this asks
    /// for its job's first attempt (migration 0019 gave every scheduled
    /// follow-up a job that has made none; if it has made one since, the
    /// claim fails and the message is acked without effect).
    #[serde(rename = "follow_up.v1")]
    FollowUpV1 { workspace_id: String, follow_up_id: String },
}

impl From<&DueDelivery> for DeliveryMessage {
    fn from(due: &DueDelivery) -> Self {
        Self::DeliveryV1 { workspace_id: due.workspace_id.clone(), delivery_id: due.id.clone(), attempts: due.attempts }
    }
}

/// The messages for jobs just written or released: one each, held ones left out.
pub fn messages_for(due: &[DueDelivery]) -> Vec<DeliveryMessage> {
    due.iter().filter(|d| !d.is_held()).map(DeliveryMessage::from).collect()
}

impl DeliveryMessage {
    pub fn parse(json: &str) -> Result<Self, serde_json::Error> {
        Ok(match serde_json::from_str(json)? {
            Incoming::DeliveryV1 { workspace_id, delivery_id, attempts } => Self::DeliveryV1 { workspace_id, delivery_id, attempts },
            Incoming::FollowUpV1 { workspace_id, follow_up_id } => Self::DeliveryV1 { workspace_id, delivery_id: follow_up_job_id(&follow_up_id), attempts: 0 },
        })
    }
}

/// Sends messages now. Failures are logged, not returned: the rows are
/// committed and the sweeper re-enqueues anything overdue.
pub async fn enqueue(env: &Env, messages: Vec<DeliveryMessage>) {
    if messages.is_empty() {
        return;
    }
    let queue = match env.queue(QUEUE) {
        Ok(queue) => queue,
        Err(err) => return worker::console_error!("delivery queue binding: {err}"),
    };
    for chunk in messages.chunks(MAX_BATCH) {
        if let Err(err) = queue.send_batch(chunk.to_vec()).await {
            worker::console_error!("enqueue of {} deliveries failed, the sweeper will retry: {err}", chunk.len());
        }
    }
}

/// The delay (whole seconds, rounded up) that makes a message sent `now`
/// arrive no earlier than `due_at` (ms); 0 for what is due already.
pub fn delay_until(due_at: i64, now: i64) -> u32 {
    u32::try_from(((due_at - now).max(0) + 999) / 1000).unwrap_or(u32::MAX)
}

/// Sends one message after a delay; false if it could not be sent.
pub async fn enqueue_later(env: &Env, message: DeliveryMessage, delay_secs: u32) -> bool {
    let send: SendMessage<DeliveryMessage> = MessageBuilder::new(message).delay_seconds(delay_secs).build();
    match env.queue(QUEUE) {
        Ok(queue) => queue.send(send).await.map_err(|e| worker::console_error!("delayed enqueue failed: {e}")).is_ok(),
        Err(err) => {
            worker::console_error!("delivery queue binding: {err}");
            false
        }
    }
}

/// Exhausted deliveries go to the dead-letter queue for whoever watches it;
/// they stay in D1, marked failed and replayable.
pub async fn dead_letter(env: &Env, message: DeliveryMessage) {
    let sent = match env.queue(DEAD_LETTERS) {
        Ok(queue) => queue.send(message).await,
        Err(err) => Err(err),
    };
    if let Err(err) = sent {
        worker::console_error!("dead-letter send failed (the delivery is still marked failed): {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_tagged_and_versioned() {
        let message = DeliveryMessage::DeliveryV1 { workspace_id: "ws_1".into(), delivery_id: "dlv_1".into(), attempts: 2 };
        let json = serde_json::to_string(&message).unwrap();
        assert_eq!(json, r#"{"type":"delivery.v1","workspace_id":"ws_1","delivery_id":"dlv_1","attempts":2}"#);
        assert_eq!(DeliveryMessage::parse(&json).unwrap(), message);
        assert!(DeliveryMessage::parse(r#"{"type":"delivery.v9","delivery_id":"x"}"#).is_err());
    }

    #[test]
    fn a_delayed_message_never_arrives_before_its_time() {
        assert_eq!(delay_until(10_000, 10_000), 0);
        assert_eq!(delay_until(10_001, 10_000), 1, "rounded up");
        assert_eq!(delay_until(13_000, 10_000), 3);
        assert_eq!(delay_until(5_000, 10_000), 0, "overdue: at once");
    }

    #[test]
    fn a_follow_up_message_of_a_previous_release_asks_for_its_jobs_first_attempt() {
        let old = DeliveryMessage::parse(r#"{"type":"follow_up.v1","workspace_id":"ws_1","follow_up_id":"fu_1"}"#).unwrap();
        assert_eq!(old, DeliveryMessage::DeliveryV1 { workspace_id: "ws_1".into(), delivery_id: "dlv_fu_1".into(), attempts: 0 });
    }
}
