//! A digest's message, built each time it is sent (a replay included) from
//! its stored event, which names untouched leads by id only, and the leads as
//! they are then: an erased lead is not named again.

use super::digest::{text, untouched_ids};
use crate::error::ApiResult;
use crate::store::Store;
use serde_json::Value;

pub async fn digest_message(store: &Store, workspace_id: &str, payload: &Value) -> ApiResult<String> {
    let data = &payload["data"];
    let ids = untouched_ids(data);
    let found = store.lead_emails(workspace_id, &ids).await?;
    let emails: Vec<String> = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
    Ok(text(data, &emails))
}
