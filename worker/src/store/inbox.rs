//! The few reads only the inbox pages make: the tab counts that follow a
//! search and its filters, and a lead's deliveries. Sign-in links and
//! sessions are `sessions`.

use super::leads::LeadQuery;
use super::deliveries::DeliveryRow;
use super::{number, text, Store};
use crate::error::ApiResult;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct StatusCount {
    pub status: String,
    pub n: i64,
}

/// A search's matches are counted by status up to this many.
pub const MAX_COUNTED_MATCHES: u32 = 2_000;
/// A search is counted first among the index's newest this many matches,
/// then among `SEARCH_CANDIDATES` (a word in every lead has more than
/// `MAX_COUNTED_MATCHES` of a workspace's among the first).
pub const COUNT_CANDIDATES: u32 = 2_500;
/// A search is read from the index's newest this many matches before all of them.
pub const SEARCH_CANDIDATES: u32 = 10_000;
/// A search matching many leads reads its page first from the index's newest
/// this many matches (then `SEARCH_CANDIDATES`, then all): a page of a word in
/// every lead is among them, and each candidate costs a read.
pub const PAGE_CANDIDATES: u32 = 1_000;

/// Leads per status; when `more`, a search matched more than
/// `MAX_COUNTED_MATCHES` and `by_status` counts only some of them;
/// `matches`: how many leads of any workspace the search index matched,
/// counted up to `SEARCH_CANDIDATES` + 1 (0 without a search).
#[derive(Debug, Clone)]
pub struct LeadCounts {
    pub by_status: Vec<StatusCount>,
    pub more: bool,
    pub matches: i64,
}

impl LeadCounts {
    /// The list page's query once its search is counted: a search matching
    /// few leads is read from its matches; one matching many, from the
    /// index's newest matches first.
    pub fn page_query(&self, query: LeadQuery) -> LeadQuery {
        LeadQuery { few_matches: !self.more, newest_matches: self.more.then_some(PAGE_CANDIDATES), ..query }
    }

    /// The query to read a page again with, from more of the newest matches
    /// (`SEARCH_CANDIDATES`, then every one), when those `page_query` read
    /// held less than a page of this list's and left matches out. A full
    /// page from them is the page: a lead outside them was written before
    /// all of them, so its id (time-ordered) is older than theirs.
    pub fn wider_page_query(&self, page_query: &LeadQuery, rows_read: usize) -> Option<LeadQuery> {
        let read_from = page_query.newest_matches?;
        if rows_read > page_query.limit as usize || self.matches <= i64::from(read_from) {
            return None;
        }
        let wider = (read_from < SEARCH_CANDIDATES).then_some(SEARCH_CANDIDATES);
        Some(LeadQuery { newest_matches: wider, ..page_query.clone() })
    }
}

/// A row of `counts_among`: the index's matches, and one status's count (none without any).
#[derive(Deserialize)]
struct CountAmong {
    matches: i64,
    status: Option<String>,
    n: Option<i64>,
}

/// What a list's tab counts count: its leads whatever their status, spam or page.
fn across_tabs(query: &LeadQuery) -> LeadQuery {
    LeadQuery { status: None, exclude_spam: false, before_id: None, after_id: None, few_matches: true, newest_matches: None, ..query.clone() }
}

/// Whether a list's tab counts (`across_tabs`: its status, spam rule and
/// cursor already dropped) are the workspace's counts by status, which the
/// lead triggers keep (migration 0035): no search or filter narrows them.
/// Any field not named here narrows (a filter added later is counted exactly).
fn counts_whole_workspace(across_tabs: &LeadQuery) -> bool {
    *across_tabs == LeadQuery { few_matches: across_tabs.few_matches, limit: across_tabs.limit, ..LeadQuery::default() }
}

/// `SELECT status, n`: a query's leads counted by status, at most `MAX_COUNTED_MATCHES` + 1 of them.
fn capped_counts(workspace_id: &str, query: &LeadQuery) -> (String, Vec<wasm_bindgen::JsValue>) {
    let (matches, mut args) = super::leads::lead_filter("status", workspace_id, query);
    args.push(number(i64::from(MAX_COUNTED_MATCHES) + 1));
    (format!("SELECT status, count(*) AS n FROM ({matches} LIMIT ?) GROUP BY status"), args)
}

