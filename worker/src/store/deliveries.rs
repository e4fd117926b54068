//! The delivery outbox and its attempt log.

use leadsbot_shared::job::{JobKind, JobStatus, UnknownJobKind};
use leadsbot_shared::workflow::Trigger;
use leadsbot_shared::members::Alerts;
use super::{number, opt_text, text, Store};
use crate::error::{ApiError, ApiResult};
use crate::store::leads::EventRow;
use super::campaigns::{next_attempt_sql, response_status_sql};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

pub const HELD: &str = JobStatus::Held.as_str();
pub const PENDING: &str = JobStatus::Pending.as_str();
pub const SUCCEEDED: &str = JobStatus::Succeeded.as_str();
pub const FAILED: &str = JobStatus::Failed.as_str();
pub const CANCELLED: &str = JobStatus::Cancelled.as_str();
/// The target of the outbox row that expands an event into workflow runs.
pub const WORKFLOWS_TARGET: &str = JobKind::WorkflowExpansion.as_str();

/// A delivery with the bytes it sends.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DeliveryJob {
    pub id: String,
    pub workspace_id: String,
    pub event_type: String,
    pub target_kind: String,
    pub target_id: String,
    /// Attempts made before this one.
    pub attempts: u32,
    /// The event's bytes; `None` when the event row is gone.
    pub payload: Option<String>,
    /// 1 for recovered deliveries that go out one at a time, in event order.
    #[serde(default)]
    pub in_order: u32,
    /// The run and action that raised it, for a workflow action's job.
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub action_index: Option<u32>,
}

impl DeliveryJob {
    /// What the job does; an unknown stored kind is the job's own error.
    pub fn kind(&self) -> Result<JobKind, UnknownJobKind> {
        JobKind::parse(&self.target_kind)
    }

    fn is(&self, kind: JobKind) -> bool {
        self.target_kind == kind.as_str()
    }

    pub fn is_webhook(&self) -> bool {
        self.is(JobKind::Webhook)
    }

    pub fn is_run(&self) -> bool {
        self.is(JobKind::WorkflowRun)
    }

    /// What is sent: the event's stored bytes.
    pub fn body(&self) -> &str {
        self.payload.as_deref().unwrap_or_default()
    }
}

/// Claims in a row that may end without a recorded attempt before the
/// delivery is given up on (marked failed, with that reason, and dead-lettered).
pub const MAX_UNRECORDED_CLAIMS: u32 = 3;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeliveryRow {
    pub id: String,
    pub event_id: String,
    pub event_type: String,
    pub target_kind: String,
    pub target_id: String,
    pub status: String,
    pub attempts: u32,
    pub next_attempt_at: Option<i64>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub created_at: i64,
    /// When its exhausted message reached the dead-letter queue; cleared by a replay.
    pub dead_lettered_at: Option<i64>,
    #[serde(default)]
    pub updated_at: i64,
    /// The lead the job concerns (none for a digest).
    #[serde(default)]
    pub lead_id: Option<String>,
    /// The run and action a run's send job belongs to.
    #[serde(default)]
    pub run_id: Option<String>,
    #[serde(default)]
    pub action_index: Option<u32>,
    /// The workflow of the job's run, where a reader joined it.
    #[serde(default)]
    pub workflow_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AttemptRow {
    pub delivery_id: String,
    pub attempt: u32,
    pub attempted_at: i64,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response_body: Option<String>,
}

/// Where a delivery stands after an attempt.
pub struct AttemptRecord<'a> {
    pub attempt: &'a AttemptRow,
    pub status: &'a str,
    pub next_attempt_at: Option<i64>,
}

/// How the batch that writes an event's outbox rows claims them for the
/// writing request's own first attempt: leased until `busy_until`, at most `cap`.
#[derive(Debug, Clone, Copy)]
pub struct NewClaim {
    pub busy_until: i64,
    pub cap: usize,
}

