//! Working days, for a submission's time in the queue: Monday to Friday, less the public
//! holidays, plus the weekend days worked instead (调休). China's arrangement is announced by
//! the State Council each November for the next year and cannot be computed, so the dates are
//! configuration (`submissions.holidays`, `submissions.working_weekend_days`).

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};

/// Which days are working days.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    working_weekend_days: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// A calendar with these holidays and working weekend days.
    pub fn new(
        holidays: impl IntoIterator<Item = NaiveDate>,
        working_weekend_days: impl IntoIterator<Item = NaiveDate>,
    ) -> WorkCalendar {
        WorkCalendar {
            holidays: holidays.into_iter().collect(),
            working_weekend_days: working_weekend_days.into_iter().collect(),
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        if self.working_weekend_days.contains(&day) {
            return true;
        }
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.holidays.contains(&day)
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// a submission made on Friday has waited one working day on Monday.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn weekends_do_not_count() {
        let plain = WorkCalendar::default();
        // Friday 2026-12-04 → Monday 2026-12-07: one working day.
        assert_eq!(
            plain.working_days_between(d("2026-12-04"), d("2026-12-07")),
            1
        );
        assert_eq!(
            plain.working_days_between(d("2026-12-04"), d("2026-12-11")),
            5
        );
        assert_eq!(
            plain.working_days_between(d("2026-12-07"), d("2026-12-07")),
            0
        );
        assert_eq!(
            plain.working_days_between(d("2026-12-08"), d("2026-12-07")),
            0
        );
    }

    #[test]
    fn holidays_do_not_count_and_working_weekends_do() {
        let golden_week = WorkCalendar::new(
            [
                "2026-10-01",
                "2026-10-02",
                "2026-10-05",
                "2026-10-06",
                "2026-10-07",
            ]
            .map(d),
            ["2026-09-20", "2026-10-10"].map(d),
        );
        // Wednesday 30 September → Friday 9 October: only 8 and 9 October are worked.
        assert_eq!(
            golden_week.working_days_between(d("2026-09-30"), d("2026-10-09")),
            2
        );
        // …and Saturday 10 October is a working day.
        assert!(golden_week.is_working_day(d("2026-10-10")));
        assert_eq!(
            golden_week.working_days_between(d("2026-09-30"), d("2026-10-10")),
            3
        );
        assert!(!golden_week.is_working_day(d("2026-10-01")));
    }
}
