//! Follow-ups: the rows the API shows, each with the outbox job that fires
//! it. Scheduling writes both in one batch; cancelling ends the job
//! `cancelled`; firing is `follow_up_firing`'s.

use super::deliveries::{CANCELLED as JOB_CANCELLED, HELD};
use super::{changes, number, text, Store};
use crate::error::ApiResult;
use leadsbot_shared::campaign::Control;
use leadsbot_shared::job::JobKind;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

pub const SCHEDULED: &str = "scheduled";
pub const CANCELLED: &str = "cancelled";
/// `cancel_reason`s.
pub const CANCELLED_BY_STATUS_CHANGE: &str = "status_changed";
pub const CANCELLED_BY_REQUEST: &str = "deleted";
pub const CANCELLED_BY_ARCHIVE: &str = "campaign_archived";

const JOB_KIND: &str = JobKind::FollowUp.as_str();

/// The id of the outbox job that fires a follow-up: one per follow-up.
pub fn job_id(follow_up_id: &str) -> String {
    format!("dlv_{follow_up_id}")
}

/// A follow-up with where its job stands (the job fields are `None` once
/// retention has removed a settled job).
const SELECT: &str = "SELECT f.id, f.workspace_id, f.lead_id, f.due_at, f.status, f.action, f.cancel_on_status_change, f.created_by,
       f.sent_at, f.event_id, f.cancelled_at, f.cancel_reason, f.created_at, f.updated_at,
       d.id AS job_id, d.status AS job_status, d.attempts AS job_attempts, d.last_error AS job_error
     FROM follow_ups f LEFT JOIN deliveries d ON d.workspace_id = f.workspace_id AND d.id = 'dlv_' || f.id";

#[derive(Debug, Clone, Deserialize)]
pub struct FollowUpRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub due_at: i64,
    pub status: String,
    /// JSON of the action (`shared::workflow::FollowUpAction`).
    pub action: String,
    pub cancel_on_status_change: u32,
    pub created_by: String,
    pub sent_at: Option<i64>,
    pub event_id: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub job_id: Option<String>,
    pub job_status: Option<String>,
    pub job_attempts: Option<u32>,
    pub job_error: Option<String>,
}

impl FollowUpRow {
    /// Due, but waiting: its job is held for the lead's paused campaign.
    pub fn held(&self) -> bool {
        self.job_status.as_deref() == Some(HELD)
    }
}

/// Ends as `cancelled` the pending or held follow-up jobs of some leads
/// (`leads`, SQL over `lead_id` with `?1` the workspace) whose follow-up was
/// cancelled or deleted; `now` is the placeholder of the time.
fn cancel_jobs_sql(leads: &str, now: &str) -> String {
    format!(
        "UPDATE deliveries SET status = '{JOB_CANCELLED}', next_attempt_at = NULL, updated_at = {now}
         WHERE workspace_id = ?1 AND {leads} AND target_kind = '{JOB_KIND}' AND status IN ('pending', '{HELD}')
           AND NOT EXISTS (SELECT 1 FROM follow_ups f WHERE f.workspace_id = ?1 AND f.id = deliveries.target_id AND f.status != 'cancelled')"
    )
}

impl Store {
    /// Stores a follow-up of an existing lead and, in the same batch, the
    /// job that fires it: pending, due at its time. `event_type` is what it
    /// writes when it fires. Until then the job has no event: its `event_id`
    /// (never NULL) holds the follow-up's id, and becomes the id of the event
    /// the firing wrote. False when the lead does not exist or the id was
    /// taken (the job, too, is then written at most once).
    pub async fn schedule_follow_up(&self, row: &FollowUpRow, event_type: &str) -> ApiResult<bool> {
        let follow_up = self.statement(
            "INSERT OR IGNORE INTO follow_ups (id, workspace_id, lead_id, due_at, status, action, cancel_on_status_change, created_by, created_at, updated_at)
             SELECT ?1, ?2, ?3, ?4, 'scheduled', ?5, ?6, ?7, ?8, ?8 WHERE EXISTS (SELECT 1 FROM leads WHERE workspace_id = ?2 AND id = ?3)",
            &[text(&row.id), text(&row.workspace_id), text(&row.lead_id), number(row.due_at), text(&row.action),
              number(i64::from(row.cancel_on_status_change)), text(&row.created_by), number(row.created_at)],
        )?;
        let job = self.statement(
            &format!(
                "INSERT OR IGNORE INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, lead_id, next_attempt_at, created_at, updated_at)
                 SELECT ?1, f.workspace_id, f.id, ?2, '{JOB_KIND}', f.id, f.lead_id, f.due_at, ?3, ?3
                 FROM follow_ups f WHERE f.workspace_id = ?4 AND f.id = ?5 AND f.status = 'scheduled'"
            ),
            &[text(&job_id(&row.id)), text(event_type), number(row.created_at), text(&row.workspace_id), text(&row.id)],
        )?;
        let results = self.batch(vec![follow_up, job]).await?;
        Ok(results.first().map(changes) == Some(1))
    }

