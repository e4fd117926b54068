//! Making ids: the one low module every room takes its ids from (prefixed,
//! time-sortable, random: `shared::ids` says how they are spelled).

use crate::error::ApiResult;
use crate::platform::random_bytes;
use leadsbot_shared::ids::{sortable_id, IdKind};

pub fn new_id(kind: IdKind, now_ms: i64) -> ApiResult<String> {
    Ok(sortable_id(kind, now_ms as u64, random_bytes()?))
}
