//! The one handle whose statements are not scoped to a workspace.

use super::Store;
use crate::error::ApiResult;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;
use worker::D1PreparedStatement;

/// Statements over one database that reach across its workspaces: the
/// directory (placing and finding workspaces), the cron's sweeps,
/// old credentials (which name no workspace) found by their hash alone,
/// a person's memberships by email in every workspace, and workspace moves.
/// Request handlers never hold one: they get `App::store`, whose every
/// statement is scoped by a workspace. Only `store::databases` opens one.
#[derive(Clone)]
pub struct CrossWorkspace(pub(super) Store);

impl CrossWorkspace {
    pub(super) fn new(store: Store) -> Self {
        Self(store)
    }

    /// One whose tenant store raises members' email alerts (`Store::with_member_mail`).
    pub fn with_member_mail(self, on: bool) -> Self {
        Self(self.0.with_member_mail(on))
    }

    /// The tenant store over the same database bound to `workspace_id`
    /// (`Store::for_workspace`), for the work a sweep does in each workspace
    /// it has found.
    pub fn for_workspace(&self, workspace_id: &str) -> Store {
        self.0.bound_to(workspace_id)
    }

    pub(super) fn statement(&self, sql: &str, args: &[JsValue]) -> ApiResult<D1PreparedStatement> {
        self.0.statement(sql, args)
    }

    pub(super) async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Vec<T>> {
        self.0.all(sql, args).await
    }

    pub(super) async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> ApiResult<Option<T>> {
        self.0.first(sql, args).await
    }

    pub(super) async fn run(&self, sql: &str, args: &[JsValue]) -> ApiResult<u32> {
        self.0.run(sql, args).await
    }

    pub(super) async fn batch(&self, statements: Vec<D1PreparedStatement>) -> ApiResult<Vec<worker::D1Result>> {
        self.0.batch(statements).await
    }
}
