//! Campaigns, their controls, and THE hold/release rule for response work.
//!
//! Response work (the Telegram new-lead alert, workflow runs, follow-ups) is
//! created with `response_status_sql`: `'pending'` (runs now), `'held'`
//! (waits: the lead's campaign is paused) or NULL (no row at all: archived).
//! A follow-up's job meets the rule when it falls due (`store::follow_ups`):
//! held then, or cancelled once archived.
//! Webhook deliveries of lead events never use it: they always go out.
//! A resume releases held work in capture order, exactly once, in the same
//! D1 batch that flips the state (`control_statements`).

use super::deliveries::DueDelivery;
use super::follow_ups::CANCELLED_BY_ARCHIVE;
use super::leads::EventRow;
use super::{changes, number, opt_text, text, Store};
use crate::error::ApiResult;
use leadsbot_shared::campaign::{CampaignState, Control, ResponsePolicy};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The status response work of a lead is created with, as an SQL
/// expression: `'pending'`, `'held'`, or NULL for "create nothing" (the
/// lead's campaign is archived, or the lead does not exist). Leads without
/// a campaign run. `lead_id` and `workspace_id` are SQL expressions
/// (placeholders like `?5`, or columns). Use it in an `INSERT … SELECT`
/// with `WHERE <status> IS NOT NULL`, and give held rows no
/// `next_attempt_at` (`next_attempt_sql`).
pub fn response_status_sql(lead_id: &str, workspace_id: &str) -> String {
    let cases: String = CampaignState::ALL
        .iter()
        .map(|state| format!(" WHEN '{}' THEN {}", state.as_str(), policy_status(state.response_policy())))
        .collect();
    format!(
        "(SELECT CASE c.state{cases} ELSE 'pending' END FROM leads l LEFT JOIN campaigns c ON c.workspace_id = l.workspace_id AND c.id = l.campaign_id
          WHERE l.workspace_id = {workspace_id} AND l.id = {lead_id})"
    )
}

/// `next_attempt_at` for a row created with `status`: due at `due` unless held.
pub fn next_attempt_sql(status: &str, due: &str) -> String {
    format!("CASE WHEN {status} = 'pending' THEN {due} END")
}

