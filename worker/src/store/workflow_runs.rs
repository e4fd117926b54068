//! Workflow runs and the state of each of their actions. A run is worked
//! off the delivery queue as a `deliveries` row (target_kind 'run'), written
//! in the same batch as the run, so it is claimed like any delivery.

use super::deliveries::DueDelivery;
use super::leads::{EventRow, LeadRow, Then};
use super::{number, opt_text, text, Store};
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use worker::D1PreparedStatement;

pub const RUN_TARGET: &str = leadsbot_shared::job::JobKind::WorkflowRun.as_str();
/// Runs per D1 batch (three statements each).
const RUNS_PER_BATCH: usize = 30;
/// Run states read per D1 batch (three statements each).
const RUN_STATES_PER_BATCH: usize = 40;

/// A run to create. Unique per (workflow, trigger key, lead): a second
/// expansion of the same event creates nothing.
pub struct NewRun {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub lead_id: String,
    pub trigger_key: String,
    /// JSON, as runs show it.
    pub trigger: String,
    pub depth: u32,
    /// JSON array: the workflow's actions now.
    pub actions: String,
    /// The event the run's outbox row belongs to (erasure finds it by it).
    pub event_id: String,
    pub status: &'static str,
    pub now: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunRow {
    pub id: String,
    pub workspace_id: String,
    pub workflow_id: String,
    pub lead_id: String,
    pub trigger: String,
    pub depth: u32,
    pub status: String,
    pub actions: String,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// What a run's attempt starts from.
#[derive(Clone)]
pub struct RunState {
    pub run: RunRow,
    pub actions: Vec<RunActionRow>,
    /// `None` once the lead is erased.
    pub lead: Option<LeadRow>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunActionRow {
    pub run_id: String,
    pub idx: u32,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub error: Option<String>,
}

const RUN_COLUMNS: &str = "id, workspace_id, workflow_id, lead_id, trigger, depth, status, actions, created_at, finished_at";

impl Store {
    /// Creates runs with their action rows and outbox rows; returns the
    /// outbox rows written, to enqueue.
    pub async fn insert_runs(&self, runs: &[NewRun]) -> ApiResult<Vec<DueDelivery>> {
        let mut due = Vec::new();
        for chunk in runs.chunks(RUNS_PER_BATCH) {
            let results = self.batch(self.new_runs_statements(chunk)?).await?;
            due.extend(results.iter().flat_map(|r| r.results::<DueDelivery>().unwrap_or_default()));
        }
        Ok(due)
    }

    /// Creating runs, for a batch of the caller's; the outbox rows written
    /// come back from the last statement of each run.
    pub fn new_runs_statements(&self, runs: &[NewRun]) -> ApiResult<Vec<D1PreparedStatement>> {
        let mut statements = Vec::with_capacity(runs.len() * 3);
        for run in runs {
            statements.extend(self.new_run_statements(run)?);
        }
        Ok(statements)
    }

    fn new_run_statements(&self, run: &NewRun) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, id) = (text(&run.workspace_id), text(&run.id));
        let exists = "EXISTS (SELECT 1 FROM workflow_runs WHERE id = ?2)";
        Ok(vec![
            self.statement(
                "INSERT OR IGNORE INTO workflow_runs (id, workspace_id, workflow_id, lead_id, trigger_key, trigger, depth, status, actions, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[id.clone(), ws.clone(), text(&run.workflow_id), text(&run.lead_id), text(&run.trigger_key), text(&run.trigger),
                  number(i64::from(run.depth)), text(run.status), text(&run.actions), number(run.now)],
            )?,
            self.statement(
                &format!("INSERT INTO workflow_run_actions (workspace_id, run_id, idx, type) SELECT ?1, ?2, key, json_extract(value, '$.type') FROM json_each(?3) WHERE {exists}"),
                &[ws.clone(), id.clone(), text(&run.actions)],
            )?,
            self.statement(
                &format!(
                    // The run's lead, named here: a run started by hand has no event to take it from.
                    "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, lead_id, next_attempt_at, created_at, updated_at)
                     SELECT 'dlv_' || substr(?2, 5), ?1, ?3, '{}', '{RUN_TARGET}', ?2, ?6, CASE WHEN ?5 = 'held' THEN NULL ELSE ?4 END, ?4, ?4 WHERE {exists}
                     RETURNING id, workspace_id, attempts",
                    leadsbot_shared::event::WORKFLOW_RUN
                ),
                &[ws, id, text(&run.event_id), number(run.now), text(run.status), text(&run.lead_id)],
            )?,
        ])
    }

    /// Runs, each with its action records and its lead as they are now, in
    /// one round trip per `RUN_STATES_PER_BATCH` (a run's attempt starts
    /// from these), in the order asked. `None` for a run that is gone.
    pub async fn run_states(&self, runs: &[(&str, &str)]) -> ApiResult<Vec<Option<RunState>>> {
        let mut states = Vec::with_capacity(runs.len());
        for chunk in runs.chunks(RUN_STATES_PER_BATCH) {
            let mut statements = Vec::with_capacity(chunk.len() * 3);
            for (workspace_id, run_id) in chunk {
                let args = [text(workspace_id), text(run_id)];
                statements.push(self.statement(&format!("SELECT {RUN_COLUMNS} FROM workflow_runs WHERE workspace_id = ?1 AND id = ?2"), &args)?);
                statements.push(self.statement("SELECT run_id, idx, type, status, error FROM workflow_run_actions WHERE workspace_id = ?1 AND run_id = ?2 ORDER BY idx", &args)?);
                statements.push(self.statement("SELECT * FROM leads WHERE workspace_id = ?1 AND id = (SELECT lead_id FROM workflow_runs WHERE workspace_id = ?1 AND id = ?2)", &args)?);
            }
            let results = self.batch(statements).await?;
            for rows in results.chunks(3) {
                let [run, actions, lead] = rows else { return Err(ApiError::internal("d1 batch", "a result is missing")) };
                let rows_of = |e| ApiError::internal("d1 rows", e);
                let Some(run) = run.results::<RunRow>().map_err(rows_of)?.into_iter().next() else {
                    states.push(None);
                    continue;
                };
                let actions = actions.results::<RunActionRow>().map_err(rows_of)?;
                let lead = lead.results::<LeadRow>().map_err(rows_of)?.into_iter().next();
                states.push(Some(RunState { run, actions, lead }));
            }
        }
        Ok(states)
    }

