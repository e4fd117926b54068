//! A workflow action's job reporting back to its run. A job a run raised
//! (`run_id` and `action_index` set: `store::run_actions`) is sent, retried
//! and logged like every delivery; what its attempt means for the action is
//! decided here, and recorded in the same batch as the attempt.

use crate::error::ApiResult;
use crate::store::deliveries::DeliveryJob;
use crate::store::run_actions::ActionOutcome;
use crate::store::Store;
use leadsbot_shared::retry::Verdict;
use worker::D1PreparedStatement;

/// What an attempt's verdict means for the action that raised the job.
/// `error` is the attempt's error as its log records it.
pub fn outcome(verdict: Verdict, error: Option<String>) -> ActionOutcome {
    let error = || error.clone().unwrap_or_else(|| "the attempt failed".into());
    match verdict {
        Verdict::Delivered => ActionOutcome::Completed,
        Verdict::RetryIn(_) => ActionOutcome::Retrying(error()),
        Verdict::Exhausted | Verdict::Gone => ActionOutcome::Failed(error()),
    }
}

/// The statements recording what an attempt of `job` means for its run's
/// action (none for a job no run raised); a run they release is returned by
/// them, to work next.
pub fn statements(store: &Store, job: &DeliveryJob, verdict: Verdict, error: Option<String>, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
    let (Some(run_id), Some(idx)) = (&job.run_id, job.action_index) else {
        return Ok(Vec::new());
    };
    store.run_action_settled_statements(&job.workspace_id, run_id, idx, &outcome(verdict, error), now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_completes_with_its_job_and_fails_only_when_its_job_does() {
        assert_eq!(outcome(Verdict::Delivered, None), ActionOutcome::Completed);
        assert_eq!(outcome(Verdict::RetryIn(5), Some("HTTP 500".into())), ActionOutcome::Retrying("HTTP 500".into()), "a retry keeps the run waiting");
        assert_eq!(outcome(Verdict::Exhausted, Some("HTTP 503".into())), ActionOutcome::Failed("HTTP 503".into()));
        assert_eq!(outcome(Verdict::Gone, Some("HTTP 410".into())), ActionOutcome::Failed("HTTP 410".into()));
        assert_eq!(outcome(Verdict::Exhausted, None), ActionOutcome::Failed("the attempt failed".into()));
    }
}