/// An attempt a queue message asks for.
pub struct AttemptClaim<'a> {
    pub workspace_id: &'a str,
    pub delivery_id: &'a str,
    pub attempts_made: u32,
}

/// A delivery to (re-)enqueue: ids and the attempts already made.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct DueDelivery {
    pub id: String,
    pub workspace_id: String,
    pub attempts: u32,
    /// 1 when it waits its turn in its endpoint's in-order line (never enqueued directly).
    #[serde(default)]
    pub in_order: u32,
    /// 1 when it is response work held for a paused campaign (never enqueued
    /// until a resume releases it).
    #[serde(default)]
    pub held: u32,
}

impl DueDelivery {
    /// Held work waits for its campaign's resume (which releases it) or
    /// archive (which cancels it): it is never enqueued or attempted before.
    pub fn is_held(&self) -> bool {
        self.held != 0
    }
}

/// A delivery as its dead letter found it.
#[derive(Debug, Clone, Deserialize)]
pub struct DeadLettered {
    pub target_kind: String,
    pub target_id: String,
    pub attempts: u32,
}

/// The one claim protocol, over the rows `which` (SQL from ?3 on) picks: a
/// pending row's next attempt is counted (as not yet recorded) and leased
/// to its claimer until ?1 (the sweeper leaves it alone meanwhile), at ?2.
/// A row claimed `MAX_UNRECORDED_CLAIMS` times without a record is left for
/// the sweeper to give up on. Returns each claimed row as a `DeliveryJob`.
fn claim_sql(which: &str) -> String {
    format!(
        "UPDATE deliveries SET attempts = attempts + 1, unrecorded_claims = unrecorded_claims + 1, next_attempt_at = ?1, updated_at = ?2
         WHERE {which} AND status = 'pending' AND next_attempt_at IS NOT NULL AND unrecorded_claims < {MAX_UNRECORDED_CLAIMS}
         RETURNING id, workspace_id, event_type, target_kind, target_id, attempts - 1 AS attempts, in_order, run_id, action_index,
           (SELECT payload FROM events e WHERE e.id = deliveries.event_id AND e.workspace_id = deliveries.workspace_id) AS payload"
    )
}

/// A condition the capture batch adds so its writes happen only if this
/// request won its idempotency key.
pub type Guard<'a> = Option<(&'a str, &'a [JsValue])>;

impl Store {
    /// An event and every job it raises (`fan_out_statements`), written only
    /// where `guard` (SQL and its arguments) holds: the one way an event
    /// enters the outbox. The event's statement comes first; the jobs'
    /// (whose `RETURNING` rows are the new jobs) follow it.
    pub fn event_with_jobs(&self, event: &EventRow, guard: (&str, &[JsValue])) -> ApiResult<Vec<D1PreparedStatement>> {
        let mut statements = vec![self.event_statement(event, guard)?];
        statements.extend(self.fan_out_statements(event, Some(guard))?);
        Ok(statements)
    }

    /// An event alone, written only where `guard` holds (its jobs are the caller's).
    pub fn event_statement(&self, event: &EventRow, guard: (&str, &[JsValue])) -> ApiResult<D1PreparedStatement> {
        let mut args = super::leads::event_values(event);
        args.extend_from_slice(guard.1);
        self.statement(&format!("INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE {}", guard.0), &args)
    }

