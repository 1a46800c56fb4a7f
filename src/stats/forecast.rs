//! The year-end turnover forecast.
//!
//! Method (stated in the summary's `forecast_method`):
//! - a past year is complete: the forecast is its turnover;
//! - `seasonal`: when the previous year had turnover in the same elapsed part of the year,
//!   year-to-date × (previous full year ÷ previous year to the same day of the year) — this
//!   carries last year's seasonality, including its December surge;
//! - `run_rate`: otherwise year-to-date ÷ days elapsed × days in the year.
//!
//! All arithmetic is in integer fen (128-bit intermediates); nothing is rounded until the end.

use chrono::{Datelike, NaiveDate};

use super::YearFigures;

/// A forecast and the method that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecast {
    /// Forecast turnover, fen: 128 bits, as a forecast may lie beyond the largest total a year
    /// can hold (`Total::MAX`) and is shown as it is, not clamped.
    pub fen: i128,
    /// `complete`, `seasonal`, `run_rate` or `none`.
    pub method: &'static str,
}

fn days_in(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// (days elapsed, days in the year) of `year` on `day`, clamped to the year.
pub fn elapsed_share(year: i32, day: NaiveDate) -> (i64, i64) {
    let total = days_in(year);
    let elapsed = if day.year() < year {
        0
    } else if day.year() > year {
        total
    } else {
        i64::from(day.ordinal())
    };
    (elapsed, total)
}

/// The forecast of `year`'s turnover on `day`, from its figures and the previous year's
/// figures read as of the same day. `previous_to_date` holds the previous year's turnover by
/// month, so the same elapsed part of the previous year is computed from its months.
pub fn year_end(
    current: &YearFigures,
    previous: &YearFigures,
    year: i32,
    day: NaiveDate,
) -> Forecast {
    let (elapsed, total) = elapsed_share(year, day);
    let ytd = i128::from(current.total.turnover_fen);
    if elapsed >= total {
        return Forecast {
            fen: ytd,
            method: "complete",
        };
    }
    if elapsed == 0 {
        return Forecast {
            fen: 0,
            method: "none",
        };
    }
    // The previous year up to the same day: its full months before this month, plus this
    // month's share by days.
    let month = day.month();
    let mut previous_to_date: i128 = 0;
    for m in 1..month {
        previous_to_date += i128::from(
            previous
                .get(super::Dimension::Month, &format!("{m:02}"))
                .turnover_fen,
        );
    }
    let this_month = i128::from(
        previous
            .get(super::Dimension::Month, &format!("{month:02}"))
            .turnover_fen,
    );
    let month_days = i128::from(days_in_month(year - 1, month));
    previous_to_date += this_month * i128::from(day.day()).min(month_days) / month_days;
    let previous_full = i128::from(previous.total.turnover_fen);
    if previous_to_date > 0 && previous_full > 0 {
        let fen = ytd * previous_full / previous_to_date;
        return Forecast {
            fen,
            method: "seasonal",
        };
    }
    let fen = ytd * i128::from(total) / i128::from(elapsed);
    Forecast {
        fen,
        method: "run_rate",
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(30, |d| d.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_rate_scales_by_days() {
        let mut current = YearFigures::default();
        current.total.turnover_fen = 1_000_000;
        let previous = YearFigures::default();
        let day = NaiveDate::from_ymd_opt(2026, 7, 2).unwrap(); // day 183 of 365
        let f = year_end(&current, &previous, 2026, day);
        assert_eq!(f.method, "run_rate");
        assert_eq!(f.fen, 1_000_000 * 365 / 183);
    }

    #[test]
    fn a_complete_year_forecasts_itself() {
        let mut current = YearFigures::default();
        current.total.turnover_fen = 42;
        let f = year_end(
            &current,
            &YearFigures::default(),
            2025,
            NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        );
        assert_eq!((f.fen, f.method), (42, "complete"));
    }
}
