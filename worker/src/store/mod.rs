//! Every SQL statement LeadsBot runs lives under this module, one file per
//! group of tables, each returning plain structs. Every statement on `Store`
//! is scoped by workspace (`tenant_scope` checks it); the few that reach
//! across workspaces live on `CrossWorkspace`, which request handlers never hold.

pub mod campaigns;
pub mod cross_workspace;
pub mod databases;
pub mod directory;
pub mod moves;
pub mod capture;
pub mod capture_urls;
pub mod deliveries;
pub mod email_renormalisations;
pub mod erasure;
pub mod events;
pub mod filter_choices;
pub mod follow_up_firing;
pub mod follow_ups;
pub mod delivery_history;
mod exports;
pub mod endpoints;
pub mod inbox;
pub mod integrations;
pub mod job_status;
pub mod keys;
pub mod leads;
pub mod member_mail;
pub mod members;
pub mod notes;
pub mod rejections;
pub mod retention;
pub mod recovery;
pub mod run_actions;
pub mod sealed;
pub mod summaries;
pub mod sessions;
pub mod suppressions;
pub mod sweep_cursors;
pub mod telegram_updates;
#[cfg(test)]
mod tenant_scope;
pub mod workflow_runs;
pub mod workflows;
pub mod workspaces;

pub use cross_workspace::CrossWorkspace;

use crate::error::{ApiError, ApiResult};
use leadsbot_shared::workspace_id::{names_only, WorkspaceId};
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

/// The statements over one database. Clones share their database: a
/// request's store starts on the directory's and is pointed once at its
/// workspace's (`App::bind_workspace`), and every clone made before follows.
///
/// A store bound to a workspace (`bind`, `for_workspace`) runs no statement
/// that names another: every workspace argument (`workspace_arguments`) must
/// be its id, checked here where every statement is prepared. With
/// `tenant_scope`, which checks that every statement on `Store` names its
/// workspace, a bound store reaches its own workspace's rows and no others.
#[derive(Clone)]
pub struct Store {
    binding: Rc<RefCell<Binding>>,
    /// Whether this deployment sends email: members' alerts are jobs only then.
    member_mail: bool,
}

struct Binding {
    db: Rc<D1Database>,
    workspace: Option<WorkspaceId>,
}

impl Store {
    pub fn new(db: D1Database) -> Self {
        Self { binding: Rc::new(RefCell::new(Binding { db: Rc::new(db), workspace: None })), member_mail: false }
    }

    /// Points this store (and its clones) at `other`'s database, bound to
    /// `workspace` from now on: a request's store, once it knows its workspace.
    pub fn bind(&self, other: &Store, workspace: WorkspaceId) {
        let database = other.database();
        *self.binding.borrow_mut() = Binding { db: database, workspace: Some(workspace) };
    }

    /// Points this store (and its clones) at `other`'s database, bound to no workspace.
    pub fn point_at(&self, other: &Store) {
        let database = other.database();
        self.binding.borrow_mut().db = database;
    }

    /// A store on this one's database bound to `workspace`, shared with no
    /// other: for work that serves one workspace after another on one
    /// database (a queue batch, a sweep).
    pub fn for_workspace(&self, workspace: &WorkspaceId) -> Store {
        let binding = Binding { db: self.database(), workspace: Some(workspace.clone()) };
        Store { binding: Rc::new(RefCell::new(binding)), member_mail: self.member_mail }
    }

    /// `for_workspace` with an id read from a row or a message: bound when it
    /// is an id LeadsBot issues, else (a workspace made by hand, which no
    /// request can name) as unbound as this one.
    pub fn bound_to(&self, workspace_id: &str) -> Store {
        match WorkspaceId::parse(workspace_id) {
            Ok(workspace) => self.for_workspace(&workspace),
            Err(_) => self.clone(),
        }
    }

    fn database(&self) -> Rc<D1Database> {
        self.binding.borrow().db.clone()
    }

    /// A store whose new events raise members' email alerts (when the
    /// deployment sends email); without it they raise none.
    pub fn with_member_mail(self, on: bool) -> Self {
        Self { member_mail: on, ..self }
    }

    fn statement(&self, sql: &str, args: &[JsValue]) -> ApiResult<D1PreparedStatement> {
        if let Some(bound) = &self.binding.borrow().workspace {
            check_scope(bound, sql, args)?;
        }
        self.database().prepare(sql).bind(args).map_err(|e| ApiError::internal("d1 bind", e))
    }

    async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Vec<T>> {
        let result = self.statement(sql, args)?.all().await.map_err(|e| ApiError::internal("d1 query", e))?;
        result.results().map_err(|e| ApiError::internal("d1 rows", e))
    }

    async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Option<T>> {
        Ok(self.all(sql, args).await?.into_iter().next())
    }

    /// Runs one statement; returns how many rows it changed.
    async fn run(&self, sql: &str, args: &[JsValue]) -> ApiResult<u32> {
        let result = self.statement(sql, args)?.run().await.map_err(|e| ApiError::internal("d1 run", e))?;
        Ok(changes(&result))
    }

    /// Runs statements atomically (D1 batches are transactions); returns the
    /// rows changed by each.
    async fn batch(&self, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<worker::D1Result>> {
        let database = self.database();
        database.batch(statements).await.map_err(|e| ApiError::internal("d1 batch", e))
    }
}

/// Refuses a statement that names a workspace other than `bound`: a bug
/// that would reach another workspace's rows, stopped before it runs.
fn check_scope(bound: &WorkspaceId, sql: &str, args: &[JsValue]) -> ApiResult<()> {
    names_only(bound, sql, |index| args.get(index).and_then(JsValue::as_string)).map_err(|other| {
        let statement: String = sql.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
        ApiError::internal("tenant scope", format!("a store bound to {bound} was given {:?} for a workspace in: {statement}", other.named))
    })
}

/// Whether a statement wrote a row. Ask this, not `changes == 1`, of a
/// statement on one lead: writes to `leads` fire the search triggers
/// (migration 0015), and local D1 counts the rows those change too.
fn wrote(result: &worker::D1Result) -> bool {
    changes(result) > 0
}

fn changes(result: &worker::D1Result) -> u32 {
    result.meta().ok().flatten().and_then(|m| m.changes).unwrap_or(0) as u32
}

pub fn text(value: &str) -> JsValue {
    JsValue::from_str(value)
}

pub fn opt_text(value: Option<&str>) -> JsValue {
    value.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// D1 takes numbers as JS numbers: exact for integers up to 2^53, which covers
/// millisecond timestamps for the next quarter of a million years.
pub fn number(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}
