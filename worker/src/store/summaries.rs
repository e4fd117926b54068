//! A workspace's summary for a time range, read in one round trip.

use super::{number, text, CrossWorkspace, Store};
use crate::error::{ApiError, ApiResult};
use leadsbot_shared::members::Alerts;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
struct Counted {
    key: String,
    n: u32,
}

#[derive(Debug, Deserialize)]
struct Count {
    n: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UntouchedRow {
    pub id: String,
    pub email: String,
    pub created_at: i64,
}

#[derive(Debug, Default)]
pub struct SummaryCounts {
    pub by_source: BTreeMap<String, u32>,
    pub by_campaign: BTreeMap<String, u32>,
    pub by_status: BTreeMap<String, u32>,
    pub untouched: Vec<UntouchedRow>,
    pub delivery_failures: u32,
    pub disabled_endpoints: u32,
}

/// Untouched leads listed at most.
pub const MAX_UNTOUCHED: u32 = 100;

/// SQL over `m`: an active member of `workspace` who chose the digest.
fn digest_member(workspace: &str) -> String {
    format!("m.workspace_id = {workspace} AND m.status = 'active' AND {} = 'digest'", Alerts::sql("m.alerts", "m.role"))
}

impl Store {
    /// Leads created in `[start, end)` by source, campaign and status; those
    /// still `new` and created before `stale_before`; deliveries that failed
    /// in the range; endpoints disabled now.
    pub async fn summary_counts(&self, workspace_id: &str, start: i64, end: i64, stale_before: i64) -> ApiResult<SummaryCounts> {
        let (ws, s, e) = (text(workspace_id), number(start), number(end));
        let grouped = |column: &str| {
            format!("SELECT {column} AS key, count(*) AS n FROM leads WHERE workspace_id = ?1 AND created_at >= ?2 AND created_at < ?3 AND {column} IS NOT NULL GROUP BY {column}")
        };
        let range = [ws.clone(), s.clone(), e.clone()];
        let statements = vec![
            self.statement(&grouped("source"), &range)?,
            // By the campaign each lead joined (its slug), whichever label named it.
            self.statement(
                "SELECT c.slug AS key, count(*) AS n FROM leads l JOIN campaigns c ON c.workspace_id = l.workspace_id AND c.id = l.campaign_id
                 WHERE l.workspace_id = ?1 AND l.created_at >= ?2 AND l.created_at < ?3 GROUP BY c.slug",
                &range,
            )?,
            self.statement(&grouped("status"), &range)?,
            self.statement(
                "SELECT id, email, created_at FROM leads WHERE workspace_id = ?1 AND created_at >= ?2 AND created_at < ?3
                 AND status = 'new' AND created_at < ?4 ORDER BY id LIMIT ?5",
                &[ws.clone(), s.clone(), e.clone(), number(stale_before), number(i64::from(MAX_UNTOUCHED))],
            )?,
            self.statement("SELECT count(*) AS n FROM deliveries WHERE workspace_id = ?1 AND status = 'failed' AND updated_at >= ?2 AND updated_at < ?3", &range)?,
            self.statement("SELECT count(*) AS n FROM webhook_endpoints WHERE workspace_id = ?1 AND disabled_at IS NOT NULL", &[ws])?,
        ];
        let results = self.batch(statements).await?;
        let rows = |i: usize| results.get(i).ok_or_else(|| ApiError::internal("summary", "missing result"));
        let counted = |i: usize| -> ApiResult<BTreeMap<String, u32>> {
            Ok(rows(i)?.results::<Counted>().map_err(|e| ApiError::internal("d1 rows", e))?.into_iter().map(|c| (c.key, c.n)).collect())
        };
        let count = |i: usize| -> ApiResult<u32> {
            Ok(rows(i)?.results::<Count>().map_err(|e| ApiError::internal("d1 rows", e))?.first().map(|c| c.n).unwrap_or(0))
        };
        Ok(SummaryCounts {
            by_source: counted(0)?,
            by_campaign: counted(1)?,
            by_status: counted(2)?,
            untouched: rows(3)?.results::<UntouchedRow>().map_err(|e| ApiError::internal("d1 rows", e))?,
            delivery_failures: count(4)?,
            disabled_endpoints: count(5)?,
        })
    }
}

/// A workspace that gets digests (it has Telegram), with its schedule.
#[derive(Debug, Deserialize)]
pub struct DigestTarget {
    pub id: String,
    pub timezone: String,
    pub digest_hour: i64,
}

/// One digest to send: claimed, stored as an event, and put in the outbox,
/// all in one batch that writes nothing if the period was claimed before.
pub struct DigestWrite<'a> {
    pub workspace_id: &'a str,
    pub period: &'a str,
    pub date: &'a str,
    pub event_id: &'a str,
    pub payload: &'a str,
    pub now: i64,
}

