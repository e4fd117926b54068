//! The capture write: one D1 batch that checks the sender's credential,
//! claims the idempotency key, and stores the lead, its event and its outbox
//! rows. Checking the credential inside the transaction keeps the happy path
//! to a single round trip, and a key revoked a moment ago fails at once.

use super::campaigns::CampaignJoin;
use super::deliveries::{DeliveryJob, DueDelivery, NewClaim};
use super::leads::{EventRow, LeadRow, LEAD_COLUMNS, LEAD_PLACEHOLDERS};
use super::{number, text, wrote, Store};
use leadsbot_shared::scope::Scope;
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;
use wasm_bindgen::JsValue;

/// An idempotency key to claim in the same transaction as the lead.
pub struct Claim<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    /// What the key is bound to (`idempotency::request_fingerprint`).
    pub fingerprint: &'a str,
    /// Claims older than this (unix ms) have expired and may be taken over.
    pub expired_before: i64,
}

pub struct CaptureWrite<'a> {
    pub lead: &'a LeadRow,
    /// Who may write, as decided by `auth::capture`; checked in the batch.
    pub requirement: &'a Requirement,
    pub claim: Option<&'a Claim<'a>>,
    /// `None` for spam, which triggers nothing.
    pub event: Option<&'a EventRow>,
    /// The campaign the lead joins (created on the fly if new).
    pub campaign: Option<&'a CampaignJoin>,
    /// Set when the request makes the first attempt of the event's outbox
    /// rows itself: they are claimed in the same batch.
    pub claim_new: Option<NewClaim>,
}

#[derive(Debug, PartialEq)]
pub enum CaptureOutcome {
    /// With the outbox rows written beside the lead, and those of them
    /// claimed for the request's own first attempt (`claim_new`).
    Stored { deliveries: Vec<DueDelivery>, claimed: Vec<DeliveryJob> },
    /// Nothing was written: the credential did not hold, or the key was
    /// claimed before. The caller tells which, off the hot path.
    NotWritten,
}

const KEY_TOUCH_INTERVAL_MS: i64 = 60_000;

/// What must hold in storage for a capture to be written (decided by
/// `auth::capture`, checked inside the write so a credential revoked
/// meanwhile writes nothing).
#[derive(Debug, Clone, PartialEq)]
pub struct Requirement {
    pub workspace_id: String,
    pub proof: Proof,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Proof {
    /// Checked before the write (server signatures, capture URLs).
    Verified,
    /// A live key of the workspace with this hash, holding `scope`;
    /// `old`: made before keys named their workspace (found through the directory).
    ApiKey { key_hash: String, scope: Scope, old: bool },
    /// The workspace's public token, or the one before it while `now` is
    /// within its rotation grace, from an allowed (normalized) origin.
    PublicToken { token_hash: String, origin: Option<String>, now: i64 },
}

impl Store {
    pub async fn store_capture(&self, write: CaptureWrite<'_>) -> ApiResult<CaptureOutcome> {
        let lead = write.lead;
        let (writer_sql, writer_args) = writer_condition(write.requirement);
        let writer_sql = writer_sql.as_str();
        let mut statements = Vec::new();
        if let Proof::ApiKey { key_hash, .. } = &write.requirement.proof {
            statements.push(self.statement(
                "UPDATE api_keys SET last_used_at = ? WHERE key_hash = ? AND workspace_id = ? AND revoked_at IS NULL AND (last_used_at IS NULL OR last_used_at < ?)",
                &[number(lead.created_at), text(key_hash), text(&lead.workspace_id), number(lead.created_at - KEY_TOUCH_INTERVAL_MS)],
            )?);
        }
        // Who may write, and (with a key) that this request won the key: the
        // lead, and the campaign it may create, exist only if this holds.
        let mut condition = writer_sql.to_string();
        let mut condition_args = writer_args.clone();
        if let Some(claim) = write.claim {
            statements.push(self.claim_statement(lead, claim, writer_sql, &writer_args)?);
            condition.push_str(" AND EXISTS (SELECT 1 FROM idempotency_keys WHERE workspace_id = ? AND scope = ? AND key = ? AND lead_id = ?)");
            condition_args.extend([text(&lead.workspace_id), text(claim.scope), text(claim.key), text(&lead.id)]);
        }
        let mut lead_args = lead.values();
        let campaign_id = match write.campaign {
            Some(join) => {
                statements.push(self.join_statement(&lead.workspace_id, join, lead.created_at, (&condition, &condition_args))?);
                lead_args.extend([text(&lead.workspace_id), text(&join.slug)]);
                "(SELECT id FROM campaigns WHERE workspace_id = ? AND slug = ?)"
            }
            None => "NULL",
        };
        let lead_sql = format!("INSERT INTO leads ({LEAD_COLUMNS}, campaign_id) SELECT {LEAD_PLACEHOLDERS}, {campaign_id} WHERE {condition}");
        lead_args.extend(condition_args);
        let lead_insert = statements.len();
        statements.push(self.statement(&lead_sql, &lead_args)?);
        if let Some(event) = write.event {
            // The event and its outbox rows exist exactly when the lead does.
            let lead_exists = "EXISTS (SELECT 1 FROM leads WHERE id = ?)";
            statements.extend(self.event_with_jobs(event, (lead_exists, &[text(&lead.id)]))?);
        }
        let fan_out = lead_insert + 2..statements.len();
        // Only rows of this batch's event, so nothing if the lead was not written.
        if let (Some(event), Some(claim)) = (write.event, write.claim_new) {
            statements.push(self.claim_new_statement(event, claim, lead.created_at)?);
        }
        let claimed_at = fan_out.end;
        let results = self.batch(statements).await?;
        if !results.get(lead_insert).is_some_and(wrote) {
            return Ok(CaptureOutcome::NotWritten);
        }
        // Unreadable RETURNING rows only cost speed: the sweeper enqueues them.
        let deliveries = results.get(fan_out).unwrap_or_default().iter().flat_map(|r| r.results::<DueDelivery>().unwrap_or_default()).collect();
        // Claimed rows that cannot be read are attempted once their lease passes.
        let claimed = results.get(claimed_at).and_then(|r| r.results::<DeliveryJob>().ok()).unwrap_or_default();
        Ok(CaptureOutcome::Stored { deliveries, claimed })
    }