    /// The outbox rows for an event, to run in the same batch as the event:
    /// one per subscribed live endpoint, a Telegram and a Slack alert for new leads, and
    /// one to expand the event into workflow runs if a workflow could want it
    /// (both response work, by the campaign rule `campaigns::response_status_sql`).
    /// Ids derive from event and target, so a delivery is never doubled.
    /// Each returns the rows it wrote (as `DueDelivery`), ready to enqueue.
    /// Statements that could write nothing for this kind of event are left out.
    pub fn fan_out_statements(&self, event: &EventRow, guard: Guard<'_>) -> ApiResult<Vec<D1PreparedStatement>> {
        let (guard_sql, guard_args) = guard.map(|(sql, args)| (format!(" AND {sql}"), args)).unwrap_or_default();
        let mut webhook_args = vec![text(&event.id), text(&event.kind), number(event.created_at), text(&event.workspace_id), text(&event.kind)];
        webhook_args.extend_from_slice(guard_args);
        let webhooks = self.statement(
            &format!(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_' || substr(e.id, 4), e.workspace_id, ?1, ?2, 'webhook', e.id, ?3, ?3, ?3
                 FROM webhook_endpoints e WHERE e.workspace_id = ?4 AND e.disabled_at IS NULL
                 AND (e.events = '[]' OR EXISTS (SELECT 1 FROM json_each(e.events) WHERE value = ?5)){}
                 RETURNING id, workspace_id, attempts",
                numbered(&guard_sql, 6)
            ),
            &webhook_args,
        )?;
        let mut statements = vec![webhooks];
        // A Telegram and a Slack alert for each new lead, where set up.
        if event.kind == leadsbot_shared::event::LEAD_CREATED {
            statements.push(self.integration_alerts_statement(event, (&guard_sql, guard_args))?);
        }
        // An email alert for each active member who chose every new lead (or has it by their role).
        if event.kind == leadsbot_shared::event::LEAD_CREATED && self.member_mail {
            statements.push(self.member_alerts_statement(event, (&guard_sql, guard_args), &format!("{} = 'all'", Alerts::sql("m.alerts", "m.role")))?);
        }
        // And one for the member a lead was just assigned to, unless they chose no such alert.
        if event.kind == leadsbot_shared::event::LEAD_ASSIGNED && self.member_mail {
            let assignee = "m.id = (SELECT json_extract(e.payload, '$.data.assignee') FROM events e WHERE e.workspace_id = ?4 AND e.id = ?1)";
            statements.push(self.member_alerts_statement(event, (&guard_sql, guard_args), &format!("{} IN ('all', 'assigned') AND {assignee}", Alerts::sql("m.alerts", "m.role")))?);
        }
        // Workflows are never evaluated here: one row says "expand this event
        // into runs" when an enabled workflow could be triggered by it.
        if Trigger::EVENTS.contains(&event.kind.as_str()) {
            statements.push(self.response_statement(
                event,
                (&guard_sql, guard_args),
                ("wf", WORKFLOWS_TARGET),
                "EXISTS (SELECT 1 FROM workflows w WHERE w.workspace_id = ?4 AND w.enabled = 1 AND w.trigger_event = ?2)",
            )?);
        }
        Ok(statements)
    }

    /// One row of response work for an event, if `wanted` (SQL over ?2, the
    /// event type, and ?4, the workspace) holds: held while the lead's
    /// campaign is paused (released in capture order on resume), none when
    /// it is archived. `target` is (id suffix, target kind and id). `wanted`
    /// is checked first (the cross join keeps that order), so the campaign's
    /// status is looked up only for a row that is written.
    fn response_statement(&self, event: &EventRow, guard: (&str, &[JsValue]), target: (&str, &str), wanted: &str) -> ApiResult<D1PreparedStatement> {
        let (suffix, kind) = target;
        let mut args = vec![text(&event.id), text(&event.kind), number(event.created_at), text(&event.workspace_id), opt_text(event.lead_id.as_deref())];
        args.extend_from_slice(guard.1);
        self.statement(
            &format!(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, status, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_{suffix}', ?4, ?1, ?2, '{kind}', '{kind}', r.status, {}, ?3, ?3
                 FROM (SELECT 1 WHERE {wanted}) wanted CROSS JOIN (SELECT {} AS status) r
                 WHERE r.status IS NOT NULL{}
                 RETURNING id, workspace_id, attempts, status = 'held' AS held",
                next_attempt_sql("r.status", "?3"),
                response_status_sql("?5", "?4"),
                numbered(guard.0, 6)
            ),
            &args,
        )
    }

