use super::{number, opt_text, text, CrossWorkspace, Store};
use crate::error::ApiResult;
use serde::Deserialize;
use worker::D1PreparedStatement;

#[derive(Debug, Clone, Deserialize)]
pub struct KeyRow {
    pub id: String,
    pub workspace_id: String,
    pub name: String,
    pub key_hash: String,
    pub prefix: String,
    pub last4: String,
    /// Space-separated scope names.
    pub scopes: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Revocation {
    Revoked,
    NoSuchKey,
    /// Refused: the workspace would be left without a live admin key.
    LastAdminKey,
}

impl Store {
    pub(super) fn insert_key_statement(&self, key: &KeyRow) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT INTO api_keys (id, workspace_id, name, key_hash, prefix, last4, scopes, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                text(&key.id),
                text(&key.workspace_id),
                text(&key.name),
                text(&key.key_hash),
                text(&key.prefix),
                text(&key.last4),
                text(&key.scopes),
                number(key.created_at),
            ],
        )
    }

    pub async fn insert_key(&self, key: &KeyRow) -> ApiResult<()> {
        self.insert_key_statement(key)?.run().await.map_err(|e| crate::error::ApiError::internal("insert key", e))?;
        Ok(())
    }

    /// The live (unrevoked) key with this hash in the workspace the key names:
    /// a key naming another workspace than its row's is no key.
    pub async fn live_key_in_workspace(&self, workspace_id: &str, key_hash: &str) -> ApiResult<Option<KeyRow>> {
        self.first("SELECT * FROM api_keys WHERE workspace_id = ? AND key_hash = ? AND revoked_at IS NULL", &[text(workspace_id), text(key_hash)]).await
    }

    pub async fn keys(&self, workspace_id: &str) -> ApiResult<Vec<KeyRow>> {
        self.all("SELECT * FROM api_keys WHERE workspace_id = ? ORDER BY id", &[text(workspace_id)]).await
    }

    /// A page, newest first, starting after `before_id`; one row more than
    /// `limit` tells the caller another page exists.
    pub async fn keys_page(&self, workspace_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<KeyRow>> {
        self.all(
            "SELECT * FROM api_keys WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
            &[text(workspace_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// Revokes a live key, unless it is the workspace's last live admin key
    /// (checked in the same statement, so two concurrent revocations cannot
    /// both pass).
    pub async fn revoke_key(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<Revocation> {
        let changed = self
            .run(
                "UPDATE api_keys SET revoked_at = ? WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL
                   AND (instr(' ' || scopes || ' ', ' admin ') = 0 OR EXISTS (SELECT 1 FROM api_keys o WHERE o.workspace_id = ?
                        AND o.id != ? AND o.revoked_at IS NULL AND instr(' ' || o.scopes || ' ', ' admin ') > 0))",
                &[number(now), text(workspace_id), text(id), text(workspace_id), text(id)],
            )
            .await?;
        if changed == 1 {
            return Ok(Revocation::Revoked);
        }
        let live: Option<KeyRow> =
            self.first("SELECT * FROM api_keys WHERE workspace_id = ? AND id = ? AND revoked_at IS NULL", &[text(workspace_id), text(id)]).await?;
        Ok(if live.is_some() { Revocation::LastAdminKey } else { Revocation::NoSuchKey })
    }

    pub async fn touch_key(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<()> {
        self.run("UPDATE api_keys SET last_used_at = ? WHERE workspace_id = ? AND id = ?", &[number(now), text(workspace_id), text(id)]).await?;
        Ok(())
    }
}

impl CrossWorkspace {
    /// The live key with this hash, whatever its workspace: the directory of
    /// keys made before keys named their workspace (`lb_sk_` + secret alone),
    /// which work through it until they are rotated. New keys never come here.
    pub async fn live_key_by_hash(&self, key_hash: &str) -> ApiResult<Option<KeyRow>> {
        self.first("SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", &[text(key_hash)]).await
    }
}
