//! Every sealed column, for re-sealing under a new `SECRETS_KEY`. The cron
//! works across workspaces by design; rows are addressed by rowid and only
//! updated if the value is still the one that was read.

use super::{number, text, CrossWorkspace};
use crate::error::ApiResult;
use serde::Deserialize;

/// (table, column) of every value sealed with `SECRETS_KEY`. A new sealed
/// column must be added here, or a rotation would strand it.
pub const SEALED_COLUMNS: [(&str, &str); 6] = [
    ("workspaces", "inbound_secret_sealed"),
    ("workspaces", "previous_inbound_secret_sealed"),
    ("webhook_endpoints", "secret_sealed"),
    ("webhook_endpoints", "previous_secret_sealed"),
    ("capture_urls", "secret_sealed"),
    ("integrations", "secret_sealed"),
];

#[derive(Debug, Clone, Deserialize)]
pub struct SealedValue {
    pub row: i64,
    pub sealed: String,
}

impl CrossWorkspace {
    /// Up to `limit` values of a column that match one of the `LIKE`
    /// patterns (the formats that need re-sealing).
    pub async fn sealed_values(&self, (table, column): (&str, &str), patterns: &[String], limit: u32) -> ApiResult<Vec<SealedValue>> {
        let patterns_json = serde_json::to_string(patterns)?;
        self.all(
            &format!(
                "SELECT rowid AS row, {column} AS sealed FROM {table}
                 WHERE {column} IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(?1) WHERE {column} LIKE value) LIMIT ?2"
            ),
            &[text(&patterns_json), number(i64::from(limit))],
        )
        .await
    }

    /// Replaces values (old, new) in one batch, each only if unchanged since read.
    pub async fn replace_sealed(&self, (table, column): (&str, &str), replacements: &[(SealedValue, String)]) -> ApiResult<()> {
        let statements = replacements
            .iter()
            .map(|(old, new)| {
                self.statement(
                    &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2 AND {column} = ?3"),
                    &[text(new), number(old.row), text(&old.sealed)],
                )
            })
            .collect::<ApiResult<Vec<_>>>()?;
        if !statements.is_empty() {
            self.batch(statements).await?;
        }
        Ok(())
    }
}
