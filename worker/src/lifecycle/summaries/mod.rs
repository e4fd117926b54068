//! Summaries: what happened in a workspace over a local day or week. The
//! period maths is pure (`period`); local time comes from `Intl` (`zone`).

pub mod cron;
pub mod digest;
pub mod period;
pub mod zone;

use crate::error::{ApiError, ApiResult};
use crate::store::summaries::SummaryCounts;
use leadsbot_shared::time::format_rfc3339;
use leadsbot_shared::FieldError;
use period::{format_date, local_midnight_utc, parse_date, Period, DAY_MS};
use serde::Serialize;
use utoipa::ToSchema;
use std::collections::BTreeMap;

/// A lead still `new` this long after it arrived is "untouched".
pub const UNTOUCHED_AFTER_MS: i64 = DAY_MS;

#[derive(Debug, PartialEq)]
pub struct SummaryQuery {
    pub period: Period,
    /// The local day asked for, as days since the epoch.
    pub day: i64,
}

pub fn parse_summary_query(pairs: &[(String, String)]) -> ApiResult<SummaryQuery> {
    let (mut period, mut day, mut errors) = (None, None, Vec::new());
    for (name, value) in pairs {
        match name.as_str() {
            "period" => match Period::parse(value.trim()) {
                Some(p) => period = Some(p),
                None => errors.push(FieldError::new("period", "invalid_period", "period is day or week")),
            },
            "date" => match parse_date(value.trim()) {
                Some(d) => day = Some(d),
                None => errors.push(FieldError::new("date", "invalid_date", "date is a calendar date, YYYY-MM-DD")),
            },
            other => errors.push(FieldError::new(other, "unknown_parameter", "this parameter does not exist")),
        }
    }
    if period.is_none() && !errors.iter().any(|e| e.field == "period") {
        errors.push(FieldError::required("period"));
    }
    if day.is_none() && !errors.iter().any(|e| e.field == "date") {
        errors.push(FieldError::required("date"));
    }
    match (period, day) {
        (Some(period), Some(day)) if errors.is_empty() => Ok(SummaryQuery { period, day }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The UTC range `[start, end)` of the period holding `day` in a zone.
pub fn utc_range(period: Period, day: i64, offset_at: impl Fn(i64) -> i64) -> (i64, i64) {
    let (first, end) = period.days(day);
    (local_midnight_utc(first, &offset_at), local_midnight_utc(end, &offset_at))
}

/// A lead still `new` a day after it arrived.
#[derive(Debug, Serialize, ToSchema)]
pub struct UntouchedOut {
    pub id: String,
    pub email: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// `GET /api/v1/summaries`, exactly this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryOut {
    /// `day` or `week`.
    #[schema(value_type = String)]
    pub period: &'static str,
    /// The period's first local day (the Monday of a week).
    #[schema(format = Date)]
    pub date: String,
    pub timezone: String,
    pub new_leads: u32,
    pub by_source: BTreeMap<String, u32>,
    /// By campaign slug, whichever label (`campaign` or `utm_campaign`) named it.
    pub by_campaign: BTreeMap<String, u32>,
    pub by_status: BTreeMap<String, u32>,
    pub untouched: Vec<UntouchedOut>,
    pub delivery_failures: u32,
    pub disabled_endpoints: u32,
}

impl SummaryOut {
    /// `date` is the period's first local day (the Monday of a week).
    pub fn new(query: &SummaryQuery, timezone: &str, counts: SummaryCounts) -> Self {
        Self {
            period: query.period.as_str(),
            date: format_date(query.period.days(query.day).0),
            timezone: timezone.to_string(),
            new_leads: counts.by_status.values().sum(),
            by_source: counts.by_source,
            by_campaign: counts.by_campaign,
            by_status: counts.by_status,
            untouched: counts.untouched.into_iter().map(|r| UntouchedOut { id: r.id, email: r.email, created_at: format_rfc3339(r.created_at) }).collect(),
            delivery_failures: counts.delivery_failures,
            disabled_endpoints: counts.disabled_endpoints,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::pairs_of as pairs;

    #[test]
    fn queries_need_a_period_and_a_real_date() {
        let q = parse_summary_query(&pairs(&[("period", "week"), ("date", "2026-11-25")])).unwrap();
        assert_eq!(q, SummaryQuery { period: Period::Week, day: parse_date("2026-11-25").unwrap() });
        let Err(ApiError::Validation(errors)) = parse_summary_query(&pairs(&[("period", "month"), ("date", "2026-02-30"), ("x", "1")])) else { panic!() };
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["period", "date", "x"]);
        let Err(ApiError::Validation(errors)) = parse_summary_query(&[]) else { panic!() };
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["period", "date"]);
    }

    #[test]
    fn a_berlin_day_is_its_local_midnights_in_utc() {
        let day = parse_date("2026-07-01").unwrap();
        assert_eq!(utc_range(Period::Day, day, |_| 7_200_000), (day * DAY_MS - 7_200_000, (day + 1) * DAY_MS - 7_200_000));
    }
}
