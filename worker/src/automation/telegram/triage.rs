//! A button press, from the bot's webhook to the lead: who may send updates
//! (the secret token, in constant time), each update acted on once, and the
//! press applied through the same change every lead change takes.

use super::bot::Bot;
use super::reply::{redraw, Reply};
use super::presser::{presser, Presser};
use leadsbot_shared::triage_buttons::{self as buttons, Move, Press};
use super::update::{self, Callback};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::leads::change::{change_lead, ChangeOutcome, Expect, LeadChange};
use crate::leads::LeadPatch;
use crate::store::integrations::{IntegrationRow, TELEGRAM};
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::signing::{constant_time_eq, sha256_hex};
use serde_json::Value;

pub const SECRET_HEADER: &str = "X-Telegram-Bot-Api-Secret-Token";

/// The workspace's Telegram set-up, if `secret` is its webhook's token.
/// Anything else is the same 401, whether the workspace, the set-up or the
/// token is wrong.
pub async fn authenticate(app: &App, workspace_id: &str, secret: Option<&str>) -> ApiResult<IntegrationRow> {
    let refused = || ApiError::Unauthorized(format!("an update needs the webhook's {SECRET_HEADER}"));
    let given = sha256_hex(secret.unwrap_or_default().as_bytes());
    if !is_sortable_id(IdKind::Workspace, workspace_id) {
        return Err(refused());
    }
    let integration = app.store.integration(workspace_id, TELEGRAM).await?.ok_or_else(refused)?;
    let expected = super::settings(&integration)["webhook_secret_sha256"].as_str().unwrap_or_default().to_string();
    // Hashes of equal length compared in full: the time says nothing about the token.
    if secret.is_some() && !expected.is_empty() && constant_time_eq(given.as_bytes(), expected.as_bytes()) {
        Ok(integration)
    } else {
        Err(refused())
    }
}

/// Handles one authenticated update. A replayed update id does nothing at
/// all; an update that is not a press is only acknowledged.
pub async fn handle(app: &App, integration: &IntegrationRow, body: &[u8]) -> ApiResult<()> {
    let Some(update) = serde_json::from_slice::<Value>(body).ok().as_ref().and_then(update::parse) else { return Ok(()) };
    let Some(callback) = update.callback else { return Ok(()) };
    let ws = &integration.workspace_id;
    if !app.store.claim_telegram_update(ws, update.update_id, app.now_ms).await? {
        return Ok(());
    }
    let reply = match press(app, integration, &callback).await {
        Ok(reply) => reply,
        Err(err) => {
            // Telegram retries an update we failed; let that retry through.
            if let Err(release) = app.store.release_telegram_update(ws, update.update_id).await {
                worker::console_error!("releasing telegram update {}: {release:?}", update.update_id);
            }
            return Err(err);
        }
    };
    let config = app.config()?;
    let bot = Bot::of(&config, integration)?;
    bot.answer(&callback.id, &reply.notice).await;
    if let (Some((text, markup)), Some(chat), Some(message)) = (reply.redraw, callback.chat_id, callback.message_id) {
        bot.edit(chat, message, &text, &markup).await;
    }
    Ok(())
}

async fn press(app: &App, integration: &IntegrationRow, callback: &Callback) -> ApiResult<Reply> {
    let chat_id = super::settings(integration)["chat_id"].as_str().unwrap_or_default().to_string();
    if !callback.in_chat(&chat_id) {
        return Ok(Reply::notice("This button is not from this workspace's chat."));
    }
    let Some(press) = buttons::decode(&callback.data) else {
        return Ok(Reply::notice("This button is no longer valid."));
    };
    let ws = &integration.workspace_id;
    match press.action {
        Move::SetStatus(to) => set_status(app, ws, &press, to, &presser(app, ws, callback).await?).await,
        Move::Snooze => super::snooze::snooze(app, ws, &press, &presser(app, ws, callback).await?).await,
        Move::Take => super::take::take(app, ws, &press, callback).await,
    }
}


async fn set_status(app: &App, workspace_id: &str, press: &Press, to: LeadStatus, by: &Presser) -> ApiResult<Reply> {
    let actor = by.actor.as_str();
    let patch = LeadPatch { status: Some(to.as_str().to_string()), ..LeadPatch::default() };
    let change = LeadChange { workspace_id, lead_id: &press.lead_id, patch, changed_by: actor, expect: Expect::Status(press.shown_status.as_str()) };
    Ok(match change_lead(&app.store, &change, app.now_ms).await? {
        ChangeOutcome::Changed { lead, due } => {
            crate::outbox::dispatch(app, due, crate::automation::jobs::Automation);
            Reply::redraw(&format!("Marked {}.", lead.status), redraw(&lead, &format!("{} by {}", lead.status, by.shown)))
        }
        ChangeOutcome::Unchanged(lead) => Reply::redraw(&format!("Already {}.", lead.status), redraw(&lead, &lead.status)),
        ChangeOutcome::NotFound => Reply::notice("This lead no longer exists."),
        ChangeOutcome::Stale(lead) => Reply::redraw(&format!("Nothing changed: this alert was out of date, the lead is {} now.", lead.status), redraw(&lead, &lead.status)),
    })
}

