//! The one list convention: every collection takes `limit` (1 to
//! `MAX_LIMIT`, default `DEFAULT_LIMIT`) and `cursor` (the previous page's
//! `next_cursor`; empty is the first page), refuses parameters it does not
//! know (422 naming them), and answers `{data, has_more, next_cursor}`,
//! newest first (ids sort by creation time, so the cursor is the last id).

use crate::error::{ApiError, ApiResult};
use leadsbot_shared::ids::{is_sortable_id, IdKind};
use leadsbot_shared::FieldError;

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 100;

/// Where a list starts and how long a page is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub limit: u32,
    /// The id the page starts after (exclusive); `None` for the first page.
    pub cursor: Option<String>,
}

impl Default for PageQuery {
    fn default() -> Self {
        Self { limit: DEFAULT_LIMIT, cursor: None }
    }
}

/// What a list's cursor may be: any text (it is only compared with ids), or
/// an id of one kind (anything else is 422 `invalid_cursor`).
#[derive(Debug, Clone, Copy)]
pub enum CursorOf {
    Any,
    Id(IdKind),
}

impl PageQuery {
    /// Takes one query parameter if it is a paging one (`false` if not); a bad
    /// value is pushed to `errors`.
    pub fn take(&mut self, cursor_of: CursorOf, name: &str, value: &str, errors: &mut Vec<FieldError>) -> bool {
        match name {
            "cursor" if value.is_empty() => self.cursor = None,
            "cursor" => match cursor_of {
                CursorOf::Id(kind) if !is_sortable_id(kind, value) => errors.push(FieldError::new("cursor", "invalid_cursor", "use the next_cursor of a previous page")),
                _ => self.cursor = Some(value.to_string()),
            },
            "limit" => match parse_limit(value) {
                Some(limit) => self.limit = limit,
                None => errors.push(FieldError::new("limit", "out_of_range", format!("limit is a whole number from 1 to {MAX_LIMIT}"))),
            },
            _ => return false,
        }
        true
    }

    /// A list's query: paging, plus what `own` knows (it says whether it knew
    /// the name, and pushes bad values to the errors); any other parameter is
    /// refused. Every problem is reported at once.
    pub fn parse(pairs: &[(String, String)], cursor_of: CursorOf, mut own: impl FnMut(&str, &str, &mut Vec<FieldError>) -> bool) -> ApiResult<Self> {
        let mut page = Self::default();
        let mut errors = Vec::new();
        for (name, value) in pairs {
            if !page.take(cursor_of, name, value, &mut errors) && !own(name, value, &mut errors) {
                errors.push(FieldError::new(name.as_str(), "unknown_parameter", "this parameter does not exist"));
            }
        }
        if errors.is_empty() { Ok(page) } else { Err(ApiError::Validation(errors)) }
    }

    /// The query of a list without filters: `limit` and `cursor` only.
    pub fn only(pairs: &[(String, String)]) -> ApiResult<Self> {
        Self::parse(pairs, CursorOf::Any, |_, _, _| false)
    }

    /// Cuts a page read with one row more than `limit`, and says where the next one starts.
    pub fn cut<T>(&self, rows: &mut Vec<T>, id: impl Fn(&T) -> String) -> Option<String> {
        let limit = self.limit as usize;
        let next = (rows.len() > limit).then(|| rows.get(limit.saturating_sub(1)).map(&id)).flatten();
        rows.truncate(limit);
        next
    }
}

/// A whole number from 1 to `MAX_LIMIT`, digits only (no sign, no spaces).
fn parse_limit(value: &str) -> Option<u32> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok().filter(|l| (1..=MAX_LIMIT).contains(l))
}