    pub async fn follow_up(&self, workspace_id: &str, id: &str) -> ApiResult<Option<FollowUpRow>> {
        self.first(&format!("{SELECT} WHERE f.workspace_id = ? AND f.id = ?"), &[text(workspace_id), text(id)]).await
    }

    /// A lead's follow-ups, oldest first (a lead has few).
    /// A lead's follow-ups, oldest first (by id), after the id
    /// `after` (exclusive). At most `limit` rows.
    pub async fn lead_follow_ups(&self, workspace_id: &str, lead_id: &str, after: Option<&str>, limit: u32) -> ApiResult<Vec<FollowUpRow>> {
        self.all(
            &format!("{SELECT} WHERE f.workspace_id = ? AND f.lead_id = ? AND f.id > ? ORDER BY f.id LIMIT ?"),
            &[text(workspace_id), text(lead_id), text(after.unwrap_or("")), number(i64::from(limit))],
        )
        .await
    }

    /// Cancels a scheduled follow-up and its job; false if it was not scheduled (any more).
    pub async fn cancel_follow_up(&self, workspace_id: &str, lead_id: &str, id: &str, reason: &str, now: i64) -> ApiResult<bool> {
        let args = [text(workspace_id), text(lead_id), number(now), text(reason), text(id)];
        let follow_up = self.statement(
            "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?3, cancel_reason = ?4, updated_at = ?3
             WHERE workspace_id = ?1 AND lead_id = ?2 AND id = ?5 AND status = 'scheduled'",
            &args,
        )?;
        let job = self.statement(&cancel_jobs_sql("lead_id = ?2", "?3"), &args[..3])?;
        let results = self.batch(vec![follow_up, job]).await?;
        Ok(results.first().map(changes) == Some(1))
    }

    /// For a lead change's batch: when its status changes, follow-ups that
    /// said so are cancelled, exactly when the change applies (`applied`),
    /// and their jobs with them.
    pub fn cancel_on_status_change_statements(&self, workspace_id: &str, lead_id: &str, now: i64, applied: (&str, &[JsValue])) -> ApiResult<Vec<D1PreparedStatement>> {
        let mut args = vec![text(workspace_id), text(lead_id), number(now), text(CANCELLED_BY_STATUS_CHANGE)];
        args.extend_from_slice(applied.1);
        let follow_ups = self.statement(
            &format!(
                // Bare `?`s in `applied` number on from ?5.
                "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?3, cancel_reason = ?4, updated_at = ?3
                 WHERE workspace_id = ?1 AND lead_id = ?2 AND status = 'scheduled' AND cancel_on_status_change = 1 AND {}",
                applied.0
            ),
            &args,
        )?;
        Ok(vec![follow_ups, self.statement(&cancel_jobs_sql("lead_id = ?2", "?3"), &args[..3])?])
    }

    /// For an erasure's batch, after the lead's follow-ups are deleted: their jobs end cancelled.
    pub fn cancel_erased_jobs_statement(&self, workspace_id: &str, lead_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
        self.statement(&cancel_jobs_sql("lead_id = ?2", "?3"), &[text(workspace_id), text(lead_id), number(now)])
    }

    /// For a campaign control's batch (`?1` workspace, `?2` campaign, `?3`
    /// control, `?4` now; `guard` the control's own condition): archive
    /// cancels every scheduled follow-up of the campaign's leads and their
    /// jobs (an archived campaign has no response at all). Held follow-up
    /// jobs are released on resume with the rest of the campaign's held jobs.
    pub fn campaign_follow_ups_statements(&self, control: Control, args: &[JsValue], guard: &str) -> ApiResult<Vec<D1PreparedStatement>> {
        if !matches!(control, Control::Archive) {
            return Ok(Vec::new());
        }
        let of_campaign = "lead_id IN (SELECT id FROM leads WHERE workspace_id = ?1 AND campaign_id = ?2)";
        Ok(vec![
            self.statement(
                &format!(
                    "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?4, cancel_reason = '{CANCELLED_BY_ARCHIVE}', updated_at = ?4
                     WHERE workspace_id = ?1 AND status = 'scheduled' AND {of_campaign} AND {guard}"
                ),
                args,
            )?,
            self.statement(&format!("{} AND {guard}", cancel_jobs_sql(of_campaign, "?4")), args)?,
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_follow_ups_job_is_named_after_it() {
        assert_eq!(job_id("fu_01ABC"), "dlv_fu_01ABC");
        assert!(SELECT.contains("d.id = 'dlv_' || f.id"), "the join agrees with job_id");
    }

    #[test]
    fn only_jobs_of_follow_ups_no_longer_wanted_are_cancelled() {
        let sql = cancel_jobs_sql("lead_id = ?2", "?3");
        assert!(sql.contains("target_kind = 'follow_up'"), "{sql}");
        assert!(sql.contains("status IN ('pending', 'held')"), "settled jobs keep their outcome");
        assert!(sql.contains("f.status != 'cancelled'"), "a scheduled or sent follow-up keeps its job");
    }
}