    /// A new lead's alert to each chat integration the workspace has set up
    /// (Telegram, Slack), as response work like `response_statement`'s: one
    /// statement for all of them, which for a workspace with none reads the
    /// integrations and nothing else (the campaign's status is looked up
    /// only for a row it writes).
    fn integration_alerts_statement(&self, event: &EventRow, guard: (&str, &[JsValue])) -> ApiResult<D1PreparedStatement> {
        use crate::store::integrations::{SLACK, TELEGRAM};
        let (kinds, suffixes): (Vec<String>, Vec<String>) =
            [(TELEGRAM, "tg"), (SLACK, "sl")].iter().map(|(kind, suffix)| (format!("'{kind}'"), format!(" WHEN '{kind}' THEN '{suffix}'"))).unzip();
        let mut args = vec![text(&event.id), text(&event.kind), number(event.created_at), text(&event.workspace_id), opt_text(event.lead_id.as_deref())];
        args.extend_from_slice(guard.1);
        self.statement(
            &format!(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, status, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_' || CASE i.kind{} END, ?4, ?1, ?2, i.kind, i.kind, r.status, {}, ?3, ?3
                 FROM integrations i CROSS JOIN (SELECT {} AS status) r
                 WHERE i.workspace_id = ?4 AND i.kind IN ({}) AND r.status IS NOT NULL{}
                 RETURNING id, workspace_id, attempts, status = 'held' AS held",
                suffixes.concat(),
                next_attempt_sql("r.status", "?3"),
                response_status_sql("?5", "?4"),
                kinds.join(", "),
                numbered(guard.0, 6)
            ),
            &args,
        )
    }

    /// An email job per active member `wanted` (SQL over `m`, the member
    /// row, and ?1 the event, ?4 the workspace), as response work: held
    /// while the lead's campaign is paused, none when archived. Ids derive
    /// from event and member, so none is doubled.
    fn member_alerts_statement(&self, event: &EventRow, guard: (&str, &[JsValue]), wanted: &str) -> ApiResult<D1PreparedStatement> {
        let mut args = vec![text(&event.id), text(&event.kind), number(event.created_at), text(&event.workspace_id), opt_text(event.lead_id.as_deref())];
        args.extend_from_slice(guard.1);
        self.statement(
            &format!(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, status, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_' || substr(m.id, 5), ?4, ?1, ?2, 'email', m.id, r.status, {}, ?3, ?3
                 FROM (SELECT {} AS status) r JOIN members m ON m.workspace_id = ?4 AND m.status = 'active'
                 WHERE r.status IS NOT NULL AND {wanted}{}
                 RETURNING id, workspace_id, attempts, status = 'held' AS held",
                next_attempt_sql("r.status", "?3"),
                response_status_sql("?5", "?4"),
                numbered(guard.0, 6)
            ),
            &args,
        )
    }

