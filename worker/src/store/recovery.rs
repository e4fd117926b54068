//! Recovering what an endpoint missed, the in-order line recovered
//! deliveries wait in, and giving up on deliveries that cannot be attempted.
//!
//! An in-order delivery (`in_order = 1`) waits with `next_attempt_at` NULL
//! ("held") until it is the head of its endpoint's line, the oldest pending
//! in-order delivery; only then is it released (due now) and enqueued. Ids
//! of one endpoint's deliveries sort like their events' ids, by event time.

use super::deliveries::{DueDelivery, MAX_UNRECORDED_CLAIMS};
use super::{number, text, CrossWorkspace, Store};
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use worker::D1PreparedStatement;

/// What one recover call created for events the endpoint never received.
pub struct Recovered {
    /// Deliveries created for missing events.
    pub missing: u32,
    /// More failed or missing deliveries remain beyond this call's cap.
    pub more: bool,
    /// The head of the line, if it was waiting: enqueue it now.
    pub released: Vec<DueDelivery>,
}

/// The endpoint to recover, and the event types webhooks carry.
pub struct EndpointRef<'a> {
    pub workspace_id: &'a str,
    pub id: &'a str,
    pub event_types: &'a [&'a str],
}

#[derive(Deserialize)]
struct More {
    more: u32,
}

/// The events of a workspace since a time (never before the endpoint
/// existed) of a type webhooks carry, that the endpoint subscribes to and
/// has no delivery for. ?1 workspace, ?2 endpoint id, ?3 since, ?4 JSON
/// array of the event types webhooks carry (others, like Telegram digests,
/// never go to endpoints).
const MISSING_EVENTS: &str = "FROM events ev JOIN webhook_endpoints e ON e.workspace_id = ?1 AND e.id = ?2
     WHERE ev.workspace_id = ?1 AND ev.created_at >= max(?3, e.created_at)
       AND ev.type IN (SELECT value FROM json_each(?4))
       AND (e.events = '[]' OR EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = ev.type))
       AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.workspace_id = ?1 AND d.event_id = ev.id AND d.target_id = ?2)";

/// Failed deliveries to the endpoint since a time. ?1 workspace, ?2 endpoint id, ?3 since.
const FAILED_SINCE: &str = "FROM deliveries WHERE workspace_id = ?1 AND target_id = ?2 AND status = 'failed' AND created_at >= ?3";

impl Store {
    /// Makes up to `limit` failed deliveries to an endpoint since `since`
    /// pending again (in-order ones rejoin their line, held).
    pub async fn replay_failed_since(&self, workspace_id: &str, target_id: &str, since: i64, now: i64, limit: u32) -> ApiResult<Vec<DueDelivery>> {
        self.all(
            &format!(
                "UPDATE deliveries SET status = 'pending', next_attempt_at = CASE WHEN in_order = 1 THEN NULL ELSE ?4 END,
                   updated_at = ?4, dead_lettered_at = NULL, unrecorded_claims = 0
                 WHERE workspace_id = ?1 AND id IN (SELECT id {FAILED_SINCE} ORDER BY id LIMIT ?5)
                 RETURNING id, workspace_id, attempts, in_order"
            ),
            &[text(workspace_id), text(target_id), number(since), number(now), number(i64::from(limit))],
        )
        .await
    }

    /// Creates, in one batch, a held in-order delivery for each of the first
    /// `limit` missing events (by event time), tells whether more remain, and
    /// releases the head of the line. Delivery ids derive from event and
    /// endpoint, so a repeated or concurrent call never doubles one.
    pub async fn recover_missing(&self, endpoint: EndpointRef<'_>, since: i64, now: i64, limit: u32) -> ApiResult<Recovered> {
        let (workspace_id, endpoint_id) = (endpoint.workspace_id, endpoint.id);
        let types = serde_json::to_string(endpoint.event_types)?;
        let args = [text(workspace_id), text(endpoint_id), number(since), text(&types), number(now), number(i64::from(limit))];
        let insert = self.statement(
            &format!(
                "INSERT OR IGNORE INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, in_order, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(ev.id, 5) || '_' || substr(?2, 4), ?1, ev.id, ev.type, 'webhook', ?2, 1, NULL, ev.created_at, ?5
                 {MISSING_EVENTS} ORDER BY ev.created_at, ev.id LIMIT ?6
                 RETURNING id"
            ),
            &args,
        )?;
        let more = self.statement(
            &format!("SELECT (EXISTS (SELECT 1 {MISSING_EVENTS}) OR EXISTS (SELECT 1 {FAILED_SINCE})) AS more"),
            &args[..4],
        )?;
        let release = self.release_head(workspace_id, endpoint_id, now)?;
        let results = self.batch(vec![insert, more, release]).await?;
        let rows = |i: usize| results.get(i).ok_or_else(|| ApiError::internal("d1 batch", "missing result"));
        let missing = rows(0)?.results::<serde_json::Value>().map_err(|e| ApiError::internal("d1 rows", e))?.len() as u32;
        let more = rows(1)?.results::<More>().map_err(|e| ApiError::internal("d1 rows", e))?.first().is_some_and(|m| m.more == 1);
        let released = rows(2)?.results::<DueDelivery>().map_err(|e| ApiError::internal("d1 rows", e))?;
        Ok(Recovered { missing, more, released })
    }

