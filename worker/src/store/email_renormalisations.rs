//! Leads stored before emails had one form (migration 0022), re-normalised
//! by the cron a batch at a time.

use super::{number, text, CrossWorkspace};
use crate::error::ApiResult;
use serde::Deserialize;

/// A lead still listed for re-normalisation; `email` is `None` when the
/// lead has gone since (erased): its row is only taken off the list.
#[derive(Deserialize)]
pub struct LegacyEmail {
    pub workspace_id: String,
    pub lead_id: String,
    pub email: Option<String>,
}

impl CrossWorkspace {
    /// The next leads listed, with their stored email (across workspaces: a cron sweep).
    pub async fn legacy_emails(&self, limit: u32) -> ApiResult<Vec<LegacyEmail>> {
        self.all(
            "SELECT r.workspace_id, r.lead_id, l.email FROM email_renormalisations r
             LEFT JOIN leads l ON l.workspace_id = r.workspace_id AND l.id = r.lead_id
             ORDER BY r.workspace_id, r.lead_id LIMIT ?",
            &[number(i64::from(limit))],
        )
        .await
    }

    /// Stores each lead's email in its normal form (`None`: left as it is,
    /// when it has none or already is in it) and takes the leads off the
    /// list, in one batch. The update matches the email read, so an address
    /// changed in between is not overwritten.
    pub async fn renormalise_emails(&self, done: &[(&LegacyEmail, Option<String>)]) -> ApiResult<()> {
        let mut statements = Vec::new();
        for (lead, normal) in done {
            let (ws, id) = (text(&lead.workspace_id), text(&lead.lead_id));
            if let (Some(old), Some(normal)) = (&lead.email, normal) {
                statements.push(self.statement(
                    "UPDATE leads SET email = ?1 WHERE workspace_id = ?2 AND id = ?3 AND email = ?4",
                    &[text(normal), ws.clone(), id.clone(), text(old)],
                )?);
            }
            statements.push(self.statement("DELETE FROM email_renormalisations WHERE workspace_id = ?1 AND lead_id = ?2", &[ws, id])?);
        }
        if !statements.is_empty() {
            self.batch(statements).await?;
        }
        Ok(())
    }
}
