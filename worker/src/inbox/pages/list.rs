//! The lead list (`/app`): status tabs with counts, filters, search, newest
//! first, cursor pages, and the poll behind the "N new" marker.

use super::choices;
use super::filters::{current_member, Filters, ListPage, PAGE_SIZE};
use super::layout::{self, Nav};
use super::{embed, snippet, when};
use crate::app::App;
use crate::auth::Scope;
use crate::error::ApiResult;
use crate::auth::limiter::{admit, EXPORTS_PER_KEY};
use crate::http::{json, query_pairs};
use crate::lifecycle::exports::{Export, ExportRequest, Format};
use crate::inbox::respond::html;
use crate::inbox::Session;
use crate::store::filter_choices::FilterChoices;
use crate::store::filter_choices::MemberChoice;
use crate::store::inbox::{LeadCounts, MAX_COUNTED_MATCHES};
use crate::store::leads::{LeadQuery, LeadRow};
use maud::{html, Markup};
use worker::Response;

const TABS: [(&str, &str); 7] =
    [("new", "New"), ("contacted", "Contacted"), ("qualified", "Qualified"), ("won", "Won"), ("lost", "Lost"), ("spam", "Spam"), ("all", "All")];

pub async fn page(app: &App, session: &Session) -> ApiResult<Response> {
    render(app, session, None).await
}

/// The list right after a new workspace's empty state made a public token:
/// the snippet shows with the whole token, ready to copy.
pub async fn first_lead(app: &App, session: &Session, token: &str) -> ApiResult<Response> {
    render(app, session, Some(token)).await
}

async fn render(app: &App, session: &Session, new_token: Option<&str>) -> ApiResult<Response> {
    let filters = Filters::parse(&query_pairs(&app.req)?)?;
    let query = filters.query_local(PAGE_SIZE, &session.timezone, current_member(session))?;
    let ((counts, rows), choices) =
        futures_util::future::try_join(counted_page(app, &session.workspace_id, query), app.store.filter_choices(&session.workspace_id)).await?;
    let ListPage { rows, older, newer } = filters.page(rows, PAGE_SIZE);
    // All is every status but spam, as its list is.
    let count = |status: &str| -> i64 {
        counts.by_status.iter().filter(|c| if status == "all" { c.status != "spam" } else { c.status == status }).map(|c| c.n).sum()
    };
    let now = app.now_ms;
    let nav = if filters.status == "spam" { Nav::Spam } else { Nav::Inbox };
    let body = html! {
        h1.visually-hidden { "Leads" }
        nav.tabs aria-label="Lead status" {
            @for (status, label) in TABS {
                a href=(filters.href("status", status)) aria-current=[(filters.status == status).then_some("page")] {
                    (label) @if !counts.more { " " span.count { (count(status)) } }
                }
            }
        }
        @if counts.more {
            p.match-count { "More than " (MAX_COUNTED_MATCHES) " leads match this search; add a word or a filter to count them by status." }
        }
        (filter_form(&filters, &choices, current_member(session).is_some()))
        p.export { a href=(format!("/app/export?{}", filters.href("cursor", "").trim_start_matches("/app?"))) download { "Export these leads" } " (CSV, every page of this list)" }
        @if session.can(Scope::Write) && !rows.is_empty() { (bulk_form(&filters, session)) }
        p #new-marker role="status" aria-live="polite" {}
        @if rows.is_empty() && filters.is_unfiltered() && counts.by_status.iter().all(|c| c.n == 0) {
            (first_lead_help(&app.origin()?, session, new_token))
        } @else if rows.is_empty() {
            p.empty { "No leads here." }
        } @else {
            ol.leads #leads data-poll=(poll_href(&filters, rows.first())) {
                @for lead in &rows { (row(lead, session, &filters, &choices.members, now)) }
            }
        }
        @if newer.is_some() || older.is_some() {
            p.pager {
                @if let Some(after) = &newer { a href=(filters.href("after", after)) rel="prev" { "Newer leads" } " " }
                @if let Some(cursor) = &older { a href=(filters.href("cursor", cursor)) rel="next" { "Older leads" } }
            }
        }
    };
    let title = TABS.iter().find(|(s, _)| *s == filters.status).map_or("Leads", |(_, l)| l);
    html(200, layout::page(title, session, nav, body))
}

