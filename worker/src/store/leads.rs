use super::deliveries::DueDelivery;
use super::{number, opt_text, text, Store};
use crate::error::ApiResult;
use leadsbot_shared::campaign::CampaignSlug;
use leadsbot_shared::search::SearchQuery;
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

/// A lead as stored. `custom` and `tags` hold JSON text.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct LeadRow {
    pub id: String,
    pub workspace_id: String,
    pub email: String,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub message: Option<String>,
    pub campaign: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    pub page_url: Option<String>,
    pub referrer: Option<String>,
    pub page_title: Option<String>,
    pub form_id: Option<String>,
    pub form_name: Option<String>,
    pub form_action: Option<String>,
    pub custom: String,
    pub source: String,
    pub user_agent: Option<String>,
    pub country: Option<String>,
    pub status: String,
    pub tags: String,
    pub note: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Random per PATCH that changed the lead ('' until the first); with
    /// `updated_at` it makes the lead's ETag.
    #[serde(default)]
    pub revision: String,
    /// The member the lead is assigned to (`mem_…`), if any.
    #[serde(default)]
    pub assignee_id: Option<String>,
}

pub(super) const LEAD_COLUMNS: &str = "id, workspace_id, email, name, phone, company, message, campaign, \
    utm_source, utm_medium, utm_campaign, utm_term, utm_content, page_url, referrer, page_title, \
    form_id, form_name, form_action, custom, source, user_agent, country, status, tags, note, created_at, updated_at";
pub(super) const LEAD_PLACEHOLDERS: &str = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?";

impl LeadRow {
    pub(super) fn values(&self) -> Vec<JsValue> {
        let o = |v: &Option<String>| opt_text(v.as_deref());
        vec![
            text(&self.id), text(&self.workspace_id), text(&self.email), o(&self.name), o(&self.phone),
            o(&self.company), o(&self.message), o(&self.campaign), o(&self.utm_source), o(&self.utm_medium),
            o(&self.utm_campaign), o(&self.utm_term), o(&self.utm_content), o(&self.page_url), o(&self.referrer),
            o(&self.page_title), o(&self.form_id), o(&self.form_name), o(&self.form_action), text(&self.custom),
            text(&self.source), o(&self.user_agent), o(&self.country), text(&self.status), text(&self.tags),
            o(&self.note), number(self.created_at), number(self.updated_at),
        ]
    }
}

/// Whether a lead leaving spam was never announced (no `lead.created`, no
/// alert): it came in as spam (a filled honeypot stores the lead and nothing
/// else) and has not been out of spam since. Its status history tells, and
/// outlives the events retention deletes: a lead can only become spam from
/// another status through a recorded change from that status. Binds the
/// workspace and lead ids.
pub const NEVER_ANNOUNCED: &str =
    "NOT EXISTS (SELECT 1 FROM lead_status_changes WHERE workspace_id = ? AND lead_id = ? AND from_status != 'spam')";

#[derive(Debug, Clone, Deserialize)]
pub struct EventRow {
    pub id: String,
    pub workspace_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub lead_id: Option<String>,
    pub payload: String,
    pub created_at: i64,
}

/// Changes to one lead written in one batch (one transaction, one round
/// trip): each change is guarded by the revision the one before it wrote,
/// so the chain is written whole or, if someone changed the lead since it
/// was read, not at all. A single change (PATCH /leads/:id) is a chain of one.
#[derive(Default)]
pub struct LeadChain {
    pub(super) statements: Vec<D1PreparedStatement>,
    /// Where the lead updates are: all of them must write.
    updates: Vec<usize>,
    /// Where the events' outbox statements are (they return the rows they wrote).
    fan_outs: Vec<usize>,
    /// What `APPLIED` binds for the last change so far.
    last: Option<Vec<JsValue>>,
}

/// A chain as written: the outbox rows its events wrote, to dispatch.
pub struct ChainWritten {
    pub due: Vec<DueDelivery>,
}

