use super::*;
use serde_json::json;

fn fields(value: Value) -> Fields {
    value.as_object().cloned().unwrap()
}

#[test]
fn a_plain_form_becomes_a_lead() {
    let draft = parse_lead(&fields(json!({
        "email": " Ada@Example.com ", "name": "Ada", "Phone": 5551234, "message": "Hi",
        "Plan Type": "pro", "_token": "pk_x", "_submission_id": "sub-1"
    })))
    .unwrap();
    assert_eq!(draft.email.as_ref(), "Ada@example.com");
    assert_eq!(draft.attribute("name"), Some("Ada"));
    assert_eq!(draft.attribute("phone"), Some("5551234"));
    assert_eq!(draft.custom, fields(json!({"Plan Type": "pro"})));
    assert_eq!(draft.submission_id.as_deref(), Some("sub-1"));
    assert!(!draft.honeypot_filled);
}

#[test]
fn aliases_context_and_custom_groups_are_understood() {
    let draft = parse_lead(&fields(json!({
        "E-mail": "a@b.co", "first_name": "Grace", "last_name": "Hopper",
        "context": {"page_url": "https://s.example/?utm_source=news&utm_medium=email", "referrer": "https://r.example"},
        "custom": {"budget": 5000, "interests": ["a", "b"]}
    })))
    .unwrap();
    assert_eq!(draft.attribute("name"), Some("Grace Hopper"));
    assert_eq!(draft.attribute("utm_source"), Some("news"));
    assert_eq!(draft.attribute("utm_medium"), Some("email"));
    assert_eq!(draft.attribute("referrer"), Some("https://r.example"));
    assert_eq!(draft.custom["budget"], 5000);
    assert!(!draft.custom.contains_key("first_name"));
}

#[test]
fn every_problem_is_reported_with_its_field() {
    let errors = parse_lead(&fields(json!({"email": "nope", "name": "x".repeat(201), "message": {"a": 1}}))).unwrap_err();
    let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert!(found.contains(&("email", "invalid_email")));
    assert!(found.contains(&("name", "too_long")));
    assert!(found.contains(&("message", "invalid_type")));
}

#[test]
fn missing_email_is_required() {
    let errors = parse_lead(&fields(json!({"name": "Ada"}))).unwrap_err();
    assert_eq!(errors[0], FieldError::required("email"));
}

#[test]
fn too_many_custom_fields_are_refused() {
    let mut input = fields(json!({"email": "a@b.co"}));
    for i in 0..=MAX_CUSTOM_FIELDS {
        input.insert(format!("f{i}"), json!("v"));
    }
    let errors = parse_lead(&input).unwrap_err();
    assert_eq!(errors[0].code, "too_many_fields");
    input.remove("f0");
    assert!(parse_lead(&input).is_ok());
}

#[test]
fn honeypot_is_noticed() {
    let draft = parse_lead(&fields(json!({"email": "a@b.co", "_gotcha": "http://spam"}))).unwrap();
    assert!(draft.honeypot_filled);
    let draft = parse_lead(&fields(json!({"email": "a@b.co", "_gotcha": ""}))).unwrap();
    assert!(!draft.honeypot_filled);
}

#[test]
fn statuses_round_trip() {
    for status in LeadStatus::ALL {
        assert_eq!(LeadStatus::parse(status.as_str()), Some(status));
    }
    assert_eq!(LeadStatus::parse("NEW"), None);
}

#[test]
fn secrets_posted_as_custom_fields_are_dropped_not_refused() {
    let draft = parse_lead(&fields(json!({
        "email": "a@b.co", "plan": "pro", "cvv": "123", "Card Number": "4242 4242 4242 4242",
        "reference": "4111-1111-1111-1111", "iban": "DE89370400440532013000", "amount": 4242424242424242_u64,
        "custom": {"ssn": "078-05-1120", "notes_list": ["ok", "5555555555554444"], "discount_code": "SPRING"}
    })))
    .unwrap();
    assert_eq!(draft.custom, fields(json!({"plan": "pro", "discount_code": "SPRING"})));
}

#[test]
fn a_card_number_typed_into_any_attribute_is_not_kept() {
    let draft = parse_lead(&fields(json!({"email": "a@b.co", "phone": "4242424242424242", "company": "Acme"}))).unwrap();
    assert_eq!(draft.attribute("phone"), None);
    assert_eq!(draft.attribute("company"), Some("Acme"));
}

#[test]
fn urls_are_stored_without_secret_parameters() {
    let draft = parse_lead(&fields(json!({
        "email": "a@b.co",
        "context": {
            "page_url": "https://s.example/welcome?token=abc&utm_source=x&reset=1",
            "referrer": "https://mail.example/open?session=s1&ref=nl",
            "form_action": "https://s.example/submit?key=k"
        }
    })))
    .unwrap();
    assert_eq!(draft.attribute("page_url"), Some("https://s.example/welcome?utm_source=x"));
    assert_eq!(draft.attribute("utm_source"), Some("x"));
    assert_eq!(draft.attribute("referrer"), Some("https://mail.example/open?ref=nl"));
    assert_eq!(draft.attribute("form_action"), Some("https://s.example/submit"));
}

#[test]
fn control_fields_are_plain_values_never_groups_or_lists() {
    for control in CONTROL_FIELDS {
        for bad in [serde_json::json!({}), serde_json::json!(["widget"])] {
            let mut body = fields(json!({"email": "a@b.co"}));
            body.insert(control.into(), bad);
            let errors = parse_lead(&body).err().unwrap_or_default();
            assert!(errors.iter().any(|e| e.field == control && e.code == "invalid_type"), "{control}: {errors:?}");
        }
    }
}
