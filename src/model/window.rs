//! Date windows. All dates are UTC calendar days, as AWS bills them; `end` is exclusive, as in
//! Cost Explorer's `TimePeriod`, so "November" is `2026-11-01..2026-12-01`.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// A half-open range of days `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Window {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the window is empty: --start {start} must be before --end {end} (end is exclusive)")]
    Empty { start: NaiveDate, end: NaiveDate },
    #[error("--end {end} is in the future: the latest end is {max} (tomorrow, exclusive)")]
    Future { end: NaiveDate, max: NaiveDate },
    #[error("--days must be between 1 and {max}, got {days}")]
    Days { days: i64, max: i64 },
    #[error(
        "--start {start} is too far back: Cost Explorer keeps daily data for the last {MAX_DAYS} days, so the earliest start today is {oldest}"
    )]
    TooOld { start: NaiveDate, oldest: NaiveDate },
}

/// The longest window we accept: Cost Explorer keeps 13 months plus the current one at daily
/// granularity, so anything longer could not be answered anyway.
pub const MAX_DAYS: i64 = 427;

impl Window {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, WindowError> {
        if start >= end {
            return Err(WindowError::Empty { start, end });
        }
        Ok(Window { start, end })
    }

    /// The last `days` days, today included.
    pub fn last_days(today: NaiveDate, days: i64) -> Result<Self, WindowError> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(WindowError::Days {
                days,
                max: MAX_DAYS,
            });
        }
        let end = today + Duration::days(1);
        Ok(Window {
            start: end - Duration::days(days),
            end,
        })
    }

    /// Checks a window typed by a person against today: the same limits as `--days`, so
    /// nothing that would send Cost Explorer a day it cannot serve gets through.
    pub fn checked_against(self, today: NaiveDate) -> Result<Self, WindowError> {
        let max = today + Duration::days(1);
        if self.end > max {
            return Err(WindowError::Future { end: self.end, max });
        }
        let oldest = oldest_day(today);
        if self.start < oldest {
            return Err(WindowError::TooOld {
                start: self.start,
                oldest,
            });
        }
        Ok(self)
    }

    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day < self.end
    }

    pub fn iter_days(&self) -> impl Iterator<Item = NaiveDate> + use<> {
        let start = self.start;
        (0..self.days()).map(move |i| start + Duration::days(i))
    }

    /// What "change" compares against: the same number of calendar months before a window
    /// of whole months (last month against the month before, not against the 30 days before
    /// it, which would miss the charges posted on the 1st); the same days of the month before
    /// for a window inside one month that starts on the 1st (month to date); else the window
    /// of the same length just before.
    pub fn previous(&self) -> Window {
        if self.start == first_of_month(self.start) {
            let months = months_between(self.start, self.end);
            if let Some(n) = months.filter(|n| *n > 0) {
                return Window {
                    start: add_months(self.start, -n),
                    end: self.start,
                };
            }
            if self.end <= next_month(self.start) {
                let start = previous_month(self.start);
                let month_len = (self.start - start).num_days();
                return Window {
                    start,
                    end: start + Duration::days(self.days().min(month_len)),
                };
            }
        }
        let len = Duration::days(self.days());
        Window {
            start: self.start - len,
            end: self.start,
        }
    }

    /// This window without the days before `first`.
    pub fn from_day(&self, first: NaiveDate) -> Window {
        Window {
            start: self.start.max(first).min(self.end),
            end: self.end,
        }
    }

    /// The smallest window covering both.
    pub fn union(&self, other: &Window) -> Window {
        Window {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.end - Duration::days(1);
        write!(f, "{} → {} ({} d)", self.start, last, self.days())
    }
}

/// The earliest day Cost Explorer is asked about: [`MAX_DAYS`] days up to today.
pub fn oldest_day(today: NaiveDate) -> NaiveDate {
    today + Duration::days(1 - MAX_DAYS)
}

/// `Some(n)` when `start..end` is exactly `n` calendar months from a 1st to a 1st.
fn months_between(start: NaiveDate, end: NaiveDate) -> Option<i32> {
    if end != first_of_month(end) {
        return None;
    }
    let months = (end.year() - start.year()) * 12 + end.month() as i32 - start.month() as i32;
    Some(months)
}

