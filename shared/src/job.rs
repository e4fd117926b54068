//! What an outbox job does, as one typed enum in place of kind strings.
//!
//! Every reaction to a lead is a row of the one outbox (`deliveries`), whose
//! `target_kind` column stores [`JobKind::as_str`]. The consumer parses it
//! back with [`JobKind::parse`]: a kind this release does not know is an
//! error recorded on that job, never a send to some other channel.

use core::fmt;

/// The kinds of job the outbox carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A signed POST to a webhook endpoint (`target_id` = the endpoint id).
    Webhook,
    /// A message to the workspace's Telegram chat (`target_id` = `telegram`).
    Telegram,
    /// Expands an event into the workflow runs it triggers (`target_id` = `workflows`).
    WorkflowExpansion,
    /// Works one workflow run through its actions (`target_id` = the run id).
    WorkflowRun,
    /// Fires a follow-up when it falls due (`target_id` = the follow-up id).
    FollowUp,
    /// An email (`target_id` = who it goes to: `lead`; its payload names the address).
    Email,
    /// A message to the workspace's Slack incoming webhook (`target_id` = `slack`).
    Slack,
}

/// A stored kind this release does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownJobKind(pub String);

impl fmt::Display for UnknownJobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown job kind '{}': this release cannot carry it out", self.0)
    }
}

impl JobKind {
    pub const ALL: [JobKind; 7] = [JobKind::Webhook, JobKind::Telegram, JobKind::WorkflowExpansion, JobKind::WorkflowRun, JobKind::FollowUp, JobKind::Email, JobKind::Slack];

    /// The value stored in `deliveries.target_kind`.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobKind::Webhook => "webhook",
            JobKind::Telegram => "telegram",
            JobKind::WorkflowExpansion => "workflows",
            JobKind::WorkflowRun => "run",
            JobKind::FollowUp => "follow_up",
            JobKind::Email => "email",
            JobKind::Slack => "slack",
        }
    }

    /// The name the API shows as a job's `channel` and takes as its filter.
    pub const fn public_name(self) -> &'static str {
        match self {
            JobKind::Webhook => "webhook",
            JobKind::Telegram => "telegram",
            JobKind::WorkflowExpansion => "workflow_expansion",
            JobKind::WorkflowRun => "workflow_run",
            JobKind::FollowUp => "follow_up",
            JobKind::Email => "email",
            JobKind::Slack => "slack",
        }
    }

    /// A kind by its public name (the API's `channel` filter).
    pub fn from_public_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.public_name() == name)
    }

    pub fn parse(stored: &str) -> Result<Self, UnknownJobKind> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == stored).ok_or_else(|| UnknownJobKind(stored.to_string()))
    }

    /// Whether the job calls something outside (and so has a channel to
    /// show in the delivery log), rather than deciding in D1 alone.
    pub const fn is_channel(self) -> bool {
        matches!(self, JobKind::Webhook | JobKind::Telegram | JobKind::Email | JobKind::Slack)
    }
}

/// Where a job stands: the one vocabulary of the outbox, whatever the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobStatus {
    /// Waits for its campaign's resume (released in capture order) or archive (cancelled).
    Held,
    /// An attempt is due at `next_attempt_at`, or under way (claimed until
    /// then); `next_attempt_at` NULL: waiting its turn (an in-order line, a
    /// run waiting on its action's job).
    Pending,
    /// Done: the last attempt succeeded.
    Succeeded,
    /// Gave up after its retry schedule, or at once when there is nothing to
    /// send to: dead-lettered, shown, replayable. Never dropped.
    Failed,
    /// Nothing left to do (its campaign archived, its follow-up cancelled).
    Cancelled,
}

impl JobStatus {
    pub const ALL: [JobStatus; 5] = [JobStatus::Held, JobStatus::Pending, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Cancelled];

    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Held => "held",
            JobStatus::Pending => "pending",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Settled jobs are finished: only they may be deleted by retention.
    pub const fn is_settled(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed | JobStatus::Cancelled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_as_itself() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::parse(kind.as_str()), Ok(kind));
        }
    }

    #[test]
    fn statuses_read_back_and_only_finished_ones_are_settled() {
        for status in JobStatus::ALL {
            assert_eq!(JobStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(JobStatus::parse("done"), None);
        let settled: Vec<_> = JobStatus::ALL.into_iter().filter(|s| s.is_settled()).map(JobStatus::as_str).collect();
        assert_eq!(settled, ["succeeded", "failed", "cancelled"], "held and pending jobs are live work");
    }

    #[test]
    fn public_names_are_distinct_and_read_back() {
        for kind in JobKind::ALL {
            assert_eq!(JobKind::from_public_name(kind.public_name()), Some(kind));
        }
        assert_eq!(JobKind::from_public_name("run"), None, "stored names are not public ones");
    }

    #[test]
    fn an_unknown_kind_is_an_error_that_names_it() {
        let err = JobKind::parse("fax").unwrap_err();
        assert_eq!(err, UnknownJobKind("fax".into()));
        assert!(err.to_string().contains("'fax'"));
        assert!(JobKind::parse("").is_err());
        assert!(JobKind::parse("Webhook").is_err(), "kinds are stored in one spelling");
    }
}
