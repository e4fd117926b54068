use super::*;

use crate::http::pairs_of as pairs;

fn lead(id: &str) -> LeadRow {
    LeadRow { id: id.into(), status: "new".into(), tags: "[]".into(), custom: "{}".into(), ..LeadRow::default() }
}

#[test]
fn query_filters_parse() {
    let q = parse_query(&pairs(&[("status", "won"), ("limit", "10"), ("created_after", "2026-01-01"), ("q", "acme")])).unwrap();
    assert_eq!(q.status.as_deref(), Some("won"));
    assert_eq!(q.limit, 10);
    assert_eq!(q.created_after, Some(1_767_225_600_000));
    assert_eq!(q.search.as_deref(), Some("acme"));
}

#[test]
fn bad_filters_are_422_with_their_names() {
    let Err(ApiError::Validation(errors)) = parse_query(&pairs(&[("limit", "101"), ("status", "hot"), ("cursor", "x"), ("colour", "red"), ("created_before", "soon")])) else {
        panic!("expected a validation error");
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["limit", "status", "cursor", "colour", "created_before"]);
}

#[test]
fn the_assignee_filter_takes_a_member_none_or_me_with_a_member_only() {
    assert_eq!(parse_query(&pairs(&[("assignee", "mem_01J0000000000000000000000A")])).unwrap().assignee, Some(Some("mem_01J0000000000000000000000A".into())));
    assert_eq!(parse_query(&pairs(&[("assignee", "none")])).unwrap().assignee, Some(None));
    let Err(ApiError::Validation(errors)) = parse_query(&pairs(&[("assignee", "me")])) else { panic!("an API key has no me") };
    assert_eq!((errors[0].field.as_str(), errors[0].message.as_str()), ("assignee", "me needs a member's session"));
    assert_eq!(assignee_filter("me", Some("mem_1")), Ok(Some("mem_1".into())));
    assert!(parse_query(&pairs(&[("assignee", "ld_1")])).is_err());
}

#[test]
fn an_empty_cursor_is_the_first_page() {
    assert_eq!(parse_query(&pairs(&[("cursor", "")])).unwrap().before_id, None);
    assert!(parse_query(&pairs(&[("limit", "+5")])).is_err());
}

