//! Signing in: by email (a member types their address and is mailed a
//! one-time link), by a one-time link or an invitation (opened on a page
//! with a button, so a mail scanner following it spends nothing), or with
//! an API key typed into a plain form (the key goes from the form to the
//! server and nowhere else); and signing out.

use super::forms::{check_csrf, check_origin, read_form, Form};
use super::pages::layout;
use super::respond::{html, inbox_path, redirect, redirect_signed_out, site};
use crate::auth::session::{new_secret, secret_hash, set_cookie, SESSION_TTL_MS};
use crate::app::{App, CredentialStore};
use crate::capture::abuse::client_key;
use crate::auth::{resolve_key, Scope};
use crate::auth::limiter::{admit, SIGN_INS_PER_CLIENT, SIGN_INS_PER_WORKSPACE, SIGN_IN_MAILS_PER_ADDRESS};
use crate::error::ApiResult;
use crate::http::query_pairs;
use crate::platform::random_bytes;
use crate::store::sessions::{LinkOwner, LinkPurpose};
use leadsbot_shared::credentials::{self, CredentialKind};
use leadsbot_shared::email::LeadEmail;
use leadsbot_shared::signing::sha256_hex;
use maud::{html, Markup};
use worker::Response;

/// What the sign-in page shows.
enum Step<'a> {
    /// The email form, and the API key form beside it.
    Ask { problem: Option<&'a str> },
    /// After an address was sent: the same answer whoever it belongs to.
    Sent,
    /// A one-time link's button.
    Link(&'a str),
    /// An invitation's button, with a name to give.
    Invitation(&'a str),
}

pub async fn page(app: &App) -> ApiResult<Response> {
    let pairs = query_pairs(&app.req)?;
    let param = |name: &str| pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let step = match (param("invitation"), param("link")) {
        (Some(invitation), _) => Step::Invitation(invitation),
        (None, Some(link)) => Step::Link(link),
        (None, None) => Step::Ask { problem: None },
    };
    html(200, form(step, param("next").and_then(inbox_path)))
}

/// `next`: the inbox page to open once signed in (a deep link followed while signed out).
fn form(step: Step<'_>, next: Option<&str>) -> Markup {
    let keep_next = html! { @if let Some(next) = next { input type="hidden" name="next" value=(next); } };
    layout::shell("Sign in", html! {
        @match step {
            Step::Invitation(invitation) => {
                h1 { "Accept your invitation" }
                form method="post" action="/app/sign-in" {
                    input type="hidden" name="invitation" value=(invitation);
                    (keep_next)
                    label for="name" { "Your name" }
                    input #name type="text" name="name" maxlength="100" autocomplete="name";
                    p.hint { "Shown to your team beside what you do. This link works once, for 7 days." }
                    button type="submit" { "Accept and sign in" }
                }
            }
            Step::Link(link) => {
                h1 { "Sign in to the inbox" }
                form method="post" action="/app/sign-in" {
                    input type="hidden" name="link" value=(link);
                    (keep_next)
                    p { "This sign-in link works once, for 15 minutes." }
                    button type="submit" autofocus { "Sign in" }
                }
                p { a href="/app/sign-in" { "Sign in another way" } }
            }
            Step::Sent => {
                h1 { "Check your email" }
                p role="status" { "If this address belongs to a member, a sign-in link is on its way. It works once, for 15 minutes." }
                p { a href="/app/sign-in" { "Send another" } }
            }
            Step::Ask { problem } => {
                h1 { "Sign in to the inbox" }
                @if let Some(problem) = problem { p.problem role="alert" { (problem) } }
                form method="post" action="/app/sign-in" {
                    (keep_next)
                    label for="email" { "Email" }
                    input #email type="email" name="email" required autocomplete="email" spellcheck="false";
                    p.hint { "We email you a link that signs you in." }
                    button type="submit" { "Email me a link" }
                }
                h2 { "Or use an API key" }
                form method="post" action="/app/sign-in" autocomplete="off" {
                    (keep_next)
                    label for="api_key" { "API key" }
                    input #api_key type="password" name="api_key" required autocomplete="off" spellcheck="false";
                    p.hint { "A key with the read scope opens a read-only inbox. Or ask for a sign-in link: "
                        code { "POST /api/v1/inbox-links" } "." }
                    button type="submit" { "Sign in" }
                }
            }
        }
    })
}

pub async fn submit(app: &mut App) -> ApiResult<Response> {
    check_origin(app)?;
    // Limited per client address before any D1 read, then per workspace once the link or key names it.
    admit(&app.env, SIGN_INS_PER_CLIENT, client_key(app)).await?;
    let form_in = read_form(app).await?;
    let next = form_in.get("next").and_then(inbox_path).map(str::to_string);
    if let Some(address) = form_in.get("email") {
        return mail_link(app, address, next.as_deref()).await;
    }
    let (owner, problem) = match (form_in.get("invitation"), form_in.get("link")) {
        (Some(invitation), _) => (spend(app, invitation, LinkPurpose::Invitation, name_given(&form_in)).await?, "This invitation was already used or has expired. Ask for a new one."),
        (None, Some(link)) => (spend(app, link, LinkPurpose::SignIn, None).await?, "This sign-in link was already used or has expired. Ask for a new one."),
        (None, None) => (key_owner(app, form_in.get("api_key").unwrap_or_default().trim()).await?, "This API key is invalid or revoked."),
    };
    let Some(owner) = owner else {
        return html(401, form(Step::Ask { problem: Some(problem) }, next.as_deref()));
    };
    let secret = new_secret(CredentialKind::Session, &owner.workspace_id, random_bytes()?);
    app.store.insert_session(&secret_hash(&secret), &owner, app.now_ms, app.now_ms + SESSION_TTL_MS).await?;
    redirect(next.as_deref().unwrap_or("/app"), Some(&set_cookie(&secret, site(app).as_site(), SESSION_TTL_MS / 1000)))
}

/// Mails the address its sign-in links, if it is anyone's member, and
/// answers the same either way: the page never says who is a member.
/// Limited per address too, so nobody fills a mailbox.
async fn mail_link(app: &App, address: &str, next: Option<&str>) -> ApiResult<Response> {
    let Ok(address) = LeadEmail::parse(address) else {
        return html(422, form(Step::Ask { problem: Some("Type your email address, like name@example.com.") }, next));
    };
    admit(&app.env, SIGN_IN_MAILS_PER_ADDRESS, sha256_hex(address.comparison_key().as_bytes())).await?;
    crate::team::mail_sign_in_links(app, address)?;
    html(200, form(Step::Sent, next))
}

fn name_given(form: &Form) -> Option<String> {
    form.get("name").map(str::trim).filter(|name| !name.is_empty()).map(|name| name.chars().take(100).collect())
}

async fn key_owner(app: &App, secret: &str) -> ApiResult<Option<LinkOwner>> {
    match resolve_key(app, secret).await? {
        Some(key) if key.require(Scope::Read).is_ok() => {
            admit(&app.env, SIGN_INS_PER_WORKSPACE, key.workspace_id.clone()).await?;
            Ok(Some(LinkOwner::key(key.workspace_id, key.key_id)))
        }
        _ => Ok(None),
    }
}

/// Spends a one-time link, unless its workspace is over its sign-in limit
/// (then the link is kept for later).
/// A new link is looked up in the workspace it names, an old one by its hash alone.
async fn spend(app: &App, link: &str, purpose: LinkPurpose, name: Option<String>) -> ApiResult<Option<LinkOwner>> {
    let Some(home) = credentials::home(CredentialKind::Link, link) else { return Ok(None) };
    let hash = secret_hash(link);
    let (hash_ref, now) = (&hash, app.now_ms);
    let spendable = app.find_credential(home, |at| async move {
        let workspace_id = match at {
            CredentialStore::Workspace(store, workspace_id) => store.spendable_link_workspace(workspace_id, hash_ref, purpose, now).await?,
            CredentialStore::OldCredential(across) => across.spendable_link_workspace_by_hash(hash_ref, purpose, now).await?,
        };
        Ok(workspace_id.map(|ws| (ws.clone(), ws)))
    });
    let Some(workspace_id) = spendable.await? else { return Ok(None) };
    admit(&app.env, SIGN_INS_PER_WORKSPACE, workspace_id.clone()).await?;
    app.store.spend_inbox_link(&workspace_id, &hash, purpose, name.as_deref(), app.now_ms).await
}

/// Ends the session server-side (the cookie alone would outlive a cleared jar).
pub async fn sign_out(app: &mut App) -> ApiResult<Response> {
    check_origin(app)?;
    let session = super::auth::session(app).await?;
    let form_in = read_form(app).await?;
    check_csrf(&session, &form_in)?;
    app.store.end_session(&session.workspace_id, &session.id_hash).await?;
    redirect_signed_out(app)
}
