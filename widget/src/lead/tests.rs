use super::*;

fn control<'a>(name: &'a str, kind: &'a str, value: &'a str) -> Control<'a> {
    Control { hints: Hints { name, kind, ..Hints::default() }, value }
}

#[test]
fn a_contact_form_becomes_a_lead() {
    let lead = Lead::from_controls(&[
        control("email", "email", " ada@example.com "),
        control("first_name", "text", "Ada"),
        control("last_name", "text", "Lovelace"),
        control("message", "textarea", "Hello"),
        control("plan", "select-one", "pro"),
        control("password", "password", "secret"),
    ]);
    assert_eq!(lead.email, "ada@example.com");
    assert_eq!(lead.name, "Ada Lovelace");
    assert_eq!(lead.message, "Hello");
    assert_eq!(lead.custom, vec![("plan".to_string(), vec!["pro".to_string()])]);
}

#[test]
fn the_first_email_wins_so_a_confirmation_field_is_harmless() {
    let lead = Lead::from_controls(&[
        control("email", "email", "a@example.com"),
        control("email_confirm", "email", "typo@example.com"),
    ]);
    assert_eq!(lead.email, "a@example.com");
}

#[test]
fn checkbox_groups_gather_into_a_list() {
    let lead = Lead::from_controls(&[
        control("topics", "checkbox", "sales"),
        control("topics", "checkbox", "support"),
    ]);
    let fields: Vec<_> = lead.custom_fields().collect();
    assert_eq!(fields, vec![("topics", CustomValue::List(vec!["sales".into(), "support".into()]))]);
}

#[test]
fn oversize_values_are_cut_to_the_server_limits() {
    let long = "é".repeat(6000);
    let lead = Lead::from_controls(&[control("message", "textarea", &long), control("notes2", "text", &long)]);
    assert_eq!(lead.message.chars().count(), 5000);
    match lead.custom_fields().next() {
        Some((_, CustomValue::Text(text))) => assert_eq!(text.chars().count(), 2000),
        other => panic!("unexpected {other:?}"),
    };
}

#[test]
fn no_more_than_fifty_custom_fields_are_kept() {
    let names: Vec<String> = (0..60).map(|i| format!("field{i}")).collect();
    let controls: Vec<Control> = names
        .iter()
        .map(|name| Control { hints: Hints { name, kind: "text", ..Hints::default() }, value: "x" })
        .collect();
    assert_eq!(Lead::from_controls(&controls).custom.len(), 50);
}

#[test]
fn the_honeypot_is_kept_apart() {
    let lead = Lead::from_controls(&[control("_gotcha", "text", "http://spam")]);
    assert_eq!(lead.honeypot.as_deref(), Some("http://spam"));
    assert!(lead.custom.is_empty());
}

#[test]
fn clip_respects_character_boundaries() {
    assert_eq!(clip("héllo", 2), "hé");
    assert_eq!(clip("hi", 5), "hi");
}
