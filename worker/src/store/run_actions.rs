//! The jobs a run's actions raise. A `webhook` or `telegram` action is a
//! job of the outbox like any other delivery (target_kind `webhook` with the
//! endpoint id, or `telegram`), with `run_id` and `action_index` saying who
//! raised it (migration 0020). The run's attempt writes it with its progress
//! and then waits (its own row pending, `next_attempt_at` NULL, which no
//! scan picks up); the batch that records the job's last attempt records
//! the action's outcome and releases the run.

use super::deliveries::DueDelivery;
use super::leads::LeadChain;
use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use leadsbot_shared::job::JobKind;
use worker::D1PreparedStatement;

/// A run's own outbox row: its id derives from the run's.
pub fn run_job_id(run_id: &str) -> String {
    format!("dlv_{}", run_id.trim_start_matches("run_"))
}

/// The job of a run's action: derived from (run, action index), so a run
/// attempted again raises no second one, and stable across the job's
/// retries (the `webhook-id` receivers see). The same id the action's sends
/// carried before they were jobs of their own.
pub fn action_job_id(run_id: &str, idx: usize) -> String {
    format!("{}_{idx}", run_job_id(run_id))
}

/// An action's job, as a run's attempt raises it.
pub struct RaisedAction<'a> {
    pub workspace_id: &'a str,
    pub run_id: &'a str,
    pub idx: usize,
    /// `Webhook` (to `target_id`, the endpoint) or `Telegram`.
    pub channel: JobKind,
    pub target_id: &'a str,
    /// The job's event type (`workflow.action`, `workflow.telegram`).
    pub event_type: &'a str,
    /// What this attempt would send: a webhook's event bytes, a Telegram
    /// message's text. The first attempt's is kept (`workflow_run_actions.body`),
    /// so every retry sends and signs the same bytes.
    pub body: &'a str,
    pub now: i64,
}

/// What a settled attempt of an action's job means for the action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionOutcome {
    /// It failed and is tried again: the action stays pending, saying why.
    Retrying(String),
    Completed,
    Failed(String),
}

/// The action's row, still pending, with the body its job sends. ?1
/// workspace, ?2 run, ?3 index.
const PENDING_ACTION: &str = "FROM workflow_run_actions a WHERE a.workspace_id = ?1 AND a.run_id = ?2 AND a.idx = ?3 AND a.status = 'pending' AND a.body IS NOT NULL";

impl Store {
    /// In one batch: `chain` (the turn's lead changes and the records of
    /// the actions finished before this one), the action's body fixed by
    /// its first attempt, its event and its job, waiting until the run's
    /// attempt is recorded (which releases it: `run_waits_statements`). The
    /// event goes to this one job only, never to the endpoints subscribed to
    /// its type. `None`, having changed nothing, if the lead changed since
    /// the chain read it; else the outbox rows the chain's events wrote.
    pub async fn raise_action_job(&self, mut chain: LeadChain, raised: RaisedAction<'_>) -> ApiResult<Option<Vec<DueDelivery>>> {
        let ws = text(raised.workspace_id);
        let (run, idx) = (text(raised.run_id), number(raised.idx as i64));
        self.chain_guarded(
            &mut chain,
            "UPDATE workflow_run_actions SET body = coalesce(body, ?) WHERE workspace_id = ? AND run_id = ? AND idx = ?",
            vec![text(raised.body), ws.clone(), run.clone(), idx.clone()],
            "",
        )?;
        // A webhook's event is its body (its id the one the body carries); an
        // email's is its body (`{"to", "subject", "text", "html"}`), and so is a Slack message's
        // (`{"text", "data"}`); a Telegram message's is `{"text": …}`.
        let derived_id = "'evt_' || substr(?2, 5) || '_' || ?3";
        let (event_id, payload) = match raised.channel {
            JobKind::Webhook => (format!("coalesce(CASE WHEN json_valid(a.body) THEN json_extract(a.body, '$.id') END, {derived_id})"), "a.body"),
            JobKind::Email | JobKind::Slack => (derived_id.to_string(), "a.body"),
            _ => (derived_id.to_string(), "json_object('text', a.body)"),
        };
        let args = vec![ws, run, idx, text(raised.event_type), number(raised.now), text(&action_job_id(raised.run_id, raised.idx)), text(raised.channel.as_str()), text(raised.target_id)];
        self.chain_guarded(
            &mut chain,
            &format!(
                "INSERT OR IGNORE INTO events (id, workspace_id, type, lead_id, payload, created_at)
                 SELECT {event_id}, ?1, ?4, (SELECT lead_id FROM workflow_runs WHERE workspace_id = ?1 AND id = ?2), {payload}, ?5
                 {PENDING_ACTION}"
            ),
            args[..5].to_vec(),
            "",
        )?;
        self.chain_guarded(
            &mut chain,
            &format!(
                "INSERT OR IGNORE INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, run_id, action_index, created_at, updated_at)
                 SELECT ?6, ?1, {event_id}, ?4, ?7, ?8, NULL, ?2, ?3, ?5, ?5 {PENDING_ACTION}"
            ),
            args,
            "",
        )?;
        Ok(self.write_chain(chain).await?.map(|written| written.due))
    }

