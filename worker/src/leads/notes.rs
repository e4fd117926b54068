//! A lead's notes on the wire, and the rules for them: a body is 1 to 5,000
//! characters once trimmed; a list is oldest first, led by the lead's old
//! single `note` (`legacy`) on its first page. All pure.

use crate::error::{ApiError, ApiResult};
use crate::http::PageQuery;
use crate::store::leads::LeadRow;
use crate::store::notes::{NoteRow, Unchanged};
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::encoding::is_ecma_space;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const MAX_NOTE_CHARS: usize = 5000;

/// The id the old `note` is listed under: a note id older than any, so it
/// sorts first and, as a cursor, pages on to every note written since.
pub const LEGACY_NOTE_ID: &str = "note_00000000000000000000000000";

/// A note to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    /// 1 to 5,000 characters, not all white space; leading and trailing white space is dropped.
    #[schema(min_length = 1, max_length = 5000, pattern = "\\S")]
    pub body: String,
}

/// The body as stored, or 422 naming `body`.
pub fn note_body(raw: &str) -> ApiResult<String> {
    // As the schema reads it: the length as sent, blank as JSON Schema's `\S` sees it.
    if raw.chars().count() > MAX_NOTE_CHARS {
        return Err(ApiError::Validation(vec![FieldError::too_long("body", MAX_NOTE_CHARS)]));
    }
    match raw.trim_matches(is_ecma_space) {
        "" => Err(ApiError::Validation(vec![FieldError::required("body")])),
        body => Ok(body.to_string()),
    }
}

/// One note of a lead.
#[derive(Debug, Serialize, ToSchema, PartialEq)]
pub struct NoteOut {
    pub id: String,
    pub lead_id: String,
    pub body: String,
    /// Who wrote it: a person (`member:mem_…`), an API key id, or `telegram:@user`; `null` for the lead's old `note`, whose author was not kept.
    pub author: Option<String>,
    /// When it was written; the old `note`, whose time was not kept, shows the lead's `created_at`.
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&NoteRow> for NoteOut {
    fn from(row: &NoteRow) -> Self {
        Self { id: row.id.clone(), lead_id: row.lead_id.clone(), body: row.body.clone(), author: Some(row.author.clone()), created_at: format_rfc3339(row.created_at) }
    }
}

/// The lead's old single `note`, as the first entry of its notes (when it has one).
pub fn legacy(lead: &LeadRow) -> Option<NoteOut> {
    let body = lead.note.as_deref().filter(|n| !n.trim().is_empty())?;
    Some(NoteOut { id: LEGACY_NOTE_ID.into(), lead_id: lead.id.clone(), body: body.to_string(), author: None, created_at: format_rfc3339(lead.created_at) })
}

crate::http::page_type!(
    /// A page of a lead's notes, oldest first.
    NotePageOut, NoteOut
);

/// A page from the notes fetched with `limit + 1` after the cursor, led by
/// the old note on the first page (`legacy`, given only then).
pub fn notes_page(legacy: Option<NoteOut>, rows: &[NoteRow], limit: u32) -> NotePageOut {
    let mut data: Vec<NoteOut> = legacy.into_iter().chain(rows.iter().map(NoteOut::from)).collect();
    let next_cursor = PageQuery { limit, cursor: None }.cut(&mut data, |n| n.id.clone());
    NotePageOut::new(data, next_cursor)
}

/// The lead as an ETag names it (`leads::etag`), for a write guarded by it.
pub fn unchanged_since(etag: &str) -> Option<Unchanged<'_>> {
    let (updated_at, revision) = etag.strip_prefix('"')?.strip_suffix('"')?.split_once('-')?;
    Some(Unchanged { updated_at: i64::from_str_radix(updated_at, 16).ok()?, revision })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leadsbot_shared::ids::{is_sortable_id, IdKind};
    use crate::leads::etag;

    fn row(id: &str, at: i64) -> NoteRow {
        NoteRow { id: id.into(), lead_id: "lead_1".into(), body: format!("body {id}"), author: "key_1".into(), created_at: at, ..NoteRow::default() }
    }

    #[test]
    fn a_body_is_trimmed_text_of_one_to_five_thousand_characters() {
        assert_eq!(note_body("  called back \n").ok(), Some("called back".to_string()));
        for blank in ["", "   ", "\n\t", "\u{feff}"] {
            assert!(matches!(note_body(blank), Err(ApiError::Validation(e)) if e[0].field == "body" && e[0].code == "required"), "{blank:?}");
        }
        assert!(note_body(&"é".repeat(MAX_NOTE_CHARS)).is_ok(), "characters, not bytes");
        assert!(matches!(note_body(&"a".repeat(MAX_NOTE_CHARS + 1)), Err(ApiError::Validation(e)) if e[0].code == "too_long"));
    }

    #[test]
    fn the_old_note_leads_the_first_page_and_counts_in_it() {
        let lead = LeadRow { id: "lead_1".into(), note: Some("from before".into()), created_at: 0, ..LeadRow::default() };
        let old = legacy(&lead);
        assert_eq!(old.as_ref().map(|n| (n.id.as_str(), n.author.clone())), Some((LEGACY_NOTE_ID, None)));
        assert_eq!(legacy(&LeadRow { note: Some("  ".into()), ..lead.clone() }), None, "a blank note is no entry");
        let rows = [row("note_a", 1), row("note_b", 2)];
        let first = notes_page(old, &rows, 2);
        assert_eq!(first.data.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [LEGACY_NOTE_ID, "note_a"]);
        assert_eq!(first.next_cursor.as_deref(), Some("note_a"));
        let last = notes_page(None, &rows[1..], 2);
        assert_eq!((last.data.len(), last.next_cursor), (1, None));
        assert!(is_sortable_id(IdKind::Note, LEGACY_NOTE_ID), "the old note's id is a valid cursor");
        assert!(LEGACY_NOTE_ID < leadsbot_shared::ids::sortable_id(IdKind::Note, 1, [0; 10]).as_str(), "and sorts before every note");
    }

    #[test]
    fn an_etag_names_the_lead_as_read() {
        let lead = LeadRow { updated_at: 1_700_000_000_123, revision: "r4nd-om".into(), ..LeadRow::default() };
        let read = unchanged_since(&etag(&lead)).map(|u| (u.updated_at, u.revision.to_string()));
        assert_eq!(read, Some((1_700_000_000_123, "r4nd-om".to_string())));
        assert!(unchanged_since("W/nonsense").is_none());
    }
}
