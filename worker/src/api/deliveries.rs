//! The delivery log of a workspace, every job the same way
//! (`GET /api/v1/deliveries`, `GET /api/v1/deliveries/:id`), and replaying
//! one (`POST /api/v1/deliveries/:id/retry`).

use crate::app::App;
use crate::auth::{self, Scope};
use crate::outbox::source::{source_of, JobFacts, JobSource};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, page_type, query_pairs, CursorOf, PageQuery};
use crate::api::openapi::params::PageParams;
use crate::api::openapi::problems::{Conflict, KeyProblems, NotFound, QueryProblems};
use crate::store::deliveries::{AttemptRow, DeliveryRow, DueDelivery};
use crate::store::delivery_history::JobFilter;
use leadsbot_shared::job::{JobKind, JobStatus};
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::Serialize;
use utoipa::ToSchema;
use worker::Response;

/// What every view of a job shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobFields {
    pub id: String,
    /// `webhook`, `telegram`, `workflow_expansion`, `workflow_run` or
    /// `follow_up`; a kind this release does not know shows as stored.
    pub channel: String,
    /// The endpoint id for a webhook, `telegram`, `lead` for an email to the lead, the run id for a run, the follow-up id for a follow-up.
    pub target_id: String,
    /// A follow-up's job has no event until it fires: until then this is the follow-up's id.
    pub event_id: String,
    pub lead_id: Option<String>,
    pub source: JobSource,
    #[schema(schema_with = crate::api::openapi::schemas::job_status)]
    pub status: String,
    /// When the next attempt is due, while pending.
    #[schema(format = DateTime)]
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// One job of the outbox: a webhook delivery, a Telegram message, a
/// workflow's expansion or run, whatever raised it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    #[serde(flatten)]
    pub job: JobFields,
    /// Attempts made so far.
    pub attempts: u32,
}

page_type!(
    /// A page of jobs, newest first.
    JobPageOut, JobOut
);

/// One job with every attempt, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDetailOut {
    #[serde(flatten)]
    pub job: JobFields,
    pub attempt_count: u32,
    pub attempts: Vec<JobAttemptOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JobAttemptOut {
    pub attempt: u32,
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// `null` when no response came (timeout, refused connection).
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    /// The first KiB of the receiver's answer.
    pub response_excerpt: Option<String>,
}

