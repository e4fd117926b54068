//! Moving a workspace to another database, without an operator in the loop
//! and without losing or doubling a write:
//!
//! 1. freeze: the directory's `moving_to` is set; from then every fresh
//!    directory read answers 503 + `Retry-After`, and the consumer's
//!    messages for the workspace wait;
//! 2. settle: nothing is copied until `DIRECTORY_CACHE_SECS` (isolates that
//!    still send the workspace to the source from memory) plus
//!    `MOVE_SETTLE_SECS` (work started before the freeze, after-response
//!    work above all) have passed;
//! 3. copy: every table the schema gives a `workspace_id` (`move_plan`), in
//!    bounded chunks, each chunk committed with its cursor in the destination;
//! 4. flip: the directory names the destination and unfreezes;
//! 5. delete the workspace's rows from the source, in bounded chunks.
//!
//! Each step is one `workspace.move.v1` message on the delivery queue that
//! does a bounded amount and sends the next (the settle wait is its delay),
//! so a crash or a redelivery resumes from the directory's `move_state` and
//! the destination's cursors.

use crate::error::{ApiError, ApiResult};
use crate::platform::{now_ms, random_bytes};
use crate::store::databases::{self, cache_secs};
use crate::store::CrossWorkspace;
use leadsbot_shared::databases::DatabaseName;
use leadsbot_shared::move_plan::{next_chunk, plan, Cursor, Plan};
use leadsbot_shared::move_steps::{next_step, refusal, MoveState, Phase, Refusal, Step};
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBuilder, MessageExt, RawMessage};

/// Rows per chunk: one D1 batch of inserts (or one delete) and its cursor.
const CHUNK_ROWS: usize = 100;
/// Rows a step copies or deletes before it hands on to the next message.
const STEP_ROWS: usize = 400;
/// Chunks a step writes at most (empty tables are chunks too).
const STEP_CHUNKS: usize = 40;
/// How long work started before a freeze may still write, unless `MOVE_SETTLE_SECS` says otherwise:
/// a request's after-response work (`ctx.wait_until`) runs up to 30 s.
pub const DEFAULT_SETTLE_SECS: i64 = 40;
/// The queue the steps travel on (`outbox::message::QUEUE`), whose consumer hands them here.
const QUEUE: &str = "DELIVERIES";
/// Wait before retrying a step that failed (D1 or the queue unavailable).
pub const RETRY_SECS: u32 = 10;
/// Wait before a step back from the dead-letter queue runs again.
const REVIVE_SECS: u32 = 60;

/// One step of a move, on the delivery queue beside the deliveries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum MoveMessage {
    #[serde(rename = "workspace.move.v1")]
    WorkspaceMoveV1 { workspace_id: String },
}

fn settle_secs(env: &Env) -> i64 {
    env.var("MOVE_SETTLE_SECS").ok().and_then(|v| v.to_string().trim().parse().ok()).filter(|s: &i64| *s >= 0).unwrap_or(DEFAULT_SETTLE_SECS)
}

/// The directory's row for a workspace, its move state read.
pub struct Home {
    pub database: String,
    pub moving_to: Option<String>,
    pub state: Option<MoveState>,
}

pub async fn home(directory: &CrossWorkspace, workspace_id: &str) -> ApiResult<Option<Home>> {
    let Some(row) = directory.workspace_home(workspace_id).await? else { return Ok(None) };
    let state = row.move_state.as_deref().map(serde_json::from_str).transpose().map_err(|e| ApiError::internal("move_state", e))?;
    Ok(Some(Home { database: row.database, moving_to: row.moving_to, state }))
}

/// Freezes the workspace and sends the first step, due once the settle time is over.
pub async fn start(env: &Env, workspace_id: &str, target: &DatabaseName, now: i64) -> ApiResult<()> {
    let directory = databases::directory(env)?;
    let current = home(&directory, workspace_id).await?.ok_or_else(|| ApiError::NotFound("no such workspace".into()))?;
    let refused = |why| match why {
        Refusal::AlreadyThere => ApiError::Conflict(format!("the workspace already lives in {target}")),
        Refusal::AlreadyMoving => ApiError::Conflict("the workspace is already moving; see GET /api/admin/workspaces/{id}".into()),
    };
    if let Some(why) = refusal(&current.database, current.moving_to.as_deref(), current.state.as_ref(), target.as_str()) {
        return Err(refused(why));
    }
    let id = random_bytes::<8>()?.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let state = MoveState::frozen(format!("mv_{id}"), &current.database, target.as_str(), now, cache_secs(env), settle_secs(env));
    if !directory.freeze_for_move(workspace_id, &current.database, target.as_str(), &to_json(&state)?).await? {
        return Err(refused(Refusal::AlreadyMoving));
    }
    let delay = u32::try_from((state.copy_from - now + 999) / 1000).unwrap_or(u32::MAX);
    if let Err(err) = send_step(env, workspace_id, delay).await {
        // Nothing drives the move: undo the freeze rather than leave the workspace frozen.
        directory.unfreeze_unstarted_move(workspace_id, &state.id).await?;
        return Err(err);
    }
    Ok(())
}

