//! CSV rows for the export, pure: the column order, one lead's cells, and
//! RFC 4180 writing (the `csv` crate quotes every field and doubles quotes;
//! we ask it for CRLF row ends), every cell through the spreadsheet-formula
//! guard (`leadsbot_shared::spreadsheet`).

use leadsbot_shared::spreadsheet::neutralise;
use leadsbot_shared::time::{format_rfc3339_local, parse_rfc3339};
use serde_json::Value;

/// The lead's own fields under the API's names, in the API's order. `custom`
/// and `tags` are spread into their own columns after these.
pub const FIXED_COLUMNS: [&str; 28] = [
    "id", "workspace_id", "email", "name", "phone", "company", "message", "source", "campaign", "campaign_label",
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content",
    "page_url", "referrer", "page_title", "form_id", "form_name", "form_action",
    "user_agent", "country", "status", "note", "created_at", "updated_at", "assignee",
];

/// The columns holding instants.
const TIME_COLUMNS: [&str; 2] = ["created_at", "updated_at"];

/// A UTF-8 byte order mark, so Excel reads the file as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The columns of one export: fixed, then `custom.<key>` per key, then `tags`.
pub struct Columns {
    custom_keys: Vec<String>,
}

impl Columns {
    pub fn new(mut custom_keys: Vec<String>) -> Self {
        custom_keys.sort();
        custom_keys.dedup();
        Self { custom_keys }
    }

    pub fn header(&self) -> Vec<String> {
        let fixed = FIXED_COLUMNS.iter().map(|c| c.to_string());
        let custom = self.custom_keys.iter().map(|k| format!("custom.{k}"));
        fixed.chain(custom).chain(std::iter::once("tags".to_string())).collect()
    }

    /// One lead (its API JSON) as cells, in header order; its instants in
    /// the local time `offset_at` gives (the workspace's zone: a spreadsheet
    /// shows what the team's clocks said), with the offset written out.
    pub fn row(&self, lead: &Value, offset_at: &dyn Fn(i64) -> i64) -> Vec<String> {
        let fixed = FIXED_COLUMNS.iter().map(|c| match (TIME_COLUMNS.contains(c), lead[*c].as_str().and_then(parse_rfc3339)) {
            (true, Some(ms)) => format_rfc3339_local(ms, offset_at(ms)),
            _ => cell(&lead[*c]),
        });
        let custom = self.custom_keys.iter().map(|k| cell(&lead["custom"][k.as_str()]));
        let tags = lead["tags"].as_array().map(|t| t.iter().map(cell).collect::<Vec<_>>().join(";")).unwrap_or_default();
        fixed.chain(custom).chain(std::iter::once(tags)).collect()
    }
}

/// Text as is, null as an empty cell, anything else as its JSON.
fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Records as RFC 4180 CSV (CRLF row ends), every cell quoted and
/// neutralised: quoting every field keeps a reader in a `;` or tab locale
/// from splitting an unquoted cell where the writer saw no need to quote.
pub fn write_records<'a>(records: impl IntoIterator<Item = &'a [String]>) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    for record in records {
        writer.write_record(record.iter().map(|c| neutralise(c).into_owned()))?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn csv_of(cells: &[&str]) -> String {
        let record: Vec<String> = cells.iter().map(|c| c.to_string()).collect();
        String::from_utf8(write_records([record.as_slice()]).unwrap()).unwrap()
    }

    #[test]
    fn every_field_is_quoted_per_rfc_4180_with_crlf_rows() {
        assert_eq!(csv_of(&["a", "b, c", "say \"hi\"", "two\nlines", "cr\rhere"]), "\"a\",\"b, c\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n");
        assert_eq!(csv_of(&["😀", "ünï", ""]), "\"😀\",\"ünï\",\"\"\r\n");
        assert_eq!(csv_of(&["=SUM(A1),x", "x;=1+1;y"]), "\"'=SUM(A1),x\",\"x;'=1+1;y\"\r\n");
    }

    #[test]
    fn columns_are_fixed_then_custom_sorted_then_tags() {
        let columns = Columns::new(vec!["budget".into(), "age".into(), "budget".into()]);
        let header = columns.header();
        assert_eq!(&header[..3], ["id", "workspace_id", "email"]);
        assert_eq!(header[FIXED_COLUMNS.len()..], ["custom.age", "custom.budget", "tags"]);
        let lead = json!({"id": "lead_1", "email": "a@b.co", "name": null, "custom": {"budget": 500, "age": "40"}, "tags": ["vip", "eu"]});
        let row = columns.row(&lead, &|_| 0);
        assert_eq!(row.len(), header.len());
        assert_eq!((row[0].as_str(), row[2].as_str(), row[3].as_str()), ("lead_1", "a@b.co", ""));
        assert_eq!(row[FIXED_COLUMNS.len()..], ["40", "500", "vip;eu"]);
    }

    #[test]
    fn instants_are_written_in_the_workspace_zone_with_their_offset() {
        let columns = Columns::new(Vec::new());
        let lead = json!({"id": "lead_1", "created_at": "2026-07-01T22:30:00.000Z", "updated_at": "2026-12-01T08:00:00.500Z", "message": "2026-07-01T22:30:00.000Z"});
        let berlin = |ms: i64| if ms < parse_rfc3339("2026-10-25T01:00:00Z").unwrap() { 7_200_000 } else { 3_600_000 };
        let row = columns.row(&lead, &berlin);
        let at = |name: &str| row[FIXED_COLUMNS.iter().position(|c| *c == name).unwrap()].clone();
        assert_eq!(at("created_at"), "2026-07-02T00:30:00.000+02:00", "summer time");
        assert_eq!(at("updated_at"), "2026-12-01T09:00:00.500+01:00", "winter time");
        assert_eq!(at("message"), "2026-07-01T22:30:00.000Z", "only the instants' columns");
    }

    #[test]
    fn fixed_columns_are_the_api_fields() {
        let lead = serde_json::to_value(crate::leads::LeadOut::from(&crate::store::leads::LeadRow::default())).unwrap();
        let mut api: Vec<&str> = lead.as_object().unwrap().keys().map(String::as_str).filter(|k| !["custom", "tags"].contains(k)).collect();
        let mut fixed = FIXED_COLUMNS.to_vec();
        api.sort();
        fixed.sort();
        assert_eq!(api, fixed);
    }
}