impl From<&DeliveryRow> for JobFields {
    fn from(row: &DeliveryRow) -> Self {
        let kind = JobKind::parse(&row.target_kind).ok();
        let facts = JobFacts { kind, event_type: &row.event_type, target_id: &row.target_id, run_id: row.run_id.as_deref(), action_index: row.action_index, workflow_id: row.workflow_id.as_deref() };
        Self {
            id: row.id.clone(),
            channel: kind.map_or_else(|| row.target_kind.clone(), |k| k.public_name().to_string()),
            target_id: row.target_id.clone(),
            event_id: row.event_id.clone(),
            lead_id: row.lead_id.clone(),
            source: source_of(&facts),
            status: row.status.clone(),
            next_attempt_at: row.next_attempt_at.filter(|_| row.status == "pending").map(format_rfc3339),
            last_error: row.last_error.clone(),
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

impl From<&DeliveryRow> for JobOut {
    fn from(row: &DeliveryRow) -> Self {
        Self { job: JobFields::from(row), attempts: row.attempts }
    }
}

impl JobDetailOut {
    fn new(row: &DeliveryRow, attempts: &[AttemptRow]) -> Self {
        let attempts = attempts
            .iter()
            .filter(|a| a.delivery_id == row.id)
            .map(|a| JobAttemptOut {
                attempt: a.attempt,
                attempted_at: format_rfc3339(a.attempted_at),
                status_code: a.status_code,
                duration_ms: a.duration_ms,
                error: a.error.clone(),
                response_excerpt: a.response_body.clone(),
            })
            .collect();
        Self { job: JobFields::from(row), attempt_count: row.attempts, attempts }
    }
}

/// The list's filters, parsed from its query: every value checked, unknown names refused.
#[derive(Debug, Default, PartialEq, Eq)]
struct JobQuery {
    lead_id: Option<String>,
    status: Option<String>,
    kind: Option<JobKind>,
    page: PageQuery,
}

fn names<const N: usize>(names: [&str; N]) -> String {
    names.join(", ")
}

fn parse_query(pairs: Vec<(String, String)>) -> ApiResult<JobQuery> {
    let (mut lead_id, mut status, mut kind) = (None, None, None);
    let page = PageQuery::parse(&pairs, CursorOf::Any, |name, value, errors| {
        match name {
            "lead_id" => lead_id = Some(value.to_string()).filter(|v| !v.is_empty()),
            "status" if JobStatus::parse(value).is_some() => status = Some(value.to_string()),
            "status" => errors.push(FieldError::new("status", "invalid_status", format!("status is one of {}", names(JobStatus::ALL.map(JobStatus::as_str))))),
            "channel" => match JobKind::from_public_name(value) {
                Some(known) => kind = Some(known),
                None => errors.push(FieldError::new("channel", "invalid_channel", format!("channel is one of {}", names(JobKind::ALL.map(JobKind::public_name))))),
            },
            _ => return false,
        }
        true
    })?;
    Ok(JobQuery { lead_id, status, kind, page })
}

/// List the workspace's jobs, newest first
///
/// Every reaction to a lead is a job: webhook deliveries (subscriptions and
/// workflow send actions), Telegram alerts and messages, workflow expansions
/// and runs. Each shows its `source` and attempts the same way.
#[utoipa::path(get, path = "/api/v1/deliveries", operation_id = "listDeliveries", tag = "webhooks", security(("apiKey" = [])),
    params(
        ("lead_id" = Option<String>, Query, description = "Only the jobs that concern this lead"),
        ("status" = Option<crate::api::openapi::schemas::JobStatusName>, Query),
        ("channel" = Option<crate::api::openapi::schemas::JobChannelName>, Query),
        PageParams,
    ),
    responses((status = 200, description = "A page", body = JobPageOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let query = parse_query(query_pairs(&app.req)?)?;
    let filter = JobFilter { lead_id: query.lead_id.as_deref(), status: query.status.as_deref(), kind: query.kind.map(JobKind::as_str) };
    let mut rows = app.store.jobs(&key.workspace_id, &filter, query.page.cursor.as_deref(), query.page.limit).await?;
    let next_cursor = query.page.cut(&mut rows, |r| r.id.clone());
    json(200, &JobPageOut::new(rows.iter().map(JobOut::from).collect(), next_cursor))
}

/// A job with every attempt
#[utoipa::path(get, path = "/api/v1/deliveries/{id}", operation_id = "getDelivery", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Delivery (job) id")),
    responses((status = 200, description = "The job", body = JobDetailOut), KeyProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let row = app.store.job(&key.workspace_id, &app.param("id")).await?.ok_or_else(no_such_job)?;
    let attempts = app.store.attempts_for(&key.workspace_id, std::slice::from_ref(&row.id)).await?;
    json(200, &JobDetailOut::new(&row, &attempts))
}

fn no_such_job() -> ApiError {
    ApiError::NotFound("no delivery with this id in this workspace".into())
}

#[derive(Serialize, ToSchema)]
pub struct RetryOut {
    id: String,
    #[schema(value_type = String, pattern = "^pending$")]
    status: &'static str,
}

/// Send a delivery again
///
/// A finished delivery is sent again (same id, same `webhook-id`). A pending
/// one waiting for its next scheduled retry is attempted now, once, instead
/// (then its schedule goes on from that attempt). A pending one whose attempt
/// is under way, or that has not had its first attempt yet (a follow-up keeps
/// its time), is left as it is: 202, no attempt added. A held one waits for
/// its paused campaign: 409 `held` until the campaign resumes.
#[utoipa::path(post, path = "/api/v1/deliveries/{id}/retry", operation_id = "retryDelivery", tag = "webhooks", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Delivery id")),
    responses((status = 202, description = "Queued", body = RetryOut), KeyProblems, NotFound, Conflict))]
pub async fn retry(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let id = app.param("id");
    replay(app, &key.workspace_id, &id).await?;
    json(202, &RetryOut { id, status: "pending" })
}

/// Sends a delivery of this workspace again, or now if it waits for a retry
/// (the API, the inbox): 404 if none, 409 `held` while its campaign is paused (the store's replay leaves a
/// held job as it is, so one released meanwhile is not sent twice).
pub(crate) async fn replay(app: &App, workspace_id: &str, id: &str) -> ApiResult<()> {
    let job = app.store.delivery(workspace_id, id).await?.ok_or_else(no_such_job)?;
    match retry_of(JobStatus::parse(&job.status)) {
        Retry::Refuse => Err(ApiError::Held("this delivery is held while its campaign is paused; it is sent when the campaign resumes".into())),
        Retry::SendNow => send_now(app, workspace_id, id).await,
        Retry::Replay => replay_finished(app, workspace_id, id).await,
    }
}

/// What asking to send a job again does, by its status.
#[derive(Debug, PartialEq, Eq)]
enum Retry {
    /// Held: its campaign's resume sends it.
    Refuse,
    /// Pending: its next attempt, if it waits for one, is made now.
    SendNow,
    /// Settled (or a status this release does not know): it is sent again.
    Replay,
}

fn retry_of(status: Option<JobStatus>) -> Retry {
    match status {
        Some(JobStatus::Held) => Retry::Refuse,
        Some(JobStatus::Pending) => Retry::SendNow,
        _ => Retry::Replay,
    }
}

/// Makes a job waiting for its next retry due now and attempts it after the
/// response, claimed as every attempt is: the queue message of its old
/// schedule then finds that attempt made and does nothing. A job whose
/// attempt is under way (claimed) is left alone, so no second attempt runs
/// beside it.
async fn send_now(app: &App, workspace_id: &str, id: &str) -> ApiResult<()> {
    if let Some(due) = app.store.make_retry_due(workspace_id, id, app.now_ms).await? {
        crate::outbox::dispatch_replayed(app, vec![due], crate::automation::jobs::Automation);
    }
    Ok(())
}

async fn replay_finished(app: &App, workspace_id: &str, id: &str) -> ApiResult<()> {
    if let Some(replayed) = app.store.replay_delivery(workspace_id, id, app.now_ms).await? {
        // An in-order delivery rejoins its line and goes when its turn comes.
        let due = match replayed.in_order {
            1 => app.store.release_heads_of(workspace_id, &replayed.target_id, app.now_ms).await?,
            _ => vec![DueDelivery { id: replayed.id, workspace_id: replayed.workspace_id, attempts: replayed.attempts, in_order: 0, held: 0 }],
        };
        crate::outbox::dispatch_replayed(app, due, crate::automation::jobs::Automation);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::pairs_of as pairs;

    #[test]
    fn the_list_takes_its_filters_by_public_names() {
        let query = parse_query(pairs(&[("lead_id", "lead_1"), ("status", "held"), ("channel", "workflow_run"), ("limit", "5")])).unwrap();
        assert_eq!(query.lead_id.as_deref(), Some("lead_1"));
        assert_eq!(query.status.as_deref(), Some("held"));
        assert_eq!(query.kind, Some(JobKind::WorkflowRun));
        assert_eq!(query.page.limit, 5);
    }

    #[test]
    fn the_list_names_what_it_refuses() {
        for (name, value) in [("status", "done"), ("channel", "run"), ("channel", "fax"), ("limit", "0"), ("sort", "id")] {
            let Err(ApiError::Validation(errors)) = parse_query(pairs(&[(name, value)])) else { panic!("{name}={value} was taken") };
            let field = if name == "limit" { "limit" } else { name };
            assert_eq!(errors[0].field, field);
        }
    }

    #[test]
    fn retrying_sends_a_pending_job_now_replays_a_settled_one_and_refuses_a_held_one() {
        assert_eq!(retry_of(Some(JobStatus::Pending)), Retry::SendNow);
        assert_eq!(retry_of(Some(JobStatus::Held)), Retry::Refuse);
        for settled in [JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled] {
            assert_eq!(retry_of(Some(settled)), Retry::Replay);
        }
        assert_eq!(retry_of(None), Retry::Replay);
    }

    #[test]
    fn a_jobs_detail_has_its_attempts_and_their_count() {
        let row = DeliveryRow { id: "dlv_1".into(), target_kind: "webhook".into(), status: "succeeded".into(), attempts: 2, event_type: "lead.created".into(), ..Default::default() };
        let attempt = |n| AttemptRow { delivery_id: "dlv_1".into(), attempt: n, attempted_at: 0, status_code: Some(500), duration_ms: 3, error: None, response_body: Some("no".into()) };
        let other = AttemptRow { delivery_id: "dlv_2".into(), ..attempt(1) };
        let detail = serde_json::to_value(JobDetailOut::new(&row, &[attempt(1), attempt(2), other])).unwrap();
        assert_eq!(detail["attempt_count"], 2);
        assert_eq!(detail["attempts"].as_array().unwrap().len(), 2);
        assert_eq!(detail["attempts"][0]["response_excerpt"], "no");
        assert_eq!(detail["channel"], "webhook");
        assert_eq!(detail["source"]["kind"], "subscription");
    }

    #[test]
    fn a_job_of_an_unknown_kind_shows_its_kind_as_stored() {
        let row = DeliveryRow { id: "dlv_1".into(), target_kind: "fax".into(), status: "failed".into(), ..Default::default() };
        assert_eq!(JobOut::from(&row).job.channel, "fax");
    }
}