    /// Releases the head of an endpoint's in-order line if it is waiting
    /// (due now; enqueue what it returns). Run after a line member finishes
    /// and after anything joins the line; releasing only a waiting head keeps
    /// one delivery of the line in flight at a time.
    pub fn release_head(&self, workspace_id: &str, target_id: &str, now: i64) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "UPDATE deliveries SET next_attempt_at = ?3, updated_at = ?3
             WHERE workspace_id = ?1 AND next_attempt_at IS NULL AND id = (
               SELECT id FROM deliveries WHERE workspace_id = ?1 AND target_id = ?2 AND in_order = 1 AND status = 'pending' ORDER BY id LIMIT 1)
             RETURNING id, workspace_id, attempts",
            &[text(workspace_id), text(target_id), number(now)],
        )
    }

    pub async fn release_heads_of(&self, workspace_id: &str, target_id: &str, now: i64) -> ApiResult<Vec<DueDelivery>> {
        let result = self.release_head(workspace_id, target_id, now)?.all().await.map_err(|e| ApiError::internal("d1 query", e))?;
        result.results().map_err(|e| ApiError::internal("d1 rows", e))
    }
}

impl CrossWorkspace {
    /// The sweeper's safety net, across workspaces by design: releases the
    /// waiting head of every in-order line (one whose release was lost).
    pub async fn release_waiting_heads(&self, now: i64, limit: u32) -> ApiResult<Vec<DueDelivery>> {
        self.all(
            "UPDATE deliveries SET next_attempt_at = ?1, updated_at = ?1 WHERE next_attempt_at IS NULL AND id IN (
               SELECT min(id) FROM deliveries WHERE in_order = 1 AND status = 'pending' GROUP BY workspace_id, target_id LIMIT ?2)
             RETURNING id, workspace_id, attempts",
            &[number(now), number(i64::from(limit))],
        )
        .await
    }

    /// The sweeper, across workspaces by design: deliveries claimed
    /// `MAX_UNRECORDED_CLAIMS` times in a row without any outcome recorded
    /// (and overdue, so no attempt is still running) are given up on: the
    /// reason is recorded as an attempt and they are marked failed; a run
    /// waiting for one (a workflow action's job) is made due, to take that
    /// outcome when the sweeper next finds it overdue. Returns them, to
    /// dead-letter and to release whatever waited behind them.
    pub async fn give_up_unattemptable(&self, overdue_before: i64, now: i64, limit: u32) -> ApiResult<Vec<DueDelivery>> {
        let stuck = "SELECT id FROM deliveries WHERE status = 'pending' AND unrecorded_claims >= ?1 AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3";
        let reason = format!("given up: claimed {MAX_UNRECORDED_CLAIMS} times without an attempt being made or recorded");
        let args = [number(i64::from(MAX_UNRECORDED_CLAIMS)), number(overdue_before), number(i64::from(limit)), number(now), text(&reason)];
        let log = self.statement(
            &format!(
                "INSERT INTO delivery_attempts (workspace_id, delivery_id, attempt, attempted_at, status_code, duration_ms, error, response_body)
                 SELECT workspace_id, id, attempts, ?4, NULL, 0, ?5, NULL FROM deliveries WHERE id IN ({stuck})"
            ),
            &args,
        )?;
        let release_runs = self.statement(
            &format!(
                "UPDATE deliveries SET next_attempt_at = ?4, updated_at = ?4 WHERE status = 'pending' AND next_attempt_at IS NULL AND target_kind = 'run'
                 AND id IN (SELECT 'dlv_' || substr(run_id, 5) FROM deliveries WHERE run_id IS NOT NULL AND id IN ({stuck}))"
            ),
            &args[..4],
        )?;
        let fail = self.statement(
            &format!(
                "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_status_code = NULL, last_error = ?5, updated_at = ?4, unrecorded_claims = 0
                 WHERE id IN ({stuck}) RETURNING id, workspace_id, attempts"
            ),
            &args,
        )?;
        let results = self.batch(vec![log, release_runs, fail]).await?;
        results.get(2).map(|r| r.results().map_err(|e| ApiError::internal("d1 rows", e))).unwrap_or(Ok(Vec::new()))
    }
}