/// Declares a collection's page type, `{data, has_more, next_cursor}`, typed
/// for the OpenAPI document: `page_type!(/// doc, LeadPageOut, LeadOut);`.
macro_rules! page_type {
    ($(#[$meta:meta])* $name:ident, $item:ty) => {
        $(#[$meta])*
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
            /// Whether another page follows (its cursor is `next_cursor`).
            pub has_more: bool,
            /// Pass as `cursor` for the next page; `null` on the last page.
            pub next_cursor: Option<String>,
        }

        impl $name {
            pub fn new(data: Vec<$item>, next_cursor: Option<String>) -> Self {
                Self { data, has_more: next_cursor.is_some(), next_cursor }
            }
        }
    };
}
pub(crate) use page_type;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::pairs_of;

    fn fields(result: ApiResult<PageQuery>) -> Vec<String> {
        let Err(ApiError::Validation(errors)) = result else { panic!("accepted") };
        errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn paging_takes_limit_and_cursor() {
        let page = PageQuery::only(&pairs_of(&[("limit", "10"), ("cursor", "dlv_9")])).unwrap();
        assert_eq!(page, PageQuery { limit: 10, cursor: Some("dlv_9".into()) });
        assert_eq!(PageQuery::only(&pairs_of(&[])).unwrap(), PageQuery { limit: DEFAULT_LIMIT, cursor: None });
        assert_eq!(PageQuery::only(&pairs_of(&[("cursor", "")])).unwrap().cursor, None, "an empty cursor is the first page");
        assert_eq!(PageQuery::only(&pairs_of(&[("limit", "100")])).unwrap().limit, MAX_LIMIT);
        for bad in ["0", "101", "-1", "+5", " 5", "ten", "", "99999999999"] {
            assert_eq!(fields(PageQuery::only(&pairs_of(&[("limit", bad)]))), ["limit"], "{bad}");
        }
    }

    #[test]
    fn unknown_parameters_are_refused_by_name_all_at_once() {
        assert_eq!(fields(PageQuery::only(&pairs_of(&[("bogus", "1"), ("limit", "0"), ("after", "x")]))), ["bogus", "limit", "after"]);
        let own = |name: &str, _: &str, _: &mut Vec<FieldError>| name == "status";
        assert!(PageQuery::parse(&pairs_of(&[("status", "x"), ("limit", "3")]), CursorOf::Any, own).is_ok());
        assert_eq!(fields(PageQuery::parse(&pairs_of(&[("sort", "id")]), CursorOf::Any, own)), ["sort"]);
    }

    #[test]
    fn a_typed_cursor_must_be_an_id_of_its_kind() {
        let run = "run_01JAAAAAAAAAAAAAAAAAAAAAAA";
        let typed = |value: &str| PageQuery::parse(&pairs_of(&[("cursor", value)]), CursorOf::Id(IdKind::WorkflowRun), |_, _, _| false);
        assert_eq!(typed(run).unwrap().cursor.as_deref(), Some(run));
        assert_eq!(fields(typed("lead_01JAAAAAAAAAAAAAAAAAAAAAAA")), ["cursor"]);
        assert_eq!(typed("").unwrap().cursor, None);
    }

    #[test]
    fn a_page_read_one_row_long_says_where_the_next_starts() {
        let page = PageQuery { limit: 2, cursor: None };
        let mut rows = vec![5, 4, 3];
        assert_eq!(page.cut(&mut rows, |r| r.to_string()), Some("4".into()));
        assert_eq!(rows, [5, 4]);
        let mut last = vec![2];
        assert_eq!(page.cut(&mut last, |r| r.to_string()), None);
    }

    page_type!(
        /// A page of numbers.
        NumberPage, u32
    );

    #[test]
    fn a_page_has_more_exactly_when_it_has_a_next_cursor() {
        let more = serde_json::to_value(NumberPage::new(vec![1], Some("1".into()))).unwrap();
        assert_eq!(more, serde_json::json!({ "data": [1], "has_more": true, "next_cursor": "1" }));
        let last = serde_json::to_value(NumberPage::new(vec![], None)).unwrap();
        assert_eq!(last, serde_json::json!({ "data": [], "has_more": false, "next_cursor": null }));
    }
}
