//! Automation: what happens to a lead by rule. Campaigns (and their holds),
//! workflows (expansion into runs, running them), follow-ups, and triage
//! from Telegram. Decisions are pure functions (here and in `shared`); what
//! they decide is carried out by jobs on the outbox.

pub mod campaigns;
pub mod follow_ups;
pub mod jobs;
pub mod telegram;
pub mod workflows;
