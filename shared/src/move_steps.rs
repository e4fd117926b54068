//! A workspace move's steps: freeze, settle, copy, flip, delete. Each step
//! is one queue message; the state lives in the directory (`move_state`),
//! so a step delivered twice or after a crash takes up where the move is.

use serde::{Deserialize, Serialize};

/// Where a move is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Frozen; waiting until no isolate can still write to the source.
    Settling,
    /// Copying the workspace's rows to the destination, chunk by chunk.
    Copying,
    /// Served from the destination; deleting its rows from the source.
    Deleting,
    Done,
}

/// The directory's `move_state` of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MoveState {
    /// Names this move's cursors, so a later move never reads them.
    pub id: String,
    pub from: String,
    pub to: String,
    pub phase: Phase,
    /// When the workspace was frozen (ms).
    pub frozen_at: i64,
    /// When copying may start (ms): the freeze, the directory cache and the settle time.
    pub copy_from: i64,
    /// Rows copied, once the copy is complete.
    pub rows_copied: u64,
    pub finished_at: Option<i64>,
}

impl MoveState {
    /// A move frozen `now`. `cache_secs`: how long isolates trust a directory
    /// answer; `settle_secs`: how long work started before the freeze may still write.
    pub fn frozen(id: String, from: &str, to: &str, now: i64, cache_secs: i64, settle_secs: i64) -> Self {
        let copy_from = now + (cache_secs.max(0) + settle_secs.max(0)) * 1000;
        Self { id, from: from.into(), to: to.into(), phase: Phase::Settling, frozen_at: now, copy_from, rows_copied: 0, finished_at: None }
    }

    /// Whether the move still holds the workspace (a new one cannot start).
    pub fn is_under_way(&self) -> bool {
        self.phase != Phase::Done
    }
}

/// Why a move cannot start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AlreadyThere,
    AlreadyMoving,
}

/// Whether a workspace living in `database` (moving to `moving_to`, with
/// `state` from its last move) may start a move to `target`. Deleting from
/// the source still counts as moving: moving back onto rows not yet deleted
/// would keep the old ones.
pub fn refusal(database: &str, moving_to: Option<&str>, state: Option<&MoveState>, target: &str) -> Option<Refusal> {
    if moving_to.is_some() || state.is_some_and(MoveState::is_under_way) {
        Some(Refusal::AlreadyMoving)
    } else if database == target {
        Some(Refusal::AlreadyThere)
    } else {
        None
    }
}

/// What a step message does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing (no move, or it is done, or another move replaced it): ack.
    Nothing,
    /// Too early to copy: come back in this many seconds.
    Wait(u32),
    Copy,
    Delete,
}

/// What a step message does now, given the directory's state and freeze.
pub fn next_step(state: Option<&MoveState>, moving_to: Option<&str>, now: i64) -> Step {
    let Some(state) = state else { return Step::Nothing };
    match state.phase {
        Phase::Done => Step::Nothing,
        Phase::Deleting => Step::Delete,
        // A frozen phase with the directory not frozen: not this move's to drive.
        _ if moving_to != Some(state.to.as_str()) => Step::Nothing,
        _ if now < state.copy_from => Step::Wait(u32::try_from((state.copy_from - now + 999) / 1000).unwrap_or(u32::MAX)),
        _ => Step::Copy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(phase: Phase) -> MoveState {
        MoveState { phase, ..MoveState::frozen("mv".into(), "DB", "DB_1", 1_000, 30, 40) }
    }

    #[test]
    fn copying_waits_for_the_cache_and_the_settle_time() {
        let s = state(Phase::Settling);
        assert_eq!(s.copy_from, 1_000 + 70_000);
        assert_eq!(next_step(Some(&s), Some("DB_1"), 1_000), Step::Wait(70));
        assert_eq!(next_step(Some(&s), Some("DB_1"), 70_500), Step::Wait(1), "rounded up, never early");
        assert_eq!(next_step(Some(&s), Some("DB_1"), 71_000), Step::Copy);
        assert_eq!(next_step(Some(&state(Phase::Copying)), Some("DB_1"), 90_000), Step::Copy);
    }

    #[test]
    fn after_the_flip_the_source_is_emptied_then_nothing() {
        assert_eq!(next_step(Some(&state(Phase::Deleting)), None, 90_000), Step::Delete);
        assert_eq!(next_step(Some(&state(Phase::Done)), None, 90_000), Step::Nothing);
        assert_eq!(next_step(None, None, 90_000), Step::Nothing);
    }

    #[test]
    fn a_copy_step_without_the_freeze_does_nothing() {
        assert_eq!(next_step(Some(&state(Phase::Copying)), None, 90_000), Step::Nothing);
        assert_eq!(next_step(Some(&state(Phase::Copying)), Some("DB_2"), 90_000), Step::Nothing);
    }

    #[test]
    fn a_move_starts_only_from_rest_and_elsewhere() {
        assert_eq!(refusal("DB", None, None, "DB_1"), None);
        assert_eq!(refusal("DB", None, None, "DB"), Some(Refusal::AlreadyThere));
        assert_eq!(refusal("DB", Some("DB_1"), Some(&state(Phase::Settling)), "DB_1"), Some(Refusal::AlreadyMoving));
        assert_eq!(refusal("DB_1", None, Some(&state(Phase::Deleting)), "DB"), Some(Refusal::AlreadyMoving), "not back onto rows still there");
        assert_eq!(refusal("DB_1", None, Some(&state(Phase::Done)), "DB"), None, "moving back once done");
    }
}