    /// What commits with the record of a run's attempt that reached the
    /// job of action `idx`: the run waits for it (pending, due never) and the
    /// job is released (returned, to work next). Should the job have settled
    /// already (a release that raced this attempt, a job the sweeper gave up
    /// on), the action takes its outcome and the run is due at once instead
    /// (returned, to work next). ?1 workspace, ?2 run, ?3 index, ?4 job, ?5 now, ?6 the run's own row.
    pub fn run_waits_statements(&self, workspace_id: &str, run_id: &str, idx: usize, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let args = [text(workspace_id), text(run_id), number(idx as i64), text(&action_job_id(run_id, idx)), number(now), text(&run_job_id(run_id))];
        let job = "(SELECT {} FROM deliveries WHERE workspace_id = ?1 AND id = ?4)";
        let unsettled = "EXISTS (SELECT 1 FROM deliveries WHERE workspace_id = ?1 AND id = ?4 AND status IN ('pending', 'held'))";
        let job_status = job.replace("{}", "status");
        let job_error = job.replace("{}", "last_error");
        Ok(vec![
            self.statement(
                &format!(
                    "UPDATE workflow_run_actions SET status = CASE {job_status} WHEN 'succeeded' THEN 'completed' ELSE 'failed' END,
                       error = CASE {job_status} WHEN 'succeeded' THEN NULL ELSE coalesce({job_error}, 'its job no longer exists') END, finished_at = ?5
                     WHERE workspace_id = ?1 AND run_id = ?2 AND idx = ?3 AND status = 'pending' AND NOT {unsettled}"
                ),
                &args[..5],
            )?,
            self.statement(
                "UPDATE deliveries SET next_attempt_at = ?5, updated_at = ?5 WHERE workspace_id = ?1 AND id = ?4 AND status = 'pending' AND next_attempt_at IS NULL
                 RETURNING id, workspace_id, attempts",
                &args[..5],
            )?,
            self.statement(
                &format!("UPDATE deliveries SET status = 'pending', next_attempt_at = NULL, updated_at = ?5 WHERE workspace_id = ?1 AND id = ?6 AND {unsettled}"),
                &args,
            )?,
            self.statement(
                &format!(
                    "UPDATE deliveries SET status = 'pending', next_attempt_at = ?5, updated_at = ?5 WHERE workspace_id = ?1 AND id = ?6 AND NOT {unsettled}
                     RETURNING id, workspace_id, attempts"
                ),
                &args,
            )?,
        ])
    }

    /// What commits with the record of an attempt of an action's job: while
    /// it is retried, why (on the action, still pending); once it settled for
    /// good, the action's outcome, and the run released if it waits for it
    /// (returned, to work next). A run already finished stays so: a replayed
    /// job changes neither its action nor its run.
    pub fn run_action_settled_statements(&self, workspace_id: &str, run_id: &str, idx: u32, outcome: &ActionOutcome, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let action = [text(workspace_id), text(run_id), number(i64::from(idx))];
        let pending = "WHERE workspace_id = ? AND run_id = ? AND idx = ? AND status = 'pending'";
        let (status, error) = match outcome {
            ActionOutcome::Retrying(error) => {
                let args = [&[text(error)][..], &action].concat();
                return Ok(vec![self.statement(&format!("UPDATE workflow_run_actions SET error = ? {pending}"), &args)?]);
            }
            ActionOutcome::Completed => ("completed", None),
            ActionOutcome::Failed(error) => ("failed", Some(error.as_str())),
        };
        let args = [&[text(status), opt_text(error), number(now)][..], &action].concat();
        Ok(vec![
            self.statement(&format!("UPDATE workflow_run_actions SET status = ?, error = ?, finished_at = ? {pending}"), &args)?,
            self.statement(
                "UPDATE deliveries SET next_attempt_at = ?, updated_at = ? WHERE workspace_id = ? AND id = ? AND status = 'pending' AND next_attempt_at IS NULL
                 RETURNING id, workspace_id, attempts",
                &[number(now), number(now), text(workspace_id), text(&run_job_id(run_id))],
            )?,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_job_id_is_the_one_its_sends_carried_before() {
        // Before, a send's id was "{the run's outbox row}_{index}".
        assert_eq!(run_job_id("run_01ABC"), "dlv_01ABC");
        assert_eq!(action_job_id("run_01ABC", 4), "dlv_01ABC_4");
    }
}
