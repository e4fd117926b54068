//! Calendar maths for summaries, pure: dates as days since 1970-01-01, the
//! days a period covers, and a local midnight as a UTC instant given the
//! zone's offset (which the runtime's `Intl` knows, daylight saving included).

pub const DAY_MS: i64 = 86_400_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
}

impl Period {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "day" => Some(Period::Day),
            "week" => Some(Period::Week),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
        }
    }

    /// The local days `[first, end)` a period holding `day` covers: the day
    /// itself, or its ISO week (Monday to Sunday).
    pub fn days(self, day: i64) -> (i64, i64) {
        match self {
            Period::Day => (day, day + 1),
            Period::Week => {
                let monday = day - weekday(day);
                (monday, monday + 7)
            }
        }
    }
}

/// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
pub fn weekday(day: i64) -> i64 {
    (day + 3).rem_euclid(7)
}

/// `YYYY-MM-DD` as days since the epoch; `None` unless a real date.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| text.get(r).filter(|s| s.bytes().all(|c| c.is_ascii_digit())).and_then(|s| s.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let day = days_from_civil(y, m, d);
    (civil_from_days(day) == (y, m, d)).then_some(day)
}

pub fn format_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days_from_civil.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// The UTC instant of local midnight starting `day`, given `offset_at(utc
/// ms)` = local minus UTC. Asked twice, so a midnight just across a
/// daylight-saving change lands on the right side.
pub fn local_midnight_utc(day: i64, offset_at: impl Fn(i64) -> i64) -> i64 {
    let local = day * DAY_MS;
    let guess = local - offset_at(local);
    local - offset_at(guess)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_only_when_real() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-03-29").map(format_date).as_deref(), Some("2026-03-29"));
        assert_eq!(parse_date("2024-02-29").map(format_date).as_deref(), Some("2024-02-29"));
        for bad in ["2026-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00", "abcd-ef-gh", "+026-01-01"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn weeks_run_monday_to_sunday() {
        let wednesday = parse_date("2026-11-25").unwrap();
        let (first, end) = Period::Week.days(wednesday);
        assert_eq!((format_date(first), format_date(end)), ("2026-11-23".into(), "2026-11-30".into()));
        let sunday = parse_date("2026-11-29").unwrap();
        assert_eq!(Period::Week.days(sunday).0, first);
        assert_eq!(Period::Day.days(sunday), (sunday, sunday + 1));
    }

    #[test]
    fn local_midnight_follows_the_offset_across_daylight_saving() {
        // Berlin: UTC+1, UTC+2 from 2026-03-29 01:00 UTC.
        let switch = parse_date("2026-03-29").unwrap() * DAY_MS + 3_600_000;
        let berlin = |utc: i64| if utc >= switch { 7_200_000 } else { 3_600_000 };
        let day = parse_date("2026-03-29").unwrap();
        assert_eq!(local_midnight_utc(day, berlin), day * DAY_MS - 3_600_000);
        assert_eq!(local_midnight_utc(day + 1, berlin), (day + 1) * DAY_MS - 7_200_000);
        assert_eq!(local_midnight_utc(day, |_| 0), day * DAY_MS);
    }
}
