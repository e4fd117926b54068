//! "Take it": the lead assigned to the member linked to the Telegram user
//! who pressed (`PATCH /api/v1/members/:id {"telegram_user_id"}`), through
//! the one lead change, only while nobody has it. An unlinked presser is
//! told their Telegram id, to give an admin.

use super::reply::{redraw, Reply};
use super::update::Callback;
use crate::app::App;
use crate::error::ApiResult;
use crate::leads::change::{change_lead, ChangeOutcome, Expect, LeadChange};
use crate::leads::LeadPatch;
use leadsbot_shared::members::member_actor;
use leadsbot_shared::triage_buttons::Press;

pub async fn take(app: &App, workspace_id: &str, press: &Press, callback: &Callback) -> ApiResult<Reply> {
    let Some(user_id) = callback.user_id else {
        return Ok(Reply::notice("Telegram did not say who pressed: try again."));
    };
    let Some(member) = app.store.member_by_telegram_user(workspace_id, user_id).await? else {
        return Ok(Reply::notice(&unlinked(user_id)));
    };
    let by = member_actor(&member.id);
    let patch = LeadPatch { assignee: Some(Some(member.id.clone())), ..LeadPatch::default() };
    let change = LeadChange { workspace_id, lead_id: &press.lead_id, patch, changed_by: &by, expect: Expect::Unassigned };
    let name = member.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| member.email.clone());
    Ok(match change_lead(&app.store, &change, app.now_ms).await? {
        ChangeOutcome::Changed { lead, due } => {
            crate::outbox::dispatch(app, due, crate::automation::jobs::Automation);
            Reply::redraw("It is yours.", redraw(&lead, &format!("{}, taken by {name}", lead.status)))
        }
        ChangeOutcome::Unchanged(lead) => Reply::redraw("It is already yours.", redraw(&lead, &format!("{}, taken by {name}", lead.status))),
        ChangeOutcome::Stale(lead) if lead.assignee_id.as_deref() == Some(member.id.as_str()) => {
            Reply::redraw("It is already yours.", redraw(&lead, &format!("{}, taken by {name}", lead.status)))
        }
        ChangeOutcome::Stale(lead) => Reply::redraw("Someone else has taken this lead.", redraw(&lead, &lead.status)),
        ChangeOutcome::NotFound => Reply::notice("This lead no longer exists."),
    })
}

/// What an unlinked presser is told.
fn unlinked(user_id: i64) -> String {
    format!("Your Telegram id is {user_id}. Ask an admin to link it to your member (telegram_user_id) to take leads.")
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unlinked_presser_learns_their_id_and_whom_to_ask() {
        let text = super::unlinked(4_200_000_001);
        assert!(text.contains("4200000001") && text.contains("admin"), "{text}");
        assert!(text.chars().count() <= 200, "an answerCallbackQuery text is at most 200 characters");
    }
}
