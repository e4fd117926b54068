use super::*;
use alloc::string::ToString;
use alloc::vec::Vec;

fn snapshot(rows: &[[&str; 6]]) -> Vec<String> {
    let header = ["sub-1", "https://site.example/contact?x=1", "https://google.com/", "Contact", "contact", "contact-form",
        "https://site.example/thanks", ""];
    header.iter().chain(rows.iter().flatten()).map(|s| s.to_string()).collect()
}

fn sender<'a>(utm_members: &'a str) -> Sender<'a> {
    Sender { token: "pk_ws_A_b", source: "widget", campaign: "tag-campaign", utm_members }
}

#[test]
fn a_form_becomes_a_version_2_body_of_controls_and_hints() {
    let rows = [
        ["", "email", "your-email", "email", "ada@example.com", ""],
        ["company", "text", "org", "", "Ada \"The\" Ltd", "Organisation"],
        ["", "select-multiple", "topics", "", "sales", ""],
    ];
    let body = build(&snapshot(&rows), Format::Two, &sender(r#""utm_source":"news""#)).unwrap();
    assert_eq!(body.submission_id, "sub-1");
    assert_eq!(
        body.json,
        concat!(
            r#"{"_v":2,"_token":"pk_ws_A_b","_submission_id":"sub-1","source":"widget","controls":["#,
            r#"{"name":"your-email","value":"ada@example.com","type":"email","autocomplete":"email"},"#,
            r#"{"name":"org","value":"Ada \"The\" Ltd","type":"text","field":"company","label":"Organisation"},"#,
            r#"{"name":"topics","value":"sales","type":"select-multiple"}],"#,
            r#""context":{"page_url":"https://site.example/contact?x=1","referrer":"https://google.com/","#,
            r#""page_title":"Contact","form_id":"contact","form_name":"contact-form","#,
            r#""form_action":"https://site.example/thanks","campaign":"tag-campaign","utm_source":"news"}}"#
        )
    );
}

#[test]
fn the_body_is_what_the_server_parses_into_a_lead() {
    let rows = [["", "email", "contact[email]", "", "ada@example.com", ""], ["", "text", "input_4", "", "Acme", "Company *"]];
    let body = build(&snapshot(&rows), Format::Two, &sender("")).unwrap();
    let fields: leadsbot_shared::body::Fields = serde_json::from_str(&body.json).unwrap();
    let draft = leadsbot_shared::lead::parse_lead(&fields).unwrap();
    assert_eq!((draft.email.as_ref(), draft.attribute("company")), ("ada@example.com", Some("Acme")));
}

#[test]
fn a_form_without_an_email_looking_value_is_not_a_lead() {
    for value in ["pricing", "a@b", "@example.com", "a@ example.com", "a@b c.d"] {
        assert!(build(&snapshot(&[["", "search", "q", "", value, ""]]), Format::Two, &sender("")).is_none(), "{value}");
    }
    assert!(build(&snapshot(&[["", "text", "contact", "", " a@example.com ", ""]]), Format::Two, &sender("")).is_some());
}

#[test]
fn a_malformed_snapshot_is_ignored() {
    assert!(build(&["only".to_string()], Format::Two, &sender("")).is_none());
}

#[test]
fn a_format_one_snapshot_is_read_in_its_own_layout() {
    // What a loader from before the label hint left in storage: five cells a control.
    let old: Vec<String> = ["sub-1", "https://site.example/contact", "", "", "", "", "", ""]
        .iter()
        .chain(&["", "text", "your-name", "name", "Ada", "", "email", "your-email", "email", "ada@example.com"])
        .map(|s| s.to_string())
        .collect();
    let body = build(&old, Format::One, &sender("")).unwrap();
    assert!(body.json.contains(concat!(
        r#""controls":[{"name":"your-name","value":"Ada","type":"text","autocomplete":"name"},"#,
        r#"{"name":"your-email","value":"ada@example.com","type":"email","autocomplete":"email"}]"#
    )));
    // Read as today's six-cell layout, the same cells make no lead: why the formats never share a key.
    assert!(build(&old, Format::Two, &sender("")).is_none());
    assert_ne!(Format::One.storage_key(), Format::Two.storage_key());
}

#[test]
fn the_loader_stores_its_snapshots_under_the_current_format_key() {
    let loader = include_str!("../../loader/widget.js");
    let declared = concat!("const PENDING = \"", "leadsbot:pending:2", "\";");
    assert!(loader.contains(declared), "loader/widget.js must declare {declared}");
    assert_eq!(Format::CURRENT.storage_key(), "leadsbot:pending:2");
}
