//! Webhook endpoints. Secrets are stored sealed; this module never sees a
//! plaintext secret.

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

    pub async fn delete_endpoint(&self, workspace_id: &str, id: &str) -> ApiResult<bool> {
        Ok(self.run("DELETE FROM webhook_endpoints WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await? == 1)
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
