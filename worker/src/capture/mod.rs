//! The capture path every inbound route shares: validate, then store the lead
//! and its event atomically (idempotently when a key is given), then answer.
//! Nothing here waits on a receiver.

pub mod abuse;

use crate::app::App;
use crate::ids::new_id;
use crate::error::{ApiError, ApiResult};
use crate::leads::events::{lead_event, LEAD_CREATED};
use crate::http::json;
use crate::leads::{build_lead, CapturedOut, Origin};
use crate::auth::capture::Requirement;
use crate::store::campaigns::CampaignJoin;
use crate::store::capture::{CaptureOutcome, CaptureWrite, Claim};
use crate::store::leads::LeadRow;
use leadsbot_shared::campaign::{name_from_label, CampaignSlug};
use leadsbot_shared::body::Fields;
use leadsbot_shared::idempotency::{is_same_request, IDEMPOTENCY_WINDOW_MS};
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::lead::parse_lead;
use worker::Response;

const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

pub struct Capture<'a> {
    pub workspace_id: &'a str,
    /// The credential's requirement, confirmed inside the write itself.
    pub requirement: &'a Requirement,
    /// Idempotency keys are scoped per workspace and per writer class (or
    /// capture URL), so one writer can never claim another's keys.
    pub scope: &'a str,
    pub default_source: &'a str,
    pub fields: Fields,
    /// `idempotency::request_fingerprint` of the fields as received (before
    /// a capture URL's mapping): what a repeated key must repeat.
    pub fingerprint: String,
}

pub enum Outcome {
    Answered(Response),
    /// Nothing was written. Once the caller has confirmed the credential
    /// (and produced the precise error if it does not hold), this was a
    /// repeated idempotency key: `Replay::answer` returns the first lead, or
    /// refuses a different request under the same key.
    NotWritten(Replay),
}

pub async fn capture(app: &mut App, capture: Capture<'_>) -> ApiResult<Outcome> {
    let draft = parse_lead(&capture.fields).map_err(ApiError::Validation)?;
    let key = idempotency_key(app, draft.submission_id.as_deref())?;
    let now = app.now_ms;
    let origin = Origin {
        workspace_id: capture.workspace_id,
        source: &source_of(&capture.fields).unwrap_or_else(|| capture.default_source.to_string()),
        user_agent: app.header("User-Agent"),
        country: app.req.cf().and_then(|cf| cf.country()).filter(|c| c.len() == 2 && c != "XX" && c != "T1"),
    };
    let lead = build_lead(new_id(IdKind::Lead, now)?, &draft, origin, now);
    let event = if draft.honeypot_filled { None } else { Some(lead_event(LEAD_CREATED, &lead, None, now)?) };
    let fingerprint = capture.fingerprint.as_str();
    let claim = key.as_ref().map(|key| Claim { scope: capture.scope, key: &key.value, fingerprint, expired_before: now - IDEMPOTENCY_WINDOW_MS });
    let campaign = campaign_join(&lead, now)?;
    // The outbox rows are claimed in the same batch when this request makes their first attempt.
    let first = crate::outbox::FirstAttempts::plan(app);
    let claim_new = first.as_ref().map(|f| f.claim);
    let write = CaptureWrite { lead: &lead, requirement: capture.requirement, claim: claim.as_ref(), event: event.as_ref(), campaign: campaign.as_ref(), claim_new };
    let (deliveries, claimed) = match app.store.store_capture(write).await? {
        CaptureOutcome::Stored { deliveries, claimed } => (deliveries, claimed),
        CaptureOutcome::NotWritten => {
            let (workspace_id, scope) = (capture.workspace_id.to_string(), capture.scope.to_string());
            let replay = Replay { workspace_id, scope, key, fingerprint: capture.fingerprint };
            return Ok(Outcome::NotWritten(replay));
        }
    };
    crate::outbox::dispatch_claimed(app, first, claimed, deliveries, crate::automation::jobs::Automation);
    Ok(Outcome::Answered(json(201, &CapturedOut { id: lead.id, status: public_status(&lead.status).into() })?))
}

