//! A member's own mail (an invitation, a sign-in link): its one-time link,
//! its event and its email job, written together and only while the member
//! exists, so a mail is never sent for a member that was not written, nor
//! a member written without its mail.

use super::deliveries::DueDelivery;
use super::sessions::LinkPurpose;
use super::members::MemberRow;
use super::{number, text, CrossWorkspace, Store};
use crate::error::{ApiError, ApiResult};
use leadsbot_shared::event::MEMBER_MAIL;
use serde::Deserialize;
use worker::D1PreparedStatement;

/// One mail to a member. `event_id` names the event, and its job as
/// `dlv_<event>_em`.
pub struct MemberMailWrite<'a> {
    pub workspace_id: &'a str,
    pub member_id: &'a str,
    pub event_id: &'a str,
    /// The job's payload (`outbox::email::EmailPayload` as JSON).
    pub payload: &'a str,
    /// The link the mail carries, stored only as its hash.
    pub link: Option<MailedLink<'a>>,
    pub now: i64,
}

pub struct MailedLink<'a> {
    pub token_hash: &'a str,
    pub purpose: LinkPurpose,
    pub expires_at: i64,
}

/// A membership an address has, with its workspace's name.
#[derive(Debug, Clone, Deserialize)]
pub struct Membership {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub role: String,
    pub status: String,
    pub workspace_name: String,
}

const MEMBER_EXISTS: &str = "EXISTS (SELECT 1 FROM members WHERE workspace_id = ?1 AND id = ?2)";

impl Store {
    /// The statements of one member mail; its job comes back from the last
    /// one's `RETURNING` (`mail_job`).
    pub fn member_mail_statements(&self, mail: &MemberMailWrite<'_>) -> ApiResult<Vec<D1PreparedStatement>> {
        let (ws, member, event, now) = (text(mail.workspace_id), text(mail.member_id), text(mail.event_id), number(mail.now));
        let mut statements = Vec::with_capacity(3);
        if let Some(link) = &mail.link {
            statements.push(self.statement(
                &format!(
                    "INSERT INTO inbox_links (token_hash, workspace_id, member_id, purpose, created_at, expires_at)
                     SELECT ?3, ?1, ?2, ?4, ?5, ?6 WHERE {MEMBER_EXISTS}"
                ),
                &[ws.clone(), member.clone(), text(link.token_hash), text(link.purpose.as_str()), now.clone(), number(link.expires_at)],
            )?);
        }
        statements.push(self.statement(
            &format!("INSERT INTO events (id, workspace_id, type, lead_id, payload, created_at) SELECT ?3, ?1, ?4, NULL, ?5, ?6 WHERE {MEMBER_EXISTS}"),
            &[ws.clone(), member.clone(), event.clone(), text(MEMBER_MAIL), text(mail.payload), now.clone()],
        )?);
        statements.push(self.statement(
            "INSERT INTO deliveries (id, workspace_id, event_id, event_type, target_kind, target_id, next_attempt_at, created_at, updated_at)
             SELECT 'dlv_' || substr(?3, 5) || '_em', ?1, ?3, ?4, 'email', ?2, ?5, ?5, ?5
             WHERE EXISTS (SELECT 1 FROM events WHERE workspace_id = ?1 AND id = ?3)
             RETURNING id, workspace_id, attempts",
            &[ws, member, event, text(MEMBER_MAIL), now],
        )?);
        Ok(statements)
    }

    /// Writes one member mail; returns its job to dispatch (none when the
    /// member is gone).
    pub async fn write_member_mail(&self, mail: &MemberMailWrite<'_>) -> ApiResult<Vec<DueDelivery>> {
        let results = self.batch(self.member_mail_statements(mail)?).await?;
        mail_job(&results)
    }

    /// Invites a member and writes their invitation, in one batch. `None`
    /// when the address is already one of the workspace's members.
    pub async fn invite_member(&self, member: &MemberRow, mail: &MemberMailWrite<'_>) -> ApiResult<Option<Vec<DueDelivery>>> {
        let mut statements = vec![self.insert_member_statement(member)?];
        statements.extend(self.member_mail_statements(mail)?);
        let results = self.batch(statements).await?;
        if !results.first().is_some_and(|first| super::wrote(first)) {
            return Ok(None);
        }
        mail_job(&results).map(Some)
    }
}

/// The job a member mail's batch wrote: its last statement's rows.
pub(super) fn mail_job(results: &[worker::D1Result]) -> ApiResult<Vec<DueDelivery>> {
    match results.last() {
        Some(last) => last.results().map_err(|e| ApiError::internal("d1 rows", e)),
        None => Ok(Vec::new()),
    }
}

impl CrossWorkspace {
    /// Every membership of an address, active or invited, across workspaces
    /// (signing in by email starts from the address alone).
    pub async fn memberships(&self, email: &str) -> ApiResult<Vec<Membership>> {
        self.all(
            "SELECT m.id, m.workspace_id, m.email, m.role, m.status, w.name AS workspace_name
             FROM members m JOIN workspaces w ON w.id = m.workspace_id WHERE m.email = ?1 ORDER BY m.id LIMIT 20",
            &[text(email)],
        )
        .await
    }
}
