//! Delivery retry maths: what an attempt's outcome means and when to try
//! again. Pure, so every rule is unit-tested natively.

/// The longest we ever wait between attempts: Cloudflare Queues refuses
/// message delays above 12 hours.
pub const MAX_DELAY_SECS: u32 = 12 * 60 * 60;

/// What one attempt produced, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// A response arrived with this status (redirects included: never followed).
    Status { code: u16, retry_after_secs: Option<u32> },
    /// No response: refused, reset, DNS, TLS or timed out.
    NoResponse,
}

/// What to do next with a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Delivered,
    RetryIn(u32),
    /// Out of attempts: mark failed and dead-letter (still replayable).
    Exhausted,
    /// 410 Gone: the receiver asked us to stop; disable the endpoint.
    Gone,
}

/// `attempts_made` counts the attempt just made (1 after the first). The
/// schedule lists the waits before the 2nd, 3rd, … attempts, so a schedule of
/// n entries allows n + 1 attempts in all. `jitter` is a random number (any
/// u32) that spreads the wait, see `with_jitter`.
pub fn verdict(result: AttemptResult, attempts_made: u32, schedule: &[u32], jitter: u32) -> Verdict {
    let retry_after = match result {
        AttemptResult::Status { code, .. } if (200..300).contains(&code) => return Verdict::Delivered,
        AttemptResult::Status { code: 410, .. } => return Verdict::Gone,
        // Only 429 and 503 define Retry-After as "come back later".
        AttemptResult::Status { code: 429 | 503, retry_after_secs } => retry_after_secs,
        _ => None,
    };
    match next_delay(schedule, attempts_made, retry_after) {
        Some(delay) => Verdict::RetryIn(with_jitter(delay, jitter)),
        None => Verdict::Exhausted,
    }
}

/// The wait before the next attempt, or `None` when the schedule is spent.
/// A receiver's Retry-After can lengthen the wait, never shorten it.
pub fn next_delay(schedule: &[u32], attempts_made: u32, retry_after_secs: Option<u32>) -> Option<u32> {
    let index = usize::try_from(attempts_made.checked_sub(1)?).ok()?;
    let backoff = *schedule.get(index)?;
    Some(backoff.max(retry_after_secs.unwrap_or(0)).min(MAX_DELAY_SECS))
}

/// Lengthens a wait by up to a tenth, never shortens it: deliveries that
/// failed together (a receiver's outage) then come back spread out instead of
/// all at once, and a receiver's Retry-After stays a floor.
pub fn with_jitter(delay_secs: u32, random: u32) -> u32 {
    let extra = u64::from(delay_secs / 10) * u64::from(random) / u64::from(u32::MAX);
    (u64::from(delay_secs) + extra).min(u64::from(MAX_DELAY_SECS)) as u32
}

/// `Retry-After` as delay-seconds. (The HTTP-date form is rare from webhook
/// receivers and is ignored: the schedule then decides.)
pub fn parse_retry_after(value: Option<&str>) -> Option<u32> {
    let value = value?.trim();
    value.parse::<u64>().ok().map(|secs| secs.min(u64::from(MAX_DELAY_SECS)) as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEDULE: [u32; 3] = [5, 300, 1800];

    fn status(code: u16) -> AttemptResult {
        AttemptResult::Status { code, retry_after_secs: None }
    }

    #[test]
    fn success_is_any_2xx() {
        assert_eq!(verdict(status(200), 1, &SCHEDULE, 0), Verdict::Delivered);
        assert_eq!(verdict(status(204), 4, &SCHEDULE, 0), Verdict::Delivered);
    }

    #[test]
    fn failures_follow_the_schedule_until_it_is_spent() {
        assert_eq!(verdict(status(500), 1, &SCHEDULE, 0), Verdict::RetryIn(5));
        assert_eq!(verdict(AttemptResult::NoResponse, 2, &SCHEDULE, 0), Verdict::RetryIn(300));
        assert_eq!(verdict(status(302), 3, &SCHEDULE, 0), Verdict::RetryIn(1800));
        assert_eq!(verdict(status(500), 4, &SCHEDULE, 0), Verdict::Exhausted);
        assert_eq!(verdict(status(500), 0, &SCHEDULE, 0), Verdict::Exhausted);
    }

    #[test]
    fn gone_stops_at_once() {
        assert_eq!(verdict(status(410), 1, &SCHEDULE, 0), Verdict::Gone);
    }

    #[test]
    fn retry_after_lengthens_but_never_shortens_and_is_capped() {
        let later = |code, secs| AttemptResult::Status { code, retry_after_secs: Some(secs) };
        assert_eq!(verdict(later(429, 60), 1, &SCHEDULE, 0), Verdict::RetryIn(60));
        assert_eq!(verdict(later(503, 1), 2, &SCHEDULE, 0), Verdict::RetryIn(300));
        assert_eq!(verdict(later(429, 999_999), 1, &SCHEDULE, 0), Verdict::RetryIn(MAX_DELAY_SECS));
        // Retry-After on other statuses means nothing to us.
        assert_eq!(verdict(later(500, 60), 1, &SCHEDULE, 0), Verdict::RetryIn(5));
    }

    #[test]
    fn retry_after_parses_seconds_only() {
        assert_eq!(parse_retry_after(Some(" 7 ")), Some(7));
        assert_eq!(parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(parse_retry_after(Some("-1")), None);
        assert_eq!(parse_retry_after(None), None);
    }

    #[test]
    fn jitter_only_lengthens_and_by_at_most_a_tenth() {
        assert_eq!(with_jitter(300, 0), 300);
        assert_eq!(with_jitter(300, u32::MAX), 330);
        assert!((300..=330).contains(&with_jitter(300, u32::MAX / 2)));
        assert_eq!(with_jitter(5, u32::MAX), 5, "short test schedules stay exact");
        assert_eq!(with_jitter(MAX_DELAY_SECS, u32::MAX), MAX_DELAY_SECS);
        assert_eq!(verdict(status(500), 2, &SCHEDULE, u32::MAX), Verdict::RetryIn(330));
    }
}
