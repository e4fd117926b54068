//! What every handler is given: the request, its route parameters, the store
//! and the runtime, bundled once per request.

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::store::{databases, CrossWorkspace, Store};
use leadsbot_shared::credentials::Home;
use leadsbot_shared::databases::DatabaseName;
use leadsbot_shared::workspace_id::WorkspaceId;
use worker::{Context, Env, Request};

/// A request's `:name` path parameters, as its route matched them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PathParams(pub Vec<(&'static str, String)>);

impl PathParams {
    /// The parameter's value; empty when the route has none of that name.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }
}

pub struct App {
    pub req: Request,
    pub env: Env,
    pub ctx: Context,
    pub store: Store,
    pub now_ms: i64,
    pub params: PathParams,
    /// Set by handlers that answer browsers once the origin is known to be
    /// allowed; every response to the request then carries CORS headers,
    /// errors included, so the page can read why it failed.
    pub cors_origin: Option<String>,
    /// The workspace `store` was pointed at, and its database, once the request named it.
    bound: std::cell::RefCell<Option<(String, DatabaseName)>>,
}

impl App {
    /// The request with what every handler needs: the store, the time.
    pub fn open(req: Request, env: Env, ctx: Context, params: PathParams) -> ApiResult<Self> {
        let sends_mail = crate::config::Config::sends_email(&env);
        // Until the request names its workspace, the store is the directory's database.
        let store = databases::open(&env, &DatabaseName::directory())?.with_member_mail(sends_mail);
        Ok(App { req, env, ctx, store, now_ms: crate::platform::now_ms(), params, cors_origin: None, bound: Default::default() })
    }

    /// Points this request's store at the database holding `workspace_id`
    /// (the directory says which; a moving workspace answers 503). Every
    /// credential and path that names a workspace comes through here before
    /// its first read; a request serves one workspace only.
    pub async fn bind_workspace(&self, workspace_id: &str) -> ApiResult<()> {
        if let Some((bound, _)) = self.bound.borrow().as_ref() {
            return match bound == workspace_id {
                true => Ok(()),
                false => Err(ApiError::internal("bind_workspace", "one request named two workspaces")),
            };
        }
        let database = databases::home_of(&self.env, workspace_id, self.now_ms).await?;
        let home = databases::open(&self.env, &database)?;
        match WorkspaceId::parse(workspace_id) {
            // From here on the request's store runs no statement naming another workspace.
            Ok(workspace) => self.store.bind(&home, workspace),
            // An id LeadsBot never issued: no workspace has it, so the request finds nothing.
            Err(_) => self.store.point_at(&home),
        }
        *self.bound.borrow_mut() = Some((workspace_id.to_string(), database));
        Ok(())
    }

    /// The database `store` runs on: the bound workspace's, else the directory's.
    pub fn database(&self) -> DatabaseName {
        self.bound.borrow().as_ref().map_or_else(DatabaseName::directory, |(_, database)| database.clone())
    }

    /// Looks a credential up where it lives: a new one in the workspace it
    /// names, through the request's store; an old one (naming no workspace)
    /// across the workspaces of each database in turn until one knows it.
    /// `lookup` returns the credential's workspace and what was found; the
    /// request is then bound to that workspace.
    pub async fn find_credential<'a, T, F, Fut>(&self, home: Home<'a>, lookup: F) -> ApiResult<Option<T>>
    where
        F: Fn(CredentialStore<'a>) -> Fut,
        Fut: std::future::Future<Output = ApiResult<Option<(String, T)>>>,
    {
        if let Home::Workspace(workspace_id) = home {
            self.bind_workspace(workspace_id).await?;
            return Ok(lookup(CredentialStore::Workspace(self.store.clone(), workspace_id)).await?.map(|(_, found)| found));
        }
        let Some((workspace_id, found)) = databases::first_found(&self.env, |across| lookup(CredentialStore::OldCredential(across))).await? else { return Ok(None) };
        self.bind_workspace(&workspace_id).await?;
        Ok(Some(found))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        crate::http::header(&self.req, name)
    }

    pub fn param(&self, name: &str) -> String {
        self.params.get(name).to_string()
    }

    pub fn config(&self) -> ApiResult<Config> {
        Config::from_env(&self.env)
    }

    /// `scheme://host` of this request, for URLs we hand back.
    pub fn origin(&self) -> ApiResult<String> {
        let url = self.req.url().map_err(|e| ApiError::BadRequest(format!("bad URL: {e}")))?;
        Ok(url.origin().ascii_serialization())
    }
}

/// Where `App::find_credential` looks a credential up: the request's store,
/// bound to the workspace a new credential names, or one database's
/// cross-workspace handle for an old credential, found by its hash alone.
pub enum CredentialStore<'a> {
    Workspace(Store, &'a str),
    OldCredential(CrossWorkspace),
}
