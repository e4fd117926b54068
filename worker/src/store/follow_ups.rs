//! Follow-ups: scheduled, fired (once: a compare-and-set on `status` in the
//! same batch that writes the reminder's event and outbox rows), cancelled.

use super::deliveries::DueDelivery;
use super::leads::{event_values, EventRow};
use super::{changes, number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use super::campaigns::response_status_sql;
use leadsbot_shared::campaign::Control;
use worker::D1PreparedStatement;

pub const SCHEDULED: &str = "scheduled";
pub const CANCELLED: &str = "cancelled";
/// `cancel_reason`s.
pub const CANCELLED_BY_STATUS_CHANGE: &str = "status_changed";
pub const CANCELLED_BY_REQUEST: &str = "deleted";
pub const CANCELLED_BY_ARCHIVE: &str = "campaign_archived";

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
    pub queued: u32,
    /// 1 while due but waiting: the lead's campaign is paused.
    #[serde(default)]
    pub held: u32,
    pub sent_at: Option<i64>,
    pub event_id: Option<String>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A follow-up the sweeper hands to the queue.
#[derive(Debug, Clone, Deserialize)]
pub struct DueFollowUp {
    pub id: String,
    pub workspace_id: String,
    pub due_at: i64,
}

/// Firing a follow-up: its event, and whether it is a Telegram reminder
/// (else a webhook event fanned out to subscribed endpoints).
pub struct Firing<'a> {
    pub follow_up: &'a FollowUpRow,
    pub event: &'a EventRow,
    pub telegram: bool,
    pub now: i64,
}

