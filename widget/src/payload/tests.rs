use super::*;
use alloc::string::ToString;

fn snapshot(rows: &[[&str; 5]]) -> Vec<String> {
    let header = ["sub-1", "https://site.example/contact?x=1", "https://google.com/", "Contact", "contact", "contact-form",
        "https://site.example/thanks", ""];
    header.iter().chain(rows.iter().flatten()).map(|s| s.to_string()).collect()
}

fn sender<'a>(utm_members: &'a str) -> Sender<'a> {
    Sender { token: "pk_ws_A_b", source: "widget", campaign: "tag-campaign", utm_members }
}

#[test]
fn a_form_becomes_the_capture_body() {
    let rows = [
        ["", "email", "email", "email", "ada@example.com"],
        ["", "text", "name", "", "Ada \"The\" Countess"],
        ["", "select-multiple", "topics", "", "sales"],
        ["", "select-multiple", "topics", "", "support"],
        ["", "hidden", "csrf_token", "", "secret"],
    ];
    let body = build(&snapshot(&rows), &sender(r#""utm_source":"news""#)).unwrap();
    assert_eq!(body.submission_id, "sub-1");
    assert_eq!(
        body.json,
        concat!(
            r#"{"_token":"pk_ws_A_b","_submission_id":"sub-1","source":"widget","email":"ada@example.com","#,
            r#""name":"Ada \"The\" Countess","custom":{"topics":["sales","support"]},"#,
            r#""context":{"page_url":"https://site.example/contact?x=1","referrer":"https://google.com/","#,
            r#""page_title":"Contact","form_id":"contact","form_name":"contact-form","#,
            r#""form_action":"https://site.example/thanks","campaign":"tag-campaign","utm_source":"news"}}"#
        )
    );
}

#[test]
fn a_form_without_email_is_not_a_lead() {
    assert!(build(&snapshot(&[["", "search", "q", "", "pricing"]]), &sender("")).is_none());
}

#[test]
fn a_malformed_snapshot_is_ignored() {
    assert!(build(&["only".to_string()], &sender("")).is_none());
}

#[test]
fn the_honeypot_is_sent_at_the_top_level() {
    let rows = [["", "email", "email", "", "a@example.com"], ["", "text", "_gotcha", "", "http://spam"]];
    let body = build(&snapshot(&rows), &sender("")).unwrap();
    assert!(body.json.contains(r#""_gotcha":"http://spam""#));
    assert!(body.json.contains(r#""custom":{}"#));
}
