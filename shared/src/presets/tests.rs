//! Payloads shaped as the tools' own documentation shows them: Typeform's
//! example payload (developers.typeform.com/webhooks/example-payload) and
//! Tally's example webhook event (tally.so/help/webhooks).

use super::*;
use crate::lead::parse_lead;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    value.as_object().cloned().expect("an object")
}

fn typeform_payload(with_long_text: bool) -> Fields {
    let mut answers = vec![
        json!({"type": "text", "text": "It's cold right now! I'm freezing!", "field": {"id": "DlXFaesGBpoF", "type": "long_text", "ref": "readable_ref_long_text"}}),
        json!({"type": "email", "email": "laura@example.com", "field": {"id": "SMEUb7VJz92Q", "type": "email", "ref": "readable_ref_email"}}),
        json!({"type": "text", "text": "Laura", "field": {"id": "JwWggjAKtOkA", "type": "short_text", "ref": "readable_ref_short_text"}}),
        json!({"type": "date", "date": "2005-10-15", "field": {"id": "KoJxDM3c6x8h", "type": "date", "ref": "readable_ref_date"}}),
        json!({"type": "choices", "choices": {"labels": ["London", "Sydney"]}, "field": {"id": "PNe8ZKBK8C2Q", "type": "picture_choice", "ref": "readable_ref_picture_choice"}}),
        json!({"type": "choice", "choice": {"label": "Barcelona"}, "field": {"id": "k6TP9oLGgHjl", "type": "multiple_choice", "ref": "readable_ref_multiple_choice"}}),
        json!({"type": "phone_number", "phone_number": "+5511999999999", "field": {"id": "RUqkXSeXBXSd", "type": "phone_number", "ref": "readable_ref_phone"}}),
        json!({"type": "boolean", "boolean": true, "field": {"id": "WOTdC00F8A3h", "type": "yes_no", "ref": "readable_ref_yes_no"}}),
        json!({"type": "number", "number": 5, "field": {"id": "NRsxU591jIW9", "type": "opinion_scale", "ref": "readable_ref_opinion_scale"}}),
        json!({"type": "payment", "payment": {"amount": "1.00", "last4": "4242", "name": "Laura"}, "field": {"id": "PaYmEnT0001", "type": "payment", "ref": "readable_ref_payment"}}),
    ];
    if !with_long_text {
        answers.remove(0);
    }
    object(json!({
        "event_id": "LtWXD3crgy",
        "event_type": "form_response",
        "form_response": {
            "form_id": "lT4Z3j",
            "token": "a3a12ec67a1365927098a606107fac15",
            "submitted_at": "2018-01-18T18:17:02Z",
            "landed_at": "2018-01-18T18:07:02Z",
            "hidden": {"user_id": "abc123456", "utm_source": "newsletter"},
            "definition": {
                "id": "lT4Z3j",
                "title": "Webhooks example",
                "fields": [
                    {"id": "DlXFaesGBpoF", "title": "What's it like where you live?", "type": "long_text", "ref": "readable_ref_long_text"},
                    {"id": "SMEUb7VJz92Q", "title": "Please give us your email address.", "type": "email", "ref": "readable_ref_email"},
                    {"id": "JwWggjAKtOkA", "title": "What is your first name?", "type": "short_text", "ref": "readable_ref_short_text"}
                ]
            },
            "answers": answers
        }
    }))
}

fn tally_payload(with_company: bool) -> Fields {
    let company = if with_company { json!("Acme") } else { Value::Null };
    object(json!({
        "eventId": "a4cb511e-d513-4fa5-baee-b815d718dfd1",
        "eventType": "FORM_RESPONSE",
        "createdAt": "2023-06-28T15:00:21.889Z",
        "data": {
            "responseId": "2wgx4n",
            "submissionId": "2wgx4n",
            "respondentId": "dwQKYm",
            "formId": "VwbNEw",
            "formName": "Webhook payload",
            "createdAt": "2023-06-28T15:00:21.000Z",
            "fields": [
                {"key": "question_mVGEg3_8b5711e3-0c19-4b4d-9a27-4a8c2bb6b6a4", "label": "utm_campaign", "type": "HIDDEN_FIELDS", "value": "spring"},
                {"key": "question_3EKz4n", "label": "Company", "type": "INPUT_TEXT", "value": company},
                {"key": "question_mRGa0W", "label": "What is your name?", "type": "INPUT_TEXT", "value": "Alice"},
                {"key": "question_w4Q4Xz", "label": "Email", "type": "INPUT_EMAIL", "value": "alice@example.com"},
                {"key": "question_3jZaa7", "label": "Phone number", "type": "INPUT_PHONE_NUMBER", "value": "+3212345678"},
                {"key": "question_wa1Gy6", "label": "Budget", "type": "MULTIPLE_CHOICE", "value": ["5c0b9d6b-1a2f-4c7e-b2d7-9f8d2a3c4e5f"],
                 "options": [{"id": "5c0b9d6b-1a2f-4c7e-b2d7-9f8d2a3c4e5f", "text": "10k+"}, {"id": "e4f1a2b3-0000-4000-8000-000000000001", "text": "Under 10k"}]},
                {"key": "question_n0lV4p", "label": "Interests", "type": "CHECKBOXES", "value": ["opt-a", "opt-c"],
                 "options": [{"id": "opt-a", "text": "Sales"}, {"id": "opt-b", "text": "Support"}, {"id": "opt-c", "text": "Billing"}]},
                {"key": "question_n0lV4p_opt-a", "label": "Interests (Sales)", "type": "CHECKBOXES", "value": true},
                {"key": "question_n0lV4p_opt-b", "label": "Interests (Support)", "type": "CHECKBOXES", "value": false},
                {"key": "question_n0lV4p_opt-c", "label": "Interests (Billing)", "type": "CHECKBOXES", "value": true},
                {"key": "question_pay001", "label": "Deposit", "type": "PAYMENT", "value": {"price": 10, "currency": "EUR"}}
            ]
        }
    }))
}

