//! Inbox sign-in: one-time links (for API keys and members; invitations
//! are links too) and sessions, both stored as hashes and found in the
//! workspace they name (old ones, which name none, by their hash alone).

use super::{number, opt_text, text, CrossWorkspace, Store};
use crate::error::{ApiError, ApiResult};
use serde::Deserialize;

/// A live session: whose (an API key's or a member's), with the key's
/// scopes or the member's role.
#[derive(Debug, Clone, Deserialize)]
pub struct SessionRow {
    pub workspace_id: String,
    pub key_id: Option<String>,
    pub member_id: Option<String>,
    /// The key's scopes (a key's session).
    pub scopes: Option<String>,
    /// The member's role, name and address (a member's session).
    pub role: Option<String>,
    pub member_name: Option<String>,
    pub member_email: Option<String>,
    pub last_seen_at: i64,
    /// The workspace's time zone (date filters and exports are local to it).
    pub timezone: String,
}

/// Whom a link signs in: an API key or a member, exactly one.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkOwner {
    pub workspace_id: String,
    pub key_id: Option<String>,
    pub member_id: Option<String>,
}

impl LinkOwner {
    pub fn key(workspace_id: String, key_id: String) -> Self {
        Self { workspace_id, key_id: Some(key_id), member_id: None }
    }
}

/// What a link is for: signing in, or accepting an invitation (which makes
/// its member active).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    SignIn,
    Invitation,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::SignIn => "sign_in",
            LinkPurpose::Invitation => "invitation",
        }
    }
}

#[derive(Deserialize)]
struct WorkspaceOf {
    workspace_id: String,
}

impl Store {
    /// A link for an API key (`POST /api/v1/inbox-links`); members' links
    /// are written with the mail that carries them (`member_mail`).
    pub async fn insert_inbox_link(&self, token_hash: &str, owner: &LinkOwner, now: i64, expires_at: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO inbox_links (token_hash, workspace_id, key_id, member_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
            &[text(token_hash), text(&owner.workspace_id), opt_text(owner.key_id.as_deref()), opt_text(owner.member_id.as_deref()), number(now), number(expires_at)],
        )
        .await?;
        Ok(())
    }

    /// The workspace of a link that can still be spent (read before
    /// spending it, so a sign-in over its workspace's limit keeps the link),
    /// looked up in the workspace the link names.
    pub async fn spendable_link_workspace(&self, workspace_id: &str, token_hash: &str, purpose: LinkPurpose, now: i64) -> ApiResult<Option<String>> {
        let row: Option<WorkspaceOf> = self
            .first(
                "SELECT workspace_id FROM inbox_links WHERE workspace_id = ?4 AND token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                &[text(token_hash), text(purpose.as_str()), number(now), text(workspace_id)],
            )
            .await?;
        Ok(row.map(|r| r.workspace_id))
    }

    /// Spends a link: only one caller ever gets its owner back, and only
    /// while it is unexpired and its key live or its member still one
    /// (active, or invited for an invitation). Spending an invitation makes
    /// its member active, named `name` if they gave one, in the same batch.
    pub async fn spend_inbox_link(&self, workspace_id: &str, token_hash: &str, purpose: LinkPurpose, name: Option<&str>, now: i64) -> ApiResult<Option<LinkOwner>> {
        let spend = self.statement(
            "UPDATE inbox_links SET used_at = ?1 WHERE workspace_id = ?4 AND token_hash = ?2 AND purpose = ?3 AND used_at IS NULL AND expires_at > ?1
               AND (EXISTS (SELECT 1 FROM api_keys k WHERE k.id = inbox_links.key_id AND k.workspace_id = inbox_links.workspace_id AND k.revoked_at IS NULL)
                 OR EXISTS (SELECT 1 FROM members m WHERE m.id = inbox_links.member_id AND m.workspace_id = inbox_links.workspace_id
                   AND (m.status = 'active' OR ?3 = 'invitation')))
             RETURNING workspace_id, key_id, member_id",
            &[number(now), text(token_hash), text(purpose.as_str()), text(workspace_id)],
        )?;
        let activate = self.statement(
            "UPDATE members SET status = 'active', accepted_at = coalesce(accepted_at, ?1), name = coalesce(?3, name), updated_at = ?1
             WHERE workspace_id = ?4
               AND id = (SELECT member_id FROM inbox_links WHERE workspace_id = ?4 AND token_hash = ?2 AND purpose = 'invitation' AND used_at = ?1)",
            &[number(now), text(token_hash), opt_text(name), text(workspace_id)],
        )?;
        let results = self.batch(vec![spend, activate]).await?;
        let spent = results.first().map(|r| r.results::<LinkOwner>()).transpose().map_err(|e| ApiError::internal("d1 rows", e))?;
        Ok(spent.and_then(|rows| rows.into_iter().next()))
    }

