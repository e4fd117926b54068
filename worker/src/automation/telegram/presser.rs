//! Who pressed a button, for the change it makes and the alert it redraws.

use super::update::Callback;
use crate::app::App;
use crate::error::ApiResult;
use leadsbot_shared::members::member_actor;

/// Who pressed: as changes record them, the member the Telegram user is
/// linked to (a person is recorded as that person), else the Telegram
/// user; and as the alert names them (a member by name).
pub struct Presser {
    pub actor: String,
    pub shown: String,
}

pub async fn presser(app: &App, workspace_id: &str, callback: &Callback) -> ApiResult<Presser> {
    let linked = match callback.user_id {
        Some(user_id) => app.store.member_by_telegram_user(workspace_id, user_id).await?,
        None => None,
    };
    Ok(match linked {
        Some(member) => Presser { actor: member_actor(&member.id), shown: member.name.filter(|n| !n.trim().is_empty()).unwrap_or(member.email) },
        None => Presser { actor: callback.actor.clone(), shown: callback.actor.clone() },
    })
}
