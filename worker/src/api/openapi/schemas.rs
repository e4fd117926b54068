//! Schemas for values whose rules live in code rather than in a Rust type:
//! each is built from the same constants the validation uses.

use serde_json::json;
use utoipa::openapi::schema::Schema;

// Schemas of values a room below validates sit beside their types there.
pub use crate::auth::credentials::scopes_in;
pub use crate::outbox::endpoints::delivery_status;
pub use crate::leads::schemas::lead_status;
use crate::wire::schema;


/// A lead list cursor: a lead id, or empty for the first page.
pub fn lead_cursor() -> Schema {
    schema(json!({"type": "string", "pattern": format!("^(|lead_[0-9A-HJKMNP-TV-Z]{{26}})$")}))
}






/// A capture URL's field mapping, as `mapping::validate_mapping` accepts it
/// (dotted paths whose every key has a visible character); presets also take
/// these (a reference, key or label of 1 to 200 characters).
pub fn field_mapping() -> Schema {
    use leadsbot_shared::mapping::MAX_MAPPED_FIELDS;
    schema(json!({
        "type": "object", "maxProperties": MAX_MAPPED_FIELDS,
        "propertyNames": {"type": "string", "minLength": 1, "maxLength": 64},
        "additionalProperties": {"type": "string", "maxLength": 200, "pattern": "^[^.]*[^.\\s][^.]*(\\.[^.]*[^.\\s][^.]*)*$"},
    }))
}

/// A capture URL preset.
pub fn preset() -> Schema {
    use leadsbot_shared::presets::Preset;
    schema(json!({"type": "string", "enum": Preset::ALL.map(Preset::as_str)}))
}


/// Every channel a job of the outbox can have, as the delivery log names it.
pub fn job_channel() -> Schema {
    let channels: Vec<&str> = leadsbot_shared::job::JobKind::ALL.iter().map(|k| k.public_name()).collect();
    schema(json!({"type": "string", "enum": channels}))
}

/// Every event type endpoints receive.
pub fn event_type() -> Schema {
    schema(json!({"type": "string", "enum": crate::outbox::webhook::EVENT_TYPES}))
}

/// Every status a job of the outbox can be in.
pub fn job_status() -> Schema {
    let statuses: Vec<&str> = leadsbot_shared::job::JobStatus::ALL.iter().map(|s| s.as_str()).collect();
    schema(json!({"type": "string", "enum": statuses}))
}



pub fn bot_token() -> Schema {
    use crate::api::telegram::MAX_TOKEN_CHARS;
    schema(json!({"type": "string", "maxLength": MAX_TOKEN_CHARS, "pattern": "^[A-Za-z0-9_-]*:[A-Za-z0-9_:-]*$"}))
}

pub fn chat_id() -> Schema {
    use crate::api::telegram::{MAX_CHAT_ID_CHARS, MAX_CHAT_ID_NUMBER};
    schema(json!({"oneOf": [
        {"type": "integer", "minimum": -MAX_CHAT_ID_NUMBER, "maximum": MAX_CHAT_ID_NUMBER},
        {"type": "string", "maxLength": MAX_CHAT_ID_CHARS, "pattern": "\\S"},
    ]}))
}

/// A lead as posted, as `lead::parse_lead` reads it: forms send anything as
/// any scalar, so every field but `email` may be a string, number, boolean
/// or null (null is "not given"); strings have the field's limit. Other
/// fields become custom fields (at most 50; values are scalars or lists of
/// strings and numbers). `nested` adds the `custom` and `context` groups,
/// which only JSON can carry.
fn lead_in(nested: bool) -> Schema {
    use leadsbot_shared::lead::{attribute_limits, MAX_CUSTOM_KEY_CHARS, MAX_CUSTOM_VALUE_CHARS};
    let scalar = |max: Option<usize>| {
        let mut field = json!({"type": ["string", "number", "boolean", "null"]});
        if let Some(max) = max {
            field["maxLength"] = max.into();
        }
        field
    };
    let mut properties = serde_json::Map::new();
    properties.insert("email".into(), json!({"type": "string", "format": "email", "maxLength": 254}));
    for (name, max) in attribute_limits() {
        properties.insert(name.into(), scalar(Some(max)));
    }
    for control in leadsbot_shared::lead::CONTROL_FIELDS {
        properties.insert(control.into(), scalar(None));
    }
    let custom_value = json!({"anyOf": [
        scalar(Some(MAX_CUSTOM_VALUE_CHARS)),
        {"type": "array", "maxItems": 100, "items": {"type": ["string", "number"]}},
    ]});
    if nested {
        let group = json!({"type": ["object", "null"], "propertyNames": {"type": "string", "maxLength": MAX_CUSTOM_KEY_CHARS}, "additionalProperties": custom_value});
        properties.insert("custom".into(), group.clone());
        properties.insert("context".into(), group);
    }
    schema(json!({
        "type": "object",
        "description": "Known fields below (common aliases such as first_name + last_name, tel or comments are understood); up to 50 other fields are kept as custom fields. `source` is a short slug; `_token` the public token; `_submission_id` an idempotency key; a filled `_gotcha` honeypot marks spam.",
        "required": ["email"],
        "properties": properties,
        "propertyNames": {"type": "string", "maxLength": MAX_CUSTOM_KEY_CHARS},
        "additionalProperties": custom_value,
    }))
}

/// A named schema built by one of the functions above, for places that take
/// a type (request bodies, parameters).
macro_rules! named_schema {
    ($($(#[$doc:meta])* $name:ident = $build:expr;)*) => {$(
        $(#[$doc])*
        pub struct $name;
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<Schema> {
                $build.into()
            }
        }
        impl utoipa::ToSchema for $name {}
    )*};
}

named_schema! {
    /// The body of a capture (JSON, or JSON sent as text/plain).
    LeadIn = lead_in(true);
    /// The body of a capture sent as a form (no nested groups).
    LeadForm = lead_in(false);
    /// One of the lead statuses.
    LeadStatusName = lead_status();
    /// A member's role.
    RoleName = schema(json!({"type": "string", "enum": leadsbot_shared::members::Role::ALL.map(|r| r.as_str())}));
    /// A member's choice of email alerts.
    AlertsName = schema(json!({"type": "string", "enum": leadsbot_shared::members::Alerts::ALL.map(|a| a.as_str())}));
    /// A lead list cursor.
    LeadCursor = lead_cursor();
    /// A lead's notes list cursor.
    NoteCursor = schema(json!({"type": "string", "pattern": "^(|note_[0-9A-HJKMNP-TV-Z]{26})$"}));
    /// A capture URL list cursor: the last one's `created_at` (ms) and id.
    CaptureUrlCursor = schema(json!({"type": "string", "pattern": "^(|[0-9]{1,15}\\.(cap_(ws_[0-9A-HJKMNP-TV-Z]{26}_)?|wh_)[0-9A-Za-z]{24})$"}));
    /// One of the delivery statuses.
    DeliveryStatusName = delivery_status();
    /// One of a job's statuses.
    JobStatusName = job_status();
    /// A job's channel, as the delivery log names it.
    JobChannelName = job_channel();
    /// A lead id.
    LeadId = schema(json!({"type": "string", "pattern": "^lead_[0-9A-HJKMNP-TV-Z]{26}$"}));
    /// A summary's period.
    PeriodName = schema(json!({"type": "string", "enum": ["day", "week"]}));
    /// An export's format.
    ExportFormat = schema(json!({"type": "string", "enum": ["csv", "ndjson"]}));
    /// One of the event types endpoints receive.
    EventTypeName = event_type();
}