#[test]
fn patch_records_status_transitions_and_validates() {
    let patch = LeadPatch { status: Some("won".into()), tags: Some(vec!["vip".into(), "vip".into(), " hot ".into()]), note: Some(Some("call back".into())), ..LeadPatch::default() };
    let patched = apply_patch(lead("a"), patch, 5).unwrap();
    assert_eq!(patched.transition, Some(("new".into(), "won".into())));
    assert_eq!(patched.lead.tags, r#"["vip","hot"]"#);
    assert_eq!(patched.lead.note.as_deref(), Some("call back"));
    assert_eq!((patched.lead.updated_at, patched.changed), (5, true));

    let bad = LeadPatch { status: Some("hot".into()), tags: Some(vec!["".into()]), note: None, ..LeadPatch::default() };
    assert!(matches!(apply_patch(lead("a"), bad, 5), Err(ApiError::Validation(e)) if e.len() == 2));
    let too_many = LeadPatch { tags: Some(vec!["x".into(); 21]), ..LeadPatch::default() };
    assert!(apply_patch(lead("a"), too_many, 5).is_err(), "limits apply to the tags as sent");
}

#[test]
fn add_and_remove_tags_apply_to_the_tags_the_lead_holds_now() {
    let ops = |add: &[&str], remove: &[&str]| LeadPatch {
        add_tags: Some(add.iter().map(|t| t.to_string()).collect()),
        remove_tags: Some(remove.iter().map(|t| t.to_string()).collect()),
        ..LeadPatch::default()
    };
    let mut current = lead("a");
    current.tags = r#"["vip","added-meanwhile"]"#.into();
    let patched = apply_patch(current.clone(), ops(&[" hot ", "vip", "hot"], &["vip", "absent"]), 5).unwrap();
    assert_eq!(patched.lead.tags, r#"["added-meanwhile","hot","vip"]"#, "remove, then add (trimmed, repeats once)");
    let patched = apply_patch(current.clone(), ops(&["vip"], &[]), 5).unwrap();
    assert!(!patched.changed, "adding a tag it holds changes nothing");
    let replace_then_add = LeadPatch { tags: Some(vec!["a".into()]), add_tags: Some(vec!["b".into()]), ..LeadPatch::default() };
    assert_eq!(apply_patch(current.clone(), replace_then_add, 5).unwrap().lead.tags, r#"["a","b"]"#);

    current.tags = serde_json::to_string(&(0..20).map(|i| format!("t{i}")).collect::<Vec<_>>()).unwrap();
    let Err(ApiError::Conflict(why)) = apply_patch(current.clone(), ops(&["one-more"], &[]), 5) else { panic!("21 tags were taken") };
    assert!(why.contains("would hold 21"), "{why}");
    let Err(ApiError::Validation(errors)) = apply_patch(current, ops(&[" "], &[""]), 5) else { panic!("blank tags were taken") };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["remove_tags[0]", "add_tags[0]"]);
}

#[test]
fn a_patch_that_changes_nothing_says_so() {
    let mut current = lead("a");
    current.tags = r#"["vip"]"#.into();
    for patch in [LeadPatch::default(), LeadPatch { status: Some("new".into()), tags: Some(vec![" vip ".into()]), note: Some(None), ..LeadPatch::default() }] {
        let patched = apply_patch(current.clone(), patch, 9).unwrap();
        assert_eq!((patched.changed, patched.transition, patched.lead.updated_at), (false, None, 0));
    }
}

#[test]
fn if_match_compares_strong_etags() {
    let mut row = lead("a");
    row.updated_at = 255;
    row.revision = "r1".into();
    let tag = etag(&row);
    assert_eq!(tag, "\"ff-r1\"");
    assert!(if_match_admits(&tag, &tag));
    assert!(if_match_admits("\"x\", \"ff-r1\"", &tag));
    assert!(if_match_admits("*", &tag));
    assert!(!if_match_admits("\"ff-r0\"", &tag));
}

#[test]
fn patch_clears_a_note_with_null() {
    let patch: LeadPatch = crate::wire::decode_json(br#"{"note": null}"#).unwrap();
    let mut with_note = lead("a");
    with_note.note = Some("old".into());
    assert_eq!(apply_patch(with_note, patch, 1).unwrap().lead.note, None);
    assert!(crate::wire::decode_json::<LeadPatch>(br#"{"colour": "red"}"#).is_err());
    assert!(crate::wire::decode_json::<LeadPatch>(br#"{"status": null}"#).is_err());
}

#[test]
fn an_assignment_change_is_a_change_with_its_lead_assigned_event() {
    let patch: LeadPatch = crate::wire::decode_json(br#"{"assignee": "mem_01J00000000000000000000000"}"#).unwrap();
    let patched = apply_patch(lead("a"), patch.clone(), 7).unwrap();
    let reassignment = (None, Some("mem_01J00000000000000000000000".to_string()));
    assert_eq!((patched.changed, patched.reassignment.clone(), patched.lead.updated_at), (true, Some(reassignment.clone()), 7));
    let events = change::lead_change_events(7, &patched.lead, None, Some(&reassignment)).unwrap();
    let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["lead.updated", "lead.assigned"]);
    let data = &serde_json::from_str::<Value>(&events[1].payload).unwrap()["data"];
    assert_eq!((&data["assignee"], &data["previous_assignee"]), (&Value::from("mem_01J00000000000000000000000"), &Value::Null));
    let again = apply_patch(patched.lead, patch, 8).unwrap();
    assert!(!again.changed && again.reassignment.is_none(), "the same assignee changes nothing");
    let unassign: LeadPatch = crate::wire::decode_json(br#"{"assignee": null}"#).unwrap();
    assert_eq!(apply_patch(again.lead, unassign, 9).unwrap().reassignment, Some((Some("mem_01J00000000000000000000000".into()), None)));
}
