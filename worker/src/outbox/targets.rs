//! Stage two of a batch: load every target the batch's deliveries go to,
//! once each, however many deliveries share it: endpoints, Telegram and
//! Slack (for alerts and for workflow runs, which may message them), the enabled
//! workflows an event expands into, and the state of each claimed run.

use crate::error::ApiResult;
use crate::store::deliveries::DeliveryJob;
use crate::store::workflow_runs::RunState;
use leadsbot_shared::job::JobKind;
use crate::store::workflows::WorkflowRow;
use crate::store::endpoints::EndpointRow;
use crate::store::integrations::{IntegrationRow, SLACK, TELEGRAM};
use crate::store::members::MemberRow;
use crate::store::Store;
use super::email::is_to_member;
use futures_util::future::try_join_all;
use std::collections::{BTreeSet, HashMap};

/// Targets by (workspace, target id); `None` when it no longer exists.
#[derive(Default)]
pub struct Targets {
    pub endpoints: HashMap<(String, String), Option<EndpointRow>>,
    pub telegram: HashMap<String, Option<IntegrationRow>>,
    /// By workspace: Slack (for its messages and for workflow runs, which may post).
    pub slack: HashMap<String, Option<IntegrationRow>>,
    /// By (workspace, event type): the enabled workflows it triggers.
    pub workflows: HashMap<(String, String), Vec<WorkflowRow>>,
    /// By (workspace, run id): each claimed run's state, read after its claim.
    pub runs: HashMap<(String, String), Option<RunState>>,
    /// (workspace, address hash) of the batch's email recipients on their
    /// workspace's suppression list.
    pub suppressed: BTreeSet<(String, String)>,
    /// By (workspace, member id): the members the batch's emails go to;
    /// `None` for one removed since.
    pub members: HashMap<(String, String), Option<MemberRow>>,
}

pub async fn load(store: &Store, jobs: &[&DeliveryJob]) -> ApiResult<Targets> {
    let webhook_keys: BTreeSet<(String, String)> = jobs
        .iter()
        .filter(|j| j.is_webhook())
        .map(|j| (j.workspace_id.clone(), j.target_id.clone()))
        .collect();
    let telegram_keys: BTreeSet<String> = jobs.iter().filter(|j| matches!(j.kind(), Ok(JobKind::Telegram | JobKind::WorkflowRun))).map(|j| j.workspace_id.clone()).collect();
    let slack_keys: BTreeSet<String> = jobs.iter().filter(|j| matches!(j.kind(), Ok(JobKind::Slack | JobKind::WorkflowRun))).map(|j| j.workspace_id.clone()).collect();
    let workflow_keys: BTreeSet<(String, String)> = jobs
        .iter()
        .filter(|j| j.kind() == Ok(JobKind::WorkflowExpansion))
        .map(|j| (j.workspace_id.clone(), j.event_type.clone()))
        .collect();
    let endpoints = try_join_all(webhook_keys.into_iter().map(|(ws, id)| async move {
        let row = store.endpoint(&ws, &id).await?;
        Ok::<_, crate::error::ApiError>(((ws, id), row))
    }));
    let telegram = try_join_all(telegram_keys.into_iter().map(|ws| async move {
        let row = store.integration(&ws, TELEGRAM).await?;
        Ok::<_, crate::error::ApiError>((ws, row))
    }));
    let slack = try_join_all(slack_keys.into_iter().map(|ws| async move {
        let row = store.integration(&ws, SLACK).await?;
        Ok::<_, crate::error::ApiError>((ws, row))
    }));
    let workflows = try_join_all(workflow_keys.into_iter().map(|(ws, event_type)| async move {
        let rows = store.enabled_workflows(&ws, &event_type).await?;
        Ok::<_, crate::error::ApiError>(((ws, event_type), rows))
    }));
    let run_keys: Vec<(&str, &str)> = jobs.iter().filter(|j| j.is_run()).map(|j| (j.workspace_id.as_str(), j.target_id.as_str())).collect();
    let runs = async { store.run_states(&run_keys).await };
    let ((endpoints, telegram, slack), (workflows, runs)) =
        futures_util::future::try_join(futures_util::future::try_join3(endpoints, telegram, slack), futures_util::future::try_join(workflows, runs)).await?;
    let runs = run_keys.iter().map(|(ws, id)| (ws.to_string(), id.to_string())).zip(runs).collect();
    let member_keys: BTreeSet<(String, String)> =
        jobs.iter().filter(|j| j.kind() == Ok(JobKind::Email) && is_to_member(&j.target_id)).map(|j| (j.workspace_id.clone(), j.target_id.clone())).collect();
    let members = try_join_all(member_keys.into_iter().map(|(ws, id)| async move {
        let row = store.member(&ws, &id).await?;
        Ok::<_, crate::error::ApiError>(((ws, id), row))
    }));
    let (suppressed, members) = futures_util::future::try_join(suppressed(store, jobs), members).await?;
    Ok(Targets {
        endpoints: endpoints.into_iter().collect(),
        telegram: telegram.into_iter().collect(),
        slack: slack.into_iter().collect(),
        workflows: workflows.into_iter().collect(),
        runs,
        suppressed,
        members: members.into_iter().collect(),
    })
}

