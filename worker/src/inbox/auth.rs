//! Who is using the inbox: the session behind the cookie, and what its key may do.

use crate::auth::session::{csrf_token, secret_hash, session_from_cookie, SessionCookie, TOUCH_EVERY_MS};
use crate::capture::abuse::client_key;
use crate::app::App;
use crate::auth::Scope;
use crate::auth::limiter::{count_failure, refuse_known_over, UNKNOWN_SESSIONS_PER_CLIENT};
use crate::error::{ApiError, ApiResult};

/// A signed-in browser: its workspace, the key it acts as, and that key's scopes.
pub struct Session {
    pub workspace_id: String,
    pub key_id: String,
    scopes: Vec<Scope>,
    pub id_hash: String,
    /// The workspace's time zone: the list's date filters and its exports are local to it.
    pub timezone: String,
    /// The per-session token every state-changing form carries.
    pub csrf: String,
    secret: String,
}

impl Session {
    pub fn can(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }

    pub fn require(&self, scope: Scope) -> ApiResult<()> {
        if self.can(scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!("this inbox is signed in with a key that lacks the {} scope", scope.as_str())))
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
    let Some(row) = app.store.live_session(&id_hash, app.now_ms).await? else {
        count_failure(&app.env, UNKNOWN_SESSIONS_PER_CLIENT, client, app.now_ms).await?;
        return Err(ApiError::Unauthorized("this session ended; sign in again".into()));
    };
    if app.now_ms - row.last_seen_at >= TOUCH_EVERY_MS {
        let (store, hash, now) = (app.store.clone(), id_hash.clone(), app.now_ms);
        app.ctx.wait_until(async move {
            if let Err(err) = store.touch_session(&hash, now).await {
                worker::console_warn!("could not record session use: {err:?}");
            }
        });
    }
    let scopes = row.scopes.split_whitespace().filter_map(Scope::parse).collect();
    Ok(Session { workspace_id: row.workspace_id, key_id: row.key_id, scopes, timezone: row.timezone, csrf: csrf_token(&secret), id_hash, secret })
}
