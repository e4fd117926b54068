//! Operator: where a workspace lives, and moving it to another database
//! (`workspace::moves` says how a move keeps every write).

use crate::api::openapi::problems::{AdminProblems, BodyProblems, Conflict, NotFound};
use crate::app::App;
use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::http::{json, read_json};
use crate::store::databases;
use crate::workspace::moves::{self, Home};
use leadsbot_shared::move_steps::Phase;
use leadsbot_shared::time::format_rfc3339;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use worker::Response;

/// Where to move a workspace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoveIn {
    /// A D1 binding of this deployment (`DATABASES`): `DB`, `DB_1`, … (one it does not bind: 422)
    #[schema(example = "DB_1", pattern = "^DB(_[1-9][0-9]{0,3})?$")]
    pub database: String,
}

/// Where a workspace lives, and its latest move.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspacePlacementOut {
    pub id: String,
    /// The D1 binding it is served from (during a move: the one it is leaving, until the flip).
    #[schema(example = "DB")]
    pub database: String,
    /// Set while it is frozen for a move (its requests answer 503 with `Retry-After`).
    pub moving_to: Option<String>,
    /// Its latest move; `null` if it never moved.
    #[serde(rename = "move")]
    pub latest_move: Option<MoveOut>,
}

/// A move's progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoveOut {
    /// `settling`: frozen, waiting until nothing can still write to the source; `copying`;
    /// `deleting`: served from the destination, its rows leaving the source; `done`.
    #[schema(value_type = String, example = "copying")]
    pub state: &'static str,
    pub from: String,
    pub to: String,
    /// When the workspace was frozen.
    pub started_at: String,
    /// When copying starts (or started).
    pub copy_from: String,
    /// Rows written in the destination so far (the search index and tag list rebuild themselves and are not counted).
    pub rows_copied: u64,
    pub finished_at: Option<String>,
}

fn phase_name(phase: Phase) -> &'static str {
    match phase {
        Phase::Settling => "settling",
        Phase::Copying => "copying",
        Phase::Deleting => "deleting",
        Phase::Done => "done",
    }
}

/// Where a workspace lives
#[utoipa::path(get, path = "/api/admin/workspaces/{id}", operation_id = "getWorkspacePlacement", tag = "admin", security(("adminToken" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    responses((status = 200, description = "Its database and latest move", body = WorkspacePlacementOut), AdminProblems, NotFound))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    auth::admin(app)?;
    json(200, &placement(app, &app.param("id")).await?)
}

/// Move a workspace to another database
///
/// Freezes the workspace (its requests answer 503 with `Retry-After` for the few seconds to minutes the move
/// takes), copies it in bounded batches once no earlier request can still write, points it at the new database
/// and deletes it from the old. Follow it with `GET /api/admin/workspaces/{id}`.
#[utoipa::path(post, path = "/api/admin/workspaces/{id}/move", operation_id = "moveWorkspace", tag = "admin", security(("adminToken" = [])),
    params(("id" = String, Path, description = "Workspace id")),
    request_body = MoveIn,
    responses((status = 202, description = "The move has started", body = WorkspacePlacementOut), AdminProblems, BodyProblems, NotFound, Conflict))]
pub async fn start(app: &mut App) -> ApiResult<Response> {
    auth::admin(app)?;
    let input: MoveIn = read_json(&mut app.req).await?;
    let configured = databases::configured(&app.env)?;
    let target = configured
        .get(&input.database)
        .cloned()
        .ok_or_else(|| ApiError::invalid("database", "unknown_database", format!("database is one of this deployment's: {}", configured.names().iter().map(|n| n.as_str()).collect::<Vec<_>>().join(", "))))?;
    let id = app.param("id");
    moves::start(&app.env, &id, &target, app.now_ms).await?;
    json(202, &placement(app, &id).await?)
}

async fn placement(app: &App, workspace_id: &str) -> ApiResult<WorkspacePlacementOut> {
    let Some(Home { database, moving_to, state }) = moves::home(&databases::directory(&app.env)?, workspace_id).await? else {
        return Err(ApiError::NotFound("no such workspace".into()));
    };
    let latest_move = match state {
        None => None,
        Some(state) => {
            // Until the flip records the total, the destination's cursors count the copy.
            let rows_copied = match (state.phase, databases::configured(&app.env)?.get(&state.to)) {
                (Phase::Settling | Phase::Copying, Some(to)) => databases::across(&app.env, to)?.move_rows_copied(&state.id, workspace_id).await?,
                _ => state.rows_copied,
            };
            Some(MoveOut {
                state: phase_name(state.phase),
                from: state.from,
                to: state.to,
                started_at: format_rfc3339(state.frozen_at),
                copy_from: format_rfc3339(state.copy_from),
                rows_copied,
                finished_at: state.finished_at.map(format_rfc3339),
            })
        }
    };
    Ok(WorkspacePlacementOut { id: workspace_id.to_string(), database, moving_to, latest_move })
}
