//! Which period each scheduled report was sent for, to which sinks — one file in the data dir
//! that every awsdash process shares, read and written under a lock (like the alert state),
//! so neither a restart nor a second collector sends a report twice for one period.
//!
//! A report's period is taken, and its sinks claimed for a while, before anything is sent; a
//! sink that answered (or refused for good) is settled for the period; one that failed for
//! now is tried again after the next snapshot, within the same period. A new period starts
//! afresh: an old period's report is not worth sending late.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::Schedule;

const FORMAT: u64 = 1;

/// How long a claim holds: longer than rendering and delivering one report can take.
const CLAIM: Duration = Duration::minutes(10);

/// What is remembered of one report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    /// When this report was first seen: its first period is the one starting after.
    armed: DateTime<Utc>,
    /// The period last taken (being sent, or sent).
    period: Option<DateTime<Utc>>,
    /// Sinks done with for `period`: delivered, or refused for good.
    settled: Vec<String>,
    /// Being sent by some process until then.
    claimed_until: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    format: u64,
    reports: BTreeMap<String, Record>,
}

/// A report to send now: for `period`, to `sinks`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub period: DateTime<Utc>,
    pub sinks: Vec<String>,
}

/// How one sink took a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying after the next snapshot.
    Retry,
    /// Trying again this period cannot help.
    GaveUp,
}

/// The schedule state file (`<data dir>/reports-state.json`).
#[derive(Debug, Clone)]
pub struct ScheduleState {
    path: PathBuf,
}

