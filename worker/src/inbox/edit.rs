//! The lead page's one Save. The form carries the lead as the page showed
//! it (its ETag, status, old note and tags) beside what the rep wants, so a
//! save sends only what the rep changed, together, guarded by that ETag (as
//! `If-Match`), and appends the note typed, if any, to the lead's notes. A
//! save made on a stale page writes nothing, the note neither: the conflict
//! page shows what changed meanwhile and offers the same changes again on
//! top of the lead as it now is (`LeadEdit::on_top_of`).

use super::forms::Form;
use crate::error::ApiResult;
use crate::leads::notes::note_body;
use crate::leads::{etag, LeadPatch};
use crate::wire::is_blank;
use crate::store::leads::LeadRow;

/// The lead as the page that sent the form showed it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    pub etag: String,
    /// When the lead was last changed as seen (unix ms): changes after it are news to the rep.
    pub updated_at: i64,
    pub status: String,
    /// The lead's old single note (the API's `note`), shown to tell when it changed meanwhile.
    pub note: String,
    pub tags: Vec<String>,
    /// The assignee's member id, `""` for nobody.
    pub assignee: String,
}

impl Seen {
    pub fn of(lead: &LeadRow) -> Self {
        Self {
            etag: etag(lead),
            updated_at: lead.updated_at,
            status: lead.status.clone(),
            note: lead.note.clone().unwrap_or_default(),
            tags: tags_of(lead),
            assignee: lead.assignee_id.clone().unwrap_or_default(),
        }
    }
}

/// What the rep asked for: a status, a note to add, the shown tags left ticked, new tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LeadEdit {
    pub seen: Seen,
    pub status: String,
    /// A new note, as typed ("Add a note"); blank adds none.
    pub note: String,
    pub kept_tags: Vec<String>,
    pub added_tags: Vec<String>,
    /// The member chosen, `""` for nobody.
    pub assignee: String,
}

impl LeadEdit {
    /// The form as a page first shows it: nothing changed.
    pub fn unchanged(seen: Seen) -> Self {
        Self { status: seen.status.clone(), note: String::new(), kept_tags: seen.tags.clone(), added_tags: Vec::new(), assignee: seen.assignee.clone(), seen }
    }

    pub fn from_form(form: &Form) -> Self {
        let seen = Seen {
            etag: form.text("seen_etag"),
            updated_at: form.text("seen_at").parse().unwrap_or(0),
            status: form.text("seen_status"),
            note: form.text("seen_note"),
            tags: form.all("seen_tag"),
            assignee: form.text("seen_assignee"),
        };
        let added_tags = form.text("add").split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect();
        let assignee = form.get("assignee").map_or_else(|| seen.assignee.clone(), str::to_string);
        Self { status: form.get("status").map_or_else(|| seen.status.clone(), str::to_string), note: form.text("note"), kept_tags: form.all("tag"), added_tags, assignee, seen }
    }

    fn removed_tags(&self) -> Vec<String> {
        self.seen.tags.iter().filter(|t| !self.kept_tags.contains(t)).cloned().collect()
    }

    /// Typed in, or ticked without being on the lead as seen (the conflict
    /// page shows the rep's new tags ticked).
    fn new_tags(&self) -> Vec<String> {
        let mut new: Vec<String> = Vec::new();
        for tag in self.added_tags.iter().chain(&self.kept_tags) {
            if !self.seen.tags.contains(tag) && !new.contains(tag) {
                new.push(tag.clone());
            }
        }
        new
    }

    /// Only what differs from the lead as seen: tags as operations, so tags
    /// that others add meanwhile are kept once the save goes through. The
    /// old note is never written: a note typed is added (`note_to_add`).
    pub fn patch(&self) -> LeadPatch {
        let some = |tags: Vec<String>| (!tags.is_empty()).then_some(tags);
        LeadPatch {
            status: (self.status != self.seen.status).then(|| self.status.clone()),
            note: None,
            remove_tags: some(self.removed_tags()),
            add_tags: some(self.new_tags()),
            tags: None,
            assignee: (self.assignee != self.seen.assignee).then(|| Some(self.assignee.clone()).filter(|id| !id.is_empty())),
        }
    }

    /// The note to add (its body as stored), `None` when none was typed, or
    /// 422 (a body longer than a note may be).
    pub fn note_to_add(&self) -> ApiResult<Option<String>> {
        // Browsers send a textarea's line breaks as CRLF: keep what the rep sees.
        let typed = self.note.replace("\r\n", "\n");
        if is_blank(&typed) {
            return Ok(None);
        }
        note_body(&typed).map(Some)
    }

    pub fn is_empty(&self) -> bool {
        self.patch() == LeadPatch::default() && is_blank(&self.note)
    }

    /// The same changes, as if the rep had made them on `lead` as it now is.
    pub fn on_top_of(&self, lead: &LeadRow) -> Self {
        let patch = self.patch();
        let seen = Seen::of(lead);
        let removed = patch.remove_tags.unwrap_or_default();
        Self {
            status: patch.status.unwrap_or_else(|| seen.status.clone()),
            note: self.note.clone(),
            kept_tags: seen.tags.iter().filter(|t| !removed.contains(t)).cloned().collect(),
            added_tags: patch.add_tags.unwrap_or_default(),
            assignee: patch.assignee.map_or_else(|| seen.assignee.clone(), Option::unwrap_or_default),
            seen,
        }
    }
}

/// What changed on the lead between what the rep saw and `now`, field by field.
#[derive(Debug, PartialEq)]
pub struct Drift {
    pub status: Option<(String, String)>,
    pub note: Option<String>,
    pub tags_added: Vec<String>,
    pub tags_removed: Vec<String>,
    /// The assignee now (`""`: nobody), if someone else changed it.
    pub assignee: Option<String>,
}

