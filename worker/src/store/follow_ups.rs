//! Follow-ups: the rows the API shows, each with the outbox job that fires
//! it. Scheduling writes both in one batch; firing is a compare-and-set on
//! `status` in the batch that records the job's attempt and writes the
//! follow-up's event and outbox rows; cancelling ends the job `cancelled`.

use super::campaigns::response_status_sql;
use super::deliveries::{CANCELLED as JOB_CANCELLED, HELD};
use super::leads::{event_values, EventRow};
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

/// Firing a follow-up: its event, and whether it is a Telegram reminder
/// (else a webhook event fanned out to subscribed endpoints).
pub struct Firing<'a> {
    pub follow_up: &'a FollowUpRow,
    pub event: &'a EventRow,
    pub telegram: bool,
    pub now: i64,
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
    pub async fn lead_follow_ups(&self, workspace_id: &str, lead_id: &str, limit: u32) -> ApiResult<Vec<FollowUpRow>> {
        self.all(&format!("{SELECT} WHERE f.workspace_id = ? AND f.lead_id = ? ORDER BY f.id LIMIT ?"), &[text(workspace_id), text(lead_id), number(i64::from(limit))])
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

    /// For the batch that records a follow-up job's attempt: fires the
    /// follow-up (flips it to sent, writes its event and outbox rows) only
    /// if it is still scheduled and its lead's campaign lets response work
    /// run; once the campaign is archived it is cancelled instead. Then
    /// settles the job (`settle_job_statement`). The outbox inserts return
    /// their rows (as `DueDelivery`), to work next.
    pub fn fire_statements(&self, f: &Firing<'_>) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, id) = (&f.follow_up.workspace_id, &f.follow_up.id);
        let fired = "EXISTS (SELECT 1 FROM follow_ups WHERE workspace_id = ? AND id = ? AND event_id = ?)";
        let fired_args = [text(ws), text(id), text(&f.event.id)];
        // The campaigns' one hold rule, for this follow-up's lead: 'pending' fires, 'held' waits, NULL (archived) never.
        let policy = response_status_sql("follow_ups.lead_id", "follow_ups.workspace_id");
        let this = [number(f.now), text(ws), text(id)];
        let mut statements = vec![
            self.statement(
                &format!("UPDATE follow_ups SET status = 'sent', sent_at = ?1, event_id = ?4, updated_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND status = 'scheduled' AND {policy} = 'pending'"),
                &[this[0].clone(), this[1].clone(), this[2].clone(), text(&f.event.id)],
            )?,
            self.statement(
                &format!("UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?1, cancel_reason = '{CANCELLED_BY_ARCHIVE}', updated_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND status = 'scheduled' AND {policy} IS NULL"),
                &this,
            )?,
        ];
        let mut event_args = event_values(f.event);
        event_args.extend_from_slice(&fired_args);
        statements.push(self.statement(&format!("INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE {fired}"), &event_args)?);
        if f.telegram {
            statements.push(self.statement(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_tg', ?2, ?1, ?3, 'telegram', 'telegram', ?4, ?4, ?4
                 FROM integrations i WHERE i.workspace_id = ?2 AND i.kind = 'telegram' AND EXISTS (SELECT 1 FROM events WHERE id = ?1 AND workspace_id = ?2)
                 RETURNING id, workspace_id, attempts",
                &[text(&f.event.id), text(ws), text(&f.event.kind), number(f.now)],
            )?);
        } else {
            statements.extend(self.fan_out_statements(f.event, Some((fired, &fired_args)))?);
        }
        statements.push(self.settle_job_statement(ws, id, &f.follow_up.lead_id, f.now)?);
        Ok(statements)
    }

    /// Where a follow-up's job stands once its attempt is recorded (run
    /// after that record, in its batch), from its follow-up as the batch
    /// left it: sent → `succeeded` (naming the event it wrote); still
    /// scheduled → `held` while its lead's campaign is paused (a resume
    /// releases it), else `pending` again, due now; cancelled or gone →
    /// `cancelled`.
    pub fn settle_job_statement(&self, workspace_id: &str, follow_up_id: &str, lead_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
        let of = "FROM follow_ups f WHERE f.workspace_id = ?1 AND f.id = ?3";
        let status = format!(
            "CASE (SELECT f.status {of}) WHEN 'sent' THEN 'succeeded'
               WHEN 'scheduled' THEN CASE {} WHEN 'held' THEN 'held' WHEN 'pending' THEN 'pending' ELSE 'cancelled' END
               ELSE 'cancelled' END",
            response_status_sql("?4", "?1")
        );
        self.statement(
            &format!(
                "UPDATE deliveries SET status = {status}, next_attempt_at = CASE WHEN {status} = 'pending' THEN ?5 END,
                   event_id = COALESCE((SELECT f.event_id {of} AND f.status = 'sent'), event_id)
                 WHERE workspace_id = ?1 AND id = ?2"
            ),
            &[text(workspace_id), text(&job_id(follow_up_id)), text(follow_up_id), text(lead_id), number(now)],
        )
    }

    /// For the batch that records an attempt made before its follow-up was
    /// due (a message that came early): the attempt is undone, and the job
    /// waits for its time again (`attempts` as before the claim).
    pub fn not_due_statements(&self, workspace_id: &str, job_id: &str, attempts: u32, due_at: i64, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let args = [text(workspace_id), text(job_id), number(i64::from(attempts)), number(due_at), number(now)];
        Ok(vec![
            self.statement(
                "UPDATE deliveries SET status = 'pending', attempts = ?3, next_attempt_at = ?4, unrecorded_claims = 0, last_status_code = NULL, last_error = NULL, updated_at = ?5
                 WHERE workspace_id = ?1 AND id = ?2",
                &args,
            )?,
            self.statement("DELETE FROM delivery_attempts WHERE workspace_id = ?1 AND delivery_id = ?2 AND attempt = ?3 + 1", &args[..3])?,
        ])
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
