//! Capture URLs (`/api/v1/inbound-webhooks`): URLs whose id is the credential,
//! for tools that can only be given a URL.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, no_content, page_type, query_pairs, read_json, PageQuery};
use crate::api::openapi::schemas::{self, CaptureUrlCursor};
use crate::api::openapi::problems::{BodyProblems, KeyProblems, NotFound, QueryProblems};
use crate::platform::random_bytes;
use crate::store::capture_urls::CaptureUrlRow;
use crate::wire::non_null;
use leadsbot_shared::ids::{capture_url_id, is_capture_url_id};
use leadsbot_shared::mapping::validate_mapping;
use leadsbot_shared::presets::{validate_preset_mapping, Preset};
use leadsbot_shared::signing::new_endpoint_secret;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use worker::Response;

const MAX_NAME_CHARS: usize = 100;

/// A new capture URL.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaptureUrlIn {
    /// Defaults to "Capture URL".
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false, max_length = 100)]
    name: Option<String>,
    /// Generic: lead field → dotted path into the posted JSON, e.g.
    /// `{"email": "form_response.answers.0.email"}`. With a preset: lead field → the tool's
    /// field reference, key or label.
    #[serde(default)]
    #[schema(schema_with = schemas::field_mapping)]
    field_mapping: Map<String, Value>,
    /// When true, posts must be signed with the secret returned once: our server signature,
    /// or with a preset the tool's own signature header. Defaults to true with a preset.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(nullable = false)]
    require_signature: Option<bool>,
    /// The tool's payload shape and signature scheme.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = schemas::preset)]
    preset: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaptureUrlOut {
    /// `cap_<workspace id>_…`; capture URLs made earlier keep their `cap_…` or `wh_…` id.
    #[schema(pattern = "^(cap_(ws_[0-9A-HJKMNP-TV-Z]{26}_)?|wh_)[0-9A-Za-z]{24}$")]
    id: String,
    name: String,
    /// Give this URL to the tool.
    url: String,
    /// `typeform`, `tally`, or `null` for a generic capture URL.
    preset: Option<String>,
    #[schema(schema_with = schemas::field_mapping)]
    field_mapping: Map<String, Value>,
    /// Whether posts must be signed.
    signed: bool,
    #[schema(format = DateTime)]
    created_at: String,
}

/// A new capture URL, with its signing secret (if it requires signatures) shown only this once.
#[derive(Serialize, ToSchema)]
pub struct CaptureUrlCreatedOut {
    #[serde(flatten)]
    capture_url: CaptureUrlOut,
    signing_secret: Option<String>,
}

page_type!(
    /// A page of capture URLs, newest first (by `created_at`, then id).
    CaptureUrlListOut, CaptureUrlOut
);

/// Where a page of capture URLs starts: the `created_at` and id of the
/// previous page's last one, as `{created_at}.{id}` (ids are random, so the
/// id alone cannot say which are older).
fn cursor_of(row: &CaptureUrlRow) -> String {
    format!("{}.{}", row.created_at, row.id)
}

/// Digits of a cursor's time: milliseconds up to the year 33658.
const MAX_TIME_DIGITS: usize = 15;

/// The (created_at, id) a cursor names; `None` if it is not one `cursor_of`
/// makes (the document's `CaptureUrlCursor` pattern says the same).
fn parse_cursor(cursor: &str) -> Option<(i64, &str)> {
    let (at, id) = cursor.split_once('.')?;
    let at = Some(at).filter(|a| (1..=MAX_TIME_DIGITS).contains(&a.len()) && a.bytes().all(|b| b.is_ascii_digit()))?.parse().ok()?;
    is_capture_url_id(id).then_some((at, id))
}

impl CaptureUrlOut {
    fn new(origin: &str, row: &CaptureUrlRow) -> Self {
        Self {
            id: row.id.clone(),
            name: row.name.clone(),
            url: format!("{origin}/api/inbound/w/{}/leads", row.id),
            preset: row.preset.clone(),
            field_mapping: serde_json::from_str(&row.field_mapping).unwrap_or_default(),
            signed: row.secret_sealed.is_some(),
            created_at: format_rfc3339(row.created_at),
        }
    }
}

fn parse_preset(preset: Option<&str>) -> ApiResult<Option<Preset>> {
    let Some(name) = preset else { return Ok(None) };
    let known = Preset::ALL.map(Preset::as_str).join(", ");
    Preset::parse(name).map(Some).ok_or_else(|| ApiError::invalid("preset", "unknown_preset", format!("preset must be one of: {known}")))
}

/// List capture URLs (admin), newest first
#[utoipa::path(get, path = "/api/v1/inbound-webhooks", operation_id = "listCaptureUrls", tag = "capture-urls", security(("apiKey" = [])),
    params(
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 100, description = "Page size, 1 to 100 (default 50)"),
        ("cursor" = Option<CaptureUrlCursor>, Query, description = "next_cursor of the previous page; empty is the first page"),
    ),
    responses((status = 200, description = "A page of capture URLs", body = CaptureUrlListOut), KeyProblems, QueryProblems))]
