//! The digest: which periods are due at a workspace's local time, and the
//! Telegram text of a summary (HTML-escaped, within Telegram's limit). Pure.

use super::period::{days_from_civil, weekday, Period};
use super::SummaryOut;
use crate::outbox::telegram::{Bounded, MAX_MESSAGE_CHARS};
use std::collections::BTreeMap;

/// Untouched leads named in a digest; the count covers the rest.
const MAX_UNTOUCHED_LINES: usize = 10;

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

pub fn text(summary: &SummaryOut) -> String {
    let mut t = Bounded::new(MAX_MESSAGE_CHARS);
    let title = if summary.period == "week" { "weekly" } else { "daily" };
    t.push_markup(&format!("<b>LeadsBot {title} digest</b> · "));
    t.push_escaped(&format!("{} ({})", summary.date, summary.timezone));
    t.push_markup(&format!("\n<b>New leads:</b> {}", summary.new_leads));
    for (label, counts) in [("By source", &summary.by_source), ("By campaign", &summary.by_campaign), ("By status", &summary.by_status)] {
        if !counts.is_empty() {
            t.push_markup(&format!("\n<b>{label}:</b> "));
            t.push_escaped(&listed(counts));
        }
    }
    t.push_markup(&format!("\n<b>Still new after 24 h:</b> {}", summary.untouched.len()));
    for lead in summary.untouched.iter().take(MAX_UNTOUCHED_LINES) {
        t.push_markup("\n• ");
        t.push_escaped(&lead.email);
    }
    t.push_markup(&format!("\n<b>Delivery failures:</b> {}", summary.delivery_failures));
    t.push_markup(&format!("\n<b>Disabled endpoints:</b> {}", summary.disabled_endpoints));
    t.out
}

fn listed(counts: &BTreeMap<String, u32>) -> String {
    counts.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::summaries::period::parse_date;
    use crate::lifecycle::summaries::UntouchedOut;

    #[test]
    fn digests_are_due_from_the_chosen_hour() {
        let friday = [2026, 11, 27, 8, 0, 0];
        assert_eq!(due(friday, 9), vec![]);
        assert_eq!(due(friday, 8), vec![(Period::Day, parse_date("2026-11-26").unwrap())]);
        let monday = [2026, 11, 30, 23, 59, 0];
        assert_eq!(due(monday, 0), vec![(Period::Day, parse_date("2026-11-29").unwrap()), (Period::Week, parse_date("2026-11-23").unwrap())]);
    }

    #[test]
    fn digest_text_is_escaped() {
        let summary = SummaryOut {
            period: "day",
            date: "2026-11-26".into(),
            timezone: "Europe/Berlin".into(),
            new_leads: 3,
            by_source: BTreeMap::from([("api".into(), 2), ("widget".into(), 1)]),
            by_campaign: BTreeMap::from([("<b>spring</b> & co".into(), 1)]),
            by_status: BTreeMap::from([("new".into(), 3)]),
            untouched: vec![UntouchedOut { id: "lead_1".into(), email: "a<script>@example.com".into(), created_at: String::new() }],
            delivery_failures: 1,
            disabled_endpoints: 0,
        };
        let text = text(&summary);
        assert!(text.starts_with("<b>LeadsBot daily digest</b> · 2026-11-26 (Europe/Berlin)\n<b>New leads:</b> 3"));
        assert!(text.contains("<b>By source:</b> api 2, widget 1"));
        assert!(text.contains("&lt;b&gt;spring&lt;/b&gt; &amp; co 1"));
        assert!(text.contains("• a&lt;script&gt;@example.com"));
        assert!(!text.contains("<script>"));
    }
}
