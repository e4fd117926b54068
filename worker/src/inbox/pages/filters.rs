//! The list's query string: tabs, filters, search and cursor, parsed into the
//! store's one lead query (the API's list uses the same `LeadQuery`).

use crate::error::{ApiError, ApiResult};
use crate::store::leads::LeadQuery;
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::time::parse_rfc3339;

pub const PAGE_SIZE: u32 = 50;
const DAY_MS: i64 = 86_400_000;

/// The filters as typed, to put back into the form and the links.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filters {
    /// `new` … `spam`, or `all`.
    pub status: String,
    pub source: String,
    pub campaign: String,
    pub tag: String,
    pub from: String,
    pub to: String,
    pub q: String,
    pub cursor: String,
}

impl Filters {
    pub fn parse(pairs: &[(String, String)]) -> ApiResult<Filters> {
        let mut f = Filters { status: "new".into(), ..Filters::default() };
        for (name, value) in pairs {
            let value = value.trim().chars().take(200).collect::<String>();
            match name.as_str() {
                "status" if value == "all" || LeadStatus::parse(&value).is_some() => f.status = value,
                "status" => return Err(ApiError::invalid("status", "invalid_status", "choose one of the tabs")),
                "source" => f.source = value,
                "campaign" => f.campaign = value,
                "tag" => f.tag = value,
                "from" => f.from = value,
                "to" => f.to = value,
                "q" => f.q = value,
                "cursor" => f.cursor = value,
                // Anything else (a tracking parameter, an old bookmark) is ignored.
                _ => {}
            }
        }
        Ok(f)
    }

    pub fn query(&self, limit: u32) -> ApiResult<LeadQuery> {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        if !self.cursor.is_empty() && !is_sortable_id(IdKind::Lead, &self.cursor) {
            return Err(ApiError::invalid("cursor", "invalid_cursor", "follow the Older link of a previous page"));
        }
        Ok(LeadQuery {
            status: (self.status != "all").then(|| self.status.clone()),
            exclude_spam: self.status == "all",
            source: some(&self.source),
            campaign: some(&self.campaign),
            tag: some(&self.tag),
            search: some(&self.q),
            created_after: day_start("from", &self.from)?,
            created_before: day_start("to", &self.to)?.map(|start| start + DAY_MS),
            before_id: some(&self.cursor),
            limit,
            ..LeadQuery::default()
        })
    }

    /// This list's query string with one parameter replaced (`""` drops it).
    pub fn href(&self, name: &str, value: &str) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (n, v) in self.pairs() {
            let v = if n == name { value } else { v };
            // A changed filter starts again from the first page: the old cursor is dropped.
            let stale_cursor = n == "cursor" && name != "cursor";
            if !v.is_empty() && !stale_cursor {
                pairs.append_pair(n, v);
            }
        }
        format!("/app?{}", pairs.finish())
    }

    /// The list a lead page was opened from, by its query string; a lead
    /// opened on its own belongs to its status's tab.
    pub fn of_lead_page(pairs: &[(String, String)], lead_status: &str) -> ApiResult<Filters> {
        if pairs.is_empty() {
            return Ok(Filters { status: lead_status.to_string(), ..Filters::default() });
        }
        Self::parse(pairs)
    }

    /// This list's query string, page included (without `/app?`).
    pub fn query_string(&self) -> String {
        self.href("cursor", &self.cursor).trim_start_matches("/app?").to_string()
    }

    /// A lead's page opened from this list: it knows its way back and to its neighbours.
    pub fn lead_href(&self, lead_id: &str) -> String {
        format!("/app/leads/{lead_id}?{}", self.query_string())
    }

    /// Back to this list, the lead selected (`app.js` reads the fragment).
    pub fn back_href(&self, lead_id: &str) -> String {
        format!("/app?{}#{lead_id}", self.query_string())
    }

    fn pairs(&self) -> [(&'static str, &str); 8] {
        [("status", &self.status), ("source", &self.source), ("campaign", &self.campaign), ("tag", &self.tag),
         ("from", &self.from), ("to", &self.to), ("q", &self.q), ("cursor", &self.cursor)]
    }
}

/// `2026-11-27` → that day's first millisecond, UTC.
fn day_start(field: &str, value: &str) -> ApiResult<Option<i64>> {
    if value.is_empty() {
        return Ok(None);
    }
    let valid = value.len() == 10 && value.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    valid
        .then(|| parse_rfc3339(&format!("{value}T00:00:00Z")))
        .flatten()
        .map(Some)
        .ok_or_else(|| ApiError::invalid(field, "invalid_date", "use a date like 2026-01-31"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn defaults_to_new_and_maps_filters_to_the_store_query() {
        let f = Filters::parse(&pairs(&[("q", " ada "), ("from", "2026-01-01"), ("to", "2026-01-01"), ("tag", "vip")])).unwrap();
        let q = f.query(50).unwrap();
        assert_eq!(q.status.as_deref(), Some("new"));
        assert_eq!(q.search.as_deref(), Some("ada"));
        assert_eq!(q.tag.as_deref(), Some("vip"));
        assert_eq!(q.created_before.unwrap() - q.created_after.unwrap(), DAY_MS);
        let all = Filters::parse(&pairs(&[("status", "all")])).unwrap().query(5).unwrap();
        assert_eq!((all.status, all.exclude_spam), (None, true), "All is every status but spam");
    }

    #[test]
    fn refuses_bad_values_by_name() {
        assert!(Filters::parse(&pairs(&[("status", "<b>")])).is_err());
        for (name, value) in [("from", "2026-13-45"), ("to", "yesterday"), ("cursor", "lead_<x>")] {
            let f = Filters::parse(&pairs(&[(name, value)])).unwrap();
            assert!(matches!(f.query(5), Err(ApiError::Validation(_))), "{name}");
        }
    }

    #[test]
    fn a_lead_page_keeps_its_list_for_back_and_neighbours() {
        let f = Filters::parse(&pairs(&[("status", "all"), ("q", "wall"), ("cursor", "lead_x"), ("utm", "ignored")])).unwrap();
        assert_eq!(f.lead_href("lead_1"), "/app/leads/lead_1?status=all&q=wall&cursor=lead_x");
        assert_eq!(f.back_href("lead_1"), "/app?status=all&q=wall&cursor=lead_x#lead_1");
        let alone = Filters::of_lead_page(&[], "won").unwrap();
        assert_eq!(alone.back_href("lead_1"), "/app?status=won#lead_1", "a lead opened on its own goes back to its tab");
    }

    #[test]
    fn links_keep_filters_and_escape_values() {
        let f = Filters::parse(&pairs(&[("q", "a&b=\"c\""), ("cursor", "lead_x")])).unwrap();
        let href = f.href("status", "spam");
        assert!(href.starts_with("/app?status=spam") && href.contains("q=a%26b%3D%22c%22") && !href.contains("cursor"));
    }
}
