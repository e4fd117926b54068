//! The digest: which periods are due at a workspace's local time, what its
//! event stores (the summary, untouched leads named by id only: no email is
//! kept), and its Telegram text, built when it is sent from that event and
//! the leads as they are then (HTML-escaped, within Telegram's limit). Pure.

use super::period::{days_from_civil, weekday, Period};
use super::SummaryOut;
use serde_json::{json, Value};


/// The digests due at this local time (`[y, mo, d, h, mi, s]`) from the
/// chosen hour on: yesterday's, and on Mondays last week's. Each is sent once
/// (claimed by period and first day), so later runs that day find it sent.
pub fn due(local: [i64; 6], digest_hour: i64) -> Vec<(Period, i64)> {
    let [y, mo, d, h, ..] = local;
    if h < digest_hour {
        return Vec::new();
    }
    let today = days_from_civil(y, mo, d);
    let mut due = vec![(Period::Day, today - 1)];
    if weekday(today) == 0 {
        due.push((Period::Week, today - 7));
    }
    due
}

/// The summary as the digest's event stores it: each untouched lead by its
/// id and arrival, without its email (the message is built when it is sent,
/// so an erased lead is neither kept here nor sent again).
pub fn stored(summary: &SummaryOut) -> serde_json::Result<Value> {
    let mut data = serde_json::to_value(summary)?;
    data["untouched"] = summary.untouched.iter().map(|u| json!({"id": u.id, "created_at": u.created_at})).collect();
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outbox::digest_text::{text, untouched_ids};
    use crate::lifecycle::summaries::period::parse_date;
    use crate::lifecycle::summaries::UntouchedOut;
    use std::collections::BTreeMap;

    #[test]
    fn digests_are_due_from_the_chosen_hour() {
        let friday = [2026, 11, 27, 8, 0, 0];
        assert_eq!(due(friday, 9), vec![]);
        assert_eq!(due(friday, 8), vec![(Period::Day, parse_date("2026-11-26").unwrap())]);
        let monday = [2026, 11, 30, 23, 59, 0];
        assert_eq!(due(monday, 0), vec![(Period::Day, parse_date("2026-11-29").unwrap()), (Period::Week, parse_date("2026-11-23").unwrap())]);
    }

    fn summary() -> SummaryOut {
        SummaryOut {
            period: "day",
            date: "2026-11-26".into(),
            timezone: "Europe/Berlin".into(),
            new_leads: 3,
            by_source: BTreeMap::from([("api".into(), 2), ("widget".into(), 1)]),
            by_campaign: BTreeMap::from([("<b>spring</b> & co".into(), 1)]),
            by_status: BTreeMap::from([("new".into(), 3)]),
            untouched: vec![
                UntouchedOut { id: "lead_1".into(), email: "a<script>@example.com".into(), created_at: "2026-11-25T08:00:00Z".into() },
                UntouchedOut { id: "lead_2".into(), email: "gone@example.com".into(), created_at: "2026-11-25T09:00:00Z".into() },
            ],
            delivery_failures: 1,
            disabled_endpoints: 0,
        }
    }

    #[test]
    fn the_stored_digest_names_untouched_leads_by_id_only() {
        let data = stored(&summary()).unwrap();
        assert_eq!(data["untouched"], serde_json::json!([{"id": "lead_1", "created_at": "2026-11-25T08:00:00Z"}, {"id": "lead_2", "created_at": "2026-11-25T09:00:00Z"}]));
        assert!(!data.to_string().contains("@example.com"));
        assert_eq!(untouched_ids(&data), ["lead_1", "lead_2"]);
        let legacy = serde_json::json!({"untouched": [{"id": "lead_9", "email": "old@example.com", "created_at": "…"}]});
        assert_eq!(untouched_ids(&legacy), ["lead_9"], "an older release's digest is read by its ids");
    }

    #[test]
    fn digest_text_is_escaped_and_lists_the_leads_found_now() {
        let data = stored(&summary()).unwrap();
        let text = text(&data, &["a<script>@example.com".to_string()]);
        assert!(text.starts_with("<b>LeadsBot daily digest</b> · 2026-11-26 (Europe/Berlin)\n<b>New leads:</b> 3"));
        assert!(text.contains("<b>By source:</b> api 2, widget 1"));
        assert!(text.contains("&lt;b&gt;spring&lt;/b&gt; &amp; co 1"));
        assert!(text.contains("<b>Still new after 24 h:</b> 1\n• a&lt;script&gt;@example.com"), "{text}");
        assert!(!text.contains("<script>") && !text.contains("gone@example.com"));
        assert!(text.ends_with("<b>Delivery failures:</b> 1\n<b>Disabled endpoints:</b> 0"));
    }
}