/// `SELECT matches, status, n`: how many leads of any workspace the search
/// index matched (up to `SEARCH_CANDIDATES` + 1), and `query`'s leads among
/// `among` of those candidates counted by status (capped), from one reading
/// of the index. Which `among` they are does not matter: more than
/// `MAX_COUNTED_MATCHES` of them is more than that in all, and when
/// `matches` ≤ `among` they are every match.
fn counts_among(candidates: &(String, Vec<wasm_bindgen::JsValue>), workspace_id: &str, query: &LeadQuery, among: u32) -> (String, Vec<wasm_bindgen::JsValue>) {
    let (with_candidates, mut args) = candidates.clone();
    let (capped, capped_args) = capped_counts(workspace_id, &LeadQuery { among_candidates: true, newest_matches: Some(among), ..query.clone() });
    args.extend(capped_args);
    (format!("{with_candidates}SELECT (SELECT count(*) FROM candidates) AS matches, c.status, c.n FROM (SELECT 1) LEFT JOIN ({capped}) c ON 1"), args)
}

/// Whether counts read among `among` candidates answer: more than
/// `MAX_COUNTED_MATCHES` counted (more in all), or every match a candidate.
fn counts_settled(counted: i64, matches: i64, among: u32) -> bool {
    counted > i64::from(MAX_COUNTED_MATCHES) || matches <= i64::from(among)
}

impl Store {
    /// How many leads of each status match `query` (its status, spam rule and cursor aside):
    /// the inbox's tab counts, which follow the search and filters. Without
    /// either they are read from the counts the lead triggers keep. A search's
    /// matches are counted up to `MAX_COUNTED_MATCHES`, read from the matches
    /// themselves, first among the index's `COUNT_CANDIDATES` newest, then its
    /// `SEARCH_CANDIDATES` newest (so a word in every lead costs a bounded
    /// read), then among all of them only when those held too few of this
    /// workspace's and left matches out.
    pub async fn lead_counts(&self, workspace_id: &str, query: &LeadQuery) -> ApiResult<LeadCounts> {
        let across_tabs = across_tabs(query);
        if counts_whole_workspace(&across_tabs) {
            let by_status = self.all("SELECT status, n FROM lead_status_counts WHERE workspace_id = ?", &[text(workspace_id)]).await?;
            return Ok(LeadCounts { by_status, more: false, matches: 0 });
        }
        let Some(search) = across_tabs.search.clone() else {
            let (mut sql, args) = super::leads::lead_filter("status, count(*) AS n", workspace_id, &across_tabs);
            sql.push_str(" GROUP BY status");
            return Ok(LeadCounts { by_status: self.all(&sql, &args).await?, more: false, matches: 0 });
        };
        let Some(candidates) = super::leads::search_candidates(&search, SEARCH_CANDIDATES + 1) else {
            return Ok(LeadCounts { by_status: Vec::new(), more: false, matches: 0 });
        };
        let counted = |by_status: &[StatusCount]| by_status.iter().map(|c| c.n).sum::<i64>();
        let mut matches = 0;
        for among in [COUNT_CANDIDATES, SEARCH_CANDIDATES] {
            let (sql, args) = counts_among(&candidates, workspace_id, &across_tabs, among);
            let rows: Vec<CountAmong> = self.all(&sql, &args).await?;
            matches = rows.first().map_or(0, |r| r.matches);
            let by_status: Vec<StatusCount> = rows.into_iter().filter_map(|r| Some(StatusCount { status: r.status?, n: r.n? })).collect();
            if counts_settled(counted(&by_status), matches, among) {
                return Ok(LeadCounts { more: counted(&by_status) > i64::from(MAX_COUNTED_MATCHES), by_status, matches });
            }
        }
        let (sql, args) = capped_counts(workspace_id, &across_tabs);
        let by_status: Vec<StatusCount> = self.all(&sql, &args).await?;
        Ok(LeadCounts { more: counted(&by_status) > i64::from(MAX_COUNTED_MATCHES), by_status, matches })
    }

