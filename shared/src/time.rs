//! RFC 3339 timestamps without a date library: the worker's clock gives
//! milliseconds, the API speaks RFC 3339, and these two functions translate.

/// Formats unix milliseconds as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_rfc3339(unix_ms: i64) -> String {
    let secs = unix_ms.div_euclid(1000);
    let millis = unix_ms.rem_euclid(1000);
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        day_secs / 3600,
        day_secs % 3600 / 60,
        day_secs % 60
    )
}

/// Formats unix milliseconds as the local time `offset_ms` from UTC, with that
/// offset: `YYYY-MM-DDTHH:MM:SS.mmm+HH:MM`, exactly `format_rfc3339` at UTC.
/// The same instant, as a person in that zone reads it (exports).
pub fn format_rfc3339_local(unix_ms: i64, offset_ms: i64) -> String {
    let local = format_rfc3339(unix_ms + offset_ms);
    if offset_ms == 0 {
        return local;
    }
    let minutes = offset_ms.abs() / 60_000;
    let sign = if offset_ms < 0 { '-' } else { '+' };
    format!("{}{sign}{:02}:{:02}", &local[..23], minutes / 60, minutes % 60)
}

/// Parses an RFC 3339 date-time (or a bare `YYYY-MM-DD`, read as midnight UTC)
/// into unix milliseconds.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let digits = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    if text.get(4..5)? != "-" || text.get(7..8)? != "-" || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let date_ms = days_from_civil(year, month, day) * 86_400_000;
    if text.len() == 10 {
        return Some(date_ms);
    }
    if !matches!(text.get(10..11)?, "T" | "t" | " ") || text.get(13..14)? != ":" || text.get(16..17)? != ":" {
        return None;
    }
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix('.') {
        let len = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if len == 0 {
            return None;
        }
        let padded: String = fraction[..len].chars().chain("000".chars()).take(3).collect();
        millis = padded.parse().ok()?;
        rest = &fraction[len..];
    }
    let offset_ms = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(0..1)? { "+" => 1, "-" => -1, _ => return None };
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            let (oh, om): (i64, i64) = (rest.get(1..3)?.parse().ok()?, rest.get(4..6)?.parse().ok()?);
            sign * (oh * 3600 + om * 60) * 1000
        }
    };
    Some(date_ms + ((hour * 60 + minute) * 60 + second) * 1000 + millis - offset_ms)
}

// Howard Hinnant's civil calendar algorithms (public domain), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {

    #[test]
    fn local_times_carry_their_offset_and_name_the_same_instant() {
        let ms = parse_rfc3339("2026-12-07T09:15:30.250Z").unwrap();
        assert_eq!(format_rfc3339_local(ms, 0), format_rfc3339(ms));
        assert_eq!(format_rfc3339_local(ms, 3_600_000), "2026-12-07T10:15:30.250+01:00");
        assert_eq!(format_rfc3339_local(ms, -(9 * 3_600_000 + 30 * 60_000)), "2026-12-06T23:45:30.250-09:30");
        for offset in [0, 3_600_000, 19_800_000, -34_200_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339_local(ms, offset)).map(|s| s / 1000), Some(ms / 1000), "{offset}");
        }
    }

    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_rfc3339(1_709_210_096_789), "2024-02-29T12:34:56.789Z");
    }

    #[test]
    fn parses_what_it_formats_and_offsets() {
        for ms in [0, 1_709_210_096_789, 4_102_444_800_000] {
            assert_eq!(parse_rfc3339(&format_rfc3339(ms)), Some(ms));
        }
        assert_eq!(parse_rfc3339("2024-02-29T13:34:56+01:00"), Some(1_709_210_096_000));
        assert_eq!(parse_rfc3339("2024-02-29"), Some(1_709_164_800_000));
    }

    #[test]
    fn refuses_malformed_dates() {
        for bad in ["", "2024", "2024-13-01", "2024-02-29T25:00:00Z", "2024-02-29T12:00:00", "yesterday", "2024-02-29T12:00:00.Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