    /// Takes the key if it is new or expired, and only for a confirmed writer,
    /// so nobody can squat on a workspace's keys.
    fn claim_statement(&self, lead: &LeadRow, claim: &Claim<'_>, writer_sql: &str, writer_args: &[JsValue]) -> ApiResult<worker::D1PreparedStatement> {
        let mut args = vec![text(&lead.workspace_id), text(claim.scope), text(claim.key), text(&lead.id), number(lead.created_at), text(claim.fingerprint)];
        args.extend_from_slice(writer_args);
        args.push(number(claim.expired_before));
        self.statement(
            &format!(
                "INSERT INTO idempotency_keys (workspace_id, scope, key, lead_id, created_at, fingerprint) SELECT ?, ?, ?, ?, ?, ? WHERE {writer_sql}
                 ON CONFLICT (workspace_id, scope, key) DO UPDATE SET lead_id = excluded.lead_id, created_at = excluded.created_at, fingerprint = excluded.fingerprint
                 WHERE idempotency_keys.created_at < ?"
            ),
            &args,
        )
    }

    /// The lead an earlier request stored under this key, if any, and what
    /// that request's fingerprint was (none for keys claimed before they were kept).
    pub async fn claimed_lead(&self, workspace_id: &str, claim: &Claim<'_>) -> ApiResult<Option<ClaimedLead>> {
        let found: Option<ClaimedLead> = self
            .first(
                "SELECT k.lead_id AS lead_id, l.status AS status, k.fingerprint AS fingerprint FROM idempotency_keys k JOIN leads l ON l.id = k.lead_id
                 WHERE k.workspace_id = ? AND k.scope = ? AND k.key = ?",
                &[text(workspace_id), text(claim.scope), text(claim.key)],
            )
            .await
            .map_err(|e| ApiError::internal("idempotency lookup", format!("{e:?}")))?;
        Ok(found)
    }
}

#[derive(Deserialize)]
pub struct ClaimedLead {
    pub lead_id: String,
    pub status: String,
    pub fingerprint: Option<String>,
}

/// The SQL form of `auth::capture`'s rules (`judge_key`, `judge_token`): the
/// same requirement, checked inside the write so the happy path is one round
/// trip. Keep the two in step; the e2e tests exercise both sides.
fn writer_condition(requirement: &Requirement) -> (String, Vec<JsValue>) {
    let workspace_id = text(&requirement.workspace_id);
    match &requirement.proof {
        Proof::Verified => ("1".into(), Vec::new()),
        Proof::ApiKey { key_hash, scope, .. } => (
            "EXISTS (SELECT 1 FROM api_keys WHERE key_hash = ? AND workspace_id = ? AND revoked_at IS NULL
               AND instr(' ' || scopes || ' ', ' ' || ? || ' ') > 0)"
                .into(),
            vec![text(key_hash), workspace_id, text(scope.as_str())],
        ),
        Proof::PublicToken { token_hash, origin, now } => (
            "EXISTS (SELECT 1 FROM workspaces w WHERE w.id = ?
               AND (w.public_token_hash = ? OR (w.previous_public_token_hash = ? AND w.previous_public_token_expires_at > ?))
               AND (w.allowed_origins = '[]' OR EXISTS (SELECT 1 FROM json_each(w.allowed_origins) WHERE value = ?)))"
                .into(),
            vec![workspace_id, text(token_hash), text(token_hash), number(*now), super::opt_text(origin.as_deref())],
        ),
    }
}
