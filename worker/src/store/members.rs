//! The `members` table: the people of a workspace and their roles.

use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use leadsbot_shared::members::{Alerts, Role};
use serde::Deserialize;
use std::collections::HashMap;
use worker::D1PreparedStatement;

#[derive(Debug, Clone, Deserialize)]
pub struct MemberRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: String,
    pub status: String,
    pub invited_at: i64,
    pub updated_at: i64,
    /// Their choice of email alerts; `None` until they choose (their role's default applies).
    #[serde(default)]
    pub alerts: Option<String>,
}

impl MemberRow {
    /// The alerts they get: their choice, else their role's default.
    pub fn alerts_chosen(&self) -> Alerts {
        let by_role = || Role::parse("role", &self.role).map_or(Alerts::None, Alerts::default_for);
        self.alerts.as_deref().and_then(|a| Alerts::parse("alerts", a).ok()).unwrap_or_else(by_role)
    }
}

#[derive(Deserialize)]
struct MemberName {
    id: String,
    shown: String,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

/// Only an owner is changed while another owner is left, checked in the
/// statement itself so two concurrent changes cannot both take the last one.
const ANOTHER_OWNER_LEFT: &str = "(role <> 'owner' OR EXISTS (SELECT 1 FROM members o WHERE o.workspace_id = members.workspace_id AND o.id <> members.id AND o.role = 'owner'))";

impl Store {
    /// Inserts an invited member unless the address is already one of the
    /// workspace's (then nothing is written).
    pub(super) fn insert_member_statement(&self, member: &MemberRow) -> ApiResult<D1PreparedStatement> {
        self.statement(
            "INSERT INTO members (id, workspace_id, email, name, role, status, invited_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, email) DO NOTHING",
            &[
                text(&member.id),
                text(&member.workspace_id),
                text(&member.email),
                opt_text(member.name.as_deref()),
                text(&member.role),
                text(&member.status),
                number(member.invited_at),
                number(member.updated_at),
            ],
        )
    }

    /// A page, newest first, starting after `before_id`; one row more than
    /// `limit` tells the caller another page exists.
    pub async fn members_page(&self, workspace_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<MemberRow>> {
        self.all(
            "SELECT * FROM members WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
            &[text(workspace_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    /// Every member's id and the name they are shown by (their address
    /// until they give a name): what the inbox names people with.
    pub async fn member_names(&self, workspace_id: &str) -> ApiResult<HashMap<String, String>> {
        let rows: Vec<MemberName> = self
            .all("SELECT id, coalesce(name, email) AS shown FROM members WHERE workspace_id = ? LIMIT 1000", &[text(workspace_id)])
            .await?;
        Ok(rows.into_iter().map(|r| (r.id, r.shown)).collect())
    }

    /// The active members of a role, oldest first (a workflow's `members:<role>` email).
    pub async fn active_members_with_role(&self, workspace_id: &str, role: &str) -> ApiResult<Vec<MemberRow>> {
        self.all(
            "SELECT * FROM members WHERE workspace_id = ? AND role = ? AND status = 'active' ORDER BY id LIMIT 100",
            &[text(workspace_id), text(role)],
        )
        .await
    }

    pub async fn member(&self, workspace_id: &str, id: &str) -> ApiResult<Option<MemberRow>> {
        self.first("SELECT * FROM members WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// How many owners the workspace has besides member `id`.
    pub async fn other_owners(&self, workspace_id: &str, id: &str) -> ApiResult<u32> {
        let row: Option<Count> = self
            .first("SELECT count(*) AS n FROM members WHERE workspace_id = ? AND id <> ? AND role = 'owner'", &[text(workspace_id), text(id)])
            .await?;
        Ok(row.map_or(0, |r| u32::try_from(r.n).unwrap_or(u32::MAX)))
    }

    /// Gives a member a role; `false` when it would take the last owner's
    /// role away (or the member is gone).
    pub async fn set_member_role(&self, workspace_id: &str, id: &str, role: &str, now: i64) -> ApiResult<bool> {
        let sql = format!("UPDATE members SET role = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4 AND (?1 = 'owner' OR {ANOTHER_OWNER_LEFT})");
        Ok(self.run(&sql, &[text(role), number(now), text(workspace_id), text(id)]).await? > 0)
    }

    pub async fn set_member_alerts(&self, workspace_id: &str, id: &str, alerts: Alerts, now: i64) -> ApiResult<bool> {
        let changed = self
            .run("UPDATE members SET alerts = ?1, updated_at = ?2 WHERE workspace_id = ?3 AND id = ?4", &[text(alerts.as_str()), number(now), text(workspace_id), text(id)])
            .await?;
        Ok(changed > 0)
    }

    /// Removes a member, and with them their sessions and unspent links, so
    /// a removed member is signed out at once; `false` when it is the last
    /// owner (or gone).
    pub async fn remove_member(&self, workspace_id: &str, id: &str) -> ApiResult<bool> {
        let args = [text(workspace_id), text(id)];
        let gone = "NOT EXISTS (SELECT 1 FROM members WHERE workspace_id = ?1 AND id = ?2)";
        let statements = vec![
            self.statement(&format!("DELETE FROM members WHERE workspace_id = ?1 AND id = ?2 AND {ANOTHER_OWNER_LEFT}"), &args)?,
            self.statement(&format!("DELETE FROM inbox_sessions WHERE workspace_id = ?1 AND member_id = ?2 AND {gone}"), &args)?,
            self.statement(&format!("DELETE FROM inbox_links WHERE workspace_id = ?1 AND member_id = ?2 AND {gone}"), &args)?,
        ];
        let results = self.batch(statements).await?;
        Ok(results.first().is_some_and(|first| super::wrote(first)))
    }
}