/// The batch's email recipients that are suppressed, one read per workspace.
async fn suppressed(store: &Store, jobs: &[&DeliveryJob]) -> ApiResult<BTreeSet<(String, String)>> {
    let mut by_workspace: HashMap<&str, Vec<String>> = HashMap::new();
    for job in jobs.iter().filter(|j| j.kind() == Ok(JobKind::Email)) {
        if let Some(hash) = super::email::payload(job).and_then(|p| p.address_hash(&job.workspace_id)) {
            by_workspace.entry(job.workspace_id.as_str()).or_default().push(hash);
        }
    }
    let found = try_join_all(by_workspace.into_iter().map(|(ws, hashes)| async move {
        Ok::<_, crate::error::ApiError>(store.suppressed(ws, &hashes).await?.into_iter().map(|h| (ws.to_string(), h)).collect::<Vec<_>>())
    }))
    .await?;
    Ok(found.into_iter().flatten().collect())
}

impl Targets {
    /// The member an email job goes to, if it still is one.
    pub fn member(&self, job: &DeliveryJob) -> Option<&MemberRow> {
        self.members.get(&(job.workspace_id.clone(), job.target_id.clone())).and_then(Option::as_ref)
    }

    pub fn endpoint(&self, job: &DeliveryJob) -> Option<&EndpointRow> {
        self.endpoints.get(&(job.workspace_id.clone(), job.target_id.clone())).and_then(Option::as_ref)
    }

    pub fn telegram(&self, job: &DeliveryJob) -> Option<&IntegrationRow> {
        self.telegram.get(&job.workspace_id).and_then(Option::as_ref)
    }

    pub fn slack(&self, job: &DeliveryJob) -> Option<&IntegrationRow> {
        self.slack.get(&job.workspace_id).and_then(Option::as_ref)
    }

    /// The lead a claimed run works on, if the run still exists.
    pub fn run_lead(&self, job: &DeliveryJob) -> Option<&str> {
        let state = self.runs.get(&(job.workspace_id.clone(), job.target_id.clone()))?.as_ref()?;
        Some(state.run.lead_id.as_str())
    }

    /// A claimed run's state as the batch read it; `None` if the run is gone.
    pub fn run(&self, job: &DeliveryJob) -> Option<RunState> {
        self.runs.get(&(job.workspace_id.clone(), job.target_id.clone())).cloned().flatten()
    }

    /// Whether an address (by its hash) is on the job's workspace's suppression list.
    pub fn is_suppressed(&self, job: &DeliveryJob, address_hash: &str) -> bool {
        self.suppressed.contains(&(job.workspace_id.clone(), address_hash.to_string()))
    }

    /// The enabled workflows an expansion's event may start.
    pub fn workflows(&self, job: &DeliveryJob) -> &[WorkflowRow] {
        self.workflows.get(&(job.workspace_id.clone(), job.event_type.clone())).map_or(&[], Vec::as_slice)
    }
}
