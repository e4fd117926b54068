//! Webhook endpoints. Secrets are stored sealed; this module never sees a
//! plaintext secret.

use super::workflows::USES_ENDPOINT;
use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct EndpointRow {
    pub id: String,
    pub workspace_id: String,
    pub url: String,
    pub description: Option<String>,
    /// JSON array of event types; `[]` means every event.
    pub events: String,
    pub secret_sealed: String,
    pub previous_secret_sealed: Option<String>,
    pub previous_secret_expires_at: Option<i64>,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub failing_since: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn opt_number(value: Option<i64>) -> JsValue {
    value.map(number).unwrap_or(JsValue::NULL)
}

impl Store {
    pub async fn insert_endpoint(&self, row: &EndpointRow) -> ApiResult<()> {
        self.run(
            "INSERT INTO webhook_endpoints (id, workspace_id, url, description, events, secret_sealed, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[text(&row.id), text(&row.workspace_id), text(&row.url), opt_text(row.description.as_deref()), text(&row.events), text(&row.secret_sealed), number(row.created_at), number(row.updated_at)],
        )
        .await?;
        Ok(())
    }

    pub async fn endpoints(&self, workspace_id: &str) -> ApiResult<Vec<EndpointRow>> {
        self.all("SELECT * FROM webhook_endpoints WHERE workspace_id = ? ORDER BY id", &[text(workspace_id)]).await
    }

    /// A page, newest first, starting after `before_id`; one row more than
    /// `limit` tells the caller another page exists.
    pub async fn endpoints_page(&self, workspace_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<EndpointRow>> {
        self.all(
            "SELECT * FROM webhook_endpoints WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3",
            &[text(workspace_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    pub async fn endpoint(&self, workspace_id: &str, id: &str) -> ApiResult<Option<EndpointRow>> {
        self.first("SELECT * FROM webhook_endpoints WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// Saves every mutable column of an endpoint (PATCH, rotation).
    pub async fn update_endpoint(&self, row: &EndpointRow) -> ApiResult<()> {
        self.run(
            "UPDATE webhook_endpoints SET url = ?, description = ?, events = ?, secret_sealed = ?, previous_secret_sealed = ?,
             previous_secret_expires_at = ?, disabled_at = ?, disabled_reason = ?, failing_since = ?, updated_at = ?
             WHERE workspace_id = ? AND id = ?",
            &[
                text(&row.url), opt_text(row.description.as_deref()), text(&row.events), text(&row.secret_sealed),
                opt_text(row.previous_secret_sealed.as_deref()), opt_number(row.previous_secret_expires_at),
                opt_number(row.disabled_at), opt_text(row.disabled_reason.as_deref()), opt_number(row.failing_since),
                number(row.updated_at), text(&row.workspace_id), text(&row.id),
            ],
        )
        .await?;
        Ok(())
    }

    /// Deletes an endpoint no workflow sends to (checked in the same
    /// statement, so a workflow saved meanwhile is never left dangling).
    pub async fn delete_unused_endpoint(&self, workspace_id: &str, id: &str) -> ApiResult<bool> {
        let sql = format!("DELETE FROM webhook_endpoints WHERE workspace_id = ?1 AND id = ?2 AND NOT EXISTS (SELECT 1 FROM workflows w WHERE {USES_ENDPOINT})");
        Ok(self.run(&sql, &[text(workspace_id), text(id)]).await? == 1)
    }

    /// Deletes an endpoint and, in the same batch, disables every workflow
    /// that sends to it (their runs would only fail).
    pub async fn delete_endpoint_disabling_workflows(&self, workspace_id: &str, id: &str, now: i64) -> ApiResult<bool> {
        const EXISTS: &str = "EXISTS (SELECT 1 FROM webhook_endpoints WHERE workspace_id = ?1 AND id = ?2)";
        let args = [text(workspace_id), text(id), number(now)];
        let results = self
            .batch(vec![
                self.statement(&format!("UPDATE workflows AS w SET enabled = 0, updated_at = ?3 WHERE enabled = 1 AND {USES_ENDPOINT} AND {EXISTS}"), &args)?,
                self.statement("DELETE FROM webhook_endpoints WHERE workspace_id = ?1 AND id = ?2", &args[..2])?,
            ])
            .await?;
        Ok(results.last().is_some_and(|r| super::changes(r) == 1))
    }

    /// A success ends the endpoint's run of failures.
    pub fn endpoint_succeeded(&self, workspace_id: &str, id: &str) -> ApiResult<Vec<D1PreparedStatement>> {
        Ok(vec![self.statement(
            "UPDATE webhook_endpoints SET failing_since = NULL WHERE workspace_id = ? AND id = ? AND failing_since IS NOT NULL",
            &[text(workspace_id), text(id)],
        )?])
    }

    /// Notes a failure, and disables the endpoint once it has failed every
    /// delivery since `disable_if_failing_before`.
    pub fn endpoint_failed(&self, workspace_id: &str, id: &str, now: i64, disable_if_failing_before: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        Ok(vec![
            self.statement(
                "UPDATE webhook_endpoints SET failing_since = ? WHERE workspace_id = ? AND id = ? AND failing_since IS NULL",
                &[number(now), text(workspace_id), text(id)],
            )?,
            self.statement(
                "UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = 'failing', updated_at = ?
                 WHERE workspace_id = ? AND id = ? AND disabled_at IS NULL AND failing_since <= ?",
                &[number(now), number(now), text(workspace_id), text(id), number(disable_if_failing_before)],
            )?,
        ])
    }

    /// Stop sending: the receiver answered 410 Gone, or its URL is no longer allowed.
    pub fn disable_endpoint(&self, workspace_id: &str, id: &str, reason: &str, now: i64) -> ApiResult<Vec<D1PreparedStatement>> {
        Ok(vec![self.statement(
            "UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ?, updated_at = ? WHERE workspace_id = ? AND id = ? AND disabled_at IS NULL",
            &[number(now), text(reason), number(now), text(workspace_id), text(id)],
        )?])
    }
}
