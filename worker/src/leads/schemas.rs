//! The schemas of a lead's fields whose rules live in code: built from the
//! same constants its validation uses.

use leadsbot_shared::lead::LeadStatus;
use crate::wire::schema;
use serde_json::json;
use utoipa::openapi::schema::Schema;

/// One of the lead statuses.
pub fn lead_status() -> Schema {
    schema(json!({"type": "string", "enum": LeadStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()}))
}

pub fn tags() -> Schema {
    use super::patch_limits::{MAX_TAGS, MAX_TAG_CHARS};
    schema(json!({
        "type": "array", "maxItems": MAX_TAGS,
        "items": {"type": "string", "minLength": 1, "maxLength": MAX_TAG_CHARS, "pattern": "\\S"},
    }))
}
