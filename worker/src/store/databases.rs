//! Which database a workspace's queries go to.
//!
//! A request names its workspace (in its path or its credential); the
//! directory says which database holds it. Each isolate remembers answers
//! for `DIRECTORY_CACHE_SECS`, so a busy workspace costs the directory one
//! read per isolate per that many seconds, not one per request. A move
//! (`workspace::moves`) first freezes the workspace in the directory and
//! then waits out that time before it copies anything, so by then no isolate
//! still sends the workspace's writes to the old database from memory.

use super::directory::WorkspaceHome;
use super::{CrossWorkspace, Store};
use crate::error::{ApiError, ApiResult};
use leadsbot_shared::databases::{DatabaseName, Databases};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::Env;

/// How long an isolate trusts a directory answer, unless `DIRECTORY_CACHE_SECS` says otherwise.
pub const DEFAULT_CACHE_SECS: i64 = 30;
/// What a request for a moving workspace is told to wait.
pub const MOVING_RETRY_AFTER_SECS: u32 = 5;

thread_local! {
    /// Workspace id → (database, when read). Losing it costs a read, nothing else.
    static HOMES: RefCell<HashMap<String, (String, i64)>> = RefCell::new(HashMap::new());
}

/// This deployment's databases (`DATABASES`).
pub fn configured(env: &Env) -> ApiResult<Databases> {
    let setting = env.var("DATABASES").ok().map(|v| v.to_string());
    Databases::parse(setting.as_deref()).map_err(|e| ApiError::internal("DATABASES", e))
}

pub fn cache_secs(env: &Env) -> i64 {
    env.var("DIRECTORY_CACHE_SECS").ok().and_then(|v| v.to_string().trim().parse().ok()).filter(|s: &i64| *s >= 0).unwrap_or(DEFAULT_CACHE_SECS)
}

/// The store over one database.
pub fn open(env: &Env, name: &DatabaseName) -> ApiResult<Store> {
    let db = env.d1(name.as_str()).map_err(|e| ApiError::internal(&format!("D1 binding {name}"), e))?;
    Ok(Store::new(db))
}

/// One database for work across its workspaces (`CrossWorkspace`).
pub fn across(env: &Env, name: &DatabaseName) -> ApiResult<CrossWorkspace> {
    Ok(CrossWorkspace::new(open(env, name)?))
}

/// The directory's database, for cross-workspace work: placing and finding workspaces.
pub fn directory(env: &Env) -> ApiResult<CrossWorkspace> {
    across(env, &DatabaseName::directory())
}

/// Every database of this deployment, for the cron's sweeps and other
/// cross-workspace work, which runs on each in turn and joins nothing across them.
pub fn all(env: &Env) -> ApiResult<Vec<(DatabaseName, CrossWorkspace)>> {
    configured(env)?.names().iter().map(|name| Ok((name.clone(), across(env, name)?))).collect()
}

/// What `lookup` finds in the first database (in order) where it finds
/// anything: for old credentials, which name no workspace.
pub async fn first_found<T, F, Fut>(env: &Env, lookup: F) -> ApiResult<Option<T>>
where
    F: Fn(CrossWorkspace) -> Fut,
    Fut: std::future::Future<Output = ApiResult<Option<T>>>,
{
    for (_, store) in all(env)? {
        if let Some(found) = lookup(store).await? {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The database that holds `workspace_id`. A workspace the directory does
/// not know is looked for in `DB`, where every workspace made before the
/// directory lives (and where a made-up id finds nothing either). A moving
/// workspace answers 503 with `Retry-After`.
pub async fn home_of(env: &Env, workspace_id: &str, now_ms: i64) -> ApiResult<DatabaseName> {
    let ttl_ms = cache_secs(env) * 1000;
    let cached = HOMES.with(|h| h.borrow().get(workspace_id).filter(|(_, at)| now_ms - at < ttl_ms).map(|(db, _)| db.clone()));
    let databases = configured(env)?;
    let name = match cached {
        Some(name) => name,
        None => {
            let home = directory(env)?.workspace_home(workspace_id).await?;
            let known = home.is_some();
            let name = settled_home(home)?;
            // Only workspaces that exist are remembered: made-up ids cost a read, never memory.
            if ttl_ms > 0 && known {
                HOMES.with(|h| h.borrow_mut().insert(workspace_id.to_string(), (name.clone(), now_ms)));
            }
            name
        }
    };
    databases.get(&name).cloned().ok_or_else(|| ApiError::internal("directory", format!("{workspace_id} lives in {name}, which DATABASES does not name")))
}

/// Where a directory row sends requests: its database, unless it is moving.
fn settled_home(home: Option<WorkspaceHome>) -> ApiResult<String> {
    match home {
        None => Ok(leadsbot_shared::databases::DIRECTORY.to_string()),
        Some(home) if home.moving_to.is_some() => Err(ApiError::Unavailable {
            detail: "this workspace is moving to another database; retry shortly".into(),
            retry_after_secs: MOVING_RETRY_AFTER_SECS,
        }),
        Some(home) => Ok(home.database),
    }
}

/// The store holding `workspace_id`, bound to it (`Store::for_workspace`)
/// when it is an id LeadsBot issues.
pub async fn for_workspace(env: &Env, workspace_id: &str, now_ms: i64) -> ApiResult<Store> {
    Ok(open(env, &home_of(env, workspace_id, now_ms).await?)?.bound_to(workspace_id))
}
