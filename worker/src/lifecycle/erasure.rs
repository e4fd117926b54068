//! Erasure: a lead, or every lead of one person, removed with everything
//! that carries its data, in atomic batches; each request recorded without
//! personal data (who, when, how many) and each lead announced as
//! `lead.erased` (its id only) so downstream systems can erase too.

use crate::error::ApiResult;
use crate::leads::events::erased_event;
use crate::store::deliveries::DueDelivery;
use crate::store::erasure::{ErasureBatch, ErasureRecord};
use crate::store::Store;

/// Leads erased per D1 batch (each takes a handful of statements).
pub const LEADS_PER_BATCH: u32 = 20;

/// Who erases, where, and when: an API key id, or `retention` for the cron.
pub struct Eraser<'a> {
    pub workspace_id: &'a str,
    pub requested_by: &'a str,
    pub now_ms: i64,
}

impl Eraser<'_> {
    fn record(&self, leads_erased: u32) -> ErasureRecord<'_> {
        ErasureRecord { workspace_id: self.workspace_id, requested_by: self.requested_by, leads_erased, at: self.now_ms }
    }
}

/// Erases these leads of the workspace (ids of other workspaces match
/// nothing) and records the request, in one batch. Returns the `lead.erased`
/// deliveries to enqueue.
pub async fn erase_leads(store: &Store, who: &Eraser<'_>, lead_ids: &[String]) -> ApiResult<Vec<DueDelivery>> {
    let record = who.record(lead_ids.len() as u32);
    Ok(erase_batch(store, who, lead_ids, Some(&record)).await?.deliveries)
}

/// Erases every lead with this (normalised) email, a batch at a time, then
/// records the request once. Returns the count and the deliveries to enqueue.
pub async fn erase_person(store: &Store, who: &Eraser<'_>, email: &str) -> ApiResult<(u32, Vec<DueDelivery>)> {
    let (mut erased, mut deliveries) = (0u32, Vec::new());
    loop {
        let ids = store.lead_ids_by_email(who.workspace_id, email, LEADS_PER_BATCH).await?;
        if ids.is_empty() {
            break;
        }
        let batch = erase_batch(store, who, &ids, None).await?;
        erased += batch.erased;
        deliveries.extend(batch.deliveries);
    }
    store.run_erasure(Vec::new(), Some(&who.record(erased))).await?;
    Ok((erased, deliveries))
}

async fn erase_batch(store: &Store, who: &Eraser<'_>, lead_ids: &[String], record: Option<&ErasureRecord<'_>>) -> ApiResult<ErasureBatch> {
    let mut per_lead = Vec::new();
    for id in lead_ids {
        let event = erased_event(who.workspace_id, id, who.now_ms)?;
        per_lead.push(store.erase_lead_statements(who.workspace_id, id, &event, who.now_ms)?);
    }
    store.run_erasure(per_lead, record).await
}
