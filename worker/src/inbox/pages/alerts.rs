//! A member's own alerts (`/app/alerts`): which emails they get. Any member
//! chooses their own, viewers included (it changes nothing of the
//! workspace); a session opened with an API key has no person to alert.

use super::layout::{self, Nav};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::inbox::forms::Form;
use crate::inbox::respond::{html, redirect};
use crate::inbox::auth::SessionMember;
use crate::inbox::Session;
use leadsbot_shared::members::Alerts;
use maud::html;
use worker::Response;

const CHOICES: [(Alerts, &str); 4] = [
    (Alerts::All, "Every new lead, and leads assigned to me"),
    (Alerts::Assigned, "Only leads assigned to me"),
    (Alerts::Digest, "The daily digest only"),
    (Alerts::None, "None"),
];

fn member(session: &Session) -> ApiResult<&SessionMember> {
    session.member.as_ref().ok_or_else(|| ApiError::Forbidden("alerts are a member's own: sign in with your email".into()))
}

pub async fn page(app: &App, session: &Session, saved: bool) -> ApiResult<Response> {
    let me = member(session)?;
    let row = app.store.member(&session.workspace_id, &me.id).await?.ok_or_else(|| ApiError::NotFound("no such member".into()))?;
    let chosen = row.alerts_chosen();
    let body = html! {
        h1 { "My alerts" }
        @if saved { p #save-status role="status" { "Saved." } }
        form method="post" action="/app/alerts" {
            input type="hidden" name="_csrf" value=(session.csrf);
            fieldset {
                legend { "Email me (at " (me.email) ")" }
                @for (alerts, label) in CHOICES {
                    label.choice {
                        input type="radio" name="alerts" value=(alerts.as_str()) checked[alerts == chosen];
                        " " (label)
                    }
                }
            }
            button type="submit" { "Save" }
        }
    };
    html(200, layout::page("My alerts", session, Nav::Alerts, body))
}

pub async fn post(app: &App, session: &Session, form: &Form) -> ApiResult<Response> {
    let me = member(session)?;
    let alerts = Alerts::parse("alerts", form.get("alerts").unwrap_or_default()).map_err(|e| ApiError::Validation(vec![e]))?;
    app.store.set_member_alerts(&session.workspace_id, &me.id, alerts, app.now_ms).await?;
    redirect("/app/alerts?saved=1", None)
}
