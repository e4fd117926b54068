//! Who is using the inbox: the session behind the cookie, whose it is (an
//! API key's, or a member's), and what it may do.

use crate::auth::session::{csrf_token, secret_hash, session_from_cookie, SessionCookie, TOUCH_EVERY_MS};
use crate::capture::abuse::client_key;
use crate::app::{App, CredentialStore};
use crate::auth::Scope;
use crate::auth::limiter::{count_failure, refuse_known_over, UNKNOWN_SESSIONS_PER_CLIENT};
use crate::error::{ApiError, ApiResult};
use crate::store::sessions::SessionRow;
use leadsbot_shared::credentials::{self, CredentialKind};
use leadsbot_shared::members::{member_actor, Role};

/// A signed-in browser: its workspace, who acts through it, and what they may do.
pub struct Session {
    pub workspace_id: String,
    /// Who every change made through it is recorded as: an API key's id, or
    /// `member:mem_…` (`shared::members::member_actor`).
    pub actor: String,
    /// The person signed in, when a member (not a key) opened the inbox.
    pub member: Option<SessionMember>,
    scopes: Vec<Scope>,
    pub id_hash: String,
    /// The workspace's time zone: the list's date filters and its exports are local to it.
    pub timezone: String,
    /// The per-session token every state-changing form carries.
    pub csrf: String,
    secret: String,
}

/// A signed-in member.
pub struct SessionMember {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
}

impl Session {
    pub fn can(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.can(scope) {
            return Ok(());
        }
        Err(ApiError::Forbidden(match &self.member {
            Some(member) => format!("a {} of this workspace cannot do this", member.role.as_str()),
            None => format!("this inbox is signed in with a key that lacks the {} scope", scope.as_str()),
        }))
    }

    /// Why this session reads only, as the page says it.
    pub fn read_only_note(&self) -> String {
        match &self.member {
            Some(member) => format!("Read-only: you are a {} of this workspace.", member.role.as_str()),
            None => "Read-only: this inbox was opened with a read key.".into(),
        }
    }

    pub fn csrf_matches(&self, given: &str) -> bool {
        crate::auth::session::csrf_matches(&self.secret, given)
    }
}

/// The live session of this request, or `Unauthorized` (a redirect to sign-in).
pub async fn session(app: &App) -> ApiResult<Session> {
    let cookie = app.header("Cookie").unwrap_or_default();
    let secret = match session_from_cookie(&cookie, super::respond::site(app).as_site()) {
        SessionCookie::One(secret) => secret,
        SessionCookie::Absent => return Err(ApiError::Unauthorized("sign in".into())),
        SessionCookie::Several => return Err(ApiError::Unauthorized("two session cookies were sent; sign in again".into())),
    };
    // Made-up cookies cost a D1 read each: a client sending too many unknown ones is refused before it.
    let client = client_key(app);
    refuse_known_over(UNKNOWN_SESSIONS_PER_CLIENT, &client, app.now_ms)?;
    let id_hash = secret_hash(&secret);
    // A new session is looked up in the workspace it names, an old one by its hash alone.
    let found = match credentials::home(CredentialKind::Session, &secret) {
        Some(home) => {
            let (id_hash, now) = (&id_hash, app.now_ms);
            let found = app.find_credential(home, |at| async move {
                match at {
                    CredentialStore::Workspace(store, workspace_id) => store.live_session(workspace_id, id_hash, now).await,
                    CredentialStore::OldCredential(across) => across.live_session_by_hash(id_hash, now).await,
                }
                .map(|row| row.map(|row| (row.workspace_id.clone(), row)))
            });
            found.await?
        }
        None => None,
    };
    let Some(row) = found else {
        count_failure(&app.env, UNKNOWN_SESSIONS_PER_CLIENT, client, app.now_ms).await?;
        return Err(ApiError::Unauthorized("this session ended; sign in again".into()));
    };
    if app.now_ms - row.last_seen_at >= TOUCH_EVERY_MS {
        let (store, workspace_id, hash, now) = (app.store.clone(), row.workspace_id.clone(), id_hash.clone(), app.now_ms);
        app.ctx.wait_until(async move {
            if let Err(err) = store.touch_session(&workspace_id, &hash, now).await {
                worker::console_warn!("could not record session use: {err:?}");
            }
        });
    }
    let (actor, member, scopes) = whose(&row)?;
    Ok(Session { workspace_id: row.workspace_id, actor, member, scopes, timezone: row.timezone, csrf: csrf_token(&secret), id_hash, secret })
}

/// Who a session row belongs to, and what they may do: a member's scopes
/// come from their role (`Role::scopes`), a key's are its own.
fn whose(row: &SessionRow) -> ApiResult<(String, Option<SessionMember>, Vec<Scope>)> {
    match (&row.member_id, &row.key_id) {
        (Some(id), _) => {
            let role = row.role.as_deref().and_then(|r| Role::parse("role", r).ok()).ok_or_else(|| ApiError::internal("session", "member without a role"))?;
            let member = SessionMember { id: id.clone(), email: row.member_email.clone().unwrap_or_default(), name: row.member_name.clone(), role };
            Ok((member_actor(id), Some(member), role.scopes().to_vec()))
        }
        (None, Some(key_id)) => Ok((key_id.clone(), None, row.scopes.as_deref().unwrap_or_default().split_whitespace().filter_map(Scope::parse).collect())),
        (None, None) => Err(ApiError::internal("session", "neither a key nor a member")),
    }
}