/// Whether the lead carries a revision (workspace, lead, revision): true
/// exactly when the change that wrote that revision was written and no
/// later one has been yet.
/// The assignee written is still a member of the workspace (or nobody):
/// a member removed meanwhile fails the write like any concurrent change,
/// and the change is read and checked again (binds assignee, workspace, assignee).
const ASSIGNEE_IS_MEMBER: &str = "(? IS NULL OR EXISTS (SELECT 1 FROM members WHERE workspace_id = ? AND id = ?))";

const APPLIED: &str = "EXISTS (SELECT 1 FROM leads WHERE workspace_id = ? AND id = ? AND revision = ?)";

/// A statement that runs only when a lead change is written: `sql` ends in a
/// WHERE clause that the change's own condition is ANDed to.
#[derive(Debug, Clone)]
pub struct Then {
    pub sql: String,
    pub args: Vec<JsValue>,
}

/// A lead's neighbours in a list (`Store::lead_neighbours`).
#[derive(Debug, Default, PartialEq)]
pub struct Neighbours {
    pub older: Option<String>,
    pub newer: Option<String>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct LeadQuery {
    pub status: Option<String>,
    pub source: Option<String>,
    pub campaign: Option<String>,
    pub email: Option<String>,
    pub search: Option<String>,
    /// Leads carrying this tag (the inbox's tag filter).
    pub tag: Option<String>,
    /// Leads assigned to this member (`Some(None)`: to nobody).
    pub assignee: Option<Option<String>>,
    pub created_after: Option<i64>,
    pub created_before: Option<i64>,
    pub before_id: Option<String>,
    /// Newer than this id: the page before, nearest first (`Store::leads` still answers newest first).
    pub after_id: Option<String>,
    /// Leaves spam out (the inbox's All tab; `status` names one status instead).
    pub exclude_spam: bool,
    /// A search known to match few leads (`Store::lead_counts` counted them all):
    /// read from its matches, rowid by rowid, then sorted, rather than by
    /// walking the workspace's leads newest first and checking each.
    pub few_matches: bool,
    /// Only the search index's newest this many matches (all workspaces') are
    /// candidates: a word in every lead is then read from a bounded set. The
    /// caller knows whether that cut any match off (`LeadCounts::wider_page_query`)
    /// and asks again from more of them when the answer came up short.
    pub newest_matches: Option<u32>,
    /// The search's matches are read from the statement's `candidates`
    /// (`search_candidates`), the first `newest_matches` of them.
    pub among_candidates: bool,
    pub limit: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusChangeRow {
    pub id: String,
    #[serde(default)]
    pub lead_id: String,
    pub from_status: String,
    pub to_status: String,
    pub changed_by: Option<String>,
    pub changed_at: i64,
}

impl Store {
    pub async fn lead(&self, workspace_id: &str, id: &str) -> ApiResult<Option<LeadRow>> {
        self.first("SELECT * FROM leads WHERE workspace_id = ? AND id = ?", &[text(workspace_id), text(id)]).await
    }

    /// Newest first; one row more than the limit tells the caller whether
    /// another page exists.
    pub async fn leads(&self, workspace_id: &str, query: &LeadQuery) -> ApiResult<Vec<LeadRow>> {
        let (mut sql, mut args) = lead_filter("*", workspace_id, query);
        // Newest first; a page of newer leads is the nearest ones, taken oldest first, then turned.
        let newer_page = query.after_id.is_some();
        sql.push_str(if newer_page { " ORDER BY id ASC LIMIT ?" } else { " ORDER BY id DESC LIMIT ?" });
        args.push(number(i64::from(query.limit) + 1));
        let mut rows: Vec<LeadRow> = self.all(&sql, &args).await?;
        if newer_page {
            rows.truncate(query.limit as usize + 1);
            rows.reverse();
        }
        Ok(rows)
    }

    /// The ids of the leads either side of `id` in a list (`query`, its
    /// cursor ignored): the next older one and the next newer one, newest first as the list shows them.
    pub async fn lead_neighbours(&self, workspace_id: &str, query: &LeadQuery, id: &str) -> ApiResult<Neighbours> {
        #[derive(Deserialize)]
        struct Id {
            id: String,
        }
        let (filter, args) = lead_filter("id", workspace_id, &LeadQuery { before_id: None, after_id: None, ..query.clone() });
        let side = |comparison: &str, order: &str| {
            let mut args = args.clone();
            args.push(text(id));
            (format!("{filter} AND id {comparison} ? ORDER BY id {order} LIMIT 1"), args)
        };
        let ((older_sql, older_args), (newer_sql, newer_args)) = (side("<", "DESC"), side(">", "ASC"));
        let (older, newer) = futures_util::future::try_join(self.first::<Id>(&older_sql, &older_args), self.first::<Id>(&newer_sql, &newer_args)).await?;
        Ok(Neighbours { older: older.map(|r| r.id), newer: newer.map(|r| r.id) })
    }

    /// Adds one change of a lead to `chain`: the lead written if it is still
    /// as read (`read` = its `updated_at` and `revision` then), its status
    /// transition recorded and its events raised, and, on a status change,
    /// the lead's follow-ups that said so cancelled. All of it happens
    /// exactly when the write does; `then` runs only then too.
    pub fn chain_change(&self, chain: &mut LeadChain, lead: &LeadRow, read: (i64, &str), change: Option<&StatusChangeRow>, events: &[EventRow], then: &[Then]) -> ApiResult<()> {
        chain.updates.push(chain.statements.len());
        chain.statements.push(self.statement(
            &format!("UPDATE leads SET status = ?, tags = ?, note = ?, assignee_id = ?, updated_at = ?, revision = ? WHERE workspace_id = ? AND id = ? AND updated_at = ? AND revision = ? AND {ASSIGNEE_IS_MEMBER}"),
            &[text(&lead.status), text(&lead.tags), opt_text(lead.note.as_deref()), opt_text(lead.assignee_id.as_deref()), number(lead.updated_at), text(&lead.revision),
              text(&lead.workspace_id), text(&lead.id), number(read.0), text(read.1),
              opt_text(lead.assignee_id.as_deref()), text(&lead.workspace_id), opt_text(lead.assignee_id.as_deref())],
        )?);
        // Everything else happens exactly when that update did: the new revision is unique to it.
        // (Its statements come before the next change's update, while the revision is still the lead's.)
        let applied_args = [text(&lead.workspace_id), text(&lead.id), text(&lead.revision)];
        if let Some(change) = change {
            let mut args = vec![text(&change.id), text(&lead.workspace_id), text(&lead.id), text(&change.from_status), text(&change.to_status), opt_text(change.changed_by.as_deref()), number(change.changed_at)];
            args.extend_from_slice(&applied_args);
            chain.statements.push(self.statement(
                &format!("INSERT INTO lead_status_changes (id, workspace_id, lead_id, from_status, to_status, changed_by, changed_at) SELECT ?, ?, ?, ?, ?, ?, ? WHERE {APPLIED}"),
                &args,
            )?);
            chain.statements.extend(self.cancel_on_status_change_statements(&lead.workspace_id, &lead.id, change.changed_at, (APPLIED, &applied_args))?);
        }
        let announce = format!("{APPLIED} AND {NEVER_ANNOUNCED}");
        let mut announce_args = applied_args.to_vec();
        announce_args.extend([text(&lead.workspace_id), text(&lead.id)]);
        for event in events {
            // A lead.created on a change is the announcement of a lead leaving spam: once.
            let (guard, guard_args) = if event.kind == leadsbot_shared::event::LEAD_CREATED { (announce.as_str(), &announce_args[..]) } else { (APPLIED, &applied_args[..]) };
            let written = self.event_with_jobs(event, (guard, guard_args))?;
            // The event's own statement first, then its jobs'.
            chain.fan_outs.extend(chain.statements.len() + 1..chain.statements.len() + written.len());
            chain.statements.extend(written);
        }
        chain.last = Some(applied_args.to_vec());
        self.chain_then(chain, then.to_vec())
    }

    /// Adds statements that run only if the chain's last change is written
    /// (unconditionally when it has none yet).
    pub fn chain_then(&self, chain: &mut LeadChain, then: Vec<Then>) -> ApiResult<()> {
        for then in then {
            self.chain_guarded(chain, &then.sql, then.args, "")?;
        }
        Ok(())
    }

    /// `sql`, which ends in a WHERE clause (then `tail`, a RETURNING
    /// clause), guarded like `chain_then`; returns its index in the batch.
    pub(super) fn chain_guarded(&self, chain: &mut LeadChain, sql: &str, mut args: Vec<JsValue>, tail: &str) -> ApiResult<usize> {
        let statement = match &chain.last {
            Some(applied_args) => {
                args.extend_from_slice(applied_args);
                self.statement(&format!("{sql} AND {APPLIED} {tail}"), &args)?
            }
            None => self.statement(&format!("{sql} {tail}"), &args)?,
        };
        chain.statements.push(statement);
        Ok(chain.statements.len() - 1)
    }

    /// Writes a chain in one batch. `None`, having changed no lead (and run
    /// nothing guarded), if the lead was not as its first change read it.
    pub async fn write_chain(&self, chain: LeadChain) -> ApiResult<Option<ChainWritten>> {
        let LeadChain { statements, updates, fan_outs, .. } = chain;
        if statements.is_empty() {
            return Ok(Some(ChainWritten { due: Vec::new() }));
        }
        let results = self.batch(statements).await?;
        // Each update is guarded by the one before it: the first decides them all.
        if !updates.iter().all(|&i| results.get(i).is_some_and(super::wrote)) {
            return Ok(None);
        }
        let due = fan_outs.iter().filter_map(|&i| results.get(i)?.results::<DueDelivery>().ok()).flatten().collect();
        Ok(Some(ChainWritten { due }))
    }

    pub async fn status_changes(&self, workspace_id: &str, lead_id: &str) -> ApiResult<Vec<StatusChangeRow>> {
        self.all(
            "SELECT id, from_status, to_status, changed_by, changed_at FROM lead_status_changes WHERE workspace_id = ? AND lead_id = ? ORDER BY changed_at, id",
            &[text(workspace_id), text(lead_id)],
        )
        .await
    }
}

/// `SELECT {columns} FROM leads WHERE` the workspace and every filter of the
/// query: the one place lead filters become SQL (the list and the export).
pub(super) fn lead_filter(columns: &str, workspace_id: &str, query: &LeadQuery) -> (String, Vec<JsValue>) {
    let mut sql = format!("SELECT {columns} FROM leads WHERE {} = ?", workspace_scope(query));
    let mut args = vec![text(workspace_id)];
    for (column, value) in [("status", &query.status), ("source", &query.source)] {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ?"));
            args.push(text(value));
        }
    }
    if let Some(campaign) = &query.campaign {
        campaign_filter(&mut sql, &mut args, workspace_id, campaign);
    }
    if let Some(email) = &query.email {
        // In the stored form (`shared::email`), compared ignoring ASCII case as erasure does.
        sql.push_str(" AND email = ? COLLATE NOCASE");
        args.push(text(email));
    }
    range_filters(&mut sql, &mut args, query);
    if query.exclude_spam {
        sql.push_str(" AND status <> 'spam'");
    }
    match &query.assignee {
        Some(Some(member)) => {
            sql.push_str(" AND assignee_id = ?");
            args.push(text(member));
        }
        Some(None) => sql.push_str(" AND assignee_id IS NULL"),
        None => {}
    }
    if let Some(tag) = &query.tag {
        sql.push_str(" AND EXISTS (SELECT 1 FROM json_each(leads.tags) WHERE value = ?)");
        args.push(text(tag));
    }
    match (&query.search, query.among_candidates) {
        (Some(_), true) => {
            sql.push_str(" AND rowid IN (SELECT r FROM candidates LIMIT ?)");
            args.push(number(i64::from(query.newest_matches.unwrap_or(u32::MAX))));
        }
        (Some(search), false) => search_filter(&mut sql, &mut args, search, query.newest_matches),
        (None, _) => {}
    }
    (sql, args)
}

/// `WITH candidates(r)`: the rowids of the search index's newest `at_most`
/// matches (any workspace's), read once for the statement it starts (a
/// `LeadQuery` with `among_candidates` reads from them); `None` for a search
/// that matches nothing by construction.
pub(super) fn search_candidates(search: &str, at_most: u32) -> Option<(String, Vec<JsValue>)> {
    let query = SearchQuery::parse(search)?;
    Some((
        "WITH candidates(r) AS MATERIALIZED (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ? ORDER BY rowid DESC LIMIT ?) ".to_string(),
        vec![text(query.as_fts5()), number(i64::from(at_most))],
    ))
}

/// How the workspace is named in the filter: `+workspace_id` keeps SQLite
/// off the workspace's indexes, so a search known to match few leads (or read
/// among its candidates) starts from its matches.
fn workspace_scope(query: &LeadQuery) -> &'static str {
    if (query.few_matches || query.among_candidates) && query.search.is_some() { "+workspace_id" } else { "workspace_id" }
}

