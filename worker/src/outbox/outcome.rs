//! What follows a recorded attempt, as pure decisions over its verdict.

use leadsbot_shared::retry::Verdict;

/// What follows a recorded attempt.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Done,
    RetryIn(u32),
    /// It ended failed, whatever the reason (schedule spent, 410, nothing to
    /// send to, not even attemptable): dead-lettered, still replayable.
    DeadLetter,
}

pub fn next_step(verdict: Verdict) -> Next {
    match verdict {
        Verdict::Delivered => Next::Done,
        Verdict::RetryIn(secs) => Next::RetryIn(secs),
        Verdict::Exhausted | Verdict::Gone => Next::DeadLetter,
    }
}

/// An in-order delivery that finished, either way, lets the next of its line go.
pub fn releases_line(in_order: bool, verdict: Verdict) -> bool {
    in_order && !matches!(verdict, Verdict::RetryIn(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_delivery_that_ends_failed_is_dead_lettered() {
        assert_eq!(next_step(Verdict::Delivered), Next::Done);
        assert_eq!(next_step(Verdict::RetryIn(5)), Next::RetryIn(5));
        assert_eq!(next_step(Verdict::Exhausted), Next::DeadLetter);
        assert_eq!(next_step(Verdict::Gone), Next::DeadLetter);
    }

    #[test]
    fn an_in_order_line_moves_on_only_once_its_head_has_finished() {
        assert!(releases_line(true, Verdict::Delivered));
        assert!(releases_line(true, Verdict::Exhausted));
        assert!(releases_line(true, Verdict::Gone));
        assert!(!releases_line(true, Verdict::RetryIn(5)), "a head being retried keeps its line waiting");
        assert!(!releases_line(false, Verdict::Delivered), "ordinary deliveries are in no line");
    }
}
