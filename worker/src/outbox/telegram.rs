//! Telegram alerts for new leads: the message text (pure) and the Bot API
//! call's parts.

pub use leadsbot_shared::html::Bounded;
pub use leadsbot_shared::template::MAX_TELEGRAM_CHARS as MAX_MESSAGE_CHARS;
use serde_json::{json, Value};

const MESSAGE_EXCERPT_CHARS: usize = 500;

/// The `sendMessage` URL. The token is part of the path, so this URL is
/// never logged.
pub fn send_message_url(api_base: &str, bot_token: &str) -> String {
    format!("{api_base}/bot{bot_token}/sendMessage")
}

pub fn send_message_body(chat_id: &str, text: &str, reply_markup: Option<Value>) -> String {
    let mut body = json!({"chat_id": chat_id, "text": text, "parse_mode": "HTML", "disable_web_page_preview": true});
    if let Some(markup) = reply_markup {
        body["reply_markup"] = markup;
    }
    body.to_string()
}

/// The triage buttons a message about one lead carries (a new-lead alert,
/// a follow-up's reminder), for the status the lead has in its payload.
pub fn triage_buttons(event_type: &str, payload: &Value) -> Option<Value> {
    if event_type != crate::leads::events::LEAD_CREATED && event_type != crate::leads::events::FOLLOW_UP_REMINDER {
        return None;
    }
    let lead_id = payload["data"]["id"].as_str()?;
    let status = leadsbot_shared::lead::LeadStatus::parse(payload["data"]["status"].as_str()?)?;
    let unassigned = payload["data"]["assignee"].is_null();
    Some(leadsbot_shared::triage_buttons::keyboard(lead_id, status, unassigned))
}

/// A 429 from the Bot API says how long to wait in `parameters.retry_after`.
pub fn retry_after(response_body: &str) -> Option<u32> {
    let body: Value = serde_json::from_str(response_body).ok()?;
    body["parameters"]["retry_after"].as_u64().map(|s| s.min(u64::from(u32::MAX)) as u32)
}

/// The message a delivery sends: a digest's, a workflow's or a reminder's
/// prepared text, or the alert for a new lead.
pub fn message_text(event_type: &str, payload: &Value) -> String {
    match (event_type, payload["text"].as_str()) {
        (crate::leads::events::SUMMARY_DIGEST | crate::leads::events::WORKFLOW_TELEGRAM | crate::leads::events::FOLLOW_UP_REMINDER, Some(text)) => text.to_string(),
        _ => lead_alert_text(payload),
    }
}

/// The alert for a `lead.created` payload: every value escaped, the whole
/// cut under Telegram's limit without ever splitting an entity.
pub fn lead_alert_text(payload: &Value) -> String {
    alert_text(payload, MAX_MESSAGE_CHARS).out
}

/// The alert with `footer` (markup, e.g. a status line) after it, the whole
/// still under Telegram's limit.
pub fn alert_with_footer(payload: &Value, footer: &str) -> String {
    let mut text = alert_text(payload, MAX_MESSAGE_CHARS.saturating_sub(footer.chars().count()));
    text.out.push_str(footer);
    text.out
}

fn alert_text(payload: &Value, limit: usize) -> Bounded {
    let lead = &payload["data"];
    let field = |name: &str| lead[name].as_str().map(str::trim).filter(|v| !v.is_empty());
    let message = field("message").map(|m| excerpt(m, MESSAGE_EXCERPT_CHARS));
    let lines: [(&str, Option<&str>); 8] = [
        ("Name", field("name")),
        ("Email", field("email")),
        ("Phone", field("phone")),
        ("Company", field("company")),
        ("Message", message.as_deref()),
        ("Source", field("source")),
        ("Campaign", field("campaign").or_else(|| field("utm_campaign"))),
        ("Landing page", field("page_url")),
    ];
    let mut text = Bounded::new(limit);
    text.push_markup("<b>New lead</b>");
    for (label, value) in lines {
        let Some(value) = value else { continue };
        if !text.push_markup(&format!("\n<b>{label}:</b> ")) {
            break;
        }
        text.push_escaped(value);
    }
    text
}

fn excerpt(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_labelled() {
        let payload = json!({"data": {"name": "<b>&</b>", "email": "a@b.co", "page_url": "https://x.example/?a=1&b=2", "campaign": null, "utm_campaign": "spring"}});
        let text = lead_alert_text(&payload);
        assert!(text.contains("<b>Name:</b> &lt;b&gt;&amp;&lt;/b&gt;"), "{text}");
        assert!(text.contains("<b>Landing page:</b> https://x.example/?a=1&amp;b=2"));
        assert!(text.contains("<b>Campaign:</b> spring"));
        assert!(!text.contains("Phone"));
    }

    #[test]
    fn long_leads_are_cut_under_the_limit_without_splitting_entities() {
        let huge = "&".repeat(5000);
        let payload = json!({"data": {"name": huge, "email": "a@b.co", "message": huge, "company": huge}});
        let text = lead_alert_text(&payload);
        assert!(text.chars().count() <= MAX_MESSAGE_CHARS);
        let tail = text.trim_end_matches('…');
        assert!(tail.ends_with("&amp;") || tail.ends_with(' '), "{}", &tail[tail.len() - 10..]);
        assert!(excerpt("abcdef", 4) == "abc…");
    }

    #[test]
    fn telegram_retry_after_comes_from_the_body() {
        assert_eq!(retry_after(r#"{"ok":false,"error_code":429,"parameters":{"retry_after":3}}"#), Some(3));
        assert_eq!(retry_after("not json"), None);
    }
}