fn to_json(state: &MoveState) -> ApiResult<String> {
    serde_json::to_string(state).map_err(|e| ApiError::internal("move_state", e))
}

async fn send_step(env: &Env, workspace_id: &str, delay_secs: u32) -> ApiResult<()> {
    let queue = env.queue(QUEUE).map_err(|e| ApiError::internal("queue binding", e))?;
    let message = MessageBuilder::new(MoveMessage::WorkspaceMoveV1 { workspace_id: workspace_id.into() }).delay_seconds(delay_secs).build();
    queue.send(message).await.map_err(|e| ApiError::internal("move step send", e))
}

/// A queue message, if it is a move step.
pub fn read(raw: &RawMessage) -> Option<MoveMessage> {
    let text = js_sys::JSON::stringify(&raw.body()).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}

/// Runs each step; acks it once its work is committed and the next step sent.
pub async fn run_steps(env: &Env, steps: Vec<(&RawMessage, MoveMessage)>) {
    for (raw, MoveMessage::WorkspaceMoveV1 { workspace_id }) in steps {
        let done = match step(env, &workspace_id).await {
            Ok(None) => Ok(()),
            Ok(Some(delay)) => send_step(env, &workspace_id, delay).await,
            Err(err) => Err(err),
        };
        match done {
            Ok(()) => raw.ack(),
            Err(err) => {
                worker::console_error!("move of {workspace_id}: {err:?}");
                raw.retry_with_options(&worker::QueueRetryOptionsBuilder::new().with_delay_seconds(RETRY_SECS).build());
            }
        }
    }
}

/// Steps that exhausted their retries (the dead-letter queue's): sent to the
/// delivery queue again after `REVIVE_SECS`, never dropped.
pub async fn revive_steps(env: &Env, steps: Vec<(&RawMessage, MoveMessage)>) {
    for (raw, MoveMessage::WorkspaceMoveV1 { workspace_id }) in steps {
        worker::console_error!("move of {workspace_id}: a step ran out of retries; sending it again");
        match send_step(env, &workspace_id, REVIVE_SECS).await {
            Ok(()) => raw.ack(),
            Err(_) => raw.retry_with_options(&worker::QueueRetryOptionsBuilder::new().with_delay_seconds(RETRY_SECS).build()),
        }
    }
}

/// One bounded step; the delay before the next, or none when the move is over.
async fn step(env: &Env, workspace_id: &str) -> ApiResult<Option<u32>> {
    let directory = databases::directory(env)?;
    let Some(Home { moving_to, state: Some(mut state), .. }) = home(&directory, workspace_id).await? else { return Ok(None) };
    let known = databases::configured(env)?;
    let (Some(from), Some(to)) = (known.get(&state.from).cloned(), known.get(&state.to).cloned()) else {
        return Err(ApiError::internal("move", format!("{} → {}: a database DATABASES does not name", state.from, state.to)));
    };
    let (source, destination) = (databases::across(env, &from)?, databases::across(env, &to)?);
    match next_step(Some(&state), moving_to.as_deref(), now_ms()) {
        Step::Nothing => Ok(None),
        Step::Wait(secs) => Ok(Some(secs)),
        Step::Copy => copy_step(&directory, &source, &destination, workspace_id, state).await,
        Step::Delete => {
            let plan = read_plan(&source).await?;
            if !delete_some(&source, &plan, workspace_id).await? {
                return Ok(Some(0));
            }
            destination.forget_move_cursors(&state.id, workspace_id).await?;
            state.phase = Phase::Done;
            state.finished_at = Some(now_ms());
            directory.record_move_state(workspace_id, &state.id, &to_json(&state)?).await?;
            Ok(None)
        }
    }
}

