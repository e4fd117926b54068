//! The `assign` action's member: the one it names, or the next of a role in
//! turn. Round robin takes one slot of the workspace's rotation for the role
//! per run and action (`Store::round_robin_slot`), so concurrent runs share
//! out fairly and a retried attempt takes the same slot, never a second one.

use crate::error::ApiResult;
use crate::store::workflow_runs::RunRow;
use crate::store::Store;
use leadsbot_shared::members::round_robin_pick;

/// The member to assign the run's lead to, or why there is none (the action then fails).
pub async fn assignee(store: &Store, run: &RunRow, idx: usize, to: Option<&str>, round_robin: Option<&str>, now: i64) -> ApiResult<Result<String, String>> {
    let ws = &run.workspace_id;
    if let Some(member) = to {
        return Ok(match store.member(ws, member).await? {
            Some(_) => Ok(member.to_string()),
            None => Err(format!("{member} is not a member of this workspace")),
        });
    }
    let Some(role) = round_robin else {
        return Ok(Err("assign names neither a member nor a role".into()));
    };
    let slot = store.round_robin_slot(ws, role, &format!("{}:{idx}", run.id), now).await?;
    let members: Vec<String> = store.active_members_with_role(ws, role).await?.into_iter().map(|m| m.id).collect();
    Ok(round_robin_pick(&members, slot).cloned().ok_or_else(|| format!("no active member has the role {role}")))
}
