//! Workspace settings: validation and the public shape.

pub mod moves;

use crate::error::{ApiError, ApiResult};
use crate::store::workspaces::WorkspaceRow;
use crate::wire::schema;
use serde_json::json;
use utoipa::openapi::schema::Schema;
use crate::wire::{non_null, non_null_whole, nullable_whole};
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new workspace (operator only).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceIn {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// Origins whose pages may post with the public token; empty admits any.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = origins)]
    pub allowed_origins: Option<Vec<String>>,
    /// The workspace's first owner, invited by email.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, format = Email, max_length = 254)]
    pub owner_email: Option<String>,
}

/// Workspace settings to change; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatch {
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = origins)]
    pub allowed_origins: Option<Vec<String>>,
    /// Leads older than this many days are erased by the cron; `null` keeps leads forever.
    #[serde(default, deserialize_with = "nullable_whole")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3650)]
    pub lead_retention_days: Option<Option<i64>>,
    /// An IANA time zone name, like `Europe/Berlin`, written exactly (`shared::time_zone`).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = time_zone)]
    pub timezone: Option<String>,
    /// The local hour the daily digest is sent at, 0 to 23.
    #[serde(default, deserialize_with = "non_null_whole")]
    #[schema(nullable = false, minimum = 0, maximum = 23)]
    pub digest_hour: Option<i64>,
}

/// A time zone given in a change: one of `shared::time_zone::NAMES`, as written.
pub fn validate_time_zone(name: String) -> ApiResult<String> {
    if leadsbot_shared::time_zone::is_time_zone(&name) {
        Ok(name)
    } else {
        Err(ApiError::invalid("timezone", "unknown_timezone", "timezone is an IANA time zone name, written exactly, like Europe/Berlin"))
    }
}

pub fn validate_digest_hour(hour: i64) -> ApiResult<i64> {
    if (0..=23).contains(&hour) {
        Ok(hour)
    } else {
        Err(ApiError::invalid("digest_hour", "out_of_range", "digest_hour is a whole hour from 0 to 23"))
    }
}

/// Ten years at most; at least a day.
pub const MAX_LEAD_RETENTION_DAYS: i64 = 3650;

pub fn validate_retention(days: Option<i64>) -> ApiResult<Option<i64>> {
    match days {
        Some(d) if !(1..=MAX_LEAD_RETENTION_DAYS).contains(&d) => Err(ApiError::invalid(
            "lead_retention_days",
            "out_of_range",
            format!("lead_retention_days is a whole number of days from 1 to {MAX_LEAD_RETENTION_DAYS}, or null to keep leads"),
        )),
        other => Ok(other),
    }
}

#[derive(Debug, PartialEq)]
pub struct WorkspaceSettings {
    pub name: String,
    pub allowed_origins: Vec<String>,
}

pub const MAX_ORIGINS: usize = 50;
pub const MAX_NAME_CHARS: usize = 200;

