//! How long a submission may be retried, and so how long its idempotency key
//! must be remembered. One place for both numbers: the widget mirrors
//! `WIDGET_RETRY_WINDOW_MS` (a native widget test checks it), the worker keeps
//! keys for `IDEMPOTENCY_WINDOW_MS`.

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How long the widget keeps an unconfirmed submission in its outbox and
/// retries it (`widget/src/outbox.rs`, `MAX_AGE_MS`).
pub const WIDGET_RETRY_WINDOW_MS: i64 = 7 * DAY_MS;

/// How long a capture's idempotency key is honoured: the widget's whole retry
/// window, plus a day for a visitor's clock running behind (the outbox ages
/// entries by the browser's clock, the server by its own).
pub const IDEMPOTENCY_WINDOW_MS: i64 = WIDGET_RETRY_WINDOW_MS + DAY_MS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_outlive_every_widget_retry() {
        assert!(IDEMPOTENCY_WINDOW_MS > WIDGET_RETRY_WINDOW_MS);
        assert_eq!(WIDGET_RETRY_WINDOW_MS, 604_800_000);
    }
}
