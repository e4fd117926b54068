//! The names of events. Pure, so the store, the outbox and the API use the
//! same words (`worker/src/events.rs` builds the events themselves).

pub const LEAD_CREATED: &str = "lead.created";
pub const LEAD_UPDATED: &str = "lead.updated";
pub const LEAD_STATUS_CHANGED: &str = "lead.status_changed";
/// A lead's assignee changed: the lead, plus `assignee` and `previous_assignee` (member ids or null).
pub const LEAD_ASSIGNED: &str = "lead.assigned";
/// A lead was erased; its data holds the lead id only, so receivers can erase too.
pub const LEAD_ERASED: &str = "lead.erased";
/// A workflow's `webhook` action, sent to the one endpoint it names (as
/// that action's own job, never fanned out to subscribers).
pub const WORKFLOW_ACTION: &str = "workflow.action";
/// A workflow run finished every action / gave up on one.
pub const WORKFLOW_COMPLETED: &str = "workflow.completed";
pub const WORKFLOW_FAILED: &str = "workflow.failed";
/// Internal kinds, never fanned out: a run's outbox row (the run's own
/// kind, not stored as an event), and a run's Telegram message (`{"text"}`,
/// stored as the event of that action's job).
pub const WORKFLOW_RUN: &str = "workflow.run";
pub const WORKFLOW_TELEGRAM: &str = "workflow.telegram";
/// Internal: a run's email (`{"to", "subject", "text", "html"}`), the event of that action's job.
pub const WORKFLOW_EMAIL: &str = "workflow.email";
/// Internal: a member's own mail (an invitation, a sign-in link), the event
/// of its email job; never fanned out or listed (its payload names the link's id).
pub const MEMBER_MAIL: &str = "member.mail";
/// Internal: a run's Slack message (`{"text", "data"}`: its line and the lead), the event of that action's job.
pub const WORKFLOW_SLACK: &str = "workflow.slack";
/// Campaign controls (`shared::campaign::Control::event_type`), on webhooks.
pub const CAMPAIGN_PAUSED: &str = "campaign.paused";
pub const CAMPAIGN_RESUMED: &str = "campaign.resumed";
pub const CAMPAIGN_ARCHIVED: &str = "campaign.archived";
/// A follow-up fell due (its action was `webhook`): the lead, plus `follow_up`.
pub const LEAD_FOLLOW_UP_DUE: &str = "lead.follow_up_due";
/// Internal: a follow-up's Telegram reminder, its text prepared; never sent to endpoints.
pub const FOLLOW_UP_REMINDER: &str = "follow_up.reminder";
/// A workspace's daily or weekly digest, sent to Telegram only.
pub const SUMMARY_DIGEST: &str = "summary.digest";
