//! Erasing leads: every statement that removes a lead's personal data, for
//! one atomic batch per group of leads, and the erasure log (no personal data).

use super::deliveries::DueDelivery;
use super::leads::{event_values, EventRow};
use super::{number, text, wrote, Store};
use crate::error::ApiResult;
use serde::Deserialize;
use worker::D1PreparedStatement;

/// What deliveries of an erased lead's events keep: ids and outcomes.
pub const ERASED_REASON: &str = "lead erased";

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

    /// Removes a lead's data: its history, idempotency claims, follow-ups, the response
    /// excerpts its deliveries logged, its events' payloads (reduced to ids),
    /// and, last, the row. Deliveries still pending are given up: there is
    /// nothing left to send. `erased` (its `lead.erased` event) and its
    /// outbox rows are written only while the lead still exists, so two
    /// erasures racing announce it once.
    pub fn erase_lead_statements(&self, workspace_id: &str, lead_id: &str, erased: &EventRow, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, lead) = (text(workspace_id), text(lead_id));
        let lead_events = "SELECT id FROM events WHERE workspace_id = ?1 AND lead_id = ?2";
        let lead_exists = "EXISTS (SELECT 1 FROM leads WHERE workspace_id = ? AND id = ?)";
        let mut event_args = event_values(erased);
        event_args.extend([ws.clone(), lead.clone()]);
        let mut statements = vec![
            self.statement("DELETE FROM lead_status_changes WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement("DELETE FROM idempotency_keys WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement("DELETE FROM follow_ups WHERE workspace_id = ?1 AND lead_id = ?2", &[ws.clone(), lead.clone()])?,
            self.statement(
                &format!(
                    "UPDATE delivery_attempts SET response_body = NULL WHERE workspace_id = ?1 AND response_body IS NOT NULL
                     AND delivery_id IN (SELECT id FROM deliveries WHERE workspace_id = ?1 AND event_id IN ({lead_events}))"
                ),
                &[ws.clone(), lead.clone()],
            )?,
            self.statement(
                &format!(
                    "UPDATE deliveries SET status = 'failed', next_attempt_at = NULL, last_error = ?3, updated_at = ?4
                     WHERE workspace_id = ?1 AND status IN ('pending', 'held') AND event_id IN ({lead_events})"
                ),
                &[ws.clone(), lead.clone(), text(ERASED_REASON), number(now)],
            )?,
            self.statement(
                "UPDATE events SET payload = json_object('id', id, 'event', type, 'created_at', json_extract(payload, '$.created_at'),
                   'workspace_id', workspace_id, 'data', json_object('id', lead_id))
                 WHERE workspace_id = ?1 AND lead_id = ?2",
                &[ws.clone(), lead.clone()],
            )?,
        ];
        statements.push(self.statement(
            &format!("INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) SELECT ?, ?, ?, ?, ?, ? WHERE {lead_exists}"),
            &event_args,
        )?);
        statements.extend(self.fan_out_statements(erased, Some((lead_exists, &[ws.clone(), lead.clone()])))?);
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
