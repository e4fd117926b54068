use super::*;

const HOSTILE: &str = "<!channel> <https://evil.example|click> *bold* & co";

fn texts(message: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for block in message["blocks"].as_array().unwrap() {
        if let Some(text) = block["text"]["text"].as_str() {
            out.push(text.to_string());
        }
        for field in block["fields"].as_array().into_iter().flatten() {
            out.push(field["text"].as_str().unwrap().to_string());
        }
    }
    out.push(message["text"].as_str().unwrap().to_string());
    out
}

#[test]
fn the_three_control_characters_are_escaped_and_nothing_else() {
    assert_eq!(escape_mrkdwn(HOSTILE), "&lt;!channel&gt; &lt;https://evil.example|click&gt; *bold* &amp; co");
    assert_eq!(escape_mrkdwn("&amp;"), "&amp;amp;", "an entity a lead typed stays text");
    assert_eq!(escape_mrkdwn("héllo 👋"), "héllo 👋");
}

#[test]
fn a_cut_keeps_to_the_limit_on_a_character_boundary_without_splitting_an_escape() {
    assert_eq!(escape_within("short", 10), "short");
    assert_eq!(escape_within("abcdef", 6), "abcdef", "exactly the limit is not cut");
    assert_eq!(escape_within("abcdefg", 6), "abcde…");
    let cut = escape_within(&"&".repeat(10), 12);
    assert_eq!(cut, "&amp;&amp;…", "a whole escape or none");
    let cut = escape_within(&"é👋".repeat(2000), 2000);
    assert_eq!(cut.chars().count(), 2000);
    assert!(cut.ends_with('…'));
}

#[test]
fn a_hostile_lead_is_inert_in_every_text_of_the_message() {
    let payload = json!({"data": {"id": "lead_1", "name": HOSTILE, "email": "a@b.co", "company": "<@U123>", "source": "form", "message": HOSTILE}});
    let message = lead_message(&payload, "https://leads.example.com/");
    for text in texts(&message) {
        assert!(!text.contains("<!") && !text.contains("<@") && !text.contains("<http"), "{text}");
    }
    let all = texts(&message).join("\n");
    assert!(all.contains("*Name*\n&lt;!channel&gt; &lt;https://evil.example|click&gt; *bold* &amp; co"), "{all}");
    assert!(all.contains("*Company*\n&lt;@U123&gt;"));
    assert!(all.contains("*Message*\n&lt;!channel&gt;"));
    assert_eq!(message["text"], "New lead: &lt;!channel&gt; &lt;https://evil.example|click&gt; *bold* &amp; co");
    let every_text_object_is_verbatim = message["blocks"].as_array().unwrap().iter().filter(|b| b["type"] == "section").all(|b| b["text"]["verbatim"] == true);
    assert!(every_text_object_is_verbatim);
}

#[test]
fn the_message_shows_the_lead_and_links_to_it_in_the_inbox() {
    let payload = json!({"data": {"id": "lead_01ABC", "name": "Ada", "email": "ada@example.com", "company": null, "source": "form", "campaign": "spring-sale", "campaign_label": "Spring Sale", "message": "  "}});
    let message = lead_message(&payload, "https://leads.example.com/");
    let blocks = message["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 2, "no message section for a blank message: {message}");
    let fields: Vec<&str> = blocks[0]["fields"].as_array().unwrap().iter().map(|f| f["text"].as_str().unwrap()).collect();
    assert_eq!(fields, ["*Name*\nAda", "*Email*\nada@example.com", "*Source*\nform", "*Campaign*\nSpring Sale"]);
    let button = &blocks[1]["elements"][0];
    assert_eq!(button["type"], "button");
    assert_eq!(button["url"], "https://leads.example.com/app/leads/lead_01ABC");
    assert_eq!(message["text"], "New lead: Ada");
}

#[test]
fn long_values_are_cut_at_slacks_limits() {
    let huge = "x&".repeat(4000);
    let payload = json!({"data": {"id": "lead_1", "name": huge, "email": "a@b.co", "message": huge}});
    let message = lead_message(&payload, "https://l.example");
    let blocks = message["blocks"].as_array().unwrap();
    let name = blocks[0]["fields"][0]["text"].as_str().unwrap();
    assert_eq!(name.chars().count(), MAX_FIELD_CHARS);
    assert!(name.ends_with("&amp;…") || name.ends_with("x…"), "{}", &name[name.len() - 12..]);
    let text = blocks[1]["text"]["text"].as_str().unwrap();
    assert!(text.starts_with("*Message*\nx&amp;x"));
    assert!(text.chars().count() <= MAX_SECTION_CHARS && text.chars().count() >= MAX_SECTION_CHARS - 4);
    assert!(text.ends_with('…'));
}

#[test]
fn a_workflow_line_comes_first_escaped_and_is_the_notification() {
    let payload = json!({"text": "Call <b>&</b> now", "data": {"id": "lead_1", "email": "a@b.co"}});
    let message = lead_message(&payload, "https://l.example");
    assert_eq!(message["blocks"][0]["text"]["text"], "Call &lt;b&gt;&amp;&lt;/b&gt; now");
    assert_eq!(message["text"], "Call &lt;b&gt;&amp;&lt;/b&gt; now");
}

#[test]
fn only_a_refusal_ends_the_job_at_once() {
    assert_eq!(refusal(404, "no_service\n").as_deref(), Some("Slack refused the message (HTTP 404: no_service)"));
    assert_eq!(refusal(410, "channel_is_archived").as_deref(), Some("Slack refused the message (HTTP 410: channel_is_archived)"));
    assert_eq!(refusal(400, "").as_deref(), Some("Slack refused the message (HTTP 400)"));
    for retried in [200, 302, 408, 429, 500, 503] {
        assert_eq!(refusal(retried, "x"), None, "{retried}");
    }
}

#[test]
fn a_webhook_url_is_shown_without_its_secret() {
    let url = "https://hooks.slack.com/services/T0ABCDEF/B0GHIJKL/abcdefghijklmnopqrstuvwx";
    assert_eq!(redact_url(url), "https://hooks.slack.com/services/T…/…");
    assert_eq!(redact_url("http://127.0.0.1:8080/slack/T1/B2/secret?x=1"), "http://127.0.0.1:8080/slack/T…/…");
    assert_eq!(redact_url("https://x.example/secret"), "https://x.example/s…");
    assert_eq!(redact_url("https://x.example/services/T1"), "https://x.example/services/T…");
    assert!(!redact_url(url).contains("abcdefgh") && !redact_url(url).contains("B0G"));
    assert_eq!(redact_url("not a url"), "…");
}