#[test]
fn typeform_answers_default_by_type_and_ref() {
    let fields = Preset::Typeform.lead_fields(&typeform_payload(true), &Map::new()).unwrap();
    assert_eq!(fields["email"], "laura@example.com");
    assert_eq!(fields["phone"], "+5511999999999");
    assert_eq!(fields["readable_ref_short_text"], "Laura");
    assert_eq!(fields["readable_ref_picture_choice"], "London, Sydney");
    assert_eq!(fields["readable_ref_multiple_choice"], "Barcelona");
    assert_eq!(fields["readable_ref_yes_no"], true);
    assert_eq!(fields["readable_ref_opinion_scale"], 5);
    assert_eq!(fields["utm_source"], "newsletter");
    assert_eq!(fields["user_id"], "abc123456");
    assert_eq!(fields["_submission_id"], "LtWXD3crgy");
    assert_eq!(fields["source"], "typeform");
    assert_eq!((fields["form_id"].as_str(), fields["form_name"].as_str()), (Some("lT4Z3j"), Some("Webhooks example")));
    assert!(!fields.contains_key("readable_ref_payment"), "payment answers carry card details");
    assert!(!Value::Object(fields).to_string().contains("4242"));
}

#[test]
fn typeform_mapping_by_ref_or_title_survives_a_blank_optional_question() {
    let by_ref = object(json!({"name": "readable_ref_short_text", "message": "readable_ref_long_text"}));
    let by_title = object(json!({"name": "What is your first name?", "email": "Please give us your email address."}));
    for mapping in [by_ref, by_title] {
        for with_long_text in [true, false] {
            let fields = Preset::Typeform.lead_fields(&typeform_payload(with_long_text), &mapping).unwrap();
            let lead = parse_lead(&fields).unwrap();
            assert_eq!(lead.email.as_ref(), "laura@example.com");
            assert_eq!(lead.attribute("name"), Some("Laura"));
            assert_eq!(lead.attribute("phone"), Some("+5511999999999"));
            assert_eq!(lead.submission_id.as_deref(), Some("LtWXD3crgy"));
            assert!(!lead.custom.contains_key("readable_ref_short_text"), "a mapped answer is not repeated");
        }
    }
}

#[test]
fn tally_fields_default_by_type_and_label() {
    let fields = Preset::Tally.lead_fields(&tally_payload(true), &Map::new()).unwrap();
    assert_eq!(fields["email"], "alice@example.com");
    assert_eq!(fields["phone"], "+3212345678");
    assert_eq!(fields["Company"], "Acme");
    assert_eq!(fields["What is your name?"], "Alice");
    assert_eq!(fields["Budget"], "10k+");
    assert_eq!(fields["Interests"], "Sales, Billing");
    assert_eq!(fields["utm_campaign"], "spring");
    assert_eq!(fields["_submission_id"], "a4cb511e-d513-4fa5-baee-b815d718dfd1");
    assert_eq!(fields["source"], "tally");
    assert_eq!((fields["form_id"].as_str(), fields["form_name"].as_str()), (Some("VwbNEw"), Some("Webhook payload")));
    assert!(!fields.keys().any(|k| k.starts_with("Interests (") || k == "Deposit"), "{fields:?}");
    let lead = parse_lead(&fields).unwrap();
    assert_eq!((lead.attribute("company"), lead.attribute("utm_campaign")), (Some("Acme"), Some("spring")));
}

#[test]
fn tally_mapping_by_label_or_key_survives_a_blank_optional_question() {
    let by_label = object(json!({"name": "What is your name?", "budget": "Budget"}));
    let by_key = object(json!({"name": "question_mRGa0W", "budget": "question_wa1Gy6"}));
    for mapping in [by_label, by_key] {
        for with_company in [true, false] {
            let lead = parse_lead(&Preset::Tally.lead_fields(&tally_payload(with_company), &mapping).unwrap()).unwrap();
            assert_eq!(lead.email.as_ref(), "alice@example.com");
            assert_eq!(lead.attribute("name"), Some("Alice"));
            assert_eq!(lead.attribute("company"), with_company.then_some("Acme"));
            assert_eq!(lead.custom.get("budget"), Some(&json!("10k+")));
        }
    }
}

