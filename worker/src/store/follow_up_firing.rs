//! Firing a follow-up, for the batch that records its job's attempt: a
//! compare-and-set on the follow-up's `status` that writes its event and
//! outbox rows, then where the job stands, decided from what the batch did.

use super::campaigns::response_status_sql;
use super::follow_ups::{job_id, FollowUpRow, CANCELLED_BY_ARCHIVE};
use super::leads::EventRow;
use super::{number, text, Store};
use crate::error::ApiResult;
use worker::D1PreparedStatement;

/// Firing a follow-up: its event, and whether it is a Telegram reminder
/// (else a webhook event fanned out to subscribed endpoints).
pub struct Firing<'a> {
    pub follow_up: &'a FollowUpRow,
    pub event: &'a EventRow,
    pub telegram: bool,
    pub now: i64,
}

impl Store {
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
        if f.telegram {
            // A reminder goes to the chat only, whatever endpoints subscribe to.
            statements.push(self.event_statement(f.event, (fired, &fired_args))?);
            statements.push(self.statement(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_tg', ?2, ?1, ?3, 'telegram', 'telegram', ?4, ?4, ?4
                 FROM integrations i WHERE i.workspace_id = ?2 AND i.kind = 'telegram' AND EXISTS (SELECT 1 FROM events WHERE id = ?1 AND workspace_id = ?2)
                 RETURNING id, workspace_id, attempts",
                &[text(&f.event.id), text(ws), text(&f.event.kind), number(f.now)],
            )?);
        } else {
            statements.extend(self.event_with_jobs(f.event, (fired, &fired_args))?);
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
}