#[derive(Deserialize)]
struct IdEmail {
    id: String,
    email: String,
}

impl Store {
    /// The emails of these leads of the workspace that still exist, by id
    /// (a digest's untouched leads, read when it is sent).
    pub async fn lead_emails(&self, workspace_id: &str, ids: &[String]) -> ApiResult<std::collections::HashMap<String, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let ids = serde_json::to_string(ids)?;
        let rows: Vec<IdEmail> = self
            .all("SELECT id, email FROM leads WHERE workspace_id = ?1 AND id IN (SELECT value FROM json_each(?2))", &[text(workspace_id), text(&ids)])
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.email)).collect())
    }

    pub async fn digest_sent(&self, workspace_id: &str, period: &str, date: &str) -> ApiResult<bool> {
        let found: Option<Count> = self
            .first("SELECT 1 AS n FROM digests WHERE workspace_id = ? AND period = ? AND date = ?", &[text(workspace_id), text(period), text(date)])
            .await?;
        Ok(found.is_some())
    }

    /// Claims the period and writes its event and Telegram delivery; the
    /// event and delivery exist only if this run made the claim (its
    /// `created_at`), so a second run or a retry sends nothing. Returns the
    /// delivery to enqueue.
    pub async fn write_digest(&self, d: &DigestWrite<'_>) -> ApiResult<Vec<crate::store::deliveries::DueDelivery>> {
        let claim = [text(d.workspace_id), text(d.period), text(d.date), number(d.now)];
        let statements = vec![
            self.statement("INSERT INTO digests (workspace_id, period, date, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING", &claim)?,
            self.statement(
                "INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) SELECT ?5, ?1, ?7, NULL, ?6, ?4
                 WHERE EXISTS (SELECT 1 FROM digests WHERE workspace_id = ?1 AND period = ?2 AND date = ?3 AND created_at = ?4)",
                &[claim[0].clone(), claim[1].clone(), claim[2].clone(), claim[3].clone(), text(d.event_id), text(d.payload), text(leadsbot_shared::event::SUMMARY_DIGEST)],
            )?,
            self.statement(
                "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
                 SELECT 'dlv_' || substr(?1, 5) || '_tg', ?2, ?1, ?3, 'telegram', 'telegram', ?4, ?4, ?4
                 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1 AND workspace_id = ?2)
                   AND EXISTS (SELECT 1 FROM integrations i WHERE i.workspace_id = ?2 AND i.kind = 'telegram')
                 RETURNING id, workspace_id, attempts",
                &[text(d.event_id), text(d.workspace_id), text(leadsbot_shared::event::SUMMARY_DIGEST), number(d.now)],
            )?,
            // By email to each active member who chose the digest, when this deployment sends email.
            self.statement(
                &format!(
                    "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
                     SELECT 'dlv_' || substr(?1, 5) || '_' || substr(m.id, 5), ?2, ?1, ?3, 'email', m.id, ?4, ?4, ?4 FROM members m
                     WHERE ?5 AND {} AND EXISTS (SELECT 1 FROM events WHERE id = ?1 AND workspace_id = ?2)
                     RETURNING id, workspace_id, attempts",
                    digest_member("?2")
                ),
                &[text(d.event_id), text(d.workspace_id), text(leadsbot_shared::event::SUMMARY_DIGEST), number(d.now), number(i64::from(self.member_mail))],
            )?,
        ];
        let results = self.batch(statements).await?;
        let jobs = |at: usize| results.get(at).map(|r| r.results().unwrap_or_default()).unwrap_or_default();
        Ok([jobs(2), jobs(3)].concat())
    }
}

impl CrossWorkspace {
    /// The next `limit` workspaces after `after` (by id) with someone to
    /// send a digest to: a Telegram integration, or (when this deployment
    /// sends email) a member who chose the digest (the cron's scan, across
    /// workspaces by design).
    pub async fn digest_targets(&self, after: Option<&str>, limit: u32) -> ApiResult<Vec<DigestTarget>> {
        self.all(
            &format!(
                "SELECT w.id AS id, w.timezone AS timezone, w.digest_hour AS digest_hour FROM workspaces w
                 WHERE w.id > ?1 AND (EXISTS (SELECT 1 FROM integrations i WHERE i.workspace_id = w.id AND i.kind = 'telegram')
                   OR (?3 AND EXISTS (SELECT 1 FROM members m WHERE {})))
                 ORDER BY w.id LIMIT ?2",
                digest_member("w.id")
            ),
            &[text(after.unwrap_or("")), number(i64::from(limit)), number(i64::from(self.0.member_mail))],
        )
        .await
    }
}
