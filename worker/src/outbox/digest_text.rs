//! A digest's Telegram message, built each time it is sent (a replay
//! included) from its stored event, which names untouched leads by id only,
//! and the leads as they are then: an erased lead is not named again.

use super::telegram::{Bounded, MAX_MESSAGE_CHARS};
use crate::error::ApiResult;
use crate::store::Store;
use serde_json::{Map, Value};

/// Untouched leads named in a digest; the count covers the rest.
const MAX_UNTOUCHED_LINES: usize = 10;

pub async fn digest_message(store: &Store, workspace_id: &str, payload: &Value) -> ApiResult<String> {
    let data = &payload["data"];
    let ids = untouched_ids(data);
    let found = store.lead_emails(workspace_id, &ids).await?;
    let emails: Vec<String> = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    Ok(text(data, &emails))
}

/// The untouched leads a stored digest names, in its order (any release's form).
pub fn untouched_ids(data: &Value) -> Vec<String> {
    let listed = data["untouched"].as_array().map(Vec::as_slice).unwrap_or_default();
    listed.iter().filter_map(|u| u["id"].as_str().map(str::to_string)).collect()
}

/// The digest's text from its stored summary and the emails of its
/// untouched leads that still exist, in the digest's order.
pub fn text(data: &Value, untouched_emails: &[String]) -> String {
    let field = |name: &str| data[name].as_str().unwrap_or_default();
    let number = |name: &str| data[name].as_u64().unwrap_or_default();
    let mut t = Bounded::new(MAX_MESSAGE_CHARS);
    let title = if field("period") == "week" { "weekly" } else { "daily" };
    t.push_markup(&format!("<b>LeadsBot {title} digest</b> · "));
    t.push_escaped(&format!("{} ({})", field("date"), field("timezone")));
    t.push_markup(&format!("\n<b>New leads:</b> {}", number("new_leads")));
    for (label, key) in [("By source", "by_source"), ("By campaign", "by_campaign"), ("By status", "by_status")] {
        if let Some(counts) = data[key].as_object().filter(|c| !c.is_empty()) {
            t.push_markup(&format!("\n<b>{label}:</b> "));
            t.push_escaped(&listed(counts));
        }
    }
    t.push_markup(&format!("\n<b>Still new after 24 h:</b> {}", untouched_emails.len()));
    for email in untouched_emails.iter().take(MAX_UNTOUCHED_LINES) {
        t.push_markup("\n• ");
        t.push_escaped(email);
    }
    t.push_markup(&format!("\n<b>Delivery failures:</b> {}", number("delivery_failures")));
    t.push_markup(&format!("\n<b>Disabled endpoints:</b> {}", number("disabled_endpoints")));
    t.out
}

fn listed(counts: &Map<String, Value>) -> String {
    counts.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