    pub async fn insert_session(&self, id_hash: &str, owner: &LinkOwner, now: i64, expires_at: i64) -> ApiResult<()> {
        self.run(
            "INSERT INTO inbox_sessions (id_hash, workspace_id, key_id, member_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                text(id_hash),
                text(&owner.workspace_id),
                opt_text(owner.key_id.as_deref()),
                opt_text(owner.member_id.as_deref()),
                number(now),
                number(expires_at),
                number(now),
            ],
        )
        .await?;
        Ok(())
    }

    /// The session, if unexpired and its key still live (a revoked key ends
    /// it) or its member still an active one (a removed member's ends at once),
    /// looked up in the workspace it names.
    pub async fn live_session(&self, workspace_id: &str, id_hash: &str, now: i64) -> ApiResult<Option<SessionRow>> {
        self.first(&format!("{LIVE_SESSION} AND s.workspace_id = ?3"), &[text(id_hash), number(now), text(workspace_id)]).await
    }

    pub async fn touch_session(&self, workspace_id: &str, id_hash: &str, now: i64) -> ApiResult<()> {
        self.run("UPDATE inbox_sessions SET last_seen_at = ? WHERE workspace_id = ? AND id_hash = ?", &[number(now), text(workspace_id), text(id_hash)]).await?;
        Ok(())
    }

    pub async fn end_session(&self, workspace_id: &str, id_hash: &str) -> ApiResult<()> {
        self.run("DELETE FROM inbox_sessions WHERE workspace_id = ? AND id_hash = ?", &[text(workspace_id), text(id_hash)]).await?;
        Ok(())
    }
}

impl CrossWorkspace {
    /// Drops spent or expired links and expired sessions (the cron).
    pub async fn sweep_inbox(&self, now: i64) -> ApiResult<()> {
        self.run("DELETE FROM inbox_links WHERE expires_at <= ?", &[number(now)]).await?;
        self.run("DELETE FROM inbox_sessions WHERE expires_at <= ?", &[number(now)]).await?;
        Ok(())
    }

    /// `Store::spendable_link_workspace` for an old link, which names no
    /// workspace: found by its hash alone.
    pub async fn spendable_link_workspace_by_hash(&self, token_hash: &str, purpose: LinkPurpose, now: i64) -> ApiResult<Option<String>> {
        let row: Option<WorkspaceOf> = self
            .first(
                "SELECT workspace_id FROM inbox_links WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3",
                &[text(token_hash), text(purpose.as_str()), number(now)],
            )
            .await?;
        Ok(row.map(|r| r.workspace_id))
    }

    /// `Store::live_session` for an old session, which names no workspace:
    /// found by its hash alone.
    pub async fn live_session_by_hash(&self, id_hash: &str, now: i64) -> ApiResult<Option<SessionRow>> {
        self.first(LIVE_SESSION, &[text(id_hash), number(now)]).await
    }
}

/// A live session by the hash of its id (?1) at `now` (?2); callers that
/// know its workspace add the scope.
const LIVE_SESSION: &str = "SELECT s.workspace_id, s.key_id, s.member_id, k.scopes, m.role, m.name AS member_name, m.email AS member_email,
        s.last_seen_at, w.timezone
 FROM inbox_sessions s
   JOIN workspaces w ON w.id = s.workspace_id
   LEFT JOIN api_keys k ON k.id = s.key_id AND k.workspace_id = s.workspace_id AND k.revoked_at IS NULL
   LEFT JOIN members m ON m.id = s.member_id AND m.workspace_id = s.workspace_id AND m.status = 'active'
 WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND (k.id IS NOT NULL OR m.id IS NOT NULL)";