    pub async fn run_actions(&self, workspace_id: &str, run_ids: &[String]) -> ApiResult<Vec<RunActionRow>> {
        if run_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(run_ids)?;
        self.all(
            "SELECT run_id, idx, type, status, error FROM workflow_run_actions WHERE workspace_id = ? AND run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, idx",
            &[text(workspace_id), text(&ids)],
        )
        .await
    }

    /// Runs newest first, of a workflow or of a lead (`column` is one of the two).
    pub async fn runs_page(&self, workspace_id: &str, by: RunsBy<'_>, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<RunRow>> {
        let (column, value) = match by {
            RunsBy::Workflow(id) => ("workflow_id", id),
            RunsBy::Lead(id) => ("lead_id", id),
        };
        self.all(
            &format!("SELECT {RUN_COLUMNS} FROM workflow_runs WHERE workspace_id = ? AND {column} = ? AND id < ? ORDER BY id DESC LIMIT ?"),
            &[text(workspace_id), text(value), text(before_id.unwrap_or("~")), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// Marks an action finished when (and only when) it is still pending; as
    /// a `Then`, it rides in the batch that applies the action.
    pub fn finish_action(workspace_id: &str, run_id: &str, idx: usize, status: &str, error: Option<&str>, now: i64) -> Then {
        Then {
            sql: "UPDATE workflow_run_actions SET status = ?, error = ?, finished_at = ? WHERE workspace_id = ? AND run_id = ? AND idx = ? AND status = 'pending'".into(),
            args: vec![text(status), opt_text(error), number(now), text(workspace_id), text(run_id), number(idx as i64)],
        }
    }

    fn then_statements(&self, thens: Vec<Then>) -> ApiResult<Vec<D1PreparedStatement>> {
        thens.into_iter().map(|then| self.statement(&then.sql, &then.args)).collect()
    }

    /// Ends a run (once), with the records of its last actions (a failed
    /// run's actions not done yet end `skipped`), and raises its event with
    /// its outbox rows (which the fan-out statements return).
    pub fn finish_run_statements(&self, earlier: Vec<Then>, run: &RunRow, status: &str, event: &EventRow, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, id) = (text(&run.workspace_id), text(&run.id));
        let finished = "EXISTS (SELECT 1 FROM workflow_runs WHERE workspace_id = ? AND id = ? AND status = ? AND finished_at = ?)";
        let finished_args = [ws.clone(), id.clone(), text(status), number(now)];
        let mut statements = self.then_statements(earlier)?;
        statements.push(self.statement(
            "UPDATE workflow_runs SET status = ?, finished_at = ? WHERE workspace_id = ? AND id = ? AND status IN ('running', 'held')",
            &[text(status), number(now), ws.clone(), id.clone()],
        )?);
        if status == "failed" {
            // The actions after the one that failed never run: they end skipped, never pending forever.
            let mut skip_args = vec![number(now), ws, id];
            skip_args.extend_from_slice(&finished_args);
            statements.push(self.statement(
                &format!("UPDATE workflow_run_actions SET status = 'skipped', finished_at = ? WHERE workspace_id = ? AND run_id = ? AND status = 'pending' AND {finished}"),
                &skip_args,
            )?);
        }
        // Its round-robin picks kept a retried action on the slot it took; a finished run retries nothing.
        statements.push(self.statement(
            &format!("DELETE FROM assignment_picks WHERE workspace_id = ? AND run_key >= ? || ':' AND run_key < ? || ';' AND {finished}"),
            &[finished_args[0].clone(), finished_args[1].clone(), finished_args[1].clone(), finished_args[0].clone(), finished_args[1].clone(), finished_args[2].clone(), finished_args[3].clone()],
        )?);
        statements.extend(self.event_with_jobs(event, (finished, &finished_args))?);
        Ok(statements)
    }


    /// A lead's runs and their action records (which may hold its data), for erasure.
    pub fn erase_runs_statements(&self, workspace_id: &str, lead_id: &str) -> ApiResult<Vec<D1PreparedStatement>> {
        let args = [text(workspace_id), text(lead_id)];
        Ok(vec![
            self.statement(
                "DELETE FROM workflow_run_actions WHERE workspace_id = ?1 AND run_id IN (SELECT id FROM workflow_runs WHERE workspace_id = ?1 AND lead_id = ?2)",
                &args,
            )?,
            self.statement(
                "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = 'the lead was erased' WHERE workspace_id = ?1 AND status = 'pending'
                 AND target_kind = 'run' AND target_id IN (SELECT id FROM workflow_runs WHERE workspace_id = ?1 AND lead_id = ?2)",
                &args,
            )?,
            self.statement("DELETE FROM workflow_runs WHERE workspace_id = ?1 AND lead_id = ?2", &args)?,
        ])
    }
}

#[derive(Clone, Copy)]
pub enum RunsBy<'a> {
    Workflow(&'a str),
    Lead(&'a str),
}
