//! LeadsBot's edge service. This file is the table of contents: the runtime's
//! entry points, each handing straight to the module that does the work.

mod abuse;
mod app;
mod auth;
mod campaigns;
mod capture;
mod config;
mod credentials;
mod delivery;
mod email_renormalisation;
mod erasure;
mod error;
mod events;
mod exports;
mod follow_ups;
mod http;
mod inbox;
mod leads;
mod limiter;
mod loops;
// Only the native document test calls the generator; the wasm build keeps the
// derives and `#[utoipa::path]`s it needs to compile, and drops the rest.
#[cfg_attr(not(test), allow(dead_code))]
mod openapi;
mod platform;
mod retention;
mod rotation;
mod routes;
mod secrets;
mod store;
mod summaries;
mod sweep_cursor;
mod telegram;
mod wire;
mod workflows;
mod workspaces;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    // `/app` is the inbox (HTML pages with their own small table); the rest is the API.
    Ok(if inbox::owns(&req.path()) { inbox::serve(req, env, ctx).await } else { routes::handle(req, env, ctx).await })
}

/// The delivery queue's and the dead-letter queue's consumer. Every message
/// is acked or retried inside; this never returns an error (workers-rs would
/// panic on one).
#[event(queue)]
async fn queue(batch: MessageBatch<delivery::message::DeliveryMessage>, env: Env, _ctx: Context) -> Result<()> {
    delivery::consume(batch, env).await;
    Ok(())
}

/// The cron: sweeps deliveries (overdue, waiting their turn, unattemptable),
/// hands follow-ups due within the minute to the queue, applies retention, sends digests, then re-seals secrets still under a
/// previous `SECRETS_KEY`, and re-normalises emails stored before they had one form.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    delivery::sweeper::sweep(env.clone()).await;
    follow_ups::fire::sweep(&env).await;
    retention::run(env.clone()).await;
    summaries::cron::run(env.clone()).await;
    rotation::reseal(&env).await;
    inbox::sweep(env.clone()).await;
    email_renormalisation::run(&env).await;
}
