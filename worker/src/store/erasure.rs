//! Erasing leads: every statement that removes a lead's personal data, for
//! one atomic batch per group of leads, and the erasure log (no personal data).

use super::deliveries::DueDelivery;
use super::leads::EventRow;
use super::{number, text, wrote, Store};
use crate::error::ApiResult;
use serde::Deserialize;
use worker::D1PreparedStatement;

/// What deliveries of an erased lead's events keep: ids and outcomes.
pub const ERASED_REASON: &str = "lead erased";

/// The digests of the workspace (?1) that name the lead (?2) among their untouched leads.
const DIGESTS_NAMING: &str = "SELECT id FROM events WHERE workspace_id = ?1 AND type = 'summary.digest' AND instr(payload, '\"' || ?2 || '\"') > 0";

#[derive(Deserialize)]
struct IdRow {
    id: String,
}

/// What one erasure batch did.
pub struct ErasureBatch {
    pub erased: u32,
    pub deliveries: Vec<DueDelivery>,
}

/// One erasure request: who asked (an API key id, or `retention`), when.
pub struct ErasureRecord<'a> {
    pub workspace_id: &'a str,
    pub requested_by: &'a str,
    pub leads_erased: u32,
    pub at: i64,
}

impl Store {
    /// Ids of this person's leads in the workspace, a bounded page at a time.
    /// `email` is in its stored form (`LeadEmail`), matched ignoring ASCII
    /// case, so `Ada@…` and `ada@…` are the same person.
    pub async fn lead_ids_by_email(&self, workspace_id: &str, email: &str, limit: u32) -> ApiResult<Vec<String>> {
        let rows: Vec<IdRow> = self
            .all("SELECT id FROM leads WHERE workspace_id = ? AND email = ? COLLATE NOCASE ORDER BY id LIMIT ?", &[text(workspace_id), text(email), number(i64::from(limit))])
            .await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// Removes a lead's data: its history, idempotency claims, follow-ups, notes (their jobs end cancelled), the response
    /// excerpts logged by every job that concerned it (its events', its runs',
    /// the digests naming it), its events' payloads (reduced to ids), the
    /// emails and text of digests naming it, and, last, the row. Deliveries still pending are given up: there is
    /// nothing left to send. `erased` (its `lead.erased` event) and its
    /// outbox rows are written only while the lead still exists, so two
    /// erasures racing announce it once.
    pub fn erase_lead_statements(&self, workspace_id: &str, lead_id: &str, erased: &EventRow, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, lead) = (text(workspace_id), text(lead_id));
        let lead_events = "SELECT id FROM events WHERE workspace_id = ?1 AND lead_id = ?2";
        let lead_exists = "EXISTS (SELECT 1 FROM leads WHERE workspace_id = ? AND id = ?)";
        // Every job that concerned the lead: named by it (deliveries.lead_id), of its events, its
        // runs (one started by hand has no event), or a digest naming it among many.
        let lead_jobs = format!(
            "SELECT id FROM deliveries WHERE workspace_id = ?1 AND (lead_id = ?2 OR event_id IN ({lead_events})
               OR (target_kind = 'run' AND target_id IN (SELECT id FROM workflow_runs WHERE workspace_id = ?1 AND lead_id = ?2))
               OR event_id IN ({DIGESTS_NAMING}))"
        );
        let mut statements = vec![
            self.statement("DELETE FROM lead_status_changes WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement("DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement("DELETE FROM follow_ups WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement("DELETE FROM lead_notes WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.cancel_erased_jobs_statement(workspace_id, lead_id, now)?,
            self.statement(
                &format!(
                    "UPDATE delivery_attempts SET response_body = NULL WHERE workspace_id = ?1 AND response_body IS NOT NULL
                     AND delivery_id IN ({lead_jobs})"
                ),
                &[ws.clone(), lead.clone()],
            )?,
            self.statement(
                &format!(
                    "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?3, updated_at = ?4
                     WHERE workspace_id = ?1 AND status IN ('pending', 'held') AND (lead_id = ?2 OR event_id IN ({lead_events}))"
                ),
                &[ws.clone(), lead.clone(), text(ERASED_REASON), number(now)],
            )?,
            self.statement(
                "UPDATE events SET payload = json_object('id', id, 'event', type, 'created_at', json_extract(payload, '$.created_at'),
                   'workspace_id', workspace_id, 'data', json_object('id', lead_id))
                 WHERE workspace_id = ?1 AND lead_id = ?2",
                &[ws.clone(), lead.clone()],
            )?,
            // A digest names leads by id only; one an older release stored also kept their
            // emails and its text: both go, from every digest naming the lead.
            self.statement(
                &format!(
                    "UPDATE events SET payload = json_set(json_remove(payload, '$.text'), '$.data.untouched', json((
                       SELECT json_group_array(json_object('id', json_extract(u.value, '$.id'), 'created_at', json_extract(u.value, '$.created_at')))
                       FROM json_each(events.payload, '$.data.untouched') u)))
                     WHERE id IN ({DIGESTS_NAMING})"
                ),
                &[ws.clone(), lead.clone()],
            )?,
        ];
        statements.extend(self.event_with_jobs(erased, (lead_exists, &[ws.clone(), lead.clone()]))?);
        statements.extend(self.erase_runs_statements(workspace_id, lead_id)?);
        statements.push(self.statement("DELETE FROM leads WHERE workspace_id = ?1 AND id = ?2", &[ws, lead])?);
        Ok(statements)
    }

    pub fn erasure_record_statement(&self, record: &ErasureRecord<'_>) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT INTO erasures (workspace_id, requested_by, leads_erased, created_at) VALUES (?, ?, ?, ?)",
            &[text(record.workspace_id), text(record.requested_by), number(i64::from(record.leads_erased)), number(record.at)],
        )
    }

    /// Runs one erasure batch: each lead's statements (`erase_lead_statements`,
    /// its row deleted last), then (optionally) the record. Returns how many
    /// leads it erased and the deliveries to enqueue.
    pub async fn run_erasure(&self, per_lead: Vec<Vec<D1PreparedStatement>>, record: Option<&ErasureRecord<'_>>) -> ApiResult<ErasureBatch> {
        let mut statements = Vec::new();
        let mut deletes = Vec::new();
        for group in per_lead {
            statements.extend(group);
            deletes.push(statements.len().saturating_sub(1));
        }
        if let Some(record) = record {
            statements.push(self.erasure_record_statement(record)?);
        }
        let results = self.batch(statements).await?;
        let erased = deletes.iter().filter(|&&i| results.get(i).is_some_and(wrote)).count() as u32;
        // Only the outbox inserts return rows. Unreadable ones only cost speed: the sweeper enqueues them.
        let deliveries = results.iter().flat_map(|r| r.results::<DueDelivery>().unwrap_or_default()).collect();
        Ok(ErasureBatch { erased, deliveries })
    }
}