/// The campaign a filter value names (`CampaignSlug::for_filter`: slug or
/// label, any case): leads that joined it when they were captured.
fn campaign_filter(sql: &mut String, args: &mut Vec<JsValue>, workspace_id: &str, value: &str) {
    match CampaignSlug::for_filter(value) {
        Some(slug) => {
            sql.push_str(" AND campaign_id IN (SELECT id FROM campaigns WHERE workspace_id = ? AND slug = ?)");
            args.extend([text(workspace_id), text(slug.as_str())]);
        }
        None => sql.push_str(" AND 0"),
    }
}

/// The search: the FTS5 index (migration 0015, kept in sync by triggers)
/// matched with the query `shared::search` builds from the words typed. A
/// search with no letter or digit in it matches no lead.
fn search_filter(sql: &mut String, args: &mut Vec<JsValue>, search: &str, newest_matches: Option<u32>) {
    match SearchQuery::parse(search) {
        Some(query) => {
            // Rowids grow with every lead written, so the index's highest are the newest leads.
            match newest_matches {
                Some(n) => {
                    sql.push_str(" AND rowid IN (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ? ORDER BY rowid DESC LIMIT ?)");
                    args.extend([text(query.as_fts5()), number(i64::from(n))]);
                }
                None => {
                    sql.push_str(" AND rowid IN (SELECT rowid FROM leads_fts WHERE leads_fts MATCH ?)");
                    args.push(text(query.as_fts5()));
                }
            }
        }
        None => sql.push_str(" AND 0"),
    }
}

