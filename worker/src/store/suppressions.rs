//! A workspace's email suppression list (migration 0029): hashes of
//! addresses never emailed again.

use super::{number, text, Store};
use crate::error::ApiResult;

/// The `reason` of an address that unsubscribed by its link.
pub const UNSUBSCRIBED: &str = "unsubscribed";

impl Store {
    /// Puts an address (by its hash) on the list; once is enough.
    pub async fn suppress(&self, workspace_id: &str, address_hash: &str, reason: &str, now: i64) -> ApiResult<()> {
        self.run(
            "INSERT OR IGNORE INTO email_suppressions (workspace_id, address_hash, reason, created_at) VALUES (?, ?, ?, ?)",
            &[text(workspace_id), text(address_hash), text(reason), number(now)],
        )
        .await?;
        Ok(())
    }

    /// Which of these hashes are on the workspace's list.
    pub async fn suppressed(&self, workspace_id: &str, address_hashes: &[String]) -> ApiResult<Vec<String>> {
        if address_hashes.is_empty() {
            return Ok(Vec::new());
        }
        #[derive(serde::Deserialize)]
        struct Row {
            address_hash: String,
        }
        let marks = vec!["?"; address_hashes.len()].join(", ");
        let args: Vec<_> = std::iter::once(text(workspace_id)).chain(address_hashes.iter().map(|h| text(h))).collect();
        let rows: Vec<Row> = self.all(&format!("SELECT address_hash FROM email_suppressions WHERE workspace_id = ? AND address_hash IN ({marks})"), &args).await?;
        Ok(rows.into_iter().map(|r| r.address_hash).collect())
    }
}