pub fn drift(seen: &Seen, now: &Seen) -> Drift {
    Drift {
        status: (seen.status != now.status).then(|| (seen.status.clone(), now.status.clone())),
        note: (normalized(&seen.note) != normalized(&now.note)).then(|| now.note.clone()),
        tags_added: now.tags.iter().filter(|t| !seen.tags.contains(t)).cloned().collect(),
        tags_removed: seen.tags.iter().filter(|t| !now.tags.contains(t)).cloned().collect(),
        assignee: (seen.assignee != now.assignee).then(|| now.assignee.clone()),
    }
}

pub fn tags_of(lead: &LeadRow) -> Vec<String> {
    serde_json::from_str(&lead.tags).unwrap_or_default()
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen() -> Seen {
        Seen { etag: "\"1-a\"".into(), updated_at: 1, status: "new".into(), note: "first call".into(), tags: vec!["a".into(), "b".into()], assignee: String::new() }
    }

    #[test]
    fn an_assignee_chosen_is_sent_only_when_it_changed_and_none_unassigns() {
        assert_eq!(LeadEdit { assignee: "mem_1".into(), ..unchanged() }.patch().assignee, Some(Some("mem_1".into())));
        let assigned = LeadEdit::unchanged(Seen { assignee: "mem_1".into(), ..seen() });
        assert_eq!(assigned.patch().assignee, None, "unchanged: not sent");
        assert_eq!(LeadEdit { assignee: String::new(), ..assigned.clone() }.patch().assignee, Some(None), "Nobody unassigns");
        let now = LeadRow { assignee_id: Some("mem_2".into()), tags: "[]".into(), ..LeadRow::default() };
        let again = LeadEdit { assignee: "mem_3".into(), ..assigned }.on_top_of(&now);
        assert_eq!((again.seen.assignee.as_str(), again.patch().assignee), ("mem_2", Some(Some("mem_3".into()))));
        assert_eq!(drift(&seen(), &Seen::of(&now)).assignee.as_deref(), Some("mem_2"));
    }

    fn unchanged() -> LeadEdit {
        LeadEdit::unchanged(seen())
    }

    #[test]
    fn a_save_sends_only_what_the_rep_changed() {
        assert!(unchanged().is_empty());
        let edit = LeadEdit { status: "qualified".into(), note: " called\r\nwants a wall\r\n".into(), kept_tags: vec!["b".into()], added_tags: vec!["vip".into(), "b".into()], ..unchanged() };
        let patch = edit.patch();
        assert_eq!(patch.status.as_deref(), Some("qualified"));
        assert_eq!(patch.note, None, "the old note is never written");
        assert_eq!(edit.note_to_add().ok(), Some(Some("called\nwants a wall".into())), "a note typed is added, as the rep sees it");
        assert_eq!(patch.remove_tags, Some(vec!["a".to_string()]));
        assert_eq!(patch.add_tags, Some(vec!["vip".to_string()]), "a tag already shown is not added again");
        assert_eq!(patch.tags, None, "tags are operations, never a list written back");
        let blank = LeadEdit { note: " \r\n ".into(), ..unchanged() };
        assert!(blank.is_empty(), "white space is no note");
        assert_eq!(blank.note_to_add().ok(), Some(None));
        let note_alone = LeadEdit { note: "left a message".into(), ..unchanged() };
        assert!(!note_alone.is_empty() && note_alone.patch() == LeadPatch::default(), "a note alone is a save with no patch");
        assert!(LeadEdit { note: "a".repeat(5001), ..unchanged() }.note_to_add().is_err());
    }

    #[test]
    fn the_same_changes_apply_on_top_of_the_lead_as_it_now_is() {
        let edit = LeadEdit { status: "qualified".into(), note: "mine".into(), kept_tags: vec!["b".into()], added_tags: vec!["vip".into()], ..unchanged() };
        let now = LeadRow { status: "won".into(), note: Some("called by Bo".into()), tags: r#"["a","b","c"]"#.into(), updated_at: 2, revision: "z".into(), ..LeadRow::default() };
        let again = edit.on_top_of(&now);
        assert_eq!(again.seen.etag, etag(&now));
        let patch = again.patch();
        assert_eq!(patch.status.as_deref(), Some("qualified"), "the rep's status, chosen after seeing the other");
        assert_eq!(again.note, "mine", "the rep's note is still to add");
        assert_eq!(patch.remove_tags, Some(vec!["a".to_string()]));
        assert_eq!(patch.add_tags, Some(vec!["vip".to_string()]));
        assert_eq!(again.kept_tags, vec!["b".to_string(), "c".to_string()], "the tag added meanwhile stays ticked");
        // As the conflict page posts it back: the new tag ticked, nothing typed.
        let posted = LeadEdit { kept_tags: vec!["b".into(), "c".into(), "vip".into()], added_tags: Vec::new(), ..again };
        assert_eq!(posted.patch().add_tags, Some(vec!["vip".to_string()]), "a ticked tag the lead lacks is added");
    }

    #[test]
    fn drift_names_each_field_that_changed_meanwhile() {
        let now = Seen { status: "won".into(), tags: vec!["b".into(), "c".into()], ..seen() };
        let d = drift(&seen(), &now);
        assert_eq!(d.status, Some(("new".into(), "won".into())));
        assert_eq!(d.note, None);
        assert_eq!((d.tags_added, d.tags_removed), (vec!["c".to_string()], vec!["a".to_string()]));
    }
}
