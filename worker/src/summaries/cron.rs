//! The digest step of the cron: for each workspace with Telegram, at or
//! after its digest hour in its own time zone, yesterday's summary (and on
//! Mondays last week's), sent once through the delivery outbox.

use super::digest::{due, text};
use super::period::format_date;
use super::zone::Zone;
use super::{utc_range, SummaryOut, SummaryQuery, UNTOUCHED_AFTER_MS};
use crate::credentials::new_id;
use crate::delivery::message::{enqueue, DeliveryMessage};
use crate::error::ApiResult;
use crate::events::SUMMARY_DIGEST;
use crate::platform::now_ms;
use crate::store::summaries::{DigestTarget, DigestWrite};
use crate::store::Store;
use leadsbot_shared::ids::IdKind;
use leadsbot_shared::time::format_rfc3339;
use serde_json::json;
use worker::Env;

/// Workspaces looked at per run.
const MAX_WORKSPACES: u32 = 500;

pub async fn run(env: Env) {
    let store = match env.d1("DB") {
        Ok(db) => Store::new(db),
        Err(err) => return worker::console_error!("digests: D1 binding DB: {err}"),
    };
    let now = now_ms();
    let targets = match store.digest_targets(MAX_WORKSPACES).await {
        Ok(targets) => targets,
        Err(err) => return worker::console_error!("digests: {err:?}"),
    };
    for target in targets {
        if let Err(err) = send_due(&env, &store, &target, now).await {
            worker::console_error!("digest for {} failed: {err:?}", target.id);
        }
    }
}

async fn send_due(env: &Env, store: &Store, target: &DigestTarget, now: i64) -> ApiResult<()> {
    let Some(zone) = Zone::new(&target.timezone) else { return Ok(()) };
    let Some(local) = zone.local_parts(now) else { return Ok(()) };
    for (period, day) in due(local, target.digest_hour) {
        let query = SummaryQuery { period, day };
        let date = format_date(period.days(day).0);
        if store.digest_sent(&target.id, period.as_str(), &date).await? {
            continue;
        }
        let (start, end) = utc_range(period, day, |t| zone.offset_ms(t));
        let counts = store.summary_counts(&target.id, start, end, now - UNTOUCHED_AFTER_MS).await?;
        let summary = SummaryOut::new(&query, &target.timezone, counts);
        let event_id = new_id(IdKind::Event, now)?;
        let payload = json!({
            "id": event_id, "event": SUMMARY_DIGEST, "created_at": format_rfc3339(now),
            "workspace_id": target.id, "data": summary, "text": text(&summary),
        })
        .to_string();
        let write = DigestWrite { workspace_id: &target.id, period: period.as_str(), date: &date, event_id: &event_id, payload: &payload, now };
        let deliveries = store.write_digest(&write).await?;
        enqueue(env, deliveries.iter().map(DeliveryMessage::from).collect()).await;
    }
    Ok(())
}