impl Store {
    pub fn insert_follow_up_statement(&self, row: &FollowUpRow) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT OR IGNORE INTO follow_ups (id, workspace_id, lead_id, due_at, status, action, cancel_on_status_change, created_by, queued, created_at, updated_at)
             SELECT ?1, ?2, ?3, ?4, 'scheduled', ?5, ?6, ?7, ?8, ?9, ?9 WHERE EXISTS (SELECT 1 FROM leads WHERE workspace_id = ?2 AND id = ?3)",
            &[text(&row.id), text(&row.workspace_id), text(&row.lead_id), number(row.due_at), text(&row.action),
              number(i64::from(row.cancel_on_status_change)), text(&row.created_by), number(i64::from(row.queued)), number(row.created_at)],
        )
    }

    /// Stores a follow-up of an existing lead; false when the lead does not exist.
    pub async fn insert_follow_up(&self, row: &FollowUpRow) -> ApiResult<bool> {
        let result = self.insert_follow_up_statement(row)?.run().await.map_err(|e| crate::error::ApiError::internal("d1 run", e))?;
        Ok(changes(&result) == 1)
    }

    pub async fn follow_up(&self, workspace_id: &str, id: &str) -> ApiResult<Option<FollowUpRow>> {
        self.first("SELECT * FROM follow_ups WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// A lead's follow-ups, oldest first (a lead has few).
    pub async fn lead_follow_ups(&self, workspace_id: &str, lead_id: &str, limit: u32) -> ApiResult<Vec<FollowUpRow>> {
        self.all("SELECT * FROM follow_ups WHERE workspace_id = ? AND lead_id = ? ORDER BY id LIMIT ?", &[text(workspace_id), text(lead_id), number(i64::from(limit))])
            .await
    }

    /// Cancels a scheduled follow-up; false if it was not scheduled (any more).
    pub async fn cancel_follow_up(&self, workspace_id: &str, lead_id: &str, id: &str, reason: &str, now: i64) -> ApiResult<bool> {
        let n = self
            .run(
                "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?1, cancel_reason = ?2, updated_at = ?1
                 WHERE workspace_id = ?3 AND lead_id = ?4 AND id = ?5 AND status = 'scheduled'",
                &[number(now), text(reason), text(workspace_id), text(lead_id), text(id)],
            )
            .await?;
        Ok(n == 1)
    }

    /// For a lead change's batch: when its status changes, follow-ups that
    /// said so are cancelled, exactly when the change applies (`applied`).
    pub fn cancel_on_status_change_statement(&self, workspace_id: &str, lead_id: &str, now: i64, applied: (&str, &[JsValue])) -> ApiResult<D1PreparedStatement> {
        let mut args = vec![number(now), text(CANCELLED_BY_STATUS_CHANGE), text(workspace_id), text(lead_id)];
        args.extend_from_slice(applied.1);
        self.statement(
            &format!(
                // Bare `?`s in `applied` number on from ?5.
                "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?1, cancel_reason = ?2, updated_at = ?1
                 WHERE workspace_id = ?3 AND lead_id = ?4 AND status = 'scheduled' AND cancel_on_status_change = 1 AND {}",
                applied.0
            ),
            &args,
        )
    }

    /// Fires a follow-up: flips it to sent and writes its event and outbox
    /// rows, all only if it was still scheduled and its lead's campaign lets
    /// response work run; while the campaign is paused it is marked held
    /// instead (a resume releases it), once archived it is cancelled. Returns
    /// the deliveries to enqueue, or `None` if it was not fired.
    pub async fn fire_follow_up(&self, f: &Firing<'_>) -> ApiResult<Option<Vec<DueDelivery>>> {
        let (ws, id) = (&f.follow_up.workspace_id, &f.follow_up.id);
        let fired = "EXISTS (SELECT 1 FROM follow_ups WHERE workspace_id = ? AND id = ? AND event_id = ?)";
        let fired_args = [text(ws), text(id), text(&f.event.id)];
        // The campaigns' one hold rule, for this follow-up's lead: 'pending' fires, 'held' waits, NULL (archived) never.
        let policy = response_status_sql("follow_ups.lead_id", "follow_ups.workspace_id");
        let this = [number(f.now), text(ws), text(id)];
        let mut statements = vec![self.statement(
            &format!("UPDATE follow_ups SET status = 'sent', sent_at = ?1, event_id = ?4, updated_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND status = 'scheduled' AND {policy} = 'pending'"),
            &[this[0].clone(), this[1].clone(), this[2].clone(), text(&f.event.id)],
        )?];
        statements.push(self.statement(
            &format!("UPDATE follow_ups SET held = 1, updated_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND status = 'scheduled' AND {policy} = 'held'"),
            &this,
        )?);
        statements.push(self.statement(
            &format!("UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?1, cancel_reason = '{CANCELLED_BY_ARCHIVE}', updated_at = ?1 WHERE workspace_id = ?2 AND id = ?3 AND status = 'scheduled' AND {policy} IS NULL"),
            &this,
        )?);
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
        let results = self.batch(statements).await?;
        if results.first().map(changes) != Some(1) {
            return Ok(None);
        }
        Ok(Some(results.iter().skip(4).flat_map(|r| r.results::<DueDelivery>().unwrap_or_default()).collect()))
    }

    /// Scheduled follow-ups the queue cannot be trusted to bring: those due
    /// within `lookahead_until` that no message was sent for, and those
    /// overdue past `overdue_before` whose message was lost. Marked queued.
    /// Held ones wait for their campaign's resume.
    pub async fn claim_due_follow_ups(&self, lookahead_until: i64, overdue_before: i64, now: i64, limit: u32) -> ApiResult<Vec<DueFollowUp>> {
        self.all(
            "UPDATE follow_ups SET queued = 1, updated_at = ?3 WHERE id IN (
               SELECT id FROM follow_ups WHERE status = 'scheduled' AND held = 0 AND ((queued = 0 AND due_at <= ?1) OR due_at < ?2) ORDER BY due_at LIMIT ?4)
             RETURNING id, workspace_id, due_at",
            &[number(lookahead_until), number(overdue_before), number(now), number(i64::from(limit))],
        )
        .await
    }

    /// For a campaign control's batch (`?1` workspace, `?2` campaign, `?4`
    /// now; `guard` the control's own condition): resume releases the held
    /// follow-ups of the campaign's leads (the sweeper hands them to the
    /// queue within the minute, earliest due first), archive cancels every
    /// scheduled one (an archived campaign has no response at all).
    pub fn campaign_follow_ups_statement(&self, control: Control, args: &[JsValue], guard: &str) -> ApiResult<Option<D1PreparedStatement>> {
        let of_campaign = "workspace_id = ?1 AND status = 'scheduled' AND lead_id IN (SELECT id FROM leads WHERE workspace_id = ?1 AND campaign_id = ?2)";
        let sql = match control {
            Control::Pause => return Ok(None),
            Control::Resume => format!("UPDATE follow_ups SET held = 0, queued = 0, updated_at = ?4 WHERE {of_campaign} AND held = 1 AND {guard}"),
            Control::Archive => format!(
                "UPDATE follow_ups SET status = 'cancelled', cancelled_at = ?4, cancel_reason = '{CANCELLED_BY_ARCHIVE}', updated_at = ?4 WHERE {of_campaign} AND {guard}"
            ),
        };
        self.statement(&sql, args).map(Some)
    }
}
