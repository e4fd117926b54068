//! LeadsBot's edge service. This file is the table of contents: the runtime's
//! entry points, each handing straight to the module that does the work.

// The rooms, from the top down: each imports only rooms below it
// (`scripts/check-layers.mjs` holds the order; README "How it is built").
mod api;
mod inbox;
mod automation;
mod capture;
mod team;
mod lifecycle;
mod outbox;
mod auth;
mod leads;
mod workspace;
mod store;
// The core every room stands on.
mod app;
mod config;
mod error;
mod http;
mod ids;
mod platform;
mod secrets;
mod wire;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    // `/app` is the inbox (HTML pages with their own small table); `/u/` an
    // email's unsubscribe link; the rest is the API.
    let path = req.path();
    Ok(if inbox::owns(&path) {
        inbox::serve(req, env, ctx).await
    } else if outbox::unsubscribe::owns(&path) {
        outbox::unsubscribe::serve(req, env).await
    } else {
        api::handle(req, env, ctx).await
    })
}

/// The delivery queue's and the dead-letter queue's consumer. Every message
/// is acked or retried inside; this never returns an error (workers-rs would
/// panic on one).
#[event(queue)]
async fn queue(batch: MessageBatch<outbox::message::DeliveryMessage>, env: Env, _ctx: Context) -> Result<()> {
    outbox::consume(batch, env, &automation::jobs::Automation).await;
    Ok(())
}

/// The cron: sweeps the outbox's jobs (overdue, due within the minute beyond
/// the queue's reach, waiting their turn, unattemptable), applies retention,
/// forgets old Telegram update ids, sends digests, re-seals secrets still
/// under a previous `SECRETS_KEY`, and re-normalises emails stored before
/// they had one form.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    let databases = match store::databases::all(&env) {
        Ok(databases) => databases,
        Err(err) => return worker::console_error!("cron: {err:?}"),
    };
    // A database a move is copying from or to is left alone until the move is
    // over: a sweep's write there could land after its rows were copied.
    let moving = workspace::moves::databases_in_moves(&env).await;
    // Every sweep runs on each database, side by side; nothing joins across them.
    futures_util::future::join_all(databases.iter().filter(|(name, _)| !moving.contains(name)).map(|(_, store)| async {
        outbox::sweeper::sweep(&env, store).await;
        automation::telegram::forget_old_updates(store).await;
        lifecycle::retention::run(&env, store).await;
        lifecycle::summaries::cron::run(&env, store).await;
        lifecycle::rotation::reseal(&env, store).await;
        inbox::sweep(store).await;
        lifecycle::email_renormalisation::run(store).await;
    }))
    .await;
}