/// The 1st of the month `n` months after (or before, negative) `first`'s month.
fn add_months(first: NaiveDate, n: i32) -> NaiveDate {
    let index = first.year() * 12 + first.month0() as i32 + n;
    NaiveDate::from_ymd_opt(index.div_euclid(12), index.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(first)
}

pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the next month (the exclusive end of `day`'s month).
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

/// The first day of the previous month.
pub fn previous_month(day: NaiveDate) -> NaiveDate {
    first_of_month(first_of_month(day) - Duration::days(1))
}

/// The last two complete calendar months before today's: (baseline, comparison) — the only
/// months Cost Explorer's comparison APIs answer (whole months, never an incomplete one).
pub fn complete_months(today: NaiveDate) -> (Window, Window) {
    let comparison = Window {
        start: previous_month(today),
        end: first_of_month(today),
    };
    let baseline = Window {
        start: previous_month(comparison.start),
        end: comparison.start,
    };
    (baseline, comparison)
}

/// Month to date: the 1st of `today`'s month up to and including today.
pub fn month_to_date(today: NaiveDate) -> Window {
    Window {
        start: first_of_month(today),
        end: today + Duration::days(1),
    }
}

/// The same days of the previous month as [`month_to_date`], clipped to that month's length
/// (on 31 March the comparison is 1–28/29 February, not a spill into March).
pub fn previous_month_same_days(today: NaiveDate) -> Window {
    let start = previous_month(today);
    let wanted = month_to_date(today).days();
    let month_len = (first_of_month(today) - start).num_days();
    Window {
        start,
        end: start + Duration::days(wanted.min(month_len)),
    }
}

/// The windows a person cycles through with `w`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preset {
    Days7,
    Days30,
    Days90,
    MonthToDate,
    LastMonth,
}

impl Preset {
    pub const ALL: [Preset; 5] = [
        Preset::Days7,
        Preset::Days30,
        Preset::Days90,
        Preset::MonthToDate,
        Preset::LastMonth,
    ];

    pub fn window(self, today: NaiveDate) -> Window {
        let last = |days: i64| Window {
            start: today + Duration::days(1 - days),
            end: today + Duration::days(1),
        };
        match self {
            Preset::Days7 => last(7),
            Preset::Days30 => last(30),
            Preset::Days90 => last(90),
            Preset::MonthToDate => month_to_date(today),
            Preset::LastMonth => Window {
                start: previous_month(today),
                end: first_of_month(today),
            },
        }
    }

    pub fn next(self) -> Preset {
        let i = Preset::ALL.iter().position(|p| *p == self).unwrap_or(0);
        Preset::ALL[(i + 1) % Preset::ALL.len()]
    }

    pub fn label(self) -> &'static str {
        match self {
            Preset::Days7 => "7d",
            Preset::Days30 => "30d",
            Preset::Days90 => "90d",
            Preset::MonthToDate => "MTD",
            Preset::LastMonth => "last month",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn last_days_ends_tomorrow_exclusive() {
        let w = Window::last_days(d("2026-11-25"), 30).expect("window");
        assert_eq!((w.start, w.end), (d("2026-10-27"), d("2026-11-26")));
        assert_eq!(w.days(), 30);
        assert_eq!(w.iter_days().count(), 30);
        assert!(Window::last_days(d("2026-11-25"), 0).is_err());
        assert!(Window::last_days(d("2026-11-25"), MAX_DAYS + 1).is_err());
    }

    #[test]
    fn rejects_empty_and_future_windows() {
        assert!(matches!(
            Window::new(d("2026-11-02"), d("2026-11-02")),
            Err(WindowError::Empty { .. })
        ));
        let w = Window::new(d("2026-11-01"), d("2026-11-28")).expect("window");
        assert!(matches!(
            w.checked_against(d("2026-11-25")),
            Err(WindowError::Future { .. })
        ));
        assert!(w.checked_against(d("2026-11-27")).is_ok());
    }

    #[test]
    fn previous_period_has_the_same_length() {
        let w = Window::new(d("2026-11-05"), d("2026-11-15")).expect("window");
        let p = w.previous();
        assert_eq!((p.start, p.end), (d("2026-10-26"), d("2026-11-05")));
    }

    #[test]
    fn whole_months_compare_with_whole_months_and_month_to_date_with_the_same_days() {
        let prev = |a: &str, b: &str| {
            let p = Window::new(d(a), d(b)).expect("window").previous();
            (p.start.to_string(), p.end.to_string())
        };
        // Last month (30 days) against the 31 days of the month before, the 1st included.
        assert_eq!(
            prev("2026-11-01", "2026-12-01"),
            ("2026-10-01".into(), "2026-11-01".into())
        );
        assert_eq!(
            prev("2027-03-01", "2027-04-01"),
            ("2027-02-01".into(), "2027-03-01".into())
        );
        assert_eq!(
            prev("2027-01-01", "2027-02-01"),
            ("2026-12-01".into(), "2027-01-01".into())
        );
        assert_eq!(
            prev("2026-01-01", "2026-04-01"),
            ("2025-10-01".into(), "2026-01-01".into())
        );
        // Month to date on the 30th of March: all of (leap) February, nothing of March.
        assert_eq!(
            prev("2028-03-01", "2028-03-31"),
            ("2028-02-01".into(), "2028-03-01".into())
        );
        assert_eq!(
            prev("2026-12-01", "2026-12-16"),
            ("2026-11-01".into(), "2026-11-16".into())
        );
        assert_eq!(
            prev("2026-12-01", "2026-12-02"),
            ("2026-11-01".into(), "2026-11-02".into())
        );
        // Across a month end but not whole months: the same length before.
        assert_eq!(
            prev("2026-11-01", "2026-12-11"),
            ("2026-09-22".into(), "2026-11-01".into())
        );
    }

    #[test]
    fn typed_windows_have_the_same_limits_as_days() {
        let today = d("2026-12-01");
        let oldest = oldest_day(today);
        assert_eq!(Window::last_days(today, MAX_DAYS).expect("w").start, oldest);
        let w = Window::new(oldest, d("2026-12-02")).expect("w");
        assert!(w.checked_against(today).is_ok());
        let w = Window::new(oldest - Duration::days(1), d("2026-01-01")).expect("w");
        assert!(matches!(
            w.checked_against(today),
            Err(WindowError::TooOld { .. })
        ));
        let w = Window::new(d("0000-01-01"), d("2026-01-01")).expect("w");
        let err = w.checked_against(today).expect_err("too old");
        assert!(err.to_string().contains(&oldest.to_string()), "{err}");
    }

    #[test]
    fn month_helpers_cross_year_boundaries() {
        assert_eq!(next_month(d("2026-12-31")), d("2027-01-01"));
        assert_eq!(previous_month(d("2027-01-01")), d("2026-12-01"));
        assert_eq!(first_of_month(d("2026-11-25")), d("2026-11-01"));
    }

    #[test]
    fn month_to_date_on_first_and_last_days() {
        let first = month_to_date(d("2026-12-01"));
        assert_eq!((first.start, first.end), (d("2026-12-01"), d("2026-12-02")));
        let prev = previous_month_same_days(d("2026-12-01"));
        assert_eq!((prev.start, prev.end), (d("2026-11-01"), d("2026-11-02")));
        let prev = previous_month_same_days(d("2026-03-31"));
        assert_eq!((prev.start, prev.end), (d("2026-02-01"), d("2026-03-01")));
        let prev = previous_month_same_days(d("2027-01-15"));
        assert_eq!((prev.start, prev.end), (d("2026-12-01"), d("2026-12-16")));
    }

    #[test]
    fn presets_cycle_and_cover_the_right_days() {
        let today = d("2026-11-25");
        assert_eq!(Preset::Days30.window(today).days(), 30);
        assert_eq!(Preset::MonthToDate.window(today).start, d("2026-11-01"));
        let last = Preset::LastMonth.window(today);
        assert_eq!((last.start, last.end), (d("2026-10-01"), d("2026-11-01")));
        let mut p = Preset::Days7;
        for _ in 0..Preset::ALL.len() {
            p = p.next();
        }
        assert_eq!(p, Preset::Days7);
    }
}
