//! A lead's notes (`lead_notes`, migration 0025): appended, never changed;
//! they go with their lead (`erasure`).

use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct NoteRow {
    pub id: String,
    pub workspace_id: String,
    pub lead_id: String,
    pub body: String,
    /// Who wrote it: an API key id, `telegram:@user`.
    pub author: String,
    pub created_at: i64,
}

/// What a note is written only if the lead still is: its `updated_at` and
/// `revision` as last read (the parts of its ETag).
pub struct Unchanged<'a> {
    pub updated_at: i64,
    pub revision: &'a str,
}

impl Store {
    /// Appends the note if its lead exists in its workspace (and, with
    /// `unless_changed`, is still as read). False when it wrote nothing.
    pub async fn add_note(&self, note: &NoteRow, unless_changed: Option<Unchanged<'_>>) -> ApiResult<bool> {
        let mut lead = "SELECT 1 FROM leads WHERE workspace_id = ?2 AND id = ?3".to_string();
        let mut args = vec![text(&note.id), text(&note.workspace_id), text(&note.lead_id), text(&note.body), text(&note.author), number(note.created_at)];
        if let Some(read) = unless_changed {
            lead.push_str(" AND updated_at = ?7 AND revision = ?8");
            args.extend([number(read.updated_at), text(read.revision)]);
        }
        let sql = format!("INSERT INTO lead_notes (id, workspace_id, lead_id, body, author, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS ({lead})");
        Ok(self.run(&sql, &args).await? > 0)
    }

    /// A lead's notes after `after` (a note id), oldest first, at most `limit`.
    pub async fn lead_notes(&self, workspace_id: &str, lead_id: &str, after: Option<&str>, limit: u32) -> ApiResult<Vec<NoteRow>> {
        self.all(
            "SELECT id, workspace_id, lead_id, body, author, created_at FROM lead_notes
             WHERE workspace_id = ? AND lead_id = ? AND id > ? ORDER BY id LIMIT ?",
            &[text(workspace_id), text(lead_id), text(after.unwrap_or("")), number(i64::from(limit))],
        )
        .await
    }
}
