//! Reading the delivery log, replaying deliveries, and the sweeper's scan.

use super::deliveries::{AttemptRow, DeadLettered, DeliveryRow, DueDelivery, MAX_UNRECORDED_CLAIMS};
use serde::Deserialize;
use super::{number, opt_text, text, CrossWorkspace, Store};
use crate::error::ApiResult;

impl Store {
    /// Newest first; one row more than `limit` tells the caller another page exists.
    pub async fn deliveries_for_target(&self, workspace_id: &str, target_id: &str, status: Option<&str>, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<DeliveryRow>> {
        self.all(
            "SELECT * FROM deliveries WHERE workspace_id = ?1 AND target_id = ?2 AND (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR id < ?4)
             ORDER BY id DESC LIMIT ?5",
            &[text(workspace_id), text(target_id), opt_text(status), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// A workspace's jobs, newest first, each with its run's workflow where it
    /// belongs to one; one row more than `limit` tells the caller another page exists.
    pub async fn jobs(&self, workspace_id: &str, filter: &JobFilter<'_>, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<DeliveryRow>> {
        self.all(
            &format!(
                "SELECT d.*, r.workflow_id AS workflow_id FROM deliveries d {RUN_OF_JOB}
                 WHERE d.workspace_id = ?1 AND (?2 IS NULL OR d.lead_id = ?2) AND (?3 IS NULL OR d.status = ?3) AND (?4 IS NULL OR d.target_kind = ?4)
                   AND (?5 IS NULL OR d.id < ?5)
                 ORDER BY d.id DESC LIMIT ?6"
            ),
            &[text(workspace_id), opt_text(filter.lead_id), opt_text(filter.status), opt_text(filter.kind), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// One job of a workspace, with its run's workflow where it belongs to one.
    pub async fn job(&self, workspace_id: &str, id: &str) -> ApiResult<Option<DeliveryRow>> {
        self.first(&format!("SELECT d.*, r.workflow_id AS workflow_id FROM deliveries d {RUN_OF_JOB} WHERE d.workspace_id = ?1 AND d.id = ?2"), &[text(workspace_id), text(id)]).await
    }

    pub async fn attempts_for(&self, workspace_id: &str, delivery_ids: &[String]) -> ApiResult<Vec<AttemptRow>> {
        let ids = serde_json::to_string(delivery_ids)?;
        self.all(
            "SELECT delivery_id, attempt, attempted_at, status_code, duration_ms, error, response_body FROM delivery_attempts
             WHERE workspace_id = ? AND delivery_id IN (SELECT value FROM json_each(?)) ORDER BY delivery_id, attempt",
            &[text(workspace_id), text(&ids)],
        )
        .await
    }

    pub async fn delivery(&self, workspace_id: &str, id: &str) -> ApiResult<Option<DeliveryRow>> {
        self.first("SELECT * FROM deliveries WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// Makes a finished delivery pending again; `None` if it is pending
    /// already or held by its paused campaign (the resume sends it). An
    /// in-order one rejoins its line, held (`in_order` = 1).
    pub async fn replay_delivery(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<Option<ReplayedDelivery>> {
        self.first(
            "UPDATE deliveries SET status = 'pending', next_attempt_at = CASE WHEN in_order = 1 THEN NULL ELSE ? END, updated_at = ?,
               dead_lettered_at = NULL, unrecorded_claims = 0
             WHERE workspace_id = ? AND id = ? AND status NOT IN ('pending', 'held')
             RETURNING id, workspace_id, attempts, in_order, target_id",
            &[number(now), number(now), text(workspace_id), text(id)],
        )
        .await
    }

    /// Makes a job that waits for its next scheduled retry due `now`, for
    /// the caller to attempt it at once (through the claim, so the message
    /// of the old schedule finds the attempt made). `None` unless it waits
    /// for a retry: not yet attempted (a follow-up keeps its time), waiting
    /// its turn (`next_attempt_at` NULL), claimed (an attempt is under way),
    /// or not pending at all.
    pub async fn make_retry_due(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<Option<DueDelivery>> {
        self.first(
            "UPDATE deliveries SET next_attempt_at = ?1, updated_at = ?1
             WHERE workspace_id = ?2 AND id = ?3 AND status = 'pending' AND next_attempt_at IS NOT NULL AND attempts > 0 AND unrecorded_claims = 0
             RETURNING id, workspace_id, attempts, in_order",
            &[number(now), text(workspace_id), text(id)],
        )
        .await
    }

    /// Notes that a failed delivery's message reached the dead-letter queue.
    /// Keeps the first arrival, as queues may deliver a message twice. `None`
    /// if the delivery is not failed (replayed meanwhile, or a message the
    /// delivery queue gave up on while its row stays pending for the sweeper).
    pub async fn mark_dead_lettered(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<Option<DeadLettered>> {
        self.first(
            "UPDATE deliveries SET dead_lettered_at = COALESCE(dead_lettered_at, ?1), updated_at = ?1
             WHERE workspace_id = ?2 AND id = ?3 AND status = 'failed'
             RETURNING target_kind, target_id, attempts",
            &[number(now), text(workspace_id), text(id)],
        )
        .await
    }
}

/// A job the queue must be handed now, with when it is due.
#[derive(Debug, Clone, Deserialize)]
pub struct DueSoon {
    pub id: String,
    pub workspace_id: String,
    pub attempts: u32,
    pub next_attempt_at: i64,
}

/// The run a job belongs to: a send action's job names it in `run_id`, a run's own job as its target.
const RUN_OF_JOB: &str = "LEFT JOIN workflow_runs r ON r.workspace_id = d.workspace_id AND r.id = COALESCE(d.run_id, CASE WHEN d.target_kind = 'run' THEN d.target_id END)";

/// What a job list is narrowed to; `kind` is the stored `target_kind`.
#[derive(Debug, Default)]
pub struct JobFilter<'a> {
    pub lead_id: Option<&'a str>,
    pub status: Option<&'a str>,
    pub kind: Option<&'a str>,
}

/// A replayed delivery, and where it goes (its line, if in order).
#[derive(Debug, Clone, Deserialize)]
pub struct ReplayedDelivery {
    pub id: String,
    pub workspace_id: String,
    pub attempts: u32,
    pub in_order: u32,
    pub target_id: String,
}

impl CrossWorkspace {
    /// The sweeper's scan, across workspaces by design: pending deliveries
    /// due before `overdue_before` (so their queue message, if any, is long
    /// late). Marks them due `now`, so a lost re-enqueue is found again.
    pub async fn claim_overdue(&self, overdue_before: i64, now: i64, limit: u32) -> ApiResult<Vec<DueDelivery>> {
        self.all(
            "UPDATE deliveries SET next_attempt_at = ? WHERE id IN (
               SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? AND unrecorded_claims < ? ORDER BY next_attempt_at LIMIT ?)
             RETURNING id, workspace_id, attempts",
            &[number(now), number(overdue_before), number(i64::from(MAX_UNRECORDED_CLAIMS)), number(i64::from(limit))],
        )
        .await
    }

    /// The sweeper's other scan, across workspaces by design: pending jobs
    /// due before `until` whose wait was set further ahead than a queue
    /// message can be delayed (`reach_ms`, measured from `updated_at`), so
    /// that no message carries them (a follow-up due in days, say); not
    /// those overdue past `overdue_before` (`claim_overdue` takes them) nor
    /// any whose attempt is running (its claim is unrecorded). Marks them
    /// handed over (`updated_at` = now); returns them, to enqueue with the
    /// delay that remains.
    pub async fn claim_due_beyond_reach(&self, until: i64, overdue_before: i64, reach_ms: i64, now: i64, limit: u32) -> ApiResult<Vec<DueSoon>> {
        self.all(
            "UPDATE deliveries SET updated_at = ?4 WHERE id IN (
               SELECT id FROM deliveries WHERE status = 'pending' AND next_attempt_at > ?2 AND next_attempt_at <= ?1
                 AND next_attempt_at - updated_at > ?3 AND unrecorded_claims = 0 ORDER BY next_attempt_at LIMIT ?5)
             RETURNING id, workspace_id, attempts, next_attempt_at",
            &[number(until), number(overdue_before), number(reach_ms), number(now), number(i64::from(limit))],
        )
        .await
    }
}
