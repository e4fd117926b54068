//! A lead's notes: `/api/v1/leads/:id/notes`. Adding one emits no event:
//! `lead.updated` announces a change to the lead's own fields, which a note
//! leaves as they were.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_pairs, read_json, CursorOf, PageQuery};
use crate::ids::new_id;
use crate::leads::notes::{legacy, note_body, notes_page, NoteIn, NoteOut, NotePageOut};
use crate::api::openapi::schemas::NoteCursor;
use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound, QueryProblems};
use crate::store::notes::{NoteRow, Unchanged};
use leadsbot_shared::ids::IdKind;
use worker::Response;

fn lead_not_found() -> ApiError {
    ApiError::NotFound("no lead with this id in this workspace".into())
}

/// A lead's notes, oldest first
///
/// The lead's old single `note` (still set by PATCH `note`), when it has one, leads the first
/// page with the id `note_00000000000000000000000000`, `author` null and the lead's `created_at`.
#[utoipa::path(get, path = "/api/v1/leads/{id}/notes", operation_id = "listNotes", tag = "leads", security(("apiKey" = [])),
    params(
        ("id" = String, Path, description = "Lead id"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)"),
        ("cursor" = Option<NoteCursor>, Query, description = "next_cursor of the previous page; empty is the first page"),
    ),
    responses((status = 200, description = "A page, oldest first", body = NotePageOut), KeyProblems, NotFound, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let PageQuery { limit, cursor } = PageQuery::parse(&query_pairs(&app.req)?, CursorOf::Id(IdKind::Note), |_, _, _| false)?;
    let lead = app.store.lead(&key.workspace_id, &app.param("id")).await?.ok_or_else(lead_not_found)?;
    let rows = app.store.lead_notes(&key.workspace_id, &lead.id, cursor.as_deref(), limit + 1).await?;
    let first = if cursor.is_none() { legacy(&lead) } else { None };
    json(200, &notes_page(first, &rows, limit))
}

/// Add a note to a lead
#[utoipa::path(post, path = "/api/v1/leads/{id}/notes", operation_id = "createNote", tag = "leads", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Lead id")),
    request_body = NoteIn,
    responses((status = 201, description = "Added", body = NoteOut), BodyProblems, KeyProblems, NotFound))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Write)?;
    let body = note_body(&read_json::<NoteIn>(&mut app.req).await?.body)?;
    let note = add_note(app, &key.workspace_id, &key.key_id, &app.param("id"), body, None).await?.ok_or_else(lead_not_found)?;
    json(201, &NoteOut::from(&note))
}

/// THE way a note is added (the API, the inbox): by `author`, to a lead of
/// the workspace (with `unless_changed`, only while it is as read); `None`
/// when there is no such lead (or it changed).
pub(crate) async fn add_note(app: &App, workspace_id: &str, author: &str, lead_id: &str, body: String, unless_changed: Option<Unchanged<'_>>) -> ApiResult<Option<NoteRow>> {
    let note = NoteRow { id: new_id(IdKind::Note, app.now_ms)?, workspace_id: workspace_id.into(), lead_id: lead_id.into(), body, author: author.into(), created_at: app.now_ms };
    Ok(app.store.add_note(&note, unless_changed).await?.then_some(note))
}