/// The list's tab counts and its page of leads (one more than a page). A
/// search's page is read the way its count says; a list without one is read
/// alongside its counts.
async fn counted_page(app: &App, workspace_id: &str, query: LeadQuery) -> ApiResult<(LeadCounts, Vec<LeadRow>)> {
    if query.search.is_none() {
        return futures_util::future::try_join(app.store.lead_counts(workspace_id, &query), app.store.leads(workspace_id, &query)).await;
    }
    let counts = app.store.lead_counts(workspace_id, &query).await?;
    let mut page_query = counts.page_query(query);
    let mut rows = app.store.leads(workspace_id, &page_query).await?;
    while let Some(wider) = counts.wider_page_query(&page_query, rows.len()) {
        rows = app.store.leads(workspace_id, &wider).await?;
        page_query = wider;
    }
    Ok((counts, rows))
}

/// A workspace without a lead yet: how to get the first one, with the embed
/// snippet and a working Copy button (an admin makes the token it needs).
fn first_lead_help(origin: &str, session: &Session, new_token: Option<&str>) -> Markup {
    html! {
        section.empty-state aria-labelledby="h-first-lead" {
            h2 #h-first-lead { "Get your first lead" }
            p { "Paste this snippet into any page with a form, before " code { "</body>" } ". Every form sent on that page then arrives here as a lead." }
            @match (new_token, session.can(Scope::Admin)) {
                (Some(token), _) => {
                    (embed::ready(origin, token))
                    p role="alert" { "This snippet holds a new public token, shown once. An older token keeps working for the rotation grace period." }
                }
                (None, true) => {
                    p { "The snippet needs the workspace's public token, which is stored only as a hash. Make a new one to show the whole snippet here." }
                    (embed::new_token_form(&session.csrf, "/app", "Show my snippet"))
                }
                (None, false) => p { "Ask an admin of this workspace for the embed snippet (Settings, Embed snippet)." },
            }
            p { "Or send leads from a server: " code { "POST " (origin) "/api/inbound/" (session.workspace_id) "/leads" } " with an API key (README, Capture API)." }
        }
    }
}

/// Acts on the rows ticked in the list (their checkboxes belong to this form by
/// its id, so a row's own forms need not nest in it).
fn bulk_form(f: &Filters, session: &Session) -> Markup {
    html! {
        form #bulk .bulk method="post" action="/app/bulk" {
            input type="hidden" name="_csrf" value=(session.csrf);
            input type="hidden" name="back" value=(format!("/app?{}", f.query_string()));
            span #bulk-count role="status" aria-live="polite" { "Tick leads (or press x) to act on several." }
            div.field {
                label for="bulk-status" { "Set status" }
                select #bulk-status name="status" {
                    option value="" { "(keep)" }
                    @for status in super::lead_form::STATUSES { option value=(status) { (status) } }
                }
            }
            div.field { label for="bulk-tag" { "Add a tag" } input #bulk-tag name="add_tag" maxlength="50"; }
            button type="submit" { "Apply to ticked leads" }
        }
    }
}

