//! `GET /api/v1/summaries?period=day|week&date=YYYY-MM-DD`: the workspace's
//! summary for a local day or ISO week, in its own time zone.

use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::{ApiError, ApiResult};
use crate::http::{json, query_pairs};
use crate::lifecycle::summaries::zone::Zone;
use crate::lifecycle::summaries::{parse_summary_query, utc_range, SummaryOut, UNTOUCHED_AFTER_MS};
use crate::api::openapi::problems::{KeyProblems, QueryProblems};
use worker::Response;

/// A summary of a local day or ISO week
///
/// New leads by source, campaign and status, leads still untouched after a day, delivery
/// failures and disabled endpoints, in the workspace's time zone.
#[utoipa::path(get, path = "/api/v1/summaries", operation_id = "getSummary", tag = "leads", security(("apiKey" = [])),
    params(
        ("period" = crate::api::openapi::schemas::PeriodName, Query, description = "day or week"),
        ("date" = String, Query, format = Date, description = "A day of the period (YYYY-MM-DD), local to the workspace"),
    ),
    responses((status = 200, description = "The summary", body = SummaryOut), KeyProblems, QueryProblems))]
pub async fn get(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let query = parse_summary_query(&query_pairs(&app.req)?)?;
    let workspace = app.store.workspace(&key.workspace_id).await?.ok_or_else(|| ApiError::NotFound("workspace not found".into()))?;
    let zone = Zone::new(&workspace.timezone).ok_or_else(|| ApiError::internal("summary", format!("unknown stored time zone {}", workspace.timezone)))?;
    let (start, end) = utc_range(query.period, query.day, |t| zone.offset_ms(t));
    let counts = app.store.summary_counts(&workspace.id, start, end, app.now_ms - UNTOUCHED_AFTER_MS).await?;
    json(200, &SummaryOut::new(&query, &workspace.timezone, counts))
}
