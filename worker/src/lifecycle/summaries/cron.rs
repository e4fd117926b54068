//! The digest step of the cron: for each workspace with Telegram, at or
//! after its digest hour in its own time zone, yesterday's summary (and on
//! Mondays last week's), sent once through the delivery outbox. The step
//! walks the workspaces with a cursor (`sweep_cursor`), a page per tick, so
//! every workspace is reached however many there are.

use super::digest::{due, stored};
use super::period::format_date;
use super::zone::Zone;
use super::{utc_range, SummaryOut, SummaryQuery, UNTOUCHED_AFTER_MS};
use crate::ids::new_id;
use crate::outbox::message::{enqueue, DeliveryMessage};
use crate::error::ApiResult;
use crate::leads::events::SUMMARY_DIGEST;
use crate::platform::now_ms;
use crate::store::summaries::{DigestTarget, DigestWrite};
use crate::store::CrossWorkspace;
use crate::lifecycle::sweep_cursor::next_cursor;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::time::format_rfc3339;
use serde_json::json;
use worker::Env;

/// Workspaces with Telegram looked at per tick (one query; the due check is
/// local, so a page of workspaces with nothing due costs nothing more).
const WORKSPACES_PER_TICK: u32 = 500;
/// Digests written per tick (a few D1 round trips each): at the hour many
/// workspaces share, the next ticks send the rest.
const MAX_DIGESTS_PER_TICK: usize = 100;
/// This sweep's cursor in `sweep_cursors`.
const DIGESTS_SWEEP: &str = "digests";

/// Runs on one database (the cron runs it on each).
pub async fn run(env: &Env, store: &CrossWorkspace) {
    let store = store.clone().with_member_mail(crate::config::Config::sends_email(env));
    if let Err(err) = send_page(env, &store, now_ms()).await {
        worker::console_error!("digests: {err:?}");
    }
}

/// One tick: the next page of workspaces after the cursor, until the tick's
/// budget of digests is spent; the cursor then moves past the last one done.
async fn send_page(env: &Env, store: &CrossWorkspace, now: i64) -> ApiResult<()> {
    let cursor = store.sweep_cursor(DIGESTS_SWEEP).await?;
    let targets = store.digest_targets(cursor.as_deref(), WORKSPACES_PER_TICK).await?;
    let (mut written, mut finished) = (0, 0);
    for target in &targets {
        if written >= MAX_DIGESTS_PER_TICK {
            break;
        }
        match send_due(env, store, target, now).await {
            Ok(n) => written += n,
            // Logged and passed: it is visited again next round, the others are not held back.
            Err(err) => worker::console_error!("digest for {} failed: {err:?}", target.id),
        }
        finished += 1;
    }
    let ids: Vec<&str> = targets.iter().map(|t| t.id.as_str()).collect();
    let next = next_cursor(cursor.as_deref(), &ids, WORKSPACES_PER_TICK, finished);
    store.save_sweep_cursor(DIGESTS_SWEEP, next, now).await
}

/// Sends a workspace's due digests not sent yet; returns how many it wrote.
async fn send_due(env: &Env, store: &CrossWorkspace, target: &DigestTarget, now: i64) -> ApiResult<usize> {
    let Some(zone) = Zone::new(&target.timezone) else { return Ok(0) };
    let Some(local) = zone.local_parts(now) else { return Ok(0) };
    let mut written = 0;
    for (period, day) in due(local, target.digest_hour) {
        let query = SummaryQuery { period, day };
        let date = format_date(period.days(day).0);
        if store.for_workspace(&target.id).digest_sent(&target.id, period.as_str(), &date).await? {
            continue;
        }
        let (start, end) = utc_range(period, day, |t| zone.offset_ms(t));
        let counts = store.for_workspace(&target.id).summary_counts(&target.id, start, end, now - UNTOUCHED_AFTER_MS).await?;
        let summary = SummaryOut::new(&query, &target.timezone, counts);
        let event_id = new_id(IdKind::Event, now)?;
        // No text and no email: the message is built from this when it is sent (`summaries::message`).
        let payload = json!({
            "id": event_id, "event": SUMMARY_DIGEST, "created_at": format_rfc3339(now),
            "workspace_id": target.id, "data": stored(&summary)?,
        })
        .to_string();
        let write = DigestWrite { workspace_id: &target.id, period: period.as_str(), date: &date, event_id: &event_id, payload: &payload, now };
        let deliveries = store.for_workspace(&target.id).write_digest(&write).await?;
        written += 1;
        enqueue(env, deliveries.iter().map(DeliveryMessage::from).collect()).await;
    }
    Ok(written)
}