#[test]
fn unmapped_names_never_override_a_mapped_field() {
    // A second "Name" question must not take the mapped name's place, and a
    // label too long for a custom field falls back to the stable key.
    let mut payload = tally_payload(true);
    let fields = payload["data"]["fields"].as_array_mut().unwrap();
    fields.push(json!({"key": "question_dup", "label": "Name", "type": "INPUT_TEXT", "value": "Bob"}));
    fields.push(json!({"key": "question_long", "label": "x".repeat(80), "type": "INPUT_TEXT", "value": "long"}));
    let mapped = Preset::Tally.lead_fields(&payload, &object(json!({"name": "What is your name?"}))).unwrap();
    assert_eq!((mapped["name"].as_str(), mapped["question_dup"].as_str()), (Some("Alice"), Some("Bob")));
    assert_eq!(mapped["question_long"], "long");
    assert_eq!(parse_lead(&mapped).unwrap().attribute("name"), Some("Alice"));
}

#[test]
fn payloads_of_another_shape_are_refused_naming_what_is_missing() {
    let named = |preset: Preset, payload: Value| preset.lead_fields(&object(payload), &Map::new()).unwrap_err()[0].field.clone();
    assert_eq!(named(Preset::Typeform, json!({"email": "a@b.co"})), "event_type");
    assert_eq!(named(Preset::Typeform, json!({"event_type": "form_response", "event_id": "e"})), "form_response");
    assert_eq!(named(Preset::Typeform, json!({"event_type": "form_response", "form_response": {}})), "event_id");
    assert_eq!(named(Preset::Tally, json!({"eventType": "FORM_RESPONSE", "eventId": "e", "data": {}})), "data.fields");
    assert_eq!(named(Preset::Tally, json!({"eventType": "OTHER", "eventId": "e"})), "eventType");
}

// Signatures computed independently with Node's crypto:
// createHmac('sha256', 'tally-secret-0123456789').update(BODY).digest('base64')
const SECRET: &str = "tally-secret-0123456789";
const BODY: &[u8] = br#"{"eventId":"a4cb511e-d513-4fa5-baee-b815d718dfd1","eventType":"FORM_RESPONSE"}"#;
const NODE_SIGNATURE: &str = "OV+o0MQ8ozzBXJMcajCNqXOjL59/6kzo/b4G4IIC/6k=";

#[test]
fn each_tool_signature_scheme_is_checked_against_the_raw_body() {
    let typeform = format!("sha256={NODE_SIGNATURE}");
    assert_eq!(Preset::Typeform.verify_signature(SECRET, Some(&typeform), BODY), Ok(()));
    assert_eq!(Preset::Tally.verify_signature(SECRET, Some(NODE_SIGNATURE), BODY), Ok(()));

    let mismatch = |p: Preset| Err(ToolSignatureError::Mismatch(p.signature_header()));
    assert_eq!(Preset::Typeform.verify_signature(SECRET, Some(NODE_SIGNATURE), BODY), mismatch(Preset::Typeform), "the sha256= prefix is part of Typeform's scheme");
    assert_eq!(Preset::Tally.verify_signature(SECRET, Some(&typeform), BODY), mismatch(Preset::Tally));
    assert_eq!(Preset::Tally.verify_signature("other", Some(NODE_SIGNATURE), BODY), mismatch(Preset::Tally));
    assert_eq!(Preset::Tally.verify_signature(SECRET, Some(NODE_SIGNATURE), b"{}"), mismatch(Preset::Tally));
    assert_eq!(Preset::Typeform.verify_signature(SECRET, None, BODY), Err(ToolSignatureError::Missing("Typeform-Signature")));
    assert_eq!(Preset::Tally.verify_signature(SECRET, Some("  "), BODY), Err(ToolSignatureError::Missing("Tally-Signature")));
}

#[test]
fn presets_parse_by_name_only() {
    assert_eq!(Preset::parse("typeform"), Some(Preset::Typeform));
    assert_eq!(Preset::parse("tally"), Some(Preset::Tally));
    assert_eq!(Preset::parse("Typeform"), None);
    assert_eq!(Preset::parse("jotform"), None);
}

#[test]
fn preset_mappings_take_labels_and_name_bad_entries() {
    let ok = object(json!({"name": "What is your name?", "message": "Anything else... (optional)", "email": "question_w4Q4Xz"}));
    assert_eq!(validate_preset_mapping(&ok), Ok(()));
    let bad = object(json!({"email": 5, "name": " ", "phone": null, "company": "Company"}));
    let fields: Vec<String> = validate_preset_mapping(&bad).unwrap_err().into_iter().map(|e| e.field).collect();
    assert_eq!(fields, ["field_mapping.email", "field_mapping.name", "field_mapping.phone"]);
}
