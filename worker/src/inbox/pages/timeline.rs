//! A lead's whole history in one list: captured, each note (the old single
//! note first), each status change, each delivery (webhook or Telegram) with
//! its attempts, each workflow run with its actions, each follow-up, oldest first.
//! People's actions lead; machine traffic folds under a toggle that opens by
//! itself when something in it failed.

use super::at;
use crate::store::deliveries::{AttemptRow, DeliveryRow};
use crate::store::leads::{LeadRow, StatusChangeRow};
use crate::store::follow_ups::FollowUpRow;
use crate::store::notes::NoteRow;
use crate::store::workflow_runs::{RunActionRow, RunRow};
use leadsbot_shared::members::actor_member;
use std::collections::HashMap;
use maud::{html, Markup};

pub struct History<'a> {
    pub lead: &'a LeadRow,
    pub changes: &'a [StatusChangeRow],
    pub deliveries: &'a [DeliveryRow],
    pub attempts: &'a [AttemptRow],
    pub runs: &'a [RunRow],
    pub run_actions: &'a [RunActionRow],
    /// Workflow id → name (a deleted workflow's runs show its id).
    pub workflow_names: HashMap<String, String>,
    pub follow_ups: &'a [FollowUpRow],
    pub notes: &'a [NoteRow],
    /// Member id → the name (or address) a person is shown by.
    pub people: HashMap<String, String>,
}

