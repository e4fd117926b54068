use super::*;
use crate::lead::parse_lead;
use serde_json::json;

fn control(kind: &str, name: &str) -> WireControl {
    WireControl { kind: kind.into(), name: name.into(), value: "v".into(), ..WireControl::default() }
}

fn target(kind: &str, name: &str) -> Target {
    target_of(&control(kind, name))
}

fn attribute(field: &'static str) -> Target {
    Target::Attribute(field)
}

#[test]
fn every_name_the_widget_knew_maps_to_its_field() {
    let table: &[(&'static str, &[&str])] = &[
        ("email", &["email", "emailaddress", "youremail", "mail", "your-email", "contact[email]", "E-mail", "work_email", "email_address"]),
        ("name", &["name", "fullname", "yourname", "firstname", "lastname", "fname", "lname", "givenname", "familyname", "surname", "contactname", "First Name", "your-name", "wpforms[fields][1][first]", "wpforms[fields][1][last]", "FNAME", "fullName"]),
        ("phone", &["phone", "phonenumber", "tel", "telephone", "mobile", "cell", "yourphone", "phone_mobile"]),
        ("company", &["company", "companyname", "your-company", "organization", "organisation", "org", "business", "form_fields[company]"]),
        ("message", &["message", "yourmessage", "comments", "comment", "msg", "body", "enquiry", "inquiry", "details", "question", "notes", "contact[body]", "your-message"]),
    ];
    for (field, names) in table {
        for name in *names {
            assert_eq!(target("text", name), attribute(field), "{name}");
        }
    }
}

/// The rest of what the widget decided in the browser before wire format 2
/// (widget/src/fields.rs until 32d01ed), now decided here: its control types,
/// its `autocomplete` tokens, `data-leadsbot-field` however it is written, and
/// the words that marked a machine token.
#[test]
fn every_other_rule_the_widget_had_is_kept() {
    assert_eq!(target("email", "contact"), attribute("email"));
    assert_eq!(target("tel", "number"), attribute("phone"));
    for kind in ["password", "file", "submit", "button", "reset", "image", "fieldset"] {
        assert_eq!(target(kind, "email"), Target::Skip, "{kind}");
    }
    for (autocomplete, field) in [
        ("email", "email"), ("section-billing work email", "email"), ("name", "name"), ("given-name", "name"),
        ("family-name", "name"), ("additional-name", "name"), ("nickname", "name"), ("organization", "company"),
        ("tel", "phone"), ("tel-national", "phone"), ("work tel", "phone"),
    ] {
        let c = WireControl { kind: "text".into(), name: "f1".into(), autocomplete: autocomplete.into(), ..WireControl::default() };
        assert_eq!(target_of(&c), attribute(field), "{autocomplete}");
    }
    for (explicit, field) in [("email", "email"), (" Name ", "name"), ("PHONE", "phone"), ("Company", "company"), ("message", "message")] {
        let c = WireControl { field: explicit.into(), kind: "text".into(), name: "q7".into(), ..WireControl::default() };
        assert_eq!(target_of(&c), attribute(field), "{explicit}");
    }
    for name in [
        "csrf", "xsrf", "token", "nonce", "authenticity", "verification", "viewstate", "eventvalidation", "captcha",
        "turnstile", "my_csrf", "wpnonce", "security-nonce",
    ] {
        assert_eq!(target("hidden", name), Target::Skip, "{name}");
    }
    assert_eq!(target("text", "_gotcha"), Target::Honeypot);
}

#[test]
fn explicit_field_wins_over_everything() {
    let mut c = WireControl { field: "company".into(), kind: "email".into(), name: "email".into(), autocomplete: "email".into(), ..WireControl::default() };
    assert_eq!(target_of(&c), attribute("company"));
    c.field = "Budget".into();
    assert_eq!(target_of(&c), Target::Custom("Budget".into()));
}

#[test]
fn types_then_autocomplete_then_names_then_labels() {
    assert_eq!(target("email", "contact"), attribute("email"));
    assert_eq!(target("tel", "number"), attribute("phone"));
    for (autocomplete, field) in [("section-a work email", "email"), ("organization", "company"), ("tel-national", "phone"), ("given-name", "name")] {
        let c = WireControl { kind: "text".into(), name: "f1".into(), autocomplete: autocomplete.into(), ..WireControl::default() };
        assert_eq!(target_of(&c), attribute(field), "{autocomplete}");
    }
    let labelled = WireControl { kind: "text".into(), name: "input_4".into(), label: "Your Email".into(), ..WireControl::default() };
    assert_eq!(target_of(&labelled), attribute("email"));
}

#[test]
fn unknown_names_are_custom_nameless_ones_skipped() {
    assert_eq!(target("select-one", "plan"), Target::Custom("plan".into()));
    assert_eq!(target("hidden", "plan"), Target::Custom("plan".into()));
    assert_eq!(target("text", ""), Target::Skip);
    assert_eq!(target("text", "_gotcha"), Target::Honeypot);
}

#[test]
fn secrets_files_and_machine_fields_are_never_kept() {
    for (kind, name) in [
        ("password", "password"), ("file", "resume"), ("hidden", "csrf_token"), ("hidden", "authenticity_token"),
        ("hidden", "_wpnonce"), ("hidden", "__RequestVerificationToken"), ("hidden", "__VIEWSTATE"),
        ("hidden", "__EVENTVALIDATION"), ("textarea", "g-recaptcha-response"), ("textarea", "h-captcha-response"),
        ("hidden", "cf-turnstile-response"), ("submit", "send"), ("hidden", "_wpcf7_unit_tag"),
        ("hidden", "gform_unique_id"), ("hidden", "is_submit_1"), ("hidden", "state_1"), ("hidden", "gform_target_page_number_1"),
        ("hidden", "wpforms[id]"), ("hidden", "post_id"), ("hidden", "form_id"), ("hidden", "queried_id"),
        ("hidden", "referer_title"), ("hidden", "page_title"), ("hidden", "page_url"), ("hidden", "url_referer"),
        ("hidden", "wpforms[token]"), ("hidden", "_ajax_nonce"), ("text", "b_4e3a1c0d9f8e7b6a5c4d3e2f1_9a8b7c6d5e"), ("text", "card_number"),
    ] {
        assert_eq!(target(kind, name), Target::Skip, "{kind} {name}");
    }
}

#[test]
fn a_version_2_body_becomes_a_lead() {
    let long = "é".repeat(6000);
    let body = json!({
        "_v": 2, "_token": "pk_x", "_submission_id": "sub-1", "source": "widget",
        "controls": [
            {"name": "your-email", "value": " ada@example.com ", "type": "email"},
            {"name": "email_confirm", "value": "typo@example.com", "type": "email"},
            {"name": "first_name", "value": "Ada", "type": "text"},
            {"name": "last_name", "value": "Lovelace", "type": "text"},
            {"name": "message", "value": long, "type": "textarea"},
            {"name": "topics", "value": "sales", "type": "checkbox"},
            {"name": "topics", "value": "support", "type": "checkbox"},
            {"name": "notes2", "value": long, "type": "text"},
            {"name": "_gotcha", "value": "", "type": "text"},
            {"name": "cvv", "value": "123", "type": "text"}
        ],
        "context": {"page_url": "https://s.example/?utm_source=news", "page_title": "x".repeat(300), "form_id": "contact"}
    });
    let draft = parse_lead(body.as_object().unwrap()).unwrap();
    assert_eq!(draft.email.as_ref(), "ada@example.com");
    assert_eq!(draft.attribute("name"), Some("Ada Lovelace"));
    assert_eq!(draft.attribute("message").map(|m| m.chars().count()), Some(5000));
    assert_eq!(draft.attribute("page_title").map(|m| m.chars().count()), Some(200));
    assert_eq!(draft.attribute("utm_source"), Some("news"));
    assert_eq!(draft.attribute("form_id"), Some("contact"));
    assert_eq!(draft.custom["topics"], json!(["sales", "support"]));
    assert_eq!(draft.custom["notes2"].as_str().map(|m| m.chars().count()), Some(2000));
    assert!(!draft.custom.contains_key("cvv") && !draft.custom.contains_key("email_confirm"));
    assert_eq!(draft.submission_id.as_deref(), Some("sub-1"));
    assert!(!draft.honeypot_filled);
}

#[test]
fn no_more_than_fifty_custom_fields_are_kept() {
    let controls: Vec<Value> = (0..60).map(|i| json!({"name": format!("field{i}"), "value": "x"})).collect();
    let body = json!({"_v": 2, "controls": [{"name": "email", "value": "a@b.co"}], "custom": {}});
    let mut body = body.as_object().cloned().unwrap();
    body["controls"].as_array_mut().unwrap().extend(controls);
    assert_eq!(parse_lead(&body).unwrap().custom.len(), 50);
}

#[test]
fn a_filled_honeypot_is_noticed() {
    let body = json!({"_v": 2, "controls": [{"name": "email", "value": "a@b.co"}, {"name": "_gotcha", "value": "http://spam"}]});
    assert!(parse_lead(body.as_object().unwrap()).unwrap().honeypot_filled);
}

#[test]
fn a_version_1_body_from_an_older_widget_is_still_a_lead() {
    let body = json!({
        "_token": "pk_x", "_submission_id": "sub-1", "source": "widget", "email": "ada@example.com",
        "name": "Ada", "phone": "", "company": "", "message": "", "custom": {"topics": ["sales", "support"]},
        "context": {"page_url": "https://s.example/", "form_id": "contact", "campaign": "spring"}
    });
    let draft = parse_lead(body.as_object().unwrap()).unwrap();
    assert_eq!(draft.email.as_ref(), "ada@example.com");
    assert_eq!(draft.attribute("name"), Some("Ada"));
    assert_eq!(draft.attribute("campaign"), Some("spring"));
    assert_eq!(draft.custom["topics"], json!(["sales", "support"]));
}

#[test]
fn malformed_version_2_bodies_are_named() {
    let cases = [
        (json!({"_v": 3, "controls": []}), "_v"),
        (json!({"_v": 2}), "controls"),
        (json!({"_v": 2, "controls": [5]}), "controls.0"),
        (json!({"_v": 2, "controls": [{"name": 5}]}), "controls.0.name"),
    ];
    for (body, field) in cases {
        let errors = parse_lead(body.as_object().unwrap()).unwrap_err();
        assert_eq!(errors[0].field, field);
    }
}

#[test]
fn the_form_action_is_resolved_against_the_page() {
    let action = |action: &str| {
        let body = json!({"_v": 2, "controls": [{"name": "email", "value": "a@b.co"}],
            "context": {"page_url": "https://s.example/contact/?utm_source=x#top", "form_action": action}});
        parse_lead(body.as_object().unwrap()).unwrap().attribute("form_action").map(str::to_string)
    };
    assert_eq!(action("thanks.html").as_deref(), Some("https://s.example/contact/thanks.html"));
    assert_eq!(action("").as_deref(), Some("https://s.example/contact/?utm_source=x"));
    assert_eq!(action("https://other.example/post").as_deref(), Some("https://other.example/post"));
}