/// The databases a move under way copies from or to, which the cron's sweeps
/// leave alone meanwhile (none if the directory cannot be read: the sweeps run as before).
pub async fn databases_in_moves(env: &Env) -> Vec<DatabaseName> {
    let states = match databases::directory(env) {
        Ok(directory) => directory.moves_under_way().await,
        Err(err) => Err(err),
    };
    let states = states.unwrap_or_else(|err| {
        worker::console_error!("cron: reading the moves under way: {err:?}");
        Vec::new()
    });
    let moves: Vec<MoveState> = states.iter().filter_map(|s| serde_json::from_str(s).ok()).collect();
    moves.iter().flat_map(|m| [&m.from, &m.to]).filter_map(|name| DatabaseName::parse(name).ok()).collect()
}

/// Copies a step's worth; once all is copied, flips the directory to the destination.
async fn copy_step(directory: &CrossWorkspace, source: &CrossWorkspace, destination: &CrossWorkspace, workspace_id: &str, mut state: MoveState) -> ApiResult<Option<u32>> {
    if state.phase == Phase::Settling {
        state.phase = Phase::Copying;
        directory.record_move_state(workspace_id, &state.id, &to_json(&state)?).await?;
    }
    let plan = read_plan(source).await?;
    if copy_some(source, destination, &plan, workspace_id, &state.id).await? {
        state.rows_copied = destination.move_rows_copied(&state.id, workspace_id).await?;
        state.phase = Phase::Deleting;
        directory.flip_move(workspace_id, &state.id, &state.to, &to_json(&state)?).await?;
    }
    Ok(Some(0))
}

async fn read_plan(source: &CrossWorkspace) -> ApiResult<Plan> {
    let (tables, triggers) = (source.schema_tables().await?, source.schema_triggers().await?);
    plan(&tables, &triggers).map_err(|e| ApiError::internal("move plan", e))
}

/// Copies chunks until the step's budget is spent; true once every table is copied.
async fn copy_some(source: &CrossWorkspace, destination: &CrossWorkspace, plan: &Plan, workspace_id: &str, move_id: &str) -> ApiResult<bool> {
    let mut cursors = destination.move_cursors(move_id, workspace_id).await?;
    let mut rows_left = STEP_ROWS;
    for _ in 0..STEP_CHUNKS {
        let Some((table, after, chunk)) = next_chunk(plan, &cursors) else { return Ok(true) };
        let rows = source.workspace_rows(table, workspace_id, after.as_deref(), CHUNK_ROWS).await?;
        let last_key = rows.last().map(|row| table.key.iter().map(|k| row.get(k).cloned().unwrap_or_default()).collect::<Vec<_>>());
        let after_key = match last_key {
            Some(key) => serde_json::to_string(&key).map_err(|e| ApiError::internal("move cursor", e))?,
            None => after.unwrap_or_else(|| "[]".into()),
        };
        let cursor = Cursor { table: table.name.clone(), chunk, after_key, done: rows.len() < CHUNK_ROWS };
        destination.copy_chunk(table, workspace_id, move_id, &cursor, &rows).await?;
        cursors.retain(|c| c.table != cursor.table);
        cursors.push(cursor);
        rows_left = rows_left.saturating_sub(rows.len());
        if rows_left == 0 {
            break;
        }
    }
    Ok(next_chunk(plan, &cursors).is_none())
}

/// Deletes chunks, children first, until the step's budget is spent; true once none is left.
async fn delete_some(source: &CrossWorkspace, plan: &Plan, workspace_id: &str) -> ApiResult<bool> {
    let mut chunks_left = STEP_ROWS / CHUNK_ROWS;
    for table in &plan.delete {
        while source.delete_workspace_rows(table, workspace_id, CHUNK_ROWS).await? {
            chunks_left -= 1;
            if chunks_left == 0 {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_tagged_and_versioned_and_no_delivery_reads_as_one() {
        let step = MoveMessage::WorkspaceMoveV1 { workspace_id: "ws_1".into() };
        assert_eq!(serde_json::to_string(&step).unwrap(), r#"{"type":"workspace.move.v1","workspace_id":"ws_1"}"#);
        let delivery = r#"{"type":"delivery.v1","workspace_id":"ws_1","delivery_id":"dlv_1","attempts":0}"#;
        assert!(serde_json::from_str::<MoveMessage>(delivery).is_err());
    }
}
