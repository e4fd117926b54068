//! "Snooze 1 h": a follow-up that reminds the chat of the lead in an hour,
//! cancelled if its status changes meanwhile. The status stays as it is.

use leadsbot_shared::triage_buttons::Press;
use super::reply::{redraw, Reply};
use super::presser::Presser;
use crate::app::App;
use crate::error::ApiResult;
use crate::automation::follow_ups::{schedule, FollowUpSpec};
use leadsbot_shared::template::Template;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::workflow::FollowUpAction;

pub const SNOOZE_SECS: u64 = 3600;
const REMINDER: &str = "Snoozed lead: {{lead.name}} <{{lead.email}}> is still {{lead.status}}.";

pub async fn snooze(app: &App, workspace_id: &str, press: &Press, by: &Presser) -> ApiResult<Reply> {
    let actor = by.actor.as_str();
    let Some(lead) = app.store.lead(workspace_id, &press.lead_id).await? else {
        return Ok(Reply::notice("This lead no longer exists."));
    };
    if lead.status != press.shown_status.as_str() {
        let line = lead.status.clone();
        return Ok(Reply::redraw(&format!("Nothing changed: this alert was out of date, the lead is {} now.", lead.status), redraw(&lead, &line)));
    }
    let template = Template::parse(REMINDER, "template").map_err(|e| crate::error::ApiError::internal("snooze template", e.message))?;
    let spec = FollowUpSpec {
        id: None,
        workspace_id: workspace_id.to_string(),
        lead_id: lead.id.clone(),
        after_seconds: SNOOZE_SECS,
        action: FollowUpAction::Telegram { template },
        cancel_on_status_change: true,
        created_by: actor.to_string(),
    };
    let Some(follow_up) = schedule(&app.store, &app.env, &spec, app.now_ms).await? else {
        return Ok(Reply::notice("This lead no longer exists."));
    };
    let line = format!("{}, snoozed until {} by {}", lead.status, format_rfc3339(follow_up.due_at), by.shown);
    Ok(Reply::redraw("Snoozed for an hour.", redraw(&lead, &line)))
}
