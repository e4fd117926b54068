//! The people of a workspace beyond their rows: the mail that invites them
//! and signs them in. Each mail is a job on the outbox (the email channel),
//! written with its one-time link, whose secret no row holds.

use crate::app::App;
use crate::auth::session::{emailed_link_secret, secret_hash, INVITATION_TTL_MS, LINK_TTL_MS};
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::outbox::email::{EmailPayload, EmailedLink};
use crate::outbox::message::{enqueue, messages_for};
use crate::store::databases;
use crate::store::deliveries::DueDelivery;
use crate::store::sessions::LinkPurpose;
use crate::store::member_mail::{MailedLink, MemberMailWrite};
use crate::store::members::MemberRow;
use leadsbot_shared::email::LeadEmail;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::member_mail::{invitation, sign_in, Rendered};
use leadsbot_shared::members::Role;

/// A new invited member of `workspace_id`, its address in the stored form.
pub fn invited_member(workspace_id: &str, email: &str, role: Role, now: i64) -> ApiResult<MemberRow> {
    let email = LeadEmail::parse(email).map_err(|e| ApiError::Validation(vec![e]))?;
    Ok(MemberRow {
        id: new_id(IdKind::Member, now)?,
        workspace_id: workspace_id.into(),
        email: email.as_ref().into(),
        name: None,
        role: role.as_str().into(),
        status: "invited".into(),
        invited_at: now,
        updated_at: now,
        alerts: None,
        telegram_user_id: None,
    })
}

/// A member mail made ready to write: its event id (also its link's id),
/// its payload, and its link's hash.
pub struct PreparedMail {
    event_id: String,
    payload: String,
    token_hash: String,
    purpose: LinkPurpose,
    expires_at: i64,
}

impl PreparedMail {
    /// An invitation to `workspace_name` for `member`; its link works 7 days.
    pub fn invitation(app: &App, member: &MemberRow, workspace_name: &str) -> ApiResult<Self> {
        Self::invitation_at(&app.config()?.link_key, app.now_ms, (&member.workspace_id, &member.email, &member.role), workspace_name)
    }

    /// `to`: the member's workspace, address and role.
    fn invitation_at(link_key: &str, now: i64, to: (&str, &str, &str), workspace_name: &str) -> ApiResult<Self> {
        let (workspace_id, email, role) = to;
        let role = Role::parse("role", role).map_err(|_| ApiError::internal("member role", role))?;
        Self::new(link_key, now, (workspace_id, email), invitation(workspace_name, role), LinkPurpose::Invitation, INVITATION_TTL_MS)
    }

    /// A sign-in link to `workspace_id` (named `workspace_name`) for `email`; it works 15 minutes.
    fn sign_in(link_key: &str, now: i64, (workspace_id, email): (&str, &str), workspace_name: &str) -> ApiResult<Self> {
        Self::new(link_key, now, (workspace_id, email), sign_in(workspace_name), LinkPurpose::SignIn, LINK_TTL_MS)
    }

    /// `(workspace_id, to)`: the link names the workspace it signs in to.
    fn new(link_key: &str, now: i64, (workspace_id, to): (&str, &str), rendered: Rendered, purpose: LinkPurpose, ttl_ms: i64) -> ApiResult<Self> {
        let event_id = new_id(IdKind::Event, now)?;
        let token_hash = secret_hash(&emailed_link_secret(link_key, &event_id, Some(workspace_id)));
        let link = EmailedLink { id: event_id.clone(), purpose: purpose.as_str().into(), workspace_id: Some(workspace_id.into()) };
        let payload = EmailPayload { to: to.into(), subject: rendered.subject, text: rendered.text, html: rendered.html, link: Some(link) };
        Ok(Self { payload: serde_json::to_string(&payload)?, event_id, token_hash, purpose, expires_at: now + ttl_ms })
    }

    /// What the store writes for it, to `member_id` of `workspace_id`.
    pub fn write<'a>(&'a self, workspace_id: &'a str, member_id: &'a str, now: i64) -> MemberMailWrite<'a> {
        let link = MailedLink { token_hash: &self.token_hash, purpose: self.purpose, expires_at: self.expires_at };
        MemberMailWrite { workspace_id, member_id, event_id: &self.event_id, payload: &self.payload, link: Some(link), now }
    }
}

/// Starts the jobs of mails just written, after the response.
pub fn send(app: &App, jobs: Vec<DueDelivery>) {
    crate::outbox::dispatch(app, jobs, crate::automation::jobs::Automation);
}

/// Mails `address` a sign-in link for each workspace it is an active member
/// of, and its invitation again where it is still invited. All of it after
/// the response, through the queue: the answer, and how long it takes, are
/// the same whether the address is anyone's member or not.
pub fn mail_sign_in_links(app: &App, address: LeadEmail) -> ApiResult<()> {
    let (env, link_key, now) = (app.env.clone(), app.config()?.link_key, app.now_ms);
    app.ctx.wait_until(async move {
        match sign_in_mails(&env, &link_key, &address, now).await {
            Ok(jobs) => enqueue(&env, messages_for(&jobs)).await,
            Err(err) => worker::console_error!("sign-in mail: {err:?}"),
        }
    });
    Ok(())
}

/// An address may be a member of workspaces in every database: each is
/// asked. A membership is mailed from its workspace's home only (a moving
/// workspace's is skipped: asking again after the move sends it).
async fn sign_in_mails(env: &worker::Env, link_key: &str, address: &LeadEmail, now: i64) -> ApiResult<Vec<DueDelivery>> {
    let mut jobs = Vec::new();
    for (database, store) in databases::all(env)? {
        for membership in store.memberships(address.as_ref()).await? {
            if !databases::home_of(env, &membership.workspace_id, now).await.is_ok_and(|home| home == database) {
                continue;
            }
            let mail = match membership.status.as_str() {
                "active" => PreparedMail::sign_in(link_key, now, (&membership.workspace_id, &membership.email), &membership.workspace_name)?,
                _ => PreparedMail::invitation_at(link_key, now, (&membership.workspace_id, &membership.email, &membership.role), &membership.workspace_name)?,
            };
            jobs.extend(store.for_workspace(&membership.workspace_id).write_member_mail(&mail.write(&membership.workspace_id, &membership.id, now)).await?);
        }
    }
    Ok(jobs)
}
