//! One lead (`/app/leads/:id`): who and what first (with Email and Call
//! links), then (with a write key) the one form for status, tags and a note to add,
//! then every field as text, its source context, its timeline and replays.

use super::layout::{self, Nav};
use super::filters::Filters;
use super::lead_form::{self, Returns};
use crate::http::query_pairs;
use crate::inbox::edit::{LeadEdit, Seen};
use crate::inbox::reach;
use super::list::status_class;
use super::timeline::{self, History};
use crate::app::App;
use crate::auth::Scope;
use crate::error::{ApiError, ApiResult};
use crate::inbox::respond::html;
use crate::inbox::Session;
use crate::store::leads::LeadRow;
use crate::store::filter_choices::MemberChoice;
use crate::store::workflow_runs::RunsBy;
use futures_util::future::{try_join3, try_join4, try_join5};
use maud::{html, Markup};
use serde_json::{Map, Value};
use worker::Response;

/// Notes the timeline shows, oldest first (the API lists them all).
const MAX_NOTES_SHOWN: u32 = 500;

pub async fn page(app: &App, session: &Session, id: &str) -> ApiResult<Response> {
    let ws = &session.workspace_id;
    let store = &app.store;
    // Independent reads go out together (each is a D1 round trip); then the ones that need them.
    let (lead, changes, deliveries, runs, (follow_ups, notes, members)) = try_join5(
        store.lead(ws, id),
        store.status_changes(ws, id),
        store.lead_deliveries(ws, id),
        store.runs_page(ws, RunsBy::Lead(id), None, 50),
        try_join3(store.lead_follow_ups(ws, id, None, 50), store.lead_notes(ws, id, None, MAX_NOTES_SHOWN), store.member_choices(ws)),
    )
    .await?;
    let lead = lead.ok_or_else(|| ApiError::NotFound("no lead with this id in this workspace".into()))?;
    let ids: Vec<String> = deliveries.iter().map(|d| d.id.clone()).collect();
    let run_ids: Vec<String> = runs.iter().map(|r| r.id.clone()).collect();
    let list = Filters::of_lead_page(&query_pairs(&app.req)?, status_class(&lead.status))?;
    let neighbours_query = list.query_local(1, &session.timezone, super::filters::current_member(session))?;
    let (attempts, run_actions, workflows, near) = try_join4(
        async { if ids.is_empty() { Ok(Vec::new()) } else { store.attempts_for(ws, &ids).await } },
        store.run_actions(ws, &run_ids),
        async { if runs.is_empty() { Ok(Vec::new()) } else { store.workflows(ws).await } },
        store.lead_neighbours(ws, &neighbours_query, id),
    )
    .await?;
    let workflow_names = workflows.iter().map(|w| (w.id.clone(), w.name.clone())).collect();
    let people = members.iter().map(|m| (m.id.clone(), m.label().to_string())).collect();
    let history = History { lead: &lead, changes: &changes, deliveries: &deliveries, attempts: &attempts, runs: &runs, run_actions: &run_actions, workflow_names, follow_ups: &follow_ups, notes: &notes, people };
    let returns = Returns { here: list.lead_href(id), next: near.older.as_deref().map(|older| list.lead_href(older)) };
    let writable = session.can(Scope::Write);
    let title = lead.name.clone().unwrap_or_else(|| lead.email.clone());
    let body = html! {
        p.back {
            a href=(list.back_href(id)) { "← Back to the list" }
            @if let Some(newer) = &near.newer { " " a #prev-lead rel="prev" href=(list.lead_href(newer)) { "Newer lead" } }
            @if let Some(older) = &near.older { " " a #next-lead rel="next" href=(list.lead_href(older)) { "Older lead" } }
        }
        article.lead-page data-id=(lead.id) data-status=(lead.status) {
            h1 { (title) " " span class=(format!("badge s-{}", status_class(&lead.status))) { (lead.status) } }
            (summary(&lead, writable))
            // Filled by the script after a save (the page's address says so).
            p #save-status role="status" aria-live="polite" {}
            @if writable { (actions(&lead, session, &members, &returns)) } @else { p.readonly { (session.read_only_note()) } }
            section aria-labelledby="h-contact" { h2 #h-contact { "Contact" } (fields(&contact(&lead))) }
            (custom(&lead))
            section aria-labelledby="h-source" { h2 #h-source { "Source" } (fields(&source(&lead))) }
            section aria-labelledby="h-timeline" {
                h2 #h-timeline { "Timeline" }
                (timeline::render(&history, if writable { Some(session.csrf.as_str()) } else { None }))
            }
        }
    };
    html(200, layout::page(&title, session, Nav::Lead, body))
}

/// Who and what first: company, the message, where it came from, and the ways
/// to reply, which mark a new lead contacted in the same click (with a write key).
fn summary(lead: &LeadRow, writable: bool) -> Markup {
    let call = lead.phone.as_deref().and_then(reach::tel);
    html! {
        div.summary {
            p.lead-who {
                @if let Some(company) = &lead.company { span.company { (company) } " · " }
                span.email { (lead.email) }
                @if let Some(phone) = &lead.phone { " · " span.phone { (phone) } }
            }
            @if let Some(message) = &lead.message { blockquote.message { (message) } }
            p.origin {
                "Source " strong { (lead.source) }
                @if let Some(campaign) = lead.campaign.as_deref().or(lead.utm_campaign.as_deref()) { " · campaign " strong { (campaign) } }
                " · " (super::at(lead.created_at))
            }
            p.reach {
                a.button data-reach href=(reach::mailto(lead)) { "Email" }
                @if let Some(href) = &call { " " a.button data-reach href=(href) { "Call" } }
                @if writable && lead.status == "new" {
                    " " label.check { input #mark-on-reach type="checkbox" checked; " Mark contacted when I email or call" }
                }
            }
        }
    }
}

fn contact(l: &LeadRow) -> Vec<(&'static str, Option<&str>)> {
    vec![("Email", Some(l.email.as_str())), ("Name", l.name.as_deref()), ("Phone", l.phone.as_deref()), ("Company", l.company.as_deref()),
         ("Lead id", Some(l.id.as_str()))]
}

fn source(l: &LeadRow) -> Vec<(&'static str, Option<&str>)> {
    vec![("Source", Some(l.source.as_str())), ("Campaign", l.campaign.as_deref()), ("Page URL", l.page_url.as_deref()),
         ("Page title", l.page_title.as_deref()), ("Referrer", l.referrer.as_deref()), ("UTM source", l.utm_source.as_deref()),
         ("UTM medium", l.utm_medium.as_deref()), ("UTM campaign", l.utm_campaign.as_deref()), ("UTM term", l.utm_term.as_deref()),
         ("UTM content", l.utm_content.as_deref()), ("Form id", l.form_id.as_deref()), ("Form name", l.form_name.as_deref()),
         ("Form action", l.form_action.as_deref()), ("Country", l.country.as_deref()), ("User agent", l.user_agent.as_deref())]
}

/// Label/value pairs; URLs included, as text (never links: lead data is not trusted).
fn fields(pairs: &[(&str, Option<&str>)]) -> Markup {
    html! {
        dl.fields {
            @for (label, value) in pairs {
                @if let Some(value) = value { dt { (label) } dd { (value) } }
            }
        }
    }
}

fn custom(lead: &LeadRow) -> Markup {
    let map: Map<String, Value> = serde_json::from_str(&lead.custom).unwrap_or_default();
    html! {
        @if !map.is_empty() {
            section aria-labelledby="h-custom" {
                h2 #h-custom { "Custom fields" }
                dl.fields {
                    @for (name, value) in &map {
                        dt { (name) }
                        dd { @match value { Value::String(s) => (s), other => (other.to_string()) } }
                    }
                }
            }
        }
    }
}

fn actions(lead: &LeadRow, session: &Session, members: &[MemberChoice], returns: &Returns) -> Markup {
    let unchanged = LeadEdit::unchanged(Seen::of(lead));
    lead_form::render(&lead.id, &session.csrf, &unchanged, members, "Save", false, returns)
}
