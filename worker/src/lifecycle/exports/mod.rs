//! Lead exports, streamed: the response body is a stream that fetches the
//! next page from D1 only when the client has taken the previous one, so the
//! worker's memory holds one page whatever the count.
//!
//! Order: oldest first (by id; ids sort by creation time). `cursor=<lead id>`
//! (or its old name `after`) continues right after that lead: a resumed CSV
//! has no BOM and no header, so it appends to what was received.

pub mod csv_rows;

use crate::error::{ApiError, ApiResult};
use crate::leads::{parse_filters, LeadDetailOut, LeadOut};
use crate::store::leads::{LeadQuery, LeadRow, StatusChangeRow};
use crate::store::Store;
use crate::lifecycle::summaries::zone::Zone;
use csv_rows::Columns;
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::FieldError;

/// Leads fetched per page (one D1 query, one chunk of the body).
pub const PAGE_SIZE: u32 = 200;
/// At most this many `custom.*` columns (the first by name).
pub const MAX_CUSTOM_COLUMNS: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv { excel: bool },
    Ndjson,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv { .. } => "text/csv; charset=utf-8",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv { .. } => "csv",
            Format::Ndjson => "ndjson",
        }
    }
}

#[derive(Debug)]
pub struct ExportRequest {
    pub query: LeadQuery,
    pub format: Format,
    pub after: Option<String>,
}

/// The list's filters plus `format` (csv, the default, or ndjson), `excel`
/// and `cursor` (empty: from the start), or its old name `after`, not both.
pub fn parse_export(pairs: &[(String, String)]) -> ApiResult<ExportRequest> {
    let (mut format, mut excel, mut after) = ("csv".to_string(), false, None);
    let named = |name: &str| pairs.iter().any(|(n, _)| n == name);
    if named("cursor") && named("after") {
        return Err(ApiError::invalid("after", "conflicting_parameters", "after is the old name of cursor: send one of them"));
    }
    let query = parse_filters(pairs, |name, value, errors| {
        match name {
            "format" if ["csv", "ndjson"].contains(&value) => format = value.to_string(),
            "format" => errors.push(FieldError::new("format", "unknown_format", "format is csv or ndjson")),
            "excel" if ["true", "false"].contains(&value) => excel = value == "true",
            "excel" => errors.push(FieldError::new("excel", "invalid_boolean", "excel is true or false")),
            "cursor" if value.is_empty() => after = None,
            "cursor" if is_sortable_id(IdKind::Lead, value) => after = Some(value.to_string()),
            "cursor" => errors.push(FieldError::new("cursor", "invalid_cursor", "cursor is the id of the last lead received")),
            "after" if is_sortable_id(IdKind::Lead, value) => after = Some(value.to_string()),
            "after" => errors.push(FieldError::new("after", "invalid_lead_id", "after is the id of the last lead received")),
            _ => return false,
        }
        true
    })?;
    let format = if format == "ndjson" { Format::Ndjson } else { Format::Csv { excel } };
    Ok(ExportRequest { query, format, after })
}

/// The state a body stream carries between pages.
pub struct Export {
    store: Store,
    workspace_id: String,
    request: ExportRequest,
    /// `Some` for CSV; the header is written before the first page unless resuming.
    columns: Option<Columns>,
    /// The workspace's time zone: CSV times and the file's date are local to it.
    zone: Option<Zone>,
    started: bool,
    done: bool,
    /// Rows and bytes sent, for the closing log line.
    rows: u64,
    bytes: u64,
}

impl Export {
    /// Finds the CSV columns (one bounded query) before the body starts.
    pub async fn new(store: Store, workspace_id: String, request: ExportRequest) -> ApiResult<Self> {
        let columns = match request.format {
            Format::Csv { .. } => Some(Columns::new(store.custom_keys(&workspace_id, &request.query, MAX_CUSTOM_COLUMNS).await?)),
            Format::Ndjson => None,
        };
        Ok(Self { store, workspace_id, request, columns, zone: None, started: false, done: false, rows: 0, bytes: 0 })
    }

    /// Times in the workspace's zone (an IANA name; one `Intl` does not know leaves UTC).
    pub fn in_zone(mut self, time_zone: &str) -> Self {
        self.zone = Zone::new(time_zone);
        self
    }

    fn offset_at(&self, utc_ms: i64) -> i64 {
        self.zone.as_ref().map_or(0, |zone| zone.offset_ms(utc_ms))
    }

    /// The download: streamed, named by the day, never cached.
    pub fn into_response(self, now_ms: i64) -> ApiResult<worker::Response> {
        let format = self.request.format;
        let headers = worker::Headers::new();
        headers.set("Content-Type", format.content_type())?;
        let date = leadsbot_shared::time::format_rfc3339(now_ms + self.offset_at(now_ms));
        let filename = format!("leads-{}.{}", &date[..10.min(date.len())], format.extension());
        headers.set("Content-Disposition", &format!("attachment; filename=\"{filename}\""))?;
        headers.set("Cache-Control", "no-store")?;
        Ok(worker::Response::from_stream(self.into_stream())?.with_headers(headers))
    }