impl ScheduleState {
    pub fn new(path: PathBuf) -> ScheduleState {
        ScheduleState { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The sinks report `name` is due at now, claimed; `None` when nothing is due (sent this
    /// period, not yet armed, or another process is sending it). A report seen for the first
    /// time is armed now.
    pub fn claim(
        &self,
        name: &str,
        schedule: &Schedule,
        to: &[String],
        now: DateTime<Utc>,
    ) -> io::Result<Option<Claim>> {
        self.update(|file| {
            let record = file.reports.entry(name.to_owned()).or_insert(Record {
                armed: now,
                period: None,
                settled: Vec::new(),
                claimed_until: None,
            });
            let period = schedule.period(now);
            if record.period != Some(period) {
                if schedule.due(now, record.period, record.armed).is_none() {
                    return Ok(None);
                }
                record.period = Some(period);
                record.settled.clear();
                record.claimed_until = None;
            }
            if record.claimed_until.is_some_and(|until| until > now) {
                return Ok(None);
            }
            let sinks: Vec<String> = to
                .iter()
                .filter(|s| !record.settled.contains(s))
                .cloned()
                .collect();
            if sinks.is_empty() {
                return Ok(None);
            }
            record.claimed_until = Some(now + CLAIM);
            Ok(Some(Claim { period, sinks }))
        })
    }

    /// Records how a claim went; the claim is released.
    pub fn settle(
        &self,
        name: &str,
        period: DateTime<Utc>,
        outcomes: &[(String, Outcome)],
    ) -> io::Result<()> {
        self.update(|file| {
            let Some(record) = file.reports.get_mut(name) else {
                return Ok(());
            };
            if record.period != Some(period) {
                return Ok(());
            }
            record.claimed_until = None;
            for (sink, outcome) in outcomes {
                if *outcome != Outcome::Retry && !record.settled.contains(sink) {
                    record.settled.push(sink.clone());
                }
            }
            Ok(())
        })
    }

    fn update<R>(&self, change: impl FnOnce(&mut StateFile) -> io::Result<R>) -> io::Result<R> {
        crate::state_file::update(&self.path, change)
    }
}

impl crate::state_file::StateFile for StateFile {
    const FORMAT: u64 = FORMAT;
    const WHAT: &'static str = "report schedule state";

    fn format(&self) -> u64 {
        self.format
    }

    fn set_format(&mut self, format: u64) {
        self.format = format;
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::schedule::{Every, parse_at};

    fn t(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
            .single()
            .expect("instant")
    }

    fn weekly() -> Schedule {
        Schedule {
            every: Every::Weekly,
            at: parse_at("08:00").expect("time"),
        }
    }

    fn sinks() -> Vec<String> {
        vec!["slack".into(), "mail".into()]
    }

    fn state() -> (tempfile::TempDir, ScheduleState) {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = ScheduleState::new(dir.path().join("reports-state.json"));
        (dir, state)
    }

    fn all_delivered(claim: &Claim) -> Vec<(String, Outcome)> {
        claim
            .sinks
            .iter()
            .map(|s| (s.clone(), Outcome::Delivered))
            .collect()
    }

    #[test]
    fn sent_once_per_week_and_never_twice_across_a_restart() {
        let (_dir, state) = state();
        let s = weekly();
        // First seen on Friday 2026-11-20: armed, nothing yet.
        assert_eq!(
            state
                .claim("w", &s, &sinks(), t(2026, 11, 20, 12))
                .expect("claim"),
            None
        );
        let claim = state
            .claim("w", &s, &sinks(), t(2026, 11, 23, 9))
            .expect("claim")
            .expect("due on Monday");
        assert_eq!(claim.period, t(2026, 11, 23, 8));
        assert_eq!(claim.sinks, sinks());
        state
            .settle("w", claim.period, &all_delivered(&claim))
            .expect("settle");
        // A restart is a new ScheduleState on the same file.
        let restarted = ScheduleState::new(state.path().to_path_buf());
        for day in 23..=29 {
            assert_eq!(
                restarted
                    .claim("w", &s, &sinks(), t(2026, 11, day, 23))
                    .expect("claim"),
                None,
                "day {day}"
            );
        }
        let next = restarted
            .claim("w", &s, &sinks(), t(2026, 11, 30, 8))
            .expect("claim")
            .expect("next Monday");
        assert_eq!(next.period, t(2026, 11, 30, 8));
    }

    #[test]
    fn a_missed_week_is_sent_once_when_the_collector_is_back() {
        let (_dir, state) = state();
        let s = weekly();
        state
            .claim("w", &s, &sinks(), t(2026, 11, 1, 0))
            .expect("arm");
        let first = state
            .claim("w", &s, &sinks(), t(2026, 11, 2, 8))
            .expect("claim")
            .expect("due");
        state
            .settle("w", first.period, &all_delivered(&first))
            .expect("settle");
        // Down for two Mondays; back on a Wednesday: once, for this week.
        let back = state
            .claim("w", &s, &sinks(), t(2026, 11, 18, 10))
            .expect("claim")
            .expect("missed run");
        assert_eq!(back.period, t(2026, 11, 16, 8));
        state
            .settle("w", back.period, &all_delivered(&back))
            .expect("settle");
        assert_eq!(
            state
                .claim("w", &s, &sinks(), t(2026, 11, 18, 11))
                .expect("claim"),
            None
        );
    }

    #[test]
    fn a_claim_keeps_a_second_process_off_and_a_failed_sink_is_tried_again() {
        let (_dir, state) = state();
        let s = weekly();
        state
            .claim("w", &s, &sinks(), t(2026, 11, 22, 0))
            .expect("arm");
        let claim = state
            .claim("w", &s, &sinks(), t(2026, 11, 23, 8))
            .expect("claim")
            .expect("due");
        let other = ScheduleState::new(state.path().to_path_buf());
        assert_eq!(
            other
                .claim("w", &s, &sinks(), t(2026, 11, 23, 8))
                .expect("claim"),
            None
        );
        state
            .settle(
                "w",
                claim.period,
                &[
                    ("slack".into(), Outcome::Delivered),
                    ("mail".into(), Outcome::Retry),
                ],
            )
            .expect("settle");
        let again = other
            .claim("w", &s, &sinks(), t(2026, 11, 23, 9))
            .expect("claim")
            .expect("the failed sink");
        assert_eq!(again.sinks, ["mail"]);
        other
            .settle("w", again.period, &[("mail".into(), Outcome::GaveUp)])
            .expect("settle");
        assert_eq!(
            state
                .claim("w", &s, &sinks(), t(2026, 11, 24, 9))
                .expect("claim"),
            None
        );
        // A claim never settled (the process died) expires.
        let (_dir, state) = self::state();
        state
            .claim("w", &s, &sinks(), t(2026, 11, 22, 0))
            .expect("arm");
        assert!(
            state
                .claim("w", &s, &sinks(), t(2026, 11, 23, 8))
                .expect("claim")
                .is_some()
        );
        let later = t(2026, 11, 23, 8) + CLAIM;
        assert!(
            state
                .claim("w", &s, &sinks(), later)
                .expect("claim")
                .is_some()
        );
    }

    #[test]
    fn a_corrupt_state_is_an_error_not_a_fresh_start() {
        let (_dir, state) = state();
        std::fs::write(state.path(), b"[").expect("write");
        let err = state
            .claim("w", &weekly(), &sinks(), t(2026, 11, 23, 8))
            .expect_err("refused");
        assert!(err.to_string().contains("not readable"), "{err}");
    }
}
