//! Settings (`/app/settings`, admin keys): allowed origins, the time zone, the embed snippet,
//! webhooks with their recent failures, API keys (a new key's secret is shown
//! once, on the page that created it; revoke).

use super::embed;
use super::layout::{self, Nav};
use super::at;
use crate::app::App;
use crate::auth::Scope;
use crate::error::{ApiError, ApiResult};
use crate::inbox::forms::Form;
use crate::inbox::respond::{html, redirect};
use crate::inbox::Session;
use crate::api::keys::{validate_key, KeyIn};
use crate::api::workspace_credentials::new_public_token;
use crate::store::keys::Revocation;
use crate::store::workspaces::{WorkspaceRow, WorkspaceUpdate};
use maud::{html, Markup};
use worker::Response;

/// A secret to show once on the page that made it.
pub enum Shown {
    Key(String),
    PublicToken(String),
}

pub async fn page(app: &App, session: &Session, shown: Option<Shown>) -> ApiResult<Response> {
    session.require(Scope::Admin)?;
    let ws = app.store.workspace(&session.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let endpoints = app.store.endpoints(&ws.id).await?;
    let mut failures = Vec::new();
    for ep in &endpoints {
        failures.push(app.store.deliveries_for_target(&ws.id, &ep.id, Some("failed"), None, 4).await?);
    }
    let keys = app.store.keys(&ws.id).await?;
    let csrf = session.csrf.as_str();
    let body = html! {
        h1 { "Settings" }
        @if let Some(Shown::Key(secret)) = &shown {
            div.notice role="alert" {
                p { "Your new API key. Copy it now: it is never shown again." }
                (embed::copyable("new-key", secret))
            }
        }
        section aria-labelledby="h-origins" {
            h2 #h-origins { "Allowed origins" }
            form method="post" action="/app/settings/origins" {
                input type="hidden" name="_csrf" value=(csrf);
                label for="origins" { "Sites whose pages may send leads with the public token, one per line (none = any)" }
                textarea #origins name="origins" rows="4" { (ws.allowed_origins().join("\n")) }
                button type="submit" { "Save origins" }
            }
        }
        section aria-labelledby="h-zone" {
            h2 #h-zone { "Time zone" }
            form method="post" action="/app/settings/timezone" {
                input type="hidden" name="_csrf" value=(csrf);
                label for="timezone" { "The workspace's time zone" }
                select #timezone name="timezone" aria-describedby="zone-hint" {
                    @for name in leadsbot_shared::time_zone::NAMES { option selected[*name == ws.timezone] { (name) } }
                }
                small #zone-hint { " Used by the list's date filters, exports and digests. The inbox shows times in your browser's zone." }
                " " button type="submit" { "Save time zone" }
            }
        }
        section aria-labelledby="h-embed" { h2 #h-embed { "Embed snippet" } (embed(app, &ws, &shown, csrf)?) }
        section aria-labelledby="h-webhooks" {
            h2 #h-webhooks { "Webhooks" }
            @if endpoints.is_empty() { p { "No webhook endpoints yet (" code { "POST /api/v1/webhooks" } ")." } }
            ul.endpoints {
                @for (ep, failed) in endpoints.iter().zip(&failures) {
                    li {
                        code { (ep.url) }
                        @if let Some(reason) = &ep.disabled_reason { " · " strong.d-failed { "disabled: " (reason) } }
                        @if failed.is_empty() { " · no recent failures" } @else {
                            ul.failures {
                                @for d in failed.iter().take(3) {
                                    li {
                                        (at(d.created_at)) " " (d.event_type) ": " (d.last_error.as_deref().unwrap_or("failed"))
                                        @if let Some(code) = d.last_status_code { " (HTTP " (code) ")" }
                                        form.inline method="post" action=(format!("/app/deliveries/{}/retry", d.id)) {
                                            input type="hidden" name="_csrf" value=(csrf);
                                            input type="hidden" name="back" value="/app/settings";
                                            button type="submit" { "Replay" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="h-keys" { h2 #h-keys { "API keys" } (keys_section(&keys, csrf)) }
    };
    html(200, layout::page("Settings", session, Nav::Settings, body))
}

fn embed(app: &App, ws: &WorkspaceRow, shown: &Option<Shown>, csrf: &str) -> ApiResult<Markup> {
    let origin = app.origin()?;
    Ok(html! {
        @if let Some(Shown::PublicToken(token)) = shown {
            (embed::ready(&origin, token))
            p role="alert" { "This is the new public token, shown once. The old one keeps working for the rotation grace period." }
        } @else {
            (embed::partial(&origin, &ws.public_token_prefix))
            p { "The public token is stored only as a hash, so its end is hidden and the snippet cannot be copied from here. Paste the token you saved, or get a new one (the old one keeps working for 24 hours) and copy the whole snippet." }
            (embed::new_token_form(csrf, "/app/settings", "Get a new public token"))
        }
    })
}

fn keys_section(keys: &[crate::store::keys::KeyRow], csrf: &str) -> Markup {
    html! {
        ul.keys-list {
            @for k in keys {
                li {
                    strong { (k.name) } " " code { (k.prefix) "…" (k.last4) } " · " (k.scopes)
                    @if let Some(t) = k.revoked_at { " · revoked " (at(t)) } @else {
                        @if let Some(t) = k.last_used_at { " · used " (at(t)) }
                        form.inline method="post" action=(format!("/app/settings/keys/{}/revoke", k.id)) {
                            input type="hidden" name="_csrf" value=(csrf);
                            button type="submit" aria-label=(format!("Revoke key {}", k.name)) { "Revoke" }
                        }
                    }
                }
            }
        }
        form method="post" action="/app/settings/keys" {
            input type="hidden" name="_csrf" value=(csrf);
            label for="key-name" { "New key name" }
            input #key-name name="name" maxlength="100";
            fieldset {
                legend { "Scopes" }
                @for s in ["read", "write", "admin"] {
                    label.check { input type="checkbox" name="scope" value=(s) checked[s == "read"]; " " (s) }
                }
            }
            button type="submit" { "Create key" }
        }
    }
}

/// `POST /app/settings/…` (CSRF and Origin already checked).
pub async fn post(app: &App, session: &Session, rest: &[&str], form: &Form) -> ApiResult<Response> {
    session.require(Scope::Admin)?;
    let ws = &session.workspace_id;
    match rest {
        ["origins"] => {
            let origins: Vec<String> = form.text("origins").lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
            save_workspace(app, ws, Some(origins), None).await
        }
        ["timezone"] => save_workspace(app, ws, None, Some(crate::workspace::validate_time_zone(form.text("timezone"))?)).await,
        ["public-token"] => {
            let grace_end = app.now_ms + app.config()?.rotation_grace_secs * 1000;
            let (token, _) = new_public_token(app, ws, grace_end).await?;
            // From a new workspace's empty list: the snippet shows there.
            if form.get("back") == Some("/app") {
                return super::list::first_lead(app, session, &token).await;
            }
            page(app, session, Some(Shown::PublicToken(token))).await
        }
        ["keys"] => {
            let scopes = form.all("scope");
            let (name, scopes) = validate_key(KeyIn { name: Some(form.text("name")), scopes: Some(scopes) })?;
            let (secret, row) = crate::auth::credentials::issue_key(ws, &name, &scopes, app.now_ms)?;
            app.store.insert_key(&row).await?;
            page(app, session, Some(Shown::Key(secret))).await
        }
        ["keys", id, "revoke"] => match app.store.revoke_key(ws, id, app.now_ms).await? {
            Revocation::Revoked => redirect("/app/settings", None),
            Revocation::NoSuchKey => Err(ApiError::NotFound("no live key with this id".into())),
            Revocation::LastAdminKey => Err(ApiError::Conflict("this is the workspace's last live admin key; create another admin key first".into())),
        },
        _ => Err(ApiError::NotFound("no such setting".into())),
    }
}

/// Saves the workspace's settings as they are, but for the origins or the time zone given.
async fn save_workspace(app: &App, ws: &str, origins: Option<Vec<String>>, timezone: Option<String>) -> ApiResult<Response> {
    let current = app.store.workspace(ws).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let origins = match origins {
        Some(origins) => crate::workspace::validate_settings(Some(&current.name), Some(&origins), true)?.allowed_origins,
        None => current.allowed_origins(),
    };
    let allowed_origins = serde_json::to_string(&origins)?;
    let timezone = timezone.unwrap_or_else(|| current.timezone.clone());
    let update = WorkspaceUpdate { name: &current.name, allowed_origins: &allowed_origins, lead_retention_days: current.lead_retention_days, timezone: &timezone, digest_hour: current.digest_hour };
    app.store.update_workspace(ws, &update, app.now_ms).await?;
    redirect("/app/settings", None)
}