    /// Claims the next attempt of each delivery and loads what it sends,
    /// all in one round trip. `None` for a finished delivery, a duplicate
    /// message (sweeper and queue racing), a delivery still waiting its turn
    /// (in-order, not yet released) or one claimed too often without an
    /// outcome (the sweeper gives up on it), so each attempt is made once and
    /// no delivery is claimed forever. `busy_until` keeps the sweeper off
    /// while the attempts run. The payload is `None` if the event is gone.
    pub async fn claim_attempts(&self, claims: &[AttemptClaim<'_>], busy_until: i64, now: i64) -> ApiResult<Vec<Option<DeliveryJob>>> {
        if claims.is_empty() {
            return Ok(Vec::new());
        }
        let sql = claim_sql("workspace_id = ?3 AND id = ?4 AND attempts = ?5");
        let statements = claims
            .iter()
            .map(|c| self.statement(&sql, &[number(busy_until), number(now), text(c.workspace_id), text(c.delivery_id), number(i64::from(c.attempts_made))]))
            .collect::<ApiResult<Vec<_>>>()?;
        let results = self.batch(statements).await?;
        results
            .iter()
            .map(|r| Ok(r.results::<DeliveryJob>().map_err(|e| ApiError::internal("d1 rows", e))?.into_iter().next()))
            .collect()
    }

    /// Claims, as `claim_attempts` does, the first attempt of the pending
    /// rows an event's fan-out just wrote that send (webhooks, Telegram; at
    /// most `cap`), for the batch that writes them: the request that
    /// commits them attempts them itself. Automation (an expansion into
    /// workflow runs) is not claimed: it goes on the queue. Held rows are
    /// not pending, so never claimed. Returns the claimed jobs.
    pub fn claim_new_statement(&self, event: &EventRow, claim: NewClaim, now: i64) -> ApiResult<D1PreparedStatement> {
        // The channels, from the one list of kinds: a channel added later is claimed too.
        let channels: Vec<String> = JobKind::ALL.iter().filter(|kind| kind.is_channel()).map(|kind| format!("'{}'", kind.as_str())).collect();
        let sql = claim_sql(&format!(
            "workspace_id = ?3 AND event_id = ?4 AND attempts = 0
             AND id IN (SELECT id FROM deliveries WHERE workspace_id = ?3 AND event_id = ?4 AND status = 'pending'
               AND target_kind IN ({}) ORDER BY id LIMIT {})",
            channels.join(", "),
            claim.cap
        ));
        self.statement(&sql, &[number(claim.busy_until), number(now), text(&event.workspace_id), text(&event.id)])
    }

    /// Logging an attempt and moving its delivery on, for the batch that
    /// records every attempt of a queue batch at once.
    pub fn attempt_statements(&self, workspace_id: &str, record: AttemptRecord<'_>) -> ApiResult<Vec<D1PreparedStatement>> {
        let a = record.attempt;
        let code = a.status_code.map(|c| number(i64::from(c))).unwrap_or(JsValue::NULL);
        let next = record.next_attempt_at.map(number).unwrap_or(JsValue::NULL);
        let insert = self.statement(
            "INSERT INTO delivery_attempts (workspace_id, delivery_id, attempt, attempted_at, status_code, duration_ms, error, response_body)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[text(workspace_id), text(&a.delivery_id), number(i64::from(a.attempt)), number(a.attempted_at), code.clone(), number(a.duration_ms), opt_text(a.error.as_deref()), opt_text(a.response_body.as_deref())],
        )?;
        let update = self.statement(
            "UPDATE deliveries SET status = ?, next_attempt_at = ?, last_status_code = ?, last_error = ?, updated_at = ?, unrecorded_claims = 0
             WHERE workspace_id = ? AND id = ?",
            &[text(record.status), next, code, opt_text(a.error.as_deref()), number(a.attempted_at + a.duration_ms), text(workspace_id), text(&a.delivery_id)],
        )?;
        Ok(vec![insert, update])
    }

    /// Runs the recording statements of a queue batch atomically; returns
    /// each statement's result.
    pub async fn record_attempts(&self, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<worker::D1Result>> {
        if statements.is_empty() {
            return Ok(Vec::new());
        }
        self.batch(statements).await
    }
}

/// Renumbers a guard's `?` placeholders from `first`, so it can follow
/// numbered ones (SQLite numbers a bare `?` after the largest so far, but
/// explicit numbers keep the intent plain).
pub(super) fn numbered(guard_sql: &str, first: usize) -> String {
    let mut n = first;
    let mut out = String::with_capacity(guard_sql.len() + 8);
    for c in guard_sql.chars() {
        if c == '?' {
            out.push_str(&format!("?{n}"));
            n += 1;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn guard_placeholders_continue_the_numbering() {
        assert_eq!(super::numbered(" AND EXISTS (SELECT 1 WHERE a = ? AND b = ?)", 6), " AND EXISTS (SELECT 1 WHERE a = ?6 AND b = ?7)");
    }
}
