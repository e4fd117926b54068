use crate::app::App;
use crate::auth::{self, Scope};
use crate::error::ApiResult;
use crate::exports::{parse_export, Export};
use crate::http::query_pairs;
use leadsbot_shared::time::format_rfc3339;
use worker::{Headers, Response};

/// `GET /api/v1/leads/export`: the filtered leads as a CSV or NDJSON download.
pub async fn export(app: &mut App) -> ApiResult<Response> {
    let key = auth::api_key(app).await?;
    key.require(Scope::Read)?;
    let request = parse_export(&query_pairs(&app.req)?)?;
    let format = request.format;
    let export = Export::new(app.store.clone(), key.workspace_id.clone(), request).await?;
    let headers = Headers::new();
    headers.set("Content-Type", format.content_type())?;
    let date = format_rfc3339(app.now_ms);
    let filename = format!("leads-{}.{}", &date[..10.min(date.len())], format.extension());
    headers.set("Content-Disposition", &format!("attachment; filename=\"{filename}\""))?;
    headers.set("Cache-Control", "no-store")?;
    Ok(Response::from_stream(export.into_stream())?.with_headers(headers))
}
