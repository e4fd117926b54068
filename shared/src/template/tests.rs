use super::*;
use serde_json::json;

fn lead() -> Value {
    json!({"name": "<script>alert(1)</script>", "email": "a@b.co", "tags": ["vip", "eu"], "custom": {"budget": 1500, "note": "{{lead.email}}"}})
}

#[test]
fn renders_every_value_escaped_and_the_text_too() {
    let t = Template::parse("New lead {{lead.name}} <{{ lead.email }}> & {{lead.tags}}", "template").unwrap();
    assert_eq!(t.render_telegram(&lead()), "New lead &lt;script&gt;alert(1)&lt;/script&gt; &lt;a@b.co&gt; &amp; vip, eu");
}

#[test]
fn values_are_never_expanded_again() {
    let t = Template::parse("x {{lead.custom.note}} y {{lead.phone}}.", "template").unwrap();
    assert_eq!(t.render_telegram(&lead()), "x {{lead.email}} y .");
    assert_eq!(t.render_value(&lead()), json!("x {{lead.email}} y ."));
}

#[test]
fn unknown_or_broken_placeholders_are_refused_naming_the_field() {
    let err = Template::parse("Hi {{lead.password}}", "actions[2].template").unwrap_err();
    assert_eq!((err.field.as_str(), err.code), ("actions[2].template", "unknown_placeholder"));
    assert_eq!(Template::parse("Hi {{name}}", "t").unwrap_err().code, "unknown_placeholder");
    assert_eq!(Template::parse("Hi {{lead.name", "t").unwrap_err().code, "unclosed_placeholder");
    assert_eq!(Template::parse("  ", "t").unwrap_err().code, "required");
    assert_eq!(Template::parse(&"x".repeat(5000), "t").unwrap_err().code, "too_long");
}

#[test]
fn a_lone_placeholder_keeps_its_type() {
    assert_eq!(Template::parse("{{lead.custom.budget}}", "t").unwrap().render_value(&lead()), json!(1500));
    assert_eq!(Template::parse("{{lead.tags}}", "t").unwrap().render_value(&lead()), json!(["vip", "eu"]));
    assert_eq!(Template::parse("{{lead.phone}}", "t").unwrap().render_value(&lead()), Value::Null);
}

#[test]
fn telegram_text_stays_under_the_limit() {
    let long = json!({"name": "&".repeat(5000)});
    let text = Template::parse("{{lead.name}}{{lead.name}}", "t").unwrap().render_telegram(&long);
    assert!(text.chars().count() <= MAX_TELEGRAM_CHARS);
    assert!(text.trim_end_matches('…').ends_with("&amp;"));
}

#[test]
fn serialises_as_its_source() {
    let t = Template::parse("Hi {{lead.name}}", "t").unwrap();
    assert_eq!(serde_json::to_value(&t).unwrap(), json!("Hi {{lead.name}}"));
}

#[test]
fn email_parts_keep_values_as_text_and_escape_every_one_in_html() {
    let hostile = json!({"name": "<img src=x onerror=alert(1)> & \"Bob\"", "company": "Acme\nLtd"});
    let t = Template::parse("Hi <b>{{lead.name}}</b>\nof {{lead.company}}", "t").unwrap();
    assert_eq!(t.render_text(&hostile), "Hi <b><img src=x onerror=alert(1)> & \"Bob\"</b>\nof Acme\nLtd");
    let html = t.render_html(&hostile);
    assert_eq!(html, "Hi &lt;b&gt;&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Bob&quot;&lt;/b&gt;<br>\nof Acme<br>\nLtd");
    assert!(!html.contains("<img") && !html.contains("<b>"));
}
