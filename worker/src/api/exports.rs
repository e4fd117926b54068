use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::ApiResult;
use crate::lifecycle::exports::{parse_export, Export};
use crate::http::query_pairs;
use crate::auth::limiter::{admit, EXPORTS_PER_KEY};
use crate::api::openapi::params::LeadFilters;
use crate::api::openapi::schemas::LeadCursor;
use crate::api::openapi::problems::{KeyProblems, QueryProblems, RateLimited};
use worker::Response;

/// Export leads as CSV or NDJSON
///
/// Every lead matching the list's filters, oldest first, streamed. `cursor` (the id of the last
/// lead received) resumes right after it; `after` is its old name, still taken (not both). CSV: the
/// API's fields, then `custom.<key>` columns, then `tags`, its times (`created_at`, `updated_at`)
/// and the file name's date in the workspace's `timezone`, with their offset; NDJSON: one lead per
/// line as `GET /api/v1/leads/{id}` answers it. Limited per API key (429
/// with `Retry-After`).
#[utoipa::path(get, path = "/api/v1/leads/export", operation_id = "exportLeads", tag = "exports", security(("apiKey" = [])),
    params(
        LeadFilters,
        ("format" = Option<crate::api::openapi::schemas::ExportFormat>, Query, description = "csv (the default) or ndjson"),
        ("excel" = Option<bool>, Query, nullable = false, description = "CSV: start with a UTF-8 byte order mark for Excel"),
        ("cursor" = Option<LeadCursor>, Query, description = "Continue right after this lead (the last one received); empty is the start"),
    ),
    responses(
        (status = 200, description = "The export", content(
            (String = "text/csv"),
            (String = "application/x-ndjson"),
        ), headers(("Content-Disposition" = String, description = "attachment; filename=\"leads-YYYY-MM-DD.csv\""))),
        KeyProblems, QueryProblems, RateLimited,
    ))]
pub async fn export(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let request = parse_export(&query_pairs(&app.req)?)?;
    admit(&app.env, EXPORTS_PER_KEY, format!("key:{}", key.key_id)).await?;
    let timezone = app.store.workspace(&key.workspace_id).await?.map(|ws| ws.timezone).unwrap_or_default();
    Export::new(app.store.clone(), key.workspace_id.clone(), request).await?.in_zone(&timezone).into_response(app.now_ms)
}
