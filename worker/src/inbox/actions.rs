//! The inbox's state changes: each a form post checked for Origin and the
//! session's CSRF token, done through the same function the API uses, then
//! a redirect back (303).

use super::auth::{session, Session};
use super::forms::{check_csrf, check_origin, read_form, Form};
use super::edit::LeadEdit;
use super::pages::lead_form::Returns;
use super::pages::{alerts, conflict, settings};
use super::respond::{inbox_path, redirect};
use crate::app::App;
use crate::auth::Scope;
use crate::error::{ApiError, ApiResult};
use crate::leads::LeadPatch;
use crate::api::{deliveries, leads, notes};
use crate::leads::notes::unchanged_since;
use worker::Response;

pub async fn post(app: &mut App, segments: &[&str]) -> ApiResult<Response> {
    check_origin(app)?;
    let session = session(app).await?;
    let form = read_form(app).await?;
    check_csrf(&session, &form)?;
    match segments {
        ["leads", id, what] => lead_change(app, &session, id, what, &form).await,
        ["bulk"] => bulk(app, &session, &form).await,
        ["deliveries", id, "retry"] => {
            session.require(Scope::Write)?;
            deliveries::replay(app, &session.workspace_id, id).await?;
            redirect(&back(&form, "/app"), None)
        }
        ["settings", rest @ ..] => settings::post(app, &session, rest, &form).await,
        ["alerts"] => alerts::post(app, &session, &form).await,
        _ => Err(ApiError::NotFound("no such action".into())),
    }
}

async fn lead_change(app: &App, session: &Session, id: &str, what: &str, form: &Form) -> ApiResult<Response> {
    session.require(Scope::Write)?;
    let patch = match what {
        "save" => return save(app, session, id, form).await,
        "status" => LeadPatch { status: Some(form.text("status")), ..LeadPatch::default() },
        // Operations on the tags the lead holds when written, not a list read here and written back.
        "tags" => LeadPatch {
            add_tags: form.get("add").map(str::trim).filter(|t| !t.is_empty()).map(|t| vec![t.to_string()]),
            remove_tags: form.get("remove").map(|t| vec![t.to_string()]),
            ..LeadPatch::default()
        },
        "note" => {
            let note = form.text("note");
            LeadPatch { note: Some((!note.trim().is_empty()).then_some(note)), ..LeadPatch::default() }
        }
        _ => return Err(ApiError::NotFound("no such action".into())),
    };
    leads::patch_lead(app, &session.workspace_id, &session.actor, id, patch, None).await?;
    redirect(&back(form, &format!("/app/leads/{id}")), None)
}

/// At most this many leads in one bulk change: a page of the list.
const MAX_BULK: usize = 50;

/// The list's bulk change: the same status and tag on every ticked lead,
/// each through the API's change (its history, events and workflows).
/// A lead that is gone or not this workspace's is skipped.
async fn bulk(app: &App, session: &Session, form: &Form) -> ApiResult<Response> {
    session.require(Scope::Write)?;
    let ids = form.all("lead");
    if ids.len() > MAX_BULK {
        return Err(ApiError::invalid("lead", "too_many", format!("tick at most {MAX_BULK} leads at once")));
    }
    let status = form.get("status").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let tag = form.get("add_tag").map(str::trim).filter(|t| !t.is_empty()).map(|t| vec![t.to_string()]);
    let patch = LeadPatch { status, add_tags: tag, ..LeadPatch::default() };
    if patch != LeadPatch::default() {
        for id in &ids {
            match leads::patch_lead(app, &session.workspace_id, &session.actor, id, patch.clone(), None).await {
                Ok(_) | Err(ApiError::NotFound(_)) => {}
                Err(other) => return Err(other),
            }
        }
    }
    redirect(&back(form, "/app"), None)
}

/// The lead page's one Save: the rep's changes together, only if the lead
/// is still as the page showed it, then the note typed; otherwise the
/// conflict page, with nothing written, the note neither.
async fn save(app: &App, session: &Session, id: &str, form: &Form) -> ApiResult<Response> {
    let edit = LeadEdit::from_form(form);
    let here = back(form, &format!("/app/leads/{id}"));
    if edit.is_empty() {
        return redirect(&here, None);
    }
    let note = edit.note_to_add()?;
    let patch = edit.patch();
    // A triage (a status change) moves on to the next lead of the list, as the inbox's `e` does.
    let then = match (&patch.status, form.get("next")) {
        (Some(_), Some(next)) => inbox_path(next).unwrap_or(&here).to_string(),
        _ => here.clone(),
    };
    let saved = apply(app, session, id, &edit, patch, note).await?;
    if saved {
        return redirect(&announced(&then, then != here), None);
    }
    let returns = Returns { here, next: form.get("next").and_then(inbox_path).map(str::to_string) };
    conflict::page(app, session, id, &edit, &returns).await
}

/// Writes the save: the guarded change, then the note; a note alone only
/// while the lead is as the page showed it. False, with nothing written, when it was not.
async fn apply(app: &App, session: &Session, id: &str, edit: &LeadEdit, patch: LeadPatch, note: Option<String>) -> ApiResult<bool> {
    let (ws, author) = (&session.workspace_id, &session.actor);
    if patch == LeadPatch::default() {
        // An ETag that does not parse names no version: no note.
        let Some(guard) = unchanged_since(&edit.seen.etag) else { return Ok(false) };
        return Ok(notes::add_note(app, ws, author, id, note.unwrap_or_default(), Some(guard)).await?.is_some());
    }
    match leads::patch_lead(app, ws, author, id, patch, Some(&edit.seen.etag)).await {
        Ok(_) => {
            if let Some(body) = note {
                notes::add_note(app, ws, author, id, body, None).await?;
            }
            Ok(true)
        }
        Err(ApiError::PreconditionFailed(_)) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The page after a save, marked so it says (to screen readers too) that the
/// save went through, and whether it moved on to the next lead.
fn announced(to: &str, moved_on: bool) -> String {
    if to.contains('#') {
        return to.to_string();
    }
    format!("{to}#{}", if moved_on { "saved-next" } else { "saved" })
}

/// Where to go after the change: only a path inside the inbox.
fn back(form: &Form, default: &str) -> String {
    form.get("back").and_then(inbox_path).unwrap_or(default).to_string()
}
