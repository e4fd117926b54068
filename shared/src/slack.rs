//! Slack messages through an incoming webhook, as pure functions: the one
//! escaper for Slack's `mrkdwn`, the Block Kit message about a lead, what a
//! Slack answer means, and how a webhook URL is shown without its secret.
//!
//! Every lead value is text, never markup: `&`, `<` and `>` are escaped (so
//! `<!channel>` cannot mention anyone and `<https://x|y>` cannot disguise a
//! link), and every text object is `verbatim` (Slack does not turn bare
//! names or URLs into mentions or links). Formatting characters (`*`, `_`,
//! `~`) have no escape in `mrkdwn`; they can only style a value, never make
//! it reach anyone.

#[cfg(test)]
mod tests;

use serde_json::{json, Value};

/// Slack refuses a section's text over 3000 characters.
pub const MAX_SECTION_CHARS: usize = 3000;
/// Slack refuses a section field over 2000 characters.
pub const MAX_FIELD_CHARS: usize = 2000;
/// The notification text (`text`, shown where blocks are not): kept short.
const MAX_FALLBACK_CHARS: usize = 300;
/// The inbox page of a lead, under the integration's base URL.
pub const LEAD_PATH: &str = "/app/leads/";

/// Escapes the three characters Slack's `mrkdwn` reads as control sequences.
pub fn escape_mrkdwn(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// `text` escaped and, if that is longer than `limit` characters, cut on a
/// character boundary with an ellipsis, never inside an escape (`&am…`).
pub fn escape_within(text: &str, limit: usize) -> String {
    let escaped = escape_mrkdwn(text);
    if escaped.chars().count() <= limit {
        return escaped;
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let unit = escape_mrkdwn(c.encode_utf8(&mut [0u8; 4]));
        let n = unit.chars().count();
        // Keep one character for the ellipsis.
        if used + n + 1 > limit {
            break;
        }
        out.push_str(&unit);
        used += n;
    }
    out.push('…');
    out
}

fn mrkdwn(text: String) -> Value {
    json!({"type": "mrkdwn", "text": text, "verbatim": true})
}

/// A labelled field: the label is ours, the value escaped and cut so the
/// whole stays within Slack's limit for a field.
fn field(label: &str, value: &str) -> Value {
    let head = format!("*{label}*\n");
    let room = MAX_FIELD_CHARS - head.chars().count();
    mrkdwn(format!("{head}{}", escape_within(value, room)))
}

/// A lead's string value, trimmed; `None` when absent or blank.
fn value<'a>(lead: &'a Value, name: &str) -> Option<&'a str> {
    lead[name].as_str().map(str::trim).filter(|v| !v.is_empty())
}

/// The link to a lead in the inbox, from the integration's base URL.
pub fn lead_url(base: &str, lead_id: &str) -> String {
    format!("{}{LEAD_PATH}{lead_id}", base.trim_end_matches('/'))
}

/// The Block Kit message about a lead. `payload` is a `lead.created`
/// event's (or a workflow action's): the lead as `data`, and optionally
/// `text`, a line shown above it (a workflow's rendered template). `base` is
/// where the inbox is (`PUBLIC_URL`, or the origin the integration was set
/// up from): the message links to the lead there.
pub fn lead_message(payload: &Value, base: &str) -> Value {
    let lead = &payload["data"];
    let mut blocks = Vec::new();
    let line = payload["text"].as_str().filter(|t| !t.trim().is_empty());
    if let Some(line) = line {
        blocks.push(json!({"type": "section", "text": mrkdwn(escape_within(line, MAX_SECTION_CHARS))}));
    }
    let campaign = value(lead, "campaign_label").or_else(|| value(lead, "campaign")).or_else(|| value(lead, "utm_campaign"));
    let fields: Vec<Value> = [
        ("Name", value(lead, "name")),
        ("Email", value(lead, "email")),
        ("Company", value(lead, "company")),
        ("Source", value(lead, "source")),
        ("Campaign", campaign),
    ]
    .into_iter()
    .filter_map(|(label, v)| Some(field(label, v?)))
    .collect();
    let mut section = json!({"type": "section", "text": mrkdwn("*New lead*".into())});
    if !fields.is_empty() {
        section["fields"] = Value::Array(fields);
    }
    blocks.push(section);
    if let Some(message) = value(lead, "message") {
        let head = "*Message*\n";
        let text = format!("{head}{}", escape_within(message, MAX_SECTION_CHARS - head.chars().count()));
        blocks.push(json!({"type": "section", "text": mrkdwn(text)}));
    }
    if let Some(id) = value(lead, "id") {
        blocks.push(json!({"type": "actions", "elements": [{
            "type": "button", "action_id": "open_lead", "text": {"type": "plain_text", "text": "Open in inbox"}, "url": lead_url(base, id),
        }]}));
    }
    json!({"text": fallback_text(line, lead), "blocks": blocks})
}

/// What a notification shows: the workflow's line, or "New lead: <who>".
fn fallback_text(line: Option<&str>, lead: &Value) -> String {
    match line {
        Some(line) => escape_within(line, MAX_FALLBACK_CHARS),
        None => {
            let who = value(lead, "name").or_else(|| value(lead, "email")).unwrap_or("someone");
            format!("New lead: {}", escape_within(who, MAX_FALLBACK_CHARS))
        }
    }
}

/// Why Slack will never take this message, if its answer says so: any 4xx
/// but 408 (timeout) and 429 (rate limit), e.g. 404 `no_service` (the
/// webhook was removed), 410 `channel_is_archived`, 400 `invalid_payload`.
/// Retrying those cannot help; a 5xx or no answer is retried.
pub fn refusal(status: u16, body: &str) -> Option<String> {
    if !(400..500).contains(&status) || status == 408 || status == 429 {
        return None;
    }
    let reason: String = body.trim().lines().next().unwrap_or_default().chars().take(200).collect();
    Some(match reason.is_empty() {
        true => format!("Slack refused the message (HTTP {status})"),
        false => format!("Slack refused the message (HTTP {status}: {reason})"),
    })
}

/// An incoming-webhook URL as it may be shown: scheme, host and the first
/// path segment (`/services`), then only the first character of the next
/// one (Slack's team id), the rest (the secret) cut:
/// `https://hooks.slack.com/services/T…/…`.
pub fn redact_url(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "…".into();
    };
    let mut shown = format!("{}://{}", parsed.scheme(), parsed.host_str().unwrap_or_default());
    if let Some(port) = parsed.port() {
        shown.push_str(&format!(":{port}"));
    }
    let segments: Vec<&str> = parsed.path_segments().map(|s| s.filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let initial = |s: &str| format!("/{}…", s.chars().next().unwrap_or_default());
    match segments.as_slice() {
        [] => {}
        [only] => shown.push_str(&initial(only)),
        [first, second, rest @ ..] => {
            shown.push_str(&format!("/{first}{}", initial(second)));
            if !rest.is_empty() {
                shown.push_str("/…");
            }
        }
    }
    shown
}