fn filter_form(f: &Filters, choices: &FilterChoices, me: bool) -> Markup {
    html! {
        form.filters method="get" action="/app" role="search" {
            // A search covers every status (but spam, searched in its own folder); the tabs then
            // count the matches in each, and choosing one narrows the search to it.
            input type="hidden" name="status" value=(if f.status == "spam" { "spam" } else { "all" });
            div.field.search {
                label for="q" { "Search" }
                input #q type="search" name="q" value=(f.q) placeholder="name, email, company, message" autocomplete="off";
            }
            details.more open[!(f.source.is_empty() && f.campaign.is_empty() && f.tag.is_empty() && f.assignee.is_empty() && f.from.is_empty() && f.to.is_empty())] {
                summary { "Filters" }
                div.grid {
                    (choices::source_select(choices, &f.source))
                    (choices::campaign_select(choices, &f.campaign))
                    (choices::tag_select(choices, &f.tag))
                    (choices::assignee_select(choices, &f.assignee, me))
                    div.field { label for="f-from" { "From" } input #f-from type="date" name="from" value=(f.from); }
                    div.field { label for="f-to" { "To" } input #f-to type="date" name="to" value=(f.to); }
                }
            }
            button type="submit" { "Apply" }
            " " a href=(format!("/app?status={}", f.status)) { "Clear" }
        }
    }
}

/// A new lead nobody touched for this long is flagged.
const UNTOUCHED_AFTER_MS: i64 = 24 * 3_600_000;

fn row(lead: &LeadRow, session: &Session, list: &Filters, members: &[MemberChoice], now: i64) -> Markup {
    let tags: Vec<String> = serde_json::from_str(&lead.tags).unwrap_or_default();
    let href = list.lead_href(&lead.id);
    let untouched = lead.status == "new" && lead.updated_at == lead.created_at && now - lead.created_at > UNTOUCHED_AFTER_MS;
    let campaign = lead.campaign.as_deref().or(lead.utm_campaign.as_deref());
    let assignee = lead.assignee_id.as_deref().map(|id| members.iter().find(|m| m.id == id).map_or(id, MemberChoice::label));
    html! {
        li.lead data-id=(lead.id) data-status=(lead.status) {
            @if session.can(Scope::Write) {
                input.pick type="checkbox" name="lead" value=(lead.id) form="bulk" aria-label=(format!("Tick {}", lead.name.as_deref().unwrap_or(&lead.email)));
            }
            a.open href=(href) {
                span.who { (lead.name.as_deref().unwrap_or(&lead.email)) }
                span.email { (lead.email) }
            }
            @if let Some(message) = lead.message.as_deref().filter(|m| !m.trim().is_empty()) {
                span.snippet {
                    @for (piece, marked) in snippet::snippet(message, &list.q) {
                        @if marked { mark { (piece) } } @else { (piece) }
                    }
                }
            }
            span.meta {
                span class=(format!("badge s-{}", status_class(&lead.status))) { (lead.status) }
                @if untouched { " " span.badge.untouched { "untouched 24 h+" } }
                @if let Some(company) = &lead.company { " · " (company) }
                " · " (lead.source)
                @if let Some(campaign) = campaign { " · " (campaign) }
                @if let Some(assignee) = assignee { " · " span.assignee { "assigned to " (assignee) } }
                " · " time.age datetime=(leadsbot_shared::time::format_rfc3339(lead.created_at)) title=(when(lead.created_at)) { (snippet::age(lead.created_at, now)) }
            }
            @if !tags.is_empty() {
                span.tags { @for tag in &tags { span.tag { (tag) } " " } }
            }
            @if lead.status == "spam" && session.can(Scope::Write) {
                form.inline method="post" action=(format!("/app/leads/{}/status", lead.id)) {
                    input type="hidden" name="_csrf" value=(session.csrf);
                    input type="hidden" name="status" value="new";
                    input type="hidden" name="back" value="/app?status=spam";
                    button type="submit" aria-label=(format!("Not spam: {}", lead.name.as_deref().unwrap_or(&lead.email))) { "Not spam" }
                }
            }
        }
    }
}

/// The class suffix for a status badge: only known statuses, never lead text.
pub fn status_class(status: &str) -> &'static str {
    leadsbot_shared::lead::LeadStatus::parse(status).map_or("unknown", |s| s.as_str())
}

fn poll_href(f: &Filters, newest: Option<&LeadRow>) -> String {
    let list = f.href("cursor", "");
    let after = newest.map(|l| l.id.as_str()).unwrap_or("");
    format!("/app/poll{}&after={after}", list.trim_start_matches("/app"))
}

/// `GET /app/poll?…&after=<newest id shown>`: how many leads matching the
/// same filters arrived since (up to a page's worth).
pub async fn poll(app: &App, session: &Session) -> ApiResult<Response> {
    let pairs = query_pairs(&app.req)?;
    let after = pairs.iter().find(|(n, _)| n == "after").map(|(_, v)| v.clone()).unwrap_or_default();
    let mut filters = Filters::parse(&pairs)?;
    filters.cursor.clear();
    filters.after.clear();
    let rows = app.store.leads(&session.workspace_id, &filters.query_local(PAGE_SIZE, &session.timezone, current_member(session))?).await?;
    let new = rows.iter().take(PAGE_SIZE as usize).take_while(|r| r.id.as_str() > after.as_str()).count();
    json(200, &serde_json::json!({ "new": new, "more": new >= PAGE_SIZE as usize }))
}

/// `GET /app/export?…`: the list's leads (every page of it, its filters and
/// search) as the API's CSV export streams them, limited like an API key's exports.
pub async fn export(app: &App, session: &Session) -> ApiResult<Response> {
    session.require(Scope::Read)?;
    let mut filters = Filters::parse(&query_pairs(&app.req)?)?;
    filters.cursor.clear();
    filters.after.clear();
    let query = filters.query_local(PAGE_SIZE, &session.timezone, current_member(session))?;
    admit(&app.env, EXPORTS_PER_KEY, format!("key:{}", session.actor)).await?;
    let request = ExportRequest { query, format: Format::Csv { excel: false }, after: None };
    Export::new(app.store.clone(), session.workspace_id.clone(), request).await?.in_zone(&session.timezone).into_response(app.now_ms)
}