/// `name_required` is true on creation; on update, absent fields keep their value
/// (the caller passes the current ones in).
pub fn validate_settings(name: Option<&str>, origins: Option<&[String]>, name_required: bool) -> ApiResult<WorkspaceSettings> {
    let mut errors = Vec::new();
    let raw = name.unwrap_or_default();
    if raw.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::too_long("name", MAX_NAME_CHARS));
    } else if crate::wire::is_blank(raw) && name_required {
        errors.push(FieldError::required("name"));
    }
    let name = raw.trim();
    let origins = origins.unwrap_or_default();
    if origins.len() > MAX_ORIGINS {
        errors.push(FieldError::new("allowed_origins", "too_many", format!("at most {MAX_ORIGINS} origins")));
    }
    let mut normalized = Vec::new();
    for (i, origin) in origins.iter().enumerate() {
        match normalize_origin(origin) {
            Some(o) => normalized.push(o),
            None => errors.push(FieldError::new(
                format!("allowed_origins[{i}]"),
                "invalid_origin",
                "an origin is scheme://host[:port], like https://site.example",
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(WorkspaceSettings { name: name.to_string(), allowed_origins: normalized })
}

/// `https://Site.Example/` → `https://site.example`; anything with a path,
/// query, surrounding spaces, another scheme or a malformed host is refused
/// (`origins` says the same as a pattern).
pub fn normalize_origin(origin: &str) -> Option<String> {
    let trimmed = origin.trim_end_matches('/');
    let (scheme, authority) = trimmed.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    (matches!(scheme.as_str(), "http" | "https") && valid_authority(authority)).then(|| format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// `host[:port]`: DNS labels (letters, digits, hyphens) joined by dots, which
/// covers IPv4 addresses too; a port of 1 to 5 digits. (IPv6 literals are not
/// taken: no site serves a form from one.)
fn valid_authority(authority: &str) -> bool {
    let (host, port) = match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let port_ok = port.is_none_or(|p| (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && host.split('.').all(|label| !label.is_empty() && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// A workspace's settings, as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceOut {
    pub id: String,
    pub name: String,
    pub allowed_origins: Vec<String>,
    /// Enough of the public token to recognise it.
    pub public_token_prefix: String,
    /// Where browsers and servers post leads: an absolute URL, on the origin the request was sent to.
    pub inbound_url: String,
    /// Leads older than this many days are erased; `null` keeps them.
    pub lead_retention_days: Option<i64>,
    /// The IANA time zone of summaries and the digest.
    pub timezone: String,
    /// The local hour of the daily digest.
    pub digest_hour: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl WorkspaceOut {
    /// `origin` is the request's `scheme://host`, as other absolute URLs are built (`App::origin`).
    pub fn new(origin: &str, row: &WorkspaceRow) -> Self {
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            allowed_origins: row.allowed_origins(),
            public_token_prefix: row.public_token_prefix.clone(),
            inbound_url: format!("{origin}/api/inbound/{}/leads", row.id),
            lead_retention_days: row.lead_retention_days,
            timezone: row.timezone.clone(),
            digest_hour: row.digest_hour,
            created_at: format_rfc3339(row.created_at),
            updated_at: format_rfc3339(row.updated_at),
        }
    }
}

/// A new workspace with its credentials, each shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceCreatedOut {
    pub id: String,
    pub name: String,
    pub allowed_origins: Vec<String>,
    /// `pk_{workspace id}_{secret}`, for the widget.
    pub public_token: String,
    /// An API key with every scope.
    pub api_key: String,
    /// Signs server posts to the capture endpoint (X-LeadsBot-Signature).
    pub inbound_signing_secret: String,
    /// The D1 binding of the database the workspace was placed on (`DB`, `DB_1`, …).
    #[schema(example = "DB_1")]
    pub database: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(normalize_origin("HTTPS://Site.Example/").as_deref(), Some("https://site.example"));
        assert_eq!(normalize_origin("http://127.0.0.1:8787").as_deref(), Some("http://127.0.0.1:8787"));
        for bad in ["site.example", "ftp://x.y", "https://x.y/path", "https://", "javascript:alert(1)", " https://x.y", "https://[]", "https://a..b", "https://a:", "https://a:123456", "https://:80", "http://[::1]"] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_time_zone_is_an_iana_name_as_written() {
        assert_eq!(validate_time_zone("Europe/Berlin".into()).unwrap(), "Europe/Berlin");
        for bad in ["europe/berlin", " UTC", "Mars/Olympus_Mons", ""] {
            assert!(matches!(validate_time_zone(bad.into()), Err(ApiError::Validation(_))), "{bad:?}");
        }
    }

    #[test]
    fn the_time_zone_schema_lists_every_name_the_server_takes() {
        let schema = serde_json::to_value(time_zone()).unwrap();
        let listed: Vec<&str> = schema["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(listed, leadsbot_shared::time_zone::NAMES);
    }

    #[test]
    fn retention_is_a_day_to_ten_years_or_none() {
        assert_eq!(validate_retention(Some(30)).unwrap(), Some(30));
        assert_eq!(validate_retention(None).unwrap(), None);
        for bad in [0, -1, 3651] {
            assert!(matches!(validate_retention(Some(bad)), Err(ApiError::Validation(_))), "{bad}");
        }
    }

    #[test]
    fn creation_needs_a_name() {
        assert!(matches!(validate_settings(None, None, true), Err(ApiError::Validation(_))));
        let ok = validate_settings(Some(" Acme "), Some(&["https://a.example".into()]), true).unwrap();
        assert_eq!(ok, WorkspaceSettings { name: "Acme".into(), allowed_origins: vec!["https://a.example".into()] });
    }
}

/// Time zones: exactly the names `validate_time_zone` takes.
pub fn time_zone() -> Schema {
    schema(json!({
        "type": "string", "enum": leadsbot_shared::time_zone::NAMES.as_slice(),
        "description": "An IANA time zone name, like `Europe/Berlin`, written exactly.",
    }))
}

/// Allowed origins: `scheme://host[:port]`, as `normalize_origin` accepts them.
pub fn origins() -> Schema {
    
    schema(json!({
        "type": "array", "maxItems": MAX_ORIGINS,
        "items": {"type": "string", "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*(:[0-9]{1,5})?/*$"},
    }))
}