fn policy_status(policy: ResponsePolicy) -> &'static str {
    match policy {
        ResponsePolicy::Run => "'pending'",
        ResponsePolicy::Hold => "'held'",
        ResponsePolicy::Skip => "NULL",
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CampaignRow {
    pub id: String,
    pub workspace_id: String,
    pub slug: String,
    pub name: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A campaign a lead joins in its capture batch (created if its slug is new).
pub struct CampaignJoin {
    /// Used only if the slug is new.
    pub new_id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ControlRow {
    pub id: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub requested_by: String,
    pub created_at: i64,
}

/// One control to apply, recorded as `record`, announced by `event`.
pub struct ControlWrite<'a> {
    pub campaign: &'a CampaignRow,
    pub control: Control,
    pub to: CampaignState,
    pub record: &'a ControlRow,
    pub event: &'a EventRow,
}

#[derive(Deserialize)]
struct StatusCount {
    campaign_id: String,
    status: String,
    n: u32,
}

/// Lead counts per status, per campaign id.
pub type Counts = BTreeMap<String, BTreeMap<String, u32>>;

/// The control was applied (its record exists): ?1 workspace, ?2 control id.
const RECORDED: &str = "EXISTS (SELECT 1 FROM campaign_controls WHERE workspace_id = ? AND id = ?)";

/// `RECORDED` numbered for the held-work statements: ?1 workspace, ?3 control id.
fn held_guard(recorded: &str) -> String {
    recorded.replacen("workspace_id = ?", "workspace_id = ?1", 1).replacen("id = ?)", "id = ?3)", 1)
}

const COLUMNS: &str = "id, workspace_id, slug, name, state, created_at, updated_at";
impl Store {
    /// A page, newest first, starting after `before_id`; one row more than
    /// `limit` tells the caller another page exists.
    pub async fn campaigns_page(&self, workspace_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<CampaignRow>> {
        self.all(
            &format!("SELECT {COLUMNS} FROM campaigns WHERE workspace_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3"),
            &[text(workspace_id), opt_text(before_id), number(i64::from(limit) + 1)],
        )
        .await
    }

    pub async fn campaign(&self, workspace_id: &str, id: &str) -> ApiResult<Option<CampaignRow>> {
        self.first(&format!("SELECT {COLUMNS} FROM campaigns WHERE workspace_id = ? AND id = ?"), &[text(workspace_id), text(id)]).await
    }

    /// Lead counts per status of one campaign, or of all (`None`).
    pub async fn campaign_counts(&self, workspace_id: &str, campaign_id: Option<&str>) -> ApiResult<Counts> {
        let (filter, mut args) = match campaign_id {
            Some(id) => ("campaign_id = ?", vec![text(id)]),
            None => ("campaign_id IS NOT NULL", Vec::new()),
        };
        args.insert(0, text(workspace_id));
        let rows: Vec<StatusCount> = self
            .all(&format!("SELECT campaign_id, status, count(*) AS n FROM leads WHERE workspace_id = ? AND {filter} GROUP BY campaign_id, status"), &args)
            .await?;
        let mut counts = Counts::new();
        for row in rows {
            counts.entry(row.campaign_id).or_default().insert(row.status, row.n);
        }
        Ok(counts)
    }

    /// Creates a campaign; false if the slug is taken in the workspace.
    pub async fn insert_campaign(&self, row: &CampaignRow) -> ApiResult<bool> {
        let changed = self
            .run(
                &format!("INSERT INTO campaigns ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (workspace_id, slug) DO NOTHING"),
                &[text(&row.id), text(&row.workspace_id), text(&row.slug), text(&row.name), text(&row.state), number(row.created_at), number(row.updated_at)],
            )
            .await?;
        Ok(changed == 1)
    }

    pub async fn rename_campaign(&self, workspace_id: &str, id: &str, name: &str, now: i64) -> ApiResult<bool> {
        let changed = self
            .run("UPDATE campaigns SET name = ?, updated_at = ? WHERE workspace_id = ? AND id = ?", &[text(name), number(now), text(workspace_id), text(id)])
            .await?;
        Ok(changed == 1)
    }

    /// A campaign's controls, newest first, before the id
    /// `before_id` (exclusive). At most `limit` rows.
    pub async fn campaign_controls(&self, workspace_id: &str, campaign_id: &str, before_id: Option<&str>, limit: u32) -> ApiResult<Vec<ControlRow>> {
        self.all(
            "SELECT id, action, from_state, to_state, requested_by, created_at FROM campaign_controls
             WHERE workspace_id = ?1 AND campaign_id = ?2 AND (?3 IS NULL OR id < ?3) ORDER BY id DESC LIMIT ?4",
            &[text(workspace_id), text(campaign_id), opt_text(before_id), number(i64::from(limit))],
        )
        .await
    }

    /// For the capture batch: creates the lead's campaign if its slug is new
    /// (active), only when `condition` (the writer and idempotency checks of
    /// the lead itself) holds. The lead then takes `campaign_id_sql`.
    pub fn join_statement(&self, workspace_id: &str, join: &CampaignJoin, now: i64, condition: (&str, &[wasm_bindgen::JsValue])) -> ApiResult<worker::D1PreparedStatement> {
        let mut args = vec![text(&join.new_id), text(workspace_id), text(&join.slug), text(&join.name), number(now)];
        args.extend_from_slice(condition.1);
        self.statement(
            &format!(
                "INSERT INTO campaigns (id, workspace_id, slug, name, state, created_at, updated_at) SELECT ?, ?, ?, ?, 'active', ?5, ?5 WHERE {}
                 ON CONFLICT (workspace_id, slug) DO NOTHING",
                super::deliveries::numbered(condition.0, 6)
            ),
            &args,
        )
    }

    /// Applies a control atomically if the campaign is still in the state it
    /// was read in: records it, flips the state, stores and fans out its
    /// event, and releases (resume) or drops (archive) the held response work
    /// of the campaign's leads. `None` if the state changed in between.
    pub async fn apply_control(&self, write: ControlWrite<'_>) -> ApiResult<Option<Vec<DueDelivery>>> {
        let (c, r) = (write.campaign, write.record);
        let ws = || text(&c.workspace_id);
        let recorded = RECORDED;
        let recorded_args = [ws(), text(&r.id)];
        let mut statements = vec![
            self.statement(
                "INSERT INTO campaign_controls (id, workspace_id, campaign_id, action, from_state, to_state, requested_by, created_at)
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM campaigns WHERE workspace_id = ?2 AND id = ?3 AND state = ?5)",
                &[text(&r.id), ws(), text(&c.id), text(&r.action), text(&r.from_state), text(&r.to_state), text(&r.requested_by), number(r.created_at)],
            )?,
            self.statement(
                &format!("UPDATE campaigns SET state = ?, updated_at = ? WHERE workspace_id = ? AND id = ? AND {recorded}"),
                &[text(write.to.as_str()), number(r.created_at), ws(), text(&c.id), ws(), text(&r.id)],
            )?,
        ];
        let fan_out_from = statements.len() + 1;
        statements.extend(self.event_with_jobs(write.event, (recorded, &recorded_args))?);
        let release_from = statements.len();
        statements.extend(self.held_work_statements(c, write.control, r, recorded)?);
        let results = self.batch(statements).await?;
        if results.first().map(changes) != Some(1) {
            return Ok(None);
        }
        let due = results[fan_out_from..release_from.min(results.len())]
            .iter()
            .chain(results.get(release_from..).into_iter().flatten().last())
            .flat_map(|r| r.results::<DueDelivery>().unwrap_or_default())
            .collect();
        Ok(Some(due))
    }

    /// What a control does to the held response work of the campaign's
    /// leads: resume makes it pending in its target's in-order line (so it
    /// goes out one at a time, in capture order = id order) and releases the
    /// line heads (the last statement returns them, to enqueue); archive
    /// cancels it (kept, shown, never sent). A held follow-up's job is released like any other; archive
    /// cancels the campaign's follow-ups (their own table) and their jobs.
    fn held_work_statements(&self, c: &CampaignRow, control: Control, r: &ControlRow, recorded: &str) -> ApiResult<Vec<worker::D1PreparedStatement>> {
        // By the job's lead (every job names one): follow-up jobs have no event until they fire.
        let held_of_campaign = "workspace_id = ?1 AND status = 'held' AND lead_id IN (SELECT id FROM leads WHERE workspace_id = ?1 AND campaign_id = ?2)";
        let guard = held_guard(recorded);
        let args = [text(&c.workspace_id), text(&c.id), text(&r.id), number(r.created_at)];
        // Follow-ups (their own table, and their jobs) first: the last statement must stay the line release, whose rows are enqueued.
        let mut statements = self.campaign_follow_ups_statements(control, &args, &guard)?;
        statements.extend(match control {
            Control::Pause => Vec::new(),
            Control::Archive => vec![self.statement(
                &format!("UPDATE deliveries SET status = 'cancelled', next_attempt_at = NULL, last_error = '{CANCELLED_BY_ARCHIVE}', updated_at = ?4 WHERE {held_of_campaign} AND {guard}"),
                &args,
            )?],
            Control::Resume => vec![
                self.statement(
                    &format!("UPDATE deliveries SET status = 'pending', in_order = 1, next_attempt_at = NULL, updated_at = ?4 WHERE {held_of_campaign} AND {guard}"),
                    &args,
                )?,
                self.release_all_heads(&c.workspace_id, r.created_at)?,
            ],
        });
        Ok(statements)
    }

    /// Releases the waiting head of every in-order line of a workspace
    /// (a head already in flight is left alone); returns them, to enqueue.
    pub fn release_all_heads(&self, workspace_id: &str, now: i64) -> ApiResult<worker::D1PreparedStatement> {
        self.statement(
            "UPDATE deliveries SET next_attempt_at = ?2, updated_at = ?2 WHERE workspace_id = ?1 AND next_attempt_at IS NULL AND status = 'pending' AND id IN (
               SELECT min(id) FROM deliveries WHERE workspace_id = ?1 AND in_order = 1 AND status = 'pending' GROUP BY target_id)
             RETURNING id, workspace_id, attempts",
            &[text(workspace_id), number(now)],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_follows_each_states_policy() {
        let sql = response_status_sql("?5", "?4");
        assert!(sql.contains("WHEN 'active' THEN 'pending'"), "{sql}");
        assert!(sql.contains("WHEN 'paused' THEN 'held'"), "{sql}");
        assert!(sql.contains("WHEN 'archived' THEN NULL"), "{sql}");
        assert!(sql.contains("ELSE 'pending'"), "leads without a campaign run");
        assert!(sql.contains("l.workspace_id = ?4 AND l.id = ?5"));
        assert_eq!(next_attempt_sql("s.status", "?3"), "CASE WHEN s.status = 'pending' THEN ?3 END");
        assert_eq!(held_guard(RECORDED), "EXISTS (SELECT 1 FROM campaign_controls WHERE workspace_id = ?1 AND id = ?3)");
    }
}