    /// The body as a stream of chunks, one page each.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<Vec<u8>, worker::Error>> + 'static {
        futures_util::stream::unfold(self, |mut export| async move {
            match export.next_chunk().await {
                Ok(Some(chunk)) => {
                    export.bytes += chunk.len() as u64;
                    Some((Ok(chunk), export))
                }
                Ok(None) => {
                    // The Rust heap only ever grows, so its size now is the export's peak (the bench reads this).
                    worker::console_log!("export finished: {} leads, {} bytes, wasm memory {} bytes", export.rows, export.bytes, wasm_memory_bytes());
                    None
                }
                Err(err) => {
                    // Headers are gone already: the client sees a cut body and resumes with `after`.
                    worker::console_error!("export failed mid-stream: {err:?}");
                    export.done = true;
                    Some((Err(worker::Error::RustError("export interrupted".into())), export))
                }
            }
        })
    }

    async fn next_chunk(&mut self) -> ApiResult<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let prelude = if self.started { Vec::new() } else { self.prelude()? };
        self.started = true;
        let rows = self.store.export_page(&self.workspace_id, &self.request.query, self.request.after.as_deref(), PAGE_SIZE).await?;
        self.done = rows.len() < PAGE_SIZE as usize;
        let Some(last) = rows.last() else {
            return Ok((!prelude.is_empty()).then_some(prelude));
        };
        self.request.after = Some(last.id.clone());
        self.rows += rows.len() as u64;
        let mut chunk = prelude;
        chunk.extend(self.render(&rows).await?);
        Ok(Some(chunk))
    }

    /// A fresh CSV download starts with the BOM (when asked) and the header.
    fn prelude(&self) -> ApiResult<Vec<u8>> {
        let (Some(columns), Format::Csv { excel }, None) = (&self.columns, self.request.format, &self.request.after) else {
            return Ok(Vec::new());
        };
        let mut bytes = if excel { csv_rows::BOM.to_vec() } else { Vec::new() };
        bytes.extend(csv_rows::write_records([columns.header().as_slice()]).map_err(|e| ApiError::internal("csv", e))?);
        Ok(bytes)
    }

    async fn render(&self, rows: &[LeadRow]) -> ApiResult<Vec<u8>> {
        match &self.columns {
            Some(columns) => {
                let records: Vec<Vec<String>> = rows.iter().map(|r| columns.row(&serde_json::to_value(LeadOut::from(r)).unwrap_or_default(), &|ms| self.offset_at(ms))).collect();
                csv_rows::write_records(records.iter().map(Vec::as_slice)).map_err(|e| ApiError::internal("csv", e))
            }
            None => {
                let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                let history = self.store.status_changes_of(&self.workspace_id, &ids).await?;
                Ok(ndjson_lines(rows, &history))
            }
        }
    }
}

fn wasm_memory_bytes() -> u32 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length())
        .unwrap_or(0)
}

/// One line per lead, each exactly the JSON `GET /api/v1/leads/:id` answers.
fn ndjson_lines(rows: &[LeadRow], history: &[StatusChangeRow]) -> Vec<u8> {
    let mut out = Vec::new();
    for row in rows {
        let own: Vec<StatusChangeRow> = history.iter().filter(|c| c.lead_id == row.id).cloned().collect();
        out.extend(serde_json::to_vec(&LeadDetailOut::new(row, &own)).unwrap_or_default());
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::pairs_of as pairs;

    #[test]
    fn export_parameters_parse_beside_the_list_filters() {
        let after = "lead_01JAAAAAAAAAAAAAAAAAAAAAAA";
        let r = parse_export(&pairs(&[("format", "csv"), ("excel", "true"), ("status", "won"), ("after", after)])).unwrap();
        assert_eq!((r.format, r.query.status.as_deref(), r.after.as_deref()), (Format::Csv { excel: true }, Some("won"), Some(after)));
        assert_eq!(parse_export(&[]).unwrap().format, Format::Csv { excel: false });
        assert_eq!(parse_export(&pairs(&[("format", "ndjson")])).unwrap().format, Format::Ndjson);
    }

    #[test]
    fn the_export_resumes_from_cursor_or_its_old_name_after() {
        let last = "lead_01JAAAAAAAAAAAAAAAAAAAAAAA";
        assert_eq!(parse_export(&pairs(&[("cursor", last)])).unwrap().after.as_deref(), Some(last));
        assert_eq!(parse_export(&pairs(&[("after", last)])).unwrap().after.as_deref(), Some(last));
        assert_eq!(parse_export(&pairs(&[("cursor", "")])).unwrap().after, None, "an empty cursor is the start");
        for (bad, field) in [(vec![("cursor", last), ("after", last)], "after"), (vec![("cursor", "x")], "cursor")] {
            let Err(ApiError::Validation(errors)) = parse_export(&pairs(&bad)) else { panic!("{bad:?} accepted") };
            assert_eq!(errors[0].field, field);
        }
    }

    #[test]
    fn bad_export_parameters_are_named() {
        let Err(ApiError::Validation(errors)) = parse_export(&pairs(&[("format", "xlsx"), ("after", "x"), ("limit", "5"), ("status", "hot")])) else {
            panic!("expected a validation error");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["format", "after", "limit", "status"]);
    }
}
