//! Stage two of a batch: load every target the batch's deliveries go to,
//! once each, however many deliveries share it.

use crate::error::ApiResult;
use crate::store::deliveries::DeliveryJob;
use crate::store::endpoints::EndpointRow;
use crate::store::integrations::{IntegrationRow, TELEGRAM};
use crate::store::Store;
use futures_util::future::try_join_all;
use std::collections::{BTreeSet, HashMap};

/// Targets by (workspace, target id); `None` when it no longer exists.
#[derive(Default)]
pub struct Targets {
    pub endpoints: HashMap<(String, String), Option<EndpointRow>>,
    pub telegram: HashMap<String, Option<IntegrationRow>>,
}

pub async fn load(store: &Store, jobs: &[&DeliveryJob]) -> ApiResult<Targets> {
    let webhook_keys: BTreeSet<(String, String)> = jobs
        .iter()
        .filter(|j| j.target_kind == "webhook")
        .map(|j| (j.workspace_id.clone(), j.target_id.clone()))
        .collect();
    let telegram_keys: BTreeSet<String> = jobs.iter().filter(|j| j.target_kind == TELEGRAM).map(|j| j.workspace_id.clone()).collect();
    let endpoints = try_join_all(webhook_keys.into_iter().map(|(ws, id)| async move {
        let row = store.endpoint(&ws, &id).await?;
        Ok::<_, crate::error::ApiError>(((ws, id), row))
    }));
    let telegram = try_join_all(telegram_keys.into_iter().map(|ws| async move {
        let row = store.integration(&ws, TELEGRAM).await?;
        Ok::<_, crate::error::ApiError>((ws, row))
    }));
    let (endpoints, telegram) = futures_util::future::try_join(endpoints, telegram).await?;
    Ok(Targets { endpoints: endpoints.into_iter().collect(), telegram: telegram.into_iter().collect() })
}

impl Targets {
    pub fn endpoint(&self, job: &DeliveryJob) -> Option<&EndpointRow> {
        self.endpoints.get(&(job.workspace_id.clone(), job.target_id.clone())).and_then(Option::as_ref)
    }

    pub fn telegram(&self, job: &DeliveryJob) -> Option<&IntegrationRow> {
        self.telegram.get(&job.workspace_id).and_then(Option::as_ref)
    }
}
