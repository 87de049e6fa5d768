//! When a scheduled report (`[[report]]`) is due — here pure calendar arithmetic, no I/O, the
//! clock a parameter, so every edge (a month's end, a leap day, a year's end, a Monday) is a unit
//! test rather than a wait.
//!
//! Each schedule cuts time into periods: a day, a week starting on Monday, a month starting on
//! the 1st — each beginning at `at` (UTC). A report is sent once per period, the first time a
//! snapshot arrives in it. A collector that was down through a slot sends once when it is back
//! (the period it wakes in), never once per period missed, and never twice for one period:
//! the period sent is what [`state`] persists, and [`run`] sends what is due.

pub mod run;
pub mod state;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, NaiveTime, Utc};
use serde::Deserialize;

/// How often a report goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Every {
    Daily,
    /// On Mondays.
    Weekly,
    /// On the 1st.
    Monthly,
}

impl Every {
    pub fn name(self) -> &'static str {
        match self {
            Every::Daily => "daily",
            Every::Weekly => "weekly",
            Every::Monthly => "monthly",
        }
    }
}

/// `every` at `at` UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub every: Every,
    pub at: NaiveTime,
}

/// `HH:MM`, 24-hour, UTC — the only spelling accepted, so `8:00pm` or `08:00+02:00` are
/// refused rather than guessed at.
pub fn parse_at(text: &str) -> Result<NaiveTime, String> {
    let bad =
        || format!("at = {text:?} is not a time of day as HH:MM (24-hour, UTC), e.g. \"08:00\"");
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 || !(h.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let hour: u32 = h.parse().map_err(|_| bad())?;
    let minute: u32 = m.parse().map_err(|_| bad())?;
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

impl Schedule {
    /// The start of the period `now` falls in: the latest slot at or before `now`.
    pub fn period(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.date_naive();
        let slot = |day: NaiveDate| day.and_time(self.at).and_utc();
        let first = match self.every {
            Every::Daily => today,
            Every::Weekly => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Every::Monthly => today.with_day(1).unwrap_or(today),
        };
        if slot(first) <= now {
            return slot(first);
        }
        let earlier = match self.every {
            Every::Daily => first - Duration::days(1),
            Every::Weekly => first - Duration::days(7),
            Every::Monthly => first.checked_sub_months(Months::new(1)).unwrap_or(first),
        };
        slot(earlier)
    }

    /// The period a report should be sent for now, or `None` when it was sent for this
    /// period already. `sent` is the period last sent; `armed` when this report was first
    /// seen — a report newly added to the config starts with the next slot, not at once (a
    /// fresh data dir must not send every report on every start; `report run` sends one now).
    pub fn due(
        &self,
        now: DateTime<Utc>,
        sent: Option<DateTime<Utc>>,
        armed: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let period = self.period(now);
        let sent_already = sent.is_some_and(|sent| sent >= period);
        // Armed after this period's slot: its first is the next one.
        let before_armed = period < armed;
        (!sent_already && !before_armed).then_some(period)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid instant")
    }

    fn every(every: Every) -> Schedule {
        Schedule {
            every,
            at: parse_at("08:00").expect("time"),
        }
    }

    #[test]
    fn at_is_hh_mm_utc_and_nothing_else() {
        assert_eq!(parse_at("00:00"), Ok(NaiveTime::MIN));
        assert_eq!(
            parse_at("23:59"),
            Ok(NaiveTime::from_hms_opt(23, 59, 0).expect("time"))
        );
        for bad in [
            "8:00", "24:00", "12:60", "08:00:00", "0800", "", "+8:00", "08:0a",
        ] {
            let err = parse_at(bad).expect_err(bad);
            assert!(err.contains("HH:MM"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_daily_period_starts_at_today_s_slot_or_yesterday_s() {
        let s = every(Every::Daily);
        assert_eq!(s.period(t(2026, 12, 1, 8, 0)), t(2026, 12, 1, 8, 0));
        assert_eq!(s.period(t(2026, 12, 1, 7, 59)), t(2026, 11, 30, 8, 0));
        // Year end and a leap day.
        assert_eq!(s.period(t(2027, 1, 1, 0, 20)), t(2026, 12, 31, 8, 0));
        assert_eq!(s.period(t(2028, 3, 1, 7, 0)), t(2028, 2, 29, 8, 0));
        assert_eq!(s.period(t(2028, 2, 29, 9, 0)), t(2028, 2, 29, 8, 0));
    }

    #[test]
    fn a_weekly_period_starts_on_monday() {
        let s = every(Every::Weekly);
        // 2026-11-30 is a Monday.
        assert_eq!(s.period(t(2026, 11, 30, 8, 0)), t(2026, 11, 30, 8, 0));
        assert_eq!(s.period(t(2026, 12, 6, 23, 59)), t(2026, 11, 30, 8, 0));
        assert_eq!(s.period(t(2026, 11, 30, 7, 59)), t(2026, 11, 23, 8, 0));
        // Across a year end: Friday 2027-01-01 belongs to the week of Monday 2026-12-28.
        assert_eq!(s.period(t(2027, 1, 1, 12, 0)), t(2026, 12, 28, 8, 0));
        // Across a leap day: Tuesday 2028-02-29 is in the week of Monday 2028-02-28.
        assert_eq!(s.period(t(2028, 2, 29, 12, 0)), t(2028, 2, 28, 8, 0));
        assert_eq!(s.period(t(2028, 3, 6, 7, 0)), t(2028, 2, 28, 8, 0));
    }

    #[test]
    fn a_monthly_period_starts_on_the_first() {
        let s = every(Every::Monthly);
        assert_eq!(s.period(t(2026, 12, 1, 8, 0)), t(2026, 12, 1, 8, 0));
        assert_eq!(s.period(t(2026, 12, 31, 23, 59)), t(2026, 12, 1, 8, 0));
        // Before the slot on the 1st: last month's period, over a year end too.
        assert_eq!(s.period(t(2027, 1, 1, 0, 20)), t(2026, 12, 1, 8, 0));
        assert_eq!(s.period(t(2028, 3, 1, 7, 59)), t(2028, 2, 1, 8, 0));
        assert_eq!(s.period(t(2028, 2, 29, 23, 0)), t(2028, 2, 1, 8, 0));
        // A 31-day month before a 30-day one.
        assert_eq!(s.period(t(2026, 5, 1, 7, 0)), t(2026, 4, 1, 8, 0));
        let midnight = Schedule {
            every: Every::Monthly,
            at: NaiveTime::MIN,
        };
        assert_eq!(midnight.period(t(2026, 3, 1, 0, 0)), t(2026, 3, 1, 0, 0));
    }

    #[test]
    fn a_weekly_report_is_due_once_per_week() {
        let s = every(Every::Weekly);
        let armed = t(2026, 11, 20, 12, 0);
        // Armed on a Friday: nothing until Monday's slot.
        assert_eq!(s.due(t(2026, 11, 20, 12, 5), None, armed), None);
        assert_eq!(s.due(t(2026, 11, 23, 7, 59), None, armed), None);
        let monday = t(2026, 11, 23, 8, 0);
        assert_eq!(s.due(monday, None, armed), Some(monday));
        // Sent: not again that week, however often it is asked.
        for now in [
            t(2026, 11, 23, 8, 5),
            t(2026, 11, 26, 0, 0),
            t(2026, 11, 30, 7, 59),
        ] {
            assert_eq!(s.due(now, Some(monday), armed), None, "{now}");
        }
        let next = t(2026, 11, 30, 8, 0);
        assert_eq!(
            s.due(t(2026, 11, 30, 9, 0), Some(monday), armed),
            Some(next)
        );
    }

    #[test]
    fn a_missed_slot_is_sent_once_on_start_not_once_per_missed_period() {
        let s = every(Every::Weekly);
        let armed = t(2026, 1, 1, 0, 0);
        let sent = t(2026, 11, 2, 8, 0);
        // Down from before 2026-11-09 until Wednesday 2026-11-25: one send, for this week.
        let back = t(2026, 11, 25, 10, 0);
        let period = t(2026, 11, 23, 8, 0);
        assert_eq!(s.due(back, Some(sent), armed), Some(period));
        assert_eq!(s.due(back, Some(period), armed), None, "never twice");
    }

    #[test]
    fn a_report_armed_inside_a_period_waits_for_the_next_slot() {
        let s = every(Every::Monthly);
        let armed = t(2026, 12, 15, 10, 0);
        assert_eq!(s.due(t(2026, 12, 31, 23, 0), None, armed), None);
        assert_eq!(
            s.due(t(2027, 1, 1, 8, 0), None, armed),
            Some(t(2027, 1, 1, 8, 0))
        );
        // Armed exactly at a slot: that slot counts.
        let d = every(Every::Daily);
        let slot = t(2028, 2, 29, 8, 0);
        assert_eq!(d.due(slot, None, slot), Some(slot));
    }
}