pub async fn list(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let page = PageQuery::only(&query_pairs(&app.req)?)?;
    let before = match page.cursor.as_deref() {
        Some(cursor) => Some(parse_cursor(cursor).ok_or_else(|| ApiError::invalid("cursor", "invalid_cursor", "use the next_cursor of a previous page"))?),
        None => None,
    };
    let origin = app.origin()?;
    let mut rows = app.store.capture_urls_page(&key.workspace_id, before, page.limit + 1).await?;
    let next_cursor = page.cut(&mut rows, cursor_of);
    json(200, &CaptureUrlListOut::new(rows.iter().map(|r| CaptureUrlOut::new(&origin, r)).collect(), next_cursor))
}

/// Create a capture URL (admin)
#[utoipa::path(post, path = "/api/v1/inbound-webhooks", operation_id = "createCaptureUrl", tag = "capture-urls", security(("apiKey" = [])),
    request_body = CaptureUrlIn,
    responses((status = 201, description = "Created", body = CaptureUrlCreatedOut,
        links(("DeleteCaptureUrl" = (operation_id = "deleteCaptureUrl", parameters(("id" = "$response.body#/id")))))),
        BodyProblems, KeyProblems))]
pub async fn create(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    let input: CaptureUrlIn = read_json(&mut app.req).await?;
    let raw = input.name.unwrap_or_default();
    if raw.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::Validation(vec![FieldError::too_long("name", MAX_NAME_CHARS)]));
    }
    let name = Some(raw.trim().to_string()).filter(|n| !n.is_empty()).unwrap_or_else(|| "Capture URL".into());
    let preset = parse_preset(input.preset.as_deref())?;
    match preset {
        Some(_) => validate_preset_mapping(&input.field_mapping),
        None => validate_mapping(&input.field_mapping),
    }
    .map_err(ApiError::Validation)?;
    let require_signature = input.require_signature.unwrap_or(preset.is_some());
    let secret = require_signature.then(|| random_bytes::<32>().map(new_endpoint_secret)).transpose()?;
    let secret_sealed = match &secret {
        Some(s) => Some(app.config()?.secrets.seal(s, random_bytes()?).map_err(|e| ApiError::internal("seal", e))?),
        None => None,
    };
    let row = CaptureUrlRow {
        id: capture_url_id(&key.workspace_id, random_bytes()?),
        workspace_id: key.workspace_id.clone(),
        name,
        field_mapping: Value::Object(input.field_mapping).to_string(),
        secret_sealed,
        created_at: app.now_ms,
        preset: preset.map(|p| p.as_str().to_string()),
    };
    app.store.insert_capture_url(&row).await?;
    json(201, &CaptureUrlCreatedOut { capture_url: CaptureUrlOut::new(&app.origin()?, &row), signing_secret: secret })
}

/// Delete a capture URL (admin); posts to it then get 404
#[utoipa::path(delete, path = "/api/v1/inbound-webhooks/{id}", operation_id = "deleteCaptureUrl", tag = "capture-urls", security(("apiKey" = [])),
    params(("id" = String, Path, description = "Capture URL id (cap_…, or wh_… if made before that prefix)")),
    responses((status = 204, description = "Deleted"), KeyProblems, NotFound))]
pub async fn delete(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Admin)?;
    if app.store.delete_capture_url(&key.workspace_id, &app.param("id")).await? {
        no_content()
    } else {
        Err(ApiError::NotFound("no capture URL with this id in this workspace".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "ws_01HGW2N7EB0000000000000000";

    fn row(created_at: i64, id: &str) -> CaptureUrlRow {
        CaptureUrlRow { id: id.into(), workspace_id: "ws_1".into(), name: "n".into(), field_mapping: "{}".into(), secret_sealed: None, created_at, preset: None }
    }

    #[test]
    fn a_cursor_names_the_time_and_id_of_the_last_row() {
        let new = capture_url_id(WS, [7; 16]);
        let secret = &new[new.len() - 24..];
        for id in [new.clone(), format!("cap_{secret}"), format!("wh_{secret}")] {
            let cursor = cursor_of(&row(1_733_560_000_000, &id));
            assert_eq!(parse_cursor(&cursor), Some((1_733_560_000_000, id.as_str())));
        }
    }

    #[test]
    fn anything_else_is_not_a_cursor() {
        let id = capture_url_id(WS, [7; 16]);
        for bad in [id.clone(), format!(".{id}"), format!("-1.{id}"), format!("12x.{id}"), "12.ep_1".into(), "12.".into(), format!("1234567890123456.{id}")] {
            assert_eq!(parse_cursor(&bad), None, "{bad}");
        }
    }
}
