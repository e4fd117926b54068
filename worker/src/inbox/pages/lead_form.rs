//! The lead's action bar: status, tags and a note to add in one form with one Save,
//! carrying the lead as shown (`inbox::edit::Seen`) so the save is guarded
//! and sends only what changed. The conflict page renders the same form with
//! the rep's changes laid on the lead as it now is.

use crate::inbox::edit::LeadEdit;
use crate::store::filter_choices::MemberChoice;
use maud::{html, Markup};

pub const STATUSES: [&str; 6] = ["new", "contacted", "qualified", "won", "lost", "spam"];

/// Where a save goes: back to the lead (in its list), or, once the status
/// changed (a triage), on to the next lead of the same list.
pub struct Returns {
    pub here: String,
    pub next: Option<String>,
}

/// `unsaved`: the form already holds changes not saved (the conflict page),
/// so leaving asks first even before the rep touches it.
pub fn render(lead_id: &str, csrf: &str, edit: &LeadEdit, members: &[MemberChoice], submit: &str, unsaved: bool, returns: &Returns) -> Markup {
    let seen = &edit.seen;
    let shown_tags: Vec<&String> = seen.tags.iter().chain(edit.added_tags.iter().filter(|t| !seen.tags.contains(t))).collect();
    html! {
        form #lead-form .actions method="post" action=(format!("/app/leads/{lead_id}/save")) data-unsaved-guard=(if unsaved { "unsaved" } else { "clean" }) {
            input type="hidden" name="_csrf" value=(csrf);
            input type="hidden" name="back" value=(returns.here);
            @if let Some(next) = &returns.next { input type="hidden" name="next" value=(next); }
            input type="hidden" name="seen_etag" value=(seen.etag);
            input type="hidden" name="seen_at" value=(seen.updated_at);
            input type="hidden" name="seen_status" value=(seen.status);
            input type="hidden" name="seen_note" value=(seen.note);
            @for tag in &seen.tags { input type="hidden" name="seen_tag" value=(tag); }
            input type="hidden" name="seen_assignee" value=(seen.assignee);
            div.field {
                label for="status" { "Status" }
                select #status name="status" {
                    @for s in STATUSES { option value=(s) selected[edit.status == s] { (s) } }
                }
            }
            (assignee_select(edit, members))
            fieldset.tags {
                legend { "Tags" }
                @for (i, tag) in shown_tags.iter().enumerate() {
                    span.tag {
                        input type="checkbox" id=(format!("tag-{i}")) name="tag" value=(tag) checked[edit.kept_tags.contains(tag) || edit.added_tags.contains(tag)];
                        label for=(format!("tag-{i}")) { (tag) }
                    }
                }
                label for="add-tag" { "Add tags" }
                input #add-tag name="add" maxlength="1020" placeholder="comma, separated" aria-describedby="tags-hint";
                small #tags-hint { "Untick a tag to remove it." }
            }
            div.field {
                label for="note" { "Add a note" }
                textarea #note name="note" rows="3" maxlength="5000" aria-describedby="note-hint" { (edit.note) }
                small #note-hint { "Added to the timeline on Save, with your name and the time." }
            }
            button type="submit" { (submit) }
        }
    }
}

/// The assignee: nobody, or a member by name (else email). An assignee not
/// among the choices stays chosen, shown by id, so a save keeps it.
fn assignee_select(edit: &LeadEdit, members: &[MemberChoice]) -> Markup {
    let listed = members.iter().any(|m| m.id == edit.assignee);
    html! {
        div.field {
            label for="assignee" { "Assignee" }
            select #assignee name="assignee" {
                option value="" selected[edit.assignee.is_empty()] { "Nobody" }
                @for member in members { option value=(member.id) selected[member.id == edit.assignee] { (member.label()) } }
                @if !edit.assignee.is_empty() && !listed { option value=(edit.assignee) selected { (edit.assignee) } }
            }
        }
    }
}
