//! LeadsBot's edge service. This file is the table of contents: the runtime's
//! entry points, each handing straight to the module that does the work.

mod abuse;
mod app;
mod auth;
mod capture;
mod config;
mod credentials;
mod delivery;
mod error;
mod events;
mod http;
mod leads;
mod platform;
mod routes;
mod secrets;
mod store;
mod workspaces;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    Ok(routes::handle(req, env, ctx).await)
}
