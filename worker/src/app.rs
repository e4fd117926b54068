//! What every handler is given: the request, its route parameters, the store
//! and the runtime, bundled once per request.

use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::store::Store;
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
}

impl App {
    /// The request with what every handler needs: the store, the time.
    pub fn open(req: Request, env: Env, ctx: Context, params: PathParams) -> ApiResult<Self> {
        let sends_mail = crate::config::Config::sends_email(&env);
        let store = Store::new(env.d1("DB").map_err(|err| ApiError::internal("D1 binding DB", err))?).with_member_mail(sends_mail);
        Ok(App { req, env, ctx, store, now_ms: crate::platform::now_ms(), params, cors_origin: None })
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