fn range_filters(sql: &mut String, args: &mut Vec<JsValue>, query: &LeadQuery) {
    if let Some(after) = query.created_after {
        sql.push_str(" AND created_at >= ?");
        args.push(number(after));
    }
    if let Some(before) = query.created_before {
        sql.push_str(" AND created_at < ?");
        args.push(number(before));
    }
    if let Some(before_id) = &query.before_id {
        sql.push_str(" AND id < ?");
        args.push(text(before_id));
    }
    if let Some(after_id) = &query.after_id {
        sql.push_str(" AND id > ?");
        args.push(text(after_id));
    }
}

pub(super) fn event_values(event: &EventRow) -> Vec<JsValue> {
    vec![text(&event.id), text(&event.workspace_id), text(&event.kind), opt_text(event.lead_id.as_deref()), text(&event.payload), number(event.created_at)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_known_to_match_few_leads_starts_from_its_matches() {
        let search = LeadQuery { search: Some("ada".into()), ..LeadQuery::default() };
        assert_eq!(workspace_scope(&search), "workspace_id");
        let few = LeadQuery { few_matches: true, ..search };
        assert_eq!(workspace_scope(&few), "+workspace_id", "still scoped to the workspace, by value");
        assert_eq!(workspace_scope(&LeadQuery { few_matches: true, ..LeadQuery::default() }), "workspace_id", "no search: the workspace's index");
    }
}
