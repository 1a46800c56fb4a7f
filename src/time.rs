//! Time conventions: UTC with microsecond precision in storage and on the wire (RFC 3339),
//! Asia/Shanghai for calendar days and report periods.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SecondsFormat, Timelike, Utc};

/// Now, truncated to microseconds (what both databases store exactly).
pub fn now() -> NaiveDateTime {
    truncate_micros(Utc::now().naive_utc())
}

/// Drops sub-microsecond precision.
pub fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond() / 1000 * 1000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

/// RFC 3339 in UTC with exactly six fractional digits: `2026-11-25T06:00:00.123456Z`.
pub fn rfc3339(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses an RFC 3339 timestamp into naive UTC.
pub fn parse_rfc3339(s: &str) -> Option<NaiveDateTime> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc).naive_utc())
}

/// The calendar day in Asia/Shanghai of a UTC instant.
pub fn shanghai_date(t: NaiveDateTime) -> NaiveDate {
    (t + shanghai_offset()).date()
}

/// (year, month) in Asia/Shanghai of a UTC instant: the period a contract counts in.
pub fn shanghai_period(t: NaiveDateTime) -> (i32, u32) {
    let d = shanghai_date(t);
    (d.year(), d.month())
}

/// A UTC instant as Beijing wall-clock time to the second, `2026-01-01 04:00:00`: how people
/// and spreadsheets read a time (a contract registered at 20:00 UTC on 31 December falls in
/// the next year, as the statistics count it).
pub fn shanghai_wall_clock(t: NaiveDateTime) -> String {
    (t + shanghai_offset())
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The first UTC instant after the end of `day` in Asia/Shanghai.
pub fn end_of_shanghai_day(day: NaiveDate) -> NaiveDateTime {
    let next = day.succ_opt().unwrap_or(day);
    next.and_hms_opt(0, 0, 0).unwrap_or_default() - shanghai_offset()
}

/// China Standard Time, UTC+8. China has kept it without daylight saving since 1991, so a
/// fixed offset is exact for every date this ledger records (and needs no time-zone data).
fn shanghai_offset() -> chrono::Duration {
    chrono::Duration::hours(8)
}

/// Seconds since the Unix epoch (JWT `iat`).
pub fn unix_seconds(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_wall_clock_crosses_the_year() {
        let late = NaiveDate::from_ymd_opt(2025, 12, 31)
            .and_then(|d| d.and_hms_micro_opt(20, 0, 0, 999_999))
            .expect("time");
        assert_eq!(shanghai_wall_clock(late), "2026-01-01 04:00:00");
        assert_eq!(shanghai_period(late), (2026, 1));
    }

    #[test]
    fn shanghai_days_start_at_16_utc() {
        let t = NaiveDate::from_ymd_opt(2026, 12, 31)
            .unwrap()
            .and_hms_opt(16, 0, 0)
            .unwrap();
        assert_eq!(
            shanghai_date(t),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
        assert_eq!(shanghai_period(t), (2027, 1));
        let before = t - chrono::Duration::microseconds(1);
        assert_eq!(shanghai_period(before), (2026, 12));
        assert_eq!(
            end_of_shanghai_day(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
            t
        );
    }

    #[test]
    fn wire_format_has_six_fraction_digits() {
        let t = NaiveDate::from_ymd_opt(2026, 11, 25)
            .unwrap()
            .and_hms_micro_opt(6, 0, 0, 120)
            .unwrap();
        assert_eq!(rfc3339(t), "2026-11-25T06:00:00.000120Z");
        assert_eq!(parse_rfc3339("2026-11-25T06:00:00.000120Z"), Some(t));
    }
}
