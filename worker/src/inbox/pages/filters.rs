//! The list's query string: tabs, filters (From and To are days in the
//! workspace's time zone), search and cursor, parsed into the
//! store's one lead query (the API's list uses the same `LeadQuery`).

use crate::error::{ApiError, ApiResult};
use crate::lifecycle::summaries::period::local_midnight_utc;
use crate::lifecycle::summaries::zone::Zone;
use crate::store::leads::{LeadQuery, LeadRow};
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::lead::LeadStatus;
use leadsbot_shared::time::parse_rfc3339;

pub const PAGE_SIZE: u32 = 50;

/// The member signed in to this session: who `assignee=me` and the "Me"
/// choice mean (an inbox opened with a key is nobody).
pub fn current_member(session: &crate::inbox::Session) -> Option<&str> {
    session.member.as_ref().map(|member| member.id.as_str())
}

const DAY_MS: i64 = 86_400_000;

/// The filters as typed, to put back into the form and the links.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Filters {
    /// `new` … `spam`, or `all`.
    pub status: String,
    pub source: String,
    pub campaign: String,
    pub tag: String,
    /// A member id, `none` or `me` (the API's `assignee` values).
    pub assignee: String,
    pub from: String,
    pub to: String,
    pub q: String,
    /// Older leads: the page after this lead id.
    pub cursor: String,
    /// Newer leads: the page before this lead id.
    pub after: String,
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
                "assignee" => f.assignee = value,
                "from" => f.from = value,
                "to" => f.to = value,
                "q" => f.q = value,
                "cursor" => f.cursor = value,
                "after" => f.after = value,
                // Anything else (a tracking parameter, an old bookmark) is ignored.
                _ => {}
            }
        }
        Ok(f)
    }

    #[cfg(test)]
    pub fn query(&self, limit: u32) -> ApiResult<LeadQuery> {
        self.query_for(limit, None)
    }

    /// The query, `me` being the signed-in member (the `assignee=me` filter).
    pub fn query_for(&self, limit: u32, me: Option<&str>) -> ApiResult<LeadQuery> {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        for (name, id) in [("cursor", &self.cursor), ("after", &self.after)] {
            if !id.is_empty() && !is_sortable_id(IdKind::Lead, id) {
                return Err(ApiError::invalid(name, "invalid_cursor", "follow the Older or Newer link of a previous page"));
            }
        }
        Ok(LeadQuery {
            status: (self.status != "all").then(|| self.status.clone()),
            exclude_spam: self.status == "all",
            source: some(&self.source),
            campaign: some(&self.campaign),
            tag: some(&self.tag),
            assignee: match self.assignee.as_str() {
                "" => None,
                value => Some(crate::leads::assignee_filter(value, me).map_err(|e| ApiError::Validation(vec![e]))?),
            },
            search: some(&self.q),
            created_after: day_start("from", &self.from)?,
            created_before: day_start("to", &self.to)?.map(|start| start + DAY_MS),
            before_id: some(&self.cursor),
            after_id: some(&self.after),
            limit,
            ..LeadQuery::default()
        })
    }

    /// This list's query string with one parameter replaced (`""` drops it).
    pub fn href(&self, name: &str, value: &str) -> String {
        // A changed filter starts again from the first page; a page link replaces the other way's.
        format!("/app?{}", self.serialize(|n| n == name, |n, v| if n == name { value } else { v }))
    }

    fn serialize<'a>(&'a self, keep_paging: impl Fn(&str) -> bool, value: impl Fn(&str, &'a str) -> &'a str) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (n, v) in self.pairs() {
            let v = value(n, v);
            let paging = n == "cursor" || n == "after";
            if !v.is_empty() && (!paging || keep_paging(n)) {
                pairs.append_pair(n, v);
            }
        }
        pairs.finish()
    }

    /// Splits the rows the store answered (one more than a page) into the
    /// page, and the ids its Older and Newer links start from, if any.
    pub fn page(&self, mut rows: Vec<LeadRow>, size: u32) -> ListPage {
        let size = size as usize;
        let more = rows.len() > size;
        if self.after.is_empty() {
            rows.truncate(size);
            let older = more.then(|| rows.last().map(|r| r.id.clone())).flatten();
            let newer = (!self.cursor.is_empty()).then(|| rows.first().map(|r| r.id.clone())).flatten();
            ListPage { rows, older, newer }
        } else {
            // A newer page came nearest first and was turned: the extra row is the newest.
            if more {
                rows.remove(0);
            }
            let newer = more.then(|| rows.first().map(|r| r.id.clone())).flatten();
            let older = rows.last().map(|r| r.id.clone());
            ListPage { rows, older, newer }
        }
    }

    /// The list a lead page was opened from, by its query string; a lead
    /// opened on its own belongs to its status's tab.
    pub fn of_lead_page(pairs: &[(String, String)], lead_status: &str) -> ApiResult<Filters> {
        if pairs.is_empty() {
            return Ok(Filters { status: lead_status.to_string(), ..Filters::default() });
        }
        Self::parse(pairs)
    }

    /// The list's query with its From and To days local to the workspace's
    /// time zone (an IANA name; one the runtime does not know leaves UTC).
    pub fn query_local(&self, limit: u32, time_zone: &str, me: Option<&str>) -> ApiResult<LeadQuery> {
        let query = self.query_for(limit, me)?;
        if query.created_after.is_none() && query.created_before.is_none() {
            return Ok(query);
        }
        Ok(match Zone::new(time_zone) {
            Some(zone) => local_days(query, &|ms| zone.offset_ms(ms)),
            None => query,
        })
    }

    /// No search and no filter: the list shows all of its tab.
    pub fn is_unfiltered(&self) -> bool {
        [&self.q, &self.source, &self.campaign, &self.tag, &self.assignee, &self.from, &self.to].iter().all(|v| v.is_empty())
    }

    /// This list's query string, page included (without `/app?`).
    pub fn query_string(&self) -> String {
        self.serialize(|_| true, |_, v| v)
    }

    /// A lead's page opened from this list: it knows its way back and to its neighbours.
    pub fn lead_href(&self, lead_id: &str) -> String {
        format!("/app/leads/{lead_id}?{}", self.query_string())
    }

    /// Back to this list, the lead selected (`app.js` reads the fragment).
    pub fn back_href(&self, lead_id: &str) -> String {
        format!("/app?{}#{lead_id}", self.query_string())
    }

    fn pairs(&self) -> [(&'static str, &str); 10] {
        [("status", &self.status), ("source", &self.source), ("campaign", &self.campaign), ("tag", &self.tag), ("assignee", &self.assignee),
         ("from", &self.from), ("to", &self.to), ("q", &self.q), ("cursor", &self.cursor), ("after", &self.after)]
    }
}