enum Entry<'a> {
    Change(&'a StatusChangeRow),
    Delivery(&'a DeliveryRow),
    Run(&'a RunRow),
    FollowUp(&'a FollowUpRow),
    Note(&'a NoteRow),
}

impl Entry<'_> {
    fn at(&self) -> i64 {
        match self {
            Entry::Change(c) => c.changed_at,
            Entry::Delivery(d) => d.created_at,
            Entry::Run(r) => r.created_at,
            Entry::FollowUp(f) => f.created_at,
            Entry::Note(n) => n.created_at,
        }
    }
}

impl Entry<'_> {
    /// People's actions lead the timeline; machine traffic (deliveries, runs,
    /// follow-ups) folds under a toggle.
    fn by_a_person(&self) -> bool {
        matches!(self, Entry::Change(_) | Entry::Note(_))
    }

    /// Something that needs a person's eye: the fold opens by itself.
    fn failed(&self) -> bool {
        match self {
            Entry::Delivery(d) => d.status == "failed",
            Entry::Run(r) => r.status == "failed",
            _ => false,
        }
    }
}

/// `retry_csrf`: the session's token when it may replay failed deliveries.
pub fn render(history: &History<'_>, retry_csrf: Option<&str>) -> Markup {
    let mut entries: Vec<Entry> = history.changes.iter().map(Entry::Change).chain(history.deliveries.iter().map(Entry::Delivery))
        .chain(history.runs.iter().map(Entry::Run))
        .chain(history.follow_ups.iter().map(Entry::FollowUp))
        .chain(history.notes.iter().map(Entry::Note))
        .collect();
    entries.sort_by_key(Entry::at);
    let (people, machine): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(Entry::by_a_person);
    html! {
        ol.timeline {
            li { (at(history.lead.created_at)) " Captured from " (history.lead.source) }
            // The old single note kept neither author nor time: it comes first, undated.
            @if let Some(old) = history.lead.note.as_deref().filter(|n| !n.trim().is_empty()) {
                li.note { "Note (from before notes were kept)" p.note-body { (old) } }
            }
            @for entry in &people { (item(entry, history, retry_csrf)) }
        }
        @if !machine.is_empty() {
            details.machine open[machine.iter().any(Entry::failed)] {
                summary { "Deliveries, workflow runs and follow-ups (" (machine.len()) ")" }
                ol.timeline { @for entry in &machine { (item(entry, history, retry_csrf)) } }
            }
        }
    }
}

fn item(entry: &Entry<'_>, history: &History<'_>, retry_csrf: Option<&str>) -> Markup {
    html! {
        @match entry {
            Entry::Change(c) => li.change {
                (at(c.changed_at)) " Status " (c.from_status) " → " strong { (c.to_status) }
                @if let Some(by) = &c.changed_by { " by " (who(by, &history.people)) }
            },
            Entry::Delivery(d) => li.delivery { (delivery(d, history, retry_csrf)) },
            Entry::Run(r) => li.run { (run(r, history)) },
            Entry::FollowUp(f) => li.follow-up { (follow_up(f)) },
            Entry::Note(n) => li.note {
                (at(n.created_at)) " Note by " (who(&n.author, &history.people)) 
                p.note-body { (n.body) }
            },
        }
    }
}

/// Who made a change: a person by their name, a machine (an API key, a
/// workflow, Telegram) by its id; a member since removed by their id.
fn who(actor: &str, people: &HashMap<String, String>) -> Markup {
    match actor_member(actor).and_then(|id| people.get(id)) {
        Some(name) => html! { strong.person title=(actor) { (name) } },
        None => html! { code { (actor) } },
    }
}

fn delivery(d: &DeliveryRow, history: &History<'_>, retry_csrf: Option<&str>) -> Markup {
    let (attempts, lead_id) = (history.attempts, &history.lead.id);
    let target = match d.target_kind.as_str() {
        "telegram" => "Telegram".to_string(),
        "email" if d.target_id.starts_with("mem_") => format!("email to {}", history.people.get(&d.target_id).map_or(d.target_id.as_str(), String::as_str)),
        "slack" => "Slack".to_string(),
        "email" => "email to the lead".to_string(),
        kind => format!("{kind} {}", d.target_id),
    };
    html! {
        (at(d.created_at)) " " code { (d.event_type) } " → " (target) ": "
        strong class=(format!("d-{}", if d.status == "failed" { "failed" } else if d.status == "succeeded" { "ok" } else { "pending" })) { (d.status) }
        " (" (d.attempts) " attempt" @if d.attempts != 1 { "s" } ")"
        @let mine: Vec<&AttemptRow> = attempts.iter().filter(|a| a.delivery_id == d.id).collect();
        @if !mine.is_empty() {
            ul.attempts {
                @for a in mine {
                    li {
                        "#" (a.attempt) " " (at(a.attempted_at)) " "
                        @if let Some(code) = a.status_code { "HTTP " (code) } @else { "no answer" }
                        " in " (a.duration_ms) " ms"
                        @if let Some(error) = &a.error { " · " (error) }
                    }
                }
            }
        }
        @if let (Some(csrf), "failed") = (retry_csrf, d.status.as_str()) {
            form.inline method="post" action=(format!("/app/deliveries/{}/retry", d.id)) {
                input type="hidden" name="_csrf" value=(csrf);
                input type="hidden" name="back" value=(format!("/app/leads/{lead_id}"));
                button type="submit" { "Replay" }
            }
        }
    }
}

fn run(r: &RunRow, history: &History<'_>) -> Markup {
    let name = history.workflow_names.get(&r.workflow_id).map_or(r.workflow_id.as_str(), String::as_str);
    html! {
        (at(r.created_at)) " Workflow " strong { (name) } ": " (r.status)
        @let actions: Vec<&RunActionRow> = history.run_actions.iter().filter(|a| a.run_id == r.id).collect();
        @if !actions.is_empty() {
            ul.attempts {
                @for a in actions {
                    li { (a.idx + 1) ". " (a.kind) " " (a.status) @if let Some(error) = &a.error { " · " (error) } }
                }
            }
        }
    }
}

fn follow_up(f: &FollowUpRow) -> Markup {
    let action: serde_json::Value = serde_json::from_str(&f.action).unwrap_or_default();
    let kind = action.get("type").and_then(|t| t.as_str()).unwrap_or("reminder");
    html! {
        (at(f.created_at)) " Follow-up (" (kind) ") due " (at(f.due_at)) ": " strong { (f.status) }
        @if let Some(t) = f.sent_at { " " (at(t)) }
        @if let Some(reason) = &f.cancel_reason { " (" (reason) ")" }
        @if f.held() { " · held: its campaign is paused" }
        @if f.job_status.as_deref() == Some(crate::store::deliveries::FAILED) { " · firing failed" @if let Some(error) = &f.job_error { ": " (error) } }
    }
}