    /// Every webhook, Telegram, email and Slack delivery of every event of one lead, oldest
    /// first (not the outbox rows that only drive workflow runs: those show as runs).
    pub async fn lead_deliveries(&self, workspace_id: &str, lead_id: &str) -> ApiResult<Vec<DeliveryRow>> {
        self.all(
            "SELECT d.* FROM deliveries d JOIN events e ON e.workspace_id = d.workspace_id AND e.id = d.event_id
             WHERE d.workspace_id = ? AND e.lead_id = ? AND d.target_kind IN ('webhook', 'telegram', 'email', 'slack') ORDER BY d.id",
            &[text(workspace_id), text(lead_id)],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(more: bool, matches: u32) -> LeadCounts {
        LeadCounts { by_status: Vec::new(), more, matches: i64::from(matches) }
    }
    #[test]
    fn only_a_list_without_search_or_filter_is_counted_from_the_kept_counts() {
        let tabs = |query: LeadQuery| across_tabs(&query);
        assert!(counts_whole_workspace(&tabs(LeadQuery { limit: 50, ..LeadQuery::default() })));
        let tab_and_page = LeadQuery { status: Some("won".into()), exclude_spam: true, before_id: Some("lead_1".into()), limit: 50, ..LeadQuery::default() };
        assert!(counts_whole_workspace(&tabs(tab_and_page)), "the tab and the page are not filters of the counts");
        let narrowed = [
            LeadQuery { search: Some("ada".into()), ..LeadQuery::default() },
            LeadQuery { source: Some("widget".into()), ..LeadQuery::default() },
            LeadQuery { campaign: Some("spring".into()), ..LeadQuery::default() },
            LeadQuery { email: Some("a@b.example".into()), ..LeadQuery::default() },
            LeadQuery { tag: Some("vip".into()), ..LeadQuery::default() },
            LeadQuery { assignee: Some(None), ..LeadQuery::default() },
            LeadQuery { created_after: Some(1), ..LeadQuery::default() },
            LeadQuery { created_before: Some(1), ..LeadQuery::default() },
        ];
        for query in narrowed {
            assert!(!counts_whole_workspace(&tabs(query.clone())), "{query:?}");
        }
    }

    #[test]
    fn counts_among_candidates_answer_when_over_the_cap_or_every_match_was_one() {
        assert!(counts_settled(2_001, 10_001, COUNT_CANDIDATES), "more than the cap among the first: more in all");
        assert!(counts_settled(40, 2_500, COUNT_CANDIDATES), "every match was a candidate: exact");
        assert!(!counts_settled(2_000, 2_501, COUNT_CANDIDATES), "matches left out might be this workspace's");
        assert!(!counts_settled(0, 10_001, SEARCH_CANDIDATES), "then among every match");
        assert!(counts_settled(0, 0, COUNT_CANDIDATES), "no match");
    }

    #[test]
    fn a_search_page_reads_few_matches_whole_and_many_from_the_newest() {
        let query = LeadQuery { search: Some("ada".into()), limit: 50, ..LeadQuery::default() };
        let few = counts(false, 900).page_query(query.clone());
        assert_eq!((few.few_matches, few.newest_matches), (true, None));
        let many = counts(true, SEARCH_CANDIDATES + 1).page_query(query);
        assert_eq!((many.few_matches, many.newest_matches), (false, Some(PAGE_CANDIDATES)));
    }

    #[test]
    fn a_short_page_from_the_newest_matches_is_read_again_from_more_only_when_they_left_some_out() {
        let ada = LeadQuery { search: Some("ada".into()), limit: 50, ..LeadQuery::default() };
        let all_cut = counts(true, SEARCH_CANDIDATES + 1);
        let first = all_cut.page_query(ada.clone());
        let second = all_cut.wider_page_query(&first, 50).expect("not one more than a page: maybe more further back");
        assert_eq!(second.newest_matches, Some(SEARCH_CANDIDATES));
        let third = all_cut.wider_page_query(&second, 3).expect("still short, and matches beyond the candidates");
        assert_eq!((third.newest_matches, third.few_matches), (None, false), "every match");
        assert!(all_cut.wider_page_query(&third, 3).is_none(), "every match was read");
        assert!(all_cut.wider_page_query(&first, 51).is_none(), "a full page");
        let within_first = counts(true, PAGE_CANDIDATES);
        assert!(within_first.wider_page_query(&within_first.page_query(ada.clone()), 3).is_none(), "every match was a candidate");
        let within_second = counts(true, SEARCH_CANDIDATES);
        let short = within_second.wider_page_query(&within_second.page_query(ada.clone()), 3).expect("matches beyond the first candidates");
        assert!(within_second.wider_page_query(&short, 3).is_none(), "every match was a candidate");
        let whole = counts(false, SEARCH_CANDIDATES + 1).page_query(ada);
        assert!(counts(false, SEARCH_CANDIDATES + 1).wider_page_query(&whole, 3).is_none(), "read from every match already");
    }
}