/// One page of the list and where its Older and Newer links start.
pub struct ListPage {
    pub rows: Vec<LeadRow>,
    pub older: Option<String>,
    pub newer: Option<String>,
}

/// A query's day bounds (UTC midnights) moved to the local midnights of
/// the same days, `offset_at(utc ms)` being local minus UTC.
fn local_days(mut query: LeadQuery, offset_at: &dyn Fn(i64) -> i64) -> LeadQuery {
    let local = |utc_midnight: i64| local_midnight_utc(utc_midnight.div_euclid(DAY_MS), offset_at);
    query.created_after = query.created_after.map(local);
    query.created_before = query.created_before.map(local);
    query
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

    use crate::http::pairs_of as pairs;

    #[test]
    fn from_and_to_are_days_in_the_workspace_zone() {
        let f = Filters::parse(&pairs(&[("from", "2026-07-01"), ("to", "2026-07-01")])).unwrap();
        let berlin = local_days(f.query(5).unwrap(), &|_| 2 * 3_600_000);
        let (from, to) = (parse_rfc3339("2026-06-30T22:00:00Z").unwrap(), parse_rfc3339("2026-07-01T22:00:00Z").unwrap());
        assert_eq!((berlin.created_after, berlin.created_before), (Some(from), Some(to)));
        let utc = local_days(f.query(5).unwrap(), &|_| 0);
        assert_eq!(utc.created_after, parse_rfc3339("2026-07-01T00:00:00Z"));
        assert_eq!(Filters::parse(&[]).unwrap().query_local(5, "Europe/Berlin", None).unwrap().created_after, None);
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
    fn the_assignee_filter_is_the_apis_and_me_needs_a_member() {
        let f = |value: &str| Filters::parse(&pairs(&[("assignee", value)])).unwrap();
        assert_eq!(f("none").query(5).unwrap().assignee, Some(None));
        assert_eq!(f("me").query_for(5, Some("mem_me")).unwrap().assignee, Some(Some("mem_me".into())));
        assert!(matches!(f("me").query(5), Err(ApiError::Validation(_))), "no member signed in: no me");
        assert_eq!(f("none").href("q", "x"), "/app?status=new&assignee=none&q=x");
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
    fn pages_go_both_ways_and_a_changed_filter_starts_again() {
        let f = Filters::parse(&pairs(&[("q", "wall"), ("cursor", "lead_a")])).unwrap();
        assert_eq!(f.href("after", "lead_b"), "/app?status=new&q=wall&after=lead_b", "Newer replaces the Older cursor");
        let newer = Filters::parse(&pairs(&[("q", "wall"), ("after", "lead_b")])).unwrap();
        assert_eq!(newer.href("cursor", "lead_c"), "/app?status=new&q=wall&cursor=lead_c");
        assert_eq!(newer.href("tag", "vip"), "/app?status=new&tag=vip&q=wall", "a changed filter starts again");
        let id = "lead_01J00000000000000000000000";
        let q = Filters::parse(&pairs(&[("after", id)])).unwrap().query(5).unwrap();
        assert_eq!((q.after_id.as_deref(), q.before_id), (Some(id), None));
    }

    #[test]
    fn a_page_knows_its_older_and_newer_neighbours() {
        let rows = |ids: &[&str]| ids.iter().map(|id| LeadRow { id: id.to_string(), ..LeadRow::default() }).collect::<Vec<_>>();
        let first = Filters::parse(&[]).unwrap().page(rows(&["l5", "l4", "l3"]), 2);
        assert_eq!((first.rows.len(), first.older.as_deref(), first.newer), (2, Some("l4"), None), "the first page has no newer");
        let deeper = Filters::parse(&pairs(&[("cursor", "l6")])).unwrap().page(rows(&["l5", "l4"]), 2);
        assert_eq!((deeper.older, deeper.newer.as_deref()), (None, Some("l5")));
        let newer = Filters::parse(&pairs(&[("after", "l3")])).unwrap().page(rows(&["l6", "l5", "l4"]), 2);
        assert_eq!(newer.rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), vec!["l5", "l4"]);
        assert_eq!((newer.older.as_deref(), newer.newer.as_deref()), (Some("l4"), Some("l5")));
        let newest = Filters::parse(&pairs(&[("after", "l3")])).unwrap().page(rows(&["l5", "l4"]), 2);
        assert_eq!(newest.newer, None, "back at the newest: no Newer link");
    }

    #[test]
    fn links_keep_filters_and_escape_values() {
        let f = Filters::parse(&pairs(&[("q", "a&b=\"c\""), ("cursor", "lead_x")])).unwrap();
        let href = f.href("status", "spam");
        assert!(href.starts_with("/app?status=spam") && href.contains("q=a%26b%3D%22c%22") && !href.contains("cursor"));
    }
}
