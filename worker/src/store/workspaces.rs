use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct WorkspaceRow {
    pub id: String,
    pub name: String,
    pub allowed_origins: String,
    pub public_token_hash: String,
    pub public_token_prefix: String,
    pub inbound_secret_sealed: String,
    /// The credentials before their last rotation, accepted until these times.
    #[serde(default)]
    pub previous_public_token_hash: Option<String>,
    #[serde(default)]
    pub previous_public_token_expires_at: Option<i64>,
    #[serde(default)]
    pub previous_inbound_secret_sealed: Option<String>,
    #[serde(default)]
    pub previous_inbound_secret_expires_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Leads older than this many days are erased by the cron; `None` keeps them.
    #[serde(default)]
    pub lead_retention_days: Option<i64>,
    /// IANA time zone summaries and digests use.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Local hour (0–23) the daily digest is sent at.
    #[serde(default = "eight")]
    pub digest_hour: i64,
}

fn utc() -> String {
    "UTC".into()
}

fn eight() -> i64 {
    8
}

/// What `PATCH /api/v1/workspace` may change, all validated.
pub struct WorkspaceUpdate<'a> {
    pub name: &'a str,
    pub allowed_origins: &'a str,
    pub lead_retention_days: Option<i64>,
    pub timezone: &'a str,
    pub digest_hour: i64,
}

impl WorkspaceRow {
    pub fn allowed_origins(&self) -> Vec<String> {
        serde_json::from_str(&self.allowed_origins).unwrap_or_default()
    }
}

/// A workspace with its first (all-scopes) key, created together.
pub struct NewWorkspace<'a> {
    pub row: &'a WorkspaceRow,
    pub key: &'a super::keys::KeyRow,
    /// The first owner, invited, and their invitation.
    pub owner: Option<(&'a super::members::MemberRow, &'a super::member_mail::MemberMailWrite<'a>)>,
}

impl Store {
    pub async fn workspace(&self, id: &str) -> ApiResult<Option<WorkspaceRow>> {
        self.first("SELECT * FROM workspaces WHERE id = ?", &[text(id)]).await
    }

    /// Creates a workspace, its key and its first owner with their
    /// invitation, in one batch; returns the invitation's job to dispatch.
    pub async fn create_workspace(&self, new: NewWorkspace<'_>) -> ApiResult<Vec<super::deliveries::DueDelivery>> {
        let w = new.row;
        let insert_workspace = self.statement(
            "INSERT INTO workspaces (id, name, allowed_origins, public_token_hash, public_token_prefix, inbound_secret_sealed, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(&w.id),
                text(&w.name),
                text(&w.allowed_origins),
                text(&w.public_token_hash),
                text(&w.public_token_prefix),
                text(&w.inbound_secret_sealed),
                number(w.created_at),
                number(w.updated_at),
            ],
        )?;
        let mut statements = vec![insert_workspace, self.insert_key_statement(new.key)?];
        let Some((owner, invitation)) = new.owner else {
            self.batch(statements).await?;
            return Ok(Vec::new());
        };
        statements.push(self.insert_member_statement(owner)?);
        statements.extend(self.member_mail_statements(invitation)?);
        super::member_mail::mail_job(&self.batch(statements).await?)
    }

    pub async fn update_workspace(&self, id: &str, update: &WorkspaceUpdate<'_>, now: i64) -> ApiResult<()> {
        let retention = update.lead_retention_days.map(number).unwrap_or(wasm_bindgen::JsValue::NULL);
        self.run(
            "UPDATE workspaces SET name = ?, allowed_origins = ?, lead_retention_days = ?, timezone = ?, digest_hour = ?, updated_at = ? WHERE id = ?",
            &[text(update.name), text(update.allowed_origins), retention, text(update.timezone), number(update.digest_hour), number(now), text(id)],
        )
        .await?;
        Ok(())
    }

    /// Replaces the public token; the old one stays valid until `previous_expires_at`.
    pub async fn rotate_public_token(&self, id: &str, token_hash: &str, token_prefix: &str, previous_expires_at: i64, now: i64) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE workspaces SET previous_public_token_hash = public_token_hash, previous_public_token_expires_at = ?,
                   public_token_hash = ?, public_token_prefix = ?, updated_at = ? WHERE id = ?",
                &[number(previous_expires_at), text(token_hash), text(token_prefix), number(now), text(id)],
            )
            .await?;
        Ok(changed == 1)
    }

    /// Replaces the inbound signing secret; the old one verifies until `previous_expires_at`.
    pub async fn rotate_inbound_secret(&self, id: &str, secret_sealed: &str, previous_expires_at: i64, now: i64) -> ApiResult<bool> {
        let changed = self
            .run(
                "UPDATE workspaces SET previous_inbound_secret_sealed = inbound_secret_sealed, previous_inbound_secret_expires_at = ?,
                   inbound_secret_sealed = ?, updated_at = ? WHERE id = ?",
                &[number(previous_expires_at), text(secret_sealed), number(now), text(id)],
            )
            .await?;
        Ok(changed == 1)
    }
}
