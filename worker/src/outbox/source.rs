//! What raised a job, as the API and the inbox show it: a pure decision over
//! the job's stored facts, so every reader names a job's source the same way.

use leadsbot_shared::event::{FOLLOW_UP_REMINDER, LEAD_CREATED, LEAD_FOLLOW_UP_DUE, SUMMARY_DIGEST};
use leadsbot_shared::job::JobKind;
use serde::Serialize;
use utoipa::ToSchema;

/// Why a job exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    /// A webhook endpoint subscribed to the event.
    Subscription,
    /// A workflow: its expansion, a run, or one of a run's send actions.
    Workflow,
    /// A follow-up coming due (its firing, its reminder, its `lead.follow_up_due`).
    FollowUp,
    /// A daily or weekly digest.
    Digest,
    /// The Telegram or Slack alert of a new lead.
    Alert,
}

/// What the store knows of a job, as far as its source goes.
pub struct JobFacts<'a> {
    pub kind: Option<JobKind>,
    pub event_type: &'a str,
    pub target_id: &'a str,
    /// Set on the jobs of a run's send actions.
    pub run_id: Option<&'a str>,
    pub action_index: Option<u32>,
    /// The run's workflow, when the job belongs to a run.
    pub workflow_id: Option<&'a str>,
}

/// A job's source, with the workflow, run and action it came from where it has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct JobSource {
    pub kind: SourceKind,
    pub workflow_id: Option<String>,
    pub run_id: Option<String>,
    pub action_index: Option<u32>,
}

pub fn source_of(job: &JobFacts<'_>) -> JobSource {
    let run_id = job.run_id.or((job.kind == Some(JobKind::WorkflowRun)).then_some(job.target_id));
    let kind = match job.kind {
        _ if run_id.is_some() => SourceKind::Workflow,
        Some(JobKind::WorkflowExpansion | JobKind::WorkflowRun) => SourceKind::Workflow,
        Some(JobKind::FollowUp) => SourceKind::FollowUp,
        _ if job.event_type == LEAD_FOLLOW_UP_DUE || job.event_type == FOLLOW_UP_REMINDER => SourceKind::FollowUp,
        _ if job.event_type == SUMMARY_DIGEST => SourceKind::Digest,
        Some(JobKind::Telegram | JobKind::Slack) if job.event_type == LEAD_CREATED => SourceKind::Alert,
        _ => SourceKind::Subscription,
    };
    JobSource {
        kind,
        workflow_id: run_id.and(job.workflow_id).map(str::to_string),
        run_id: run_id.map(str::to_string),
        action_index: run_id.and(job.action_index),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(kind: JobKind, event_type: &'static str) -> JobFacts<'static> {
        JobFacts { kind: Some(kind), event_type, target_id: "ep_1", run_id: None, action_index: None, workflow_id: None }
    }

    #[test]
    fn each_job_is_named_by_what_raised_it() {
        assert_eq!(source_of(&facts(JobKind::Webhook, "lead.created")).kind, SourceKind::Subscription);
        assert_eq!(source_of(&facts(JobKind::Webhook, "workflow.completed")).kind, SourceKind::Subscription, "a run's events go to subscribers");
        assert_eq!(source_of(&facts(JobKind::Telegram, "lead.created")).kind, SourceKind::Alert);
        assert_eq!(source_of(&facts(JobKind::Slack, "lead.created")).kind, SourceKind::Alert);
        assert_eq!(source_of(&facts(JobKind::Slack, "workflow.slack")).kind, SourceKind::Subscription, "a run's own are named by their run");
        assert_eq!(source_of(&facts(JobKind::Telegram, "summary.digest")).kind, SourceKind::Digest);
        assert_eq!(source_of(&facts(JobKind::Telegram, "follow_up.reminder")).kind, SourceKind::FollowUp);
        assert_eq!(source_of(&facts(JobKind::Webhook, "lead.follow_up_due")).kind, SourceKind::FollowUp);
        assert_eq!(source_of(&facts(JobKind::FollowUp, "follow_up.reminder")).kind, SourceKind::FollowUp, "the firing itself");
        assert_eq!(source_of(&facts(JobKind::WorkflowExpansion, "lead.created")).kind, SourceKind::Workflow);
    }

    #[test]
    fn a_runs_jobs_name_their_run_and_action() {
        let run = JobFacts { target_id: "run_1", workflow_id: Some("wf_1"), ..facts(JobKind::WorkflowRun, "workflow.run") };
        let source = source_of(&run);
        assert_eq!((source.kind, source.run_id.as_deref(), source.workflow_id.as_deref(), source.action_index), (SourceKind::Workflow, Some("run_1"), Some("wf_1"), None));
        let action = JobFacts { run_id: Some("run_1"), action_index: Some(2), workflow_id: Some("wf_1"), ..facts(JobKind::Webhook, "workflow.action") };
        let source = source_of(&action);
        assert_eq!((source.kind, source.run_id.as_deref(), source.action_index), (SourceKind::Workflow, Some("run_1"), Some(2)));
    }

    #[test]
    fn a_job_of_an_unknown_kind_still_has_a_source() {
        let unknown = JobFacts { kind: None, ..facts(JobKind::Webhook, "lead.created") };
        assert_eq!(source_of(&unknown).kind, SourceKind::Subscription);
    }
}