pub struct Replay {
    workspace_id: String,
    scope: String,
    key: Option<IdempotencyKey>,
    fingerprint: String,
}

impl Replay {
    pub async fn answer(self, app: &App) -> ApiResult<Response> {
        // With a valid credential and no earlier claim, the credential changed
        // between the write and the check (a key revoked mid-request).
        let revoked = || ApiError::Unauthorized("the credential was revoked while this lead was being stored".into());
        let key = self.key.as_ref().ok_or_else(revoked)?;
        let claim = Claim { scope: &self.scope, key: &key.value, fingerprint: &self.fingerprint, expired_before: 0 };
        let first = app.store.claimed_lead(&self.workspace_id, &claim).await?.ok_or_else(revoked)?;
        // Checked only now, off the hot path: the batch already refused to write.
        if !is_same_request(first.fingerprint.as_deref(), &self.fingerprint) {
            return Err(key.reused());
        }
        let mut response = json(200, &CapturedOut { status: public_status(&first.status).into(), id: first.lead_id })?;
        response.headers_mut().set("Idempotent-Replayed", "true")?;
        Ok(response)
    }
}

/// The campaign a lead joins by its `campaign` (else `utm_campaign`) label;
/// a slug never seen before creates an active campaign named by the label.
fn campaign_join(lead: &LeadRow, now: i64) -> ApiResult<Option<CampaignJoin>> {
    let (campaign, utm) = (lead.campaign.as_deref(), lead.utm_campaign.as_deref());
    let Some(slug) = CampaignSlug::for_lead(campaign, utm) else { return Ok(None) };
    let label = campaign.filter(|c| CampaignSlug::from_label(c).is_some()).or(utm).unwrap_or_default();
    Ok(Some(CampaignJoin { new_id: new_id(IdKind::Campaign, now)?, slug: slug.as_str().to_string(), name: name_from_label(label) }))
}

/// Spam is never announced to whoever sent it.
fn public_status(status: &str) -> &str {
    if status == "spam" { "new" } else { status }
}

/// A capture's idempotency key, and where the client sent it.
struct IdempotencyKey {
    value: String,
    /// `Idempotency-Key` (the header) or `_submission_id` (the widget's field).
    field: &'static str,
}

impl IdempotencyKey {
    /// As Stripe does: a key names one request, so another body under it is a
    /// client's mistake, refused rather than answered with a lead it did not send.
    fn reused(&self) -> ApiError {
        let days = IDEMPOTENCY_WINDOW_MS / (24 * 60 * 60 * 1000);
        let message = format!(
            "{} {:?} was used in the last {days} days with a different body; a retry must repeat the same fields, a new submission needs a new key",
            self.field, self.value
        );
        ApiError::invalid(self.field, "idempotency_key_reused", message)
    }
}

fn idempotency_key(app: &App, submission_id: Option<&str>) -> ApiResult<Option<IdempotencyKey>> {
    let key = match (app.header("Idempotency-Key"), submission_id) {
        (Some(value), _) => IdempotencyKey { value, field: "Idempotency-Key" },
        (None, Some(value)) => IdempotencyKey { value: value.to_string(), field: "_submission_id" },
        (None, None) => return Ok(None),
    };
    if key.value.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "too_long",
            format!("idempotency keys are at most {MAX_IDEMPOTENCY_KEY_CHARS} characters"),
        ));
    }
    Ok(Some(key))
}

/// A sender may label its source (`embed`, `zapier`, …) with a short slug.
fn source_of(fields: &Fields) -> Option<String> {
    let source = fields.get("source")?.as_str()?.trim().to_ascii_lowercase();
    let slug = !source.is_empty() && source.len() <= 32 && source.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    slug.then_some(source)
}
