//! Workspace settings: validation and the public shape.

use crate::error::{ApiError, ApiResult};
use crate::store::workspaces::WorkspaceRow;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceSettingsIn {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
}

/// `PATCH /api/v1/workspace`: absent fields keep their value;
/// `"lead_retention_days": null` keeps leads forever again.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspacePatchIn {
    pub name: Option<String>,
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    pub lead_retention_days: Option<Option<i64>>,
    /// An IANA name, like `Europe/Berlin`.
    pub timezone: Option<String>,
    /// The local hour the daily digest is sent at, 0 to 23.
    pub digest_hour: Option<i64>,
}

pub fn validate_digest_hour(hour: i64) -> ApiResult<i64> {
    if (0..=23).contains(&hour) {
        Ok(hour)
    } else {
        Err(ApiError::invalid("digest_hour", "out_of_range", "digest_hour is a whole hour from 0 to 23"))
    }
}

fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
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

const MAX_ORIGINS: usize = 50;

/// `name_required` is true on creation; on update, absent fields keep their value
/// (the caller passes the current ones in).
pub fn validate_settings(name: Option<&str>, origins: Option<&[String]>, name_required: bool) -> ApiResult<WorkspaceSettings> {
    let mut errors = Vec::new();
    let name = name.map(str::trim).unwrap_or_default();
    if name.is_empty() && name_required {
        errors.push(FieldError::required("name"));
    } else if name.chars().count() > 200 {
        errors.push(FieldError::too_long("name", 200));
    }
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
/// query or another scheme is refused.
pub fn normalize_origin(origin: &str) -> Option<String> {
    let trimmed = origin.trim().trim_end_matches('/');
    let (scheme, host) = trimmed.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let valid_host = !host.is_empty()
        && host.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        && !host.starts_with(':');
    (matches!(scheme.as_str(), "http" | "https") && valid_host).then(|| format!("{scheme}://{}", host.to_ascii_lowercase()))
}

pub fn workspace_json(row: &WorkspaceRow) -> Value {
    json!({
        "id": row.id,
        "name": row.name,
        "allowed_origins": row.allowed_origins(),
        "public_token_prefix": row.public_token_prefix,
        "inbound_url": format!("/api/inbound/{}/leads", row.id),
        "lead_retention_days": row.lead_retention_days,
        "timezone": row.timezone,
        "digest_hour": row.digest_hour,
        "created_at": format_rfc3339(row.created_at),
        "updated_at": format_rfc3339(row.updated_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized_or_refused() {
        assert_eq!(normalize_origin("HTTPS://Site.Example/").as_deref(), Some("https://site.example"));
        assert_eq!(normalize_origin("http://127.0.0.1:8787").as_deref(), Some("http://127.0.0.1:8787"));
        for bad in ["site.example", "ftp://x.y", "https://x.y/path", "https://", "javascript:alert(1)"] {
            assert_eq!(normalize_origin(bad), None, "{bad}");
        }
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
