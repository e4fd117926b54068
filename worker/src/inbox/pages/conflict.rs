//! A save made on a stale lead page (409): nothing was written. It shows what
//! changed since the rep opened the page, and who changed the status, then
//! the rep's changes laid on the lead as it now is, to apply or discard.

use super::layout::{self, Nav};
use super::lead_form::{self, Returns};
use super::at;
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::inbox::edit::{drift, LeadEdit, Seen};
use crate::inbox::respond::html;
use crate::inbox::Session;
use maud::html;
use worker::Response;

pub async fn page(app: &App, session: &Session, id: &str, edit: &LeadEdit, returns: &Returns) -> ApiResult<Response> {
    let ws = &session.workspace_id;
    let lead = app.store.lead(ws, id).await?.ok_or_else(|| ApiError::NotFound("no lead with this id in this workspace".into()))?;
    let meanwhile = drift(&edit.seen, &Seen::of(&lead));
    let status_by = app.store.status_changes(ws, id).await?.into_iter().filter(|c| c.changed_at > edit.seen.updated_at).last();
    let again = edit.on_top_of(&lead);
    let members = app.store.member_choices(ws).await?;
    let name_of = |id: &str| members.iter().find(|m| m.id == id).map_or_else(|| id.to_string(), |m| m.label().to_string());
    let title = lead.name.clone().unwrap_or_else(|| lead.email.clone());
    let body = html! {
        article.lead-page.conflict data-id=(lead.id) data-status=(lead.status) {
            h1 { "This lead changed since you opened it" }
            p role="alert" { "Nothing you changed was saved. Since you opened " strong { (title) } ", at " (at(edit.seen.updated_at)) ":" }
            ul.drift {
                @if let Some((from, to)) = &meanwhile.status {
                    li { "Status " (from) " → " strong { (to) }
                        @if let Some(change) = &status_by { @if let Some(by) = &change.changed_by { " by " code { (by) } } " at " (at(change.changed_at)) } }
                }
                @if let Some(note) = &meanwhile.note {
                    @if note.trim().is_empty() { li { "The note was cleared" } } @else { li { "The note now reads: " q { (note) } } }
                }
                @if !meanwhile.tags_added.is_empty() { li { "Tags added: " (meanwhile.tags_added.join(", ")) } }
                @if !meanwhile.tags_removed.is_empty() { li { "Tags removed: " (meanwhile.tags_removed.join(", ")) } }
                @if let Some(assignee) = &meanwhile.assignee {
                    @if assignee.is_empty() { li { "The lead was unassigned" } } @else { li { "Now assigned to " strong { (name_of(assignee)) } } }
                }
                li { "Last changed " (at(lead.updated_at)) }
            }
            section aria-labelledby="h-yours" {
                h2 #h-yours { "Your changes, on the lead as it is now" }
                (lead_form::render(&lead.id, &session.csrf, &again, &members, "Apply my changes on top", true, returns))
                p { a href=(returns.here) data-discard="" { "Discard my changes" } }
            }
        }
    };
    html(409, layout::page("Changed meanwhile", session, Nav::Lead, body))
}
