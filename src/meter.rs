//! The API-spend meter: how many AWS requests awsdash made today, per service, and the hard
//! daily cap on the paid ones.
//!
//! Cost Explorer bills $0.01 per request (every page of a paginated answer counts), so a
//! dashboard that refreshes on a timer can quietly cost real money. Every request is counted
//! here, per UTC day because that is how AWS bills, in a file beside the cache that every
//! awsdash process on the machine shares. `max_cost_explorer_calls_per_day` is a hard cap:
//!
//! - a paid call is **reserved before it is sent**, under an exclusive lock on the file, by
//!   reading the counts on disk, checking the cap and writing the count plus one — so parallel
//!   processes can neither overwrite each other's counts nor together overshoot the cap;
//! - a reservation is given back when AWS answered with an error (failed requests are free);
//! - when the count cannot be written (read-only cache dir, a directory where the file should
//!   be) the paid call is refused: a cap that forgets is no cap.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::ApiCalls;

/// Version of the persisted file; any other version is ignored like a corrupt file.
const FORMAT: u64 = 1;

/// The AWS services awsdash calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    /// Paid: $0.01 per request.
    CostExplorer,
    Budgets,
    CloudWatch,
    Sts,
}

/// The daily cap stopped a paid call. Says what happened and which setting changes it; the
/// caller adds whether cached data is shown instead (only it knows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Cost Explorer call cap reached: {made} of {cap} paid calls made today (UTC). Raise [refresh] max_cost_explorer_calls_per_day to allow more."
)]
pub struct CapReached {
    pub made: u64,
    pub cap: u64,
}

/// Why a paid call was not made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error(transparent)]
    Cap(#[from] CapReached),
    /// Known before paying: the answer needs more requests than the cap leaves today.
    #[error(
        "Cost Explorer: this answer needs about {needed} more paid requests but only {left} of today's {cap} are left (UTC){}; nothing more was spent. Raise [refresh] max_cost_explorer_calls_per_day, or narrow the window",
        if *.spent > 0 { format!(", after {} spent learning its size", .spent) } else { String::new() }
    )]
    WouldExceed {
        needed: u64,
        left: u64,
        cap: u64,
        spent: u64,
    },
    /// The team sharing the DynamoDB store made its day's paid calls.
    #[error(
        "Cost Explorer call cap reached: the team sharing the table {table} made its {cap} paid calls today (UTC). Raise [refresh] max_cost_explorer_calls_per_day to allow more."
    )]
    TeamCap { cap: u64, table: String },
    /// The team-wide count could not be kept.
    #[error(
        "paid Cost Explorer calls are off: their team-wide count cannot be kept in the table {table} ({why}), and a cap that forgets is no cap"
    )]
    TeamUnrecorded { table: String, why: String },
    /// The count could not be kept, so the cap could not see the call.
    #[error(
        "paid Cost Explorer calls are off: their count cannot be kept in {path} ({why}), and a cap that forgets is no cap. Fix that path or choose another [cache] dir"
    )]
    Unrecorded { path: PathBuf, why: String },
}

/// The counts and the UTC day they belong to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct State {
    day: Option<NaiveDate>,
    calls: ApiCalls,
}

impl State {
    /// The counts for `day`, or zero if they belong to another day.
    fn on(&self, day: NaiveDate) -> ApiCalls {
        if self.day == Some(day) {
            self.calls
        } else {
            ApiCalls::default()
        }
    }

    /// The counts of `day`, to be changed: an earlier day's are dropped first. `None` for a
    /// day before the one counted (a refund of yesterday's call must not wipe today's).
    fn day_mut(&mut self, day: NaiveDate) -> Option<&mut ApiCalls> {
        match self.day {
            Some(counted) if counted > day => return None,
            Some(counted) if counted == day => {}
            _ => {
                *self = State {
                    day: Some(day),
                    calls: ApiCalls::default(),
                }
            }
        }
        Some(&mut self.calls)
    }
}

/// The file format: flat and versioned so it can be read (and fixed) by hand.
#[derive(Debug, Serialize, Deserialize)]
struct Persisted {
    format: u64,
    day: NaiveDate,
    cost_explorer: u64,
    budgets: u64,
    cloudwatch: u64,
    sts: u64,
}

/// A paid call reserved against the cap: [`Meter::refund`] it if AWS answered with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a reservation is either kept (the call was paid) or refunded"]
pub struct Reservation {
    day: NaiveDate,
}

/// Counts AWS requests per service and UTC day, shared through a file by every process.
///
/// `Send + Sync`: one meter sits in an `Arc` shared by every task that calls AWS.
#[derive(Debug)]
pub struct Meter {
    /// `None`: counts in memory only (tests, benches).
    file: Option<PathBuf>,
    /// The last counts seen, for [`Meter::today`] when the file cannot be read.
    memory: Mutex<State>,
    cap: u64,
    /// With the DynamoDB store: the cap counts the whole team's calls too.
    team: Option<crate::store::counter::TeamCounter>,
    /// Where each paid operation is recorded once it is done (`None`: tests, benches).
    audit: Option<crate::audit::AuditLog>,
}

/// A poisoned lock only means another thread panicked while holding it; the counters inside
/// are still plain numbers, and losing the meter would be worse than a possibly missed count.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Meter {
    /// `file`: `Some(path)` to share counts through it (`<cache dir>/api-calls.json`), `None`
    /// to keep them in memory only. Nothing is read or created until the first use.
    pub fn new(file: Option<PathBuf>, cap: u64) -> Meter {
        Meter {
            file,
            memory: Mutex::new(State::default()),
            cap,
            team: None,
            audit: None,
        }
    }

    /// Records every paid operation (its pages and their cost) in the audit log.
    pub fn with_audit(mut self, audit: crate::audit::AuditLog) -> Meter {
        self.audit = Some(audit);
        self
    }

    /// Records one paid operation that kept `pages` paid requests: spending money is an
    /// action the audit log answers for. A log that cannot be written is logged, not
    /// returned: the cap, not the log, is what stops spending.
    pub async fn paid_done(&self, operation: &str, pages: u64, ok: bool, now: DateTime<Utc>) {
        let Some(audit) = &self.audit else { return };
        if pages == 0 {
            return;
        }
        let action = crate::audit::Action::PaidCall {
            operation: operation.to_string(),
            pages,
            cost: crate::model::Money::from_units(i64::try_from(pages).unwrap_or(i64::MAX), 2),
        };
        let result = match ok {
            true => crate::audit::Outcome::Ok,
            false => crate::audit::Outcome::Failed,
        };
        if let Err(e) = audit.record(action, result, now).await {
            tracing::warn!("{e}");
        }
    }

    /// Counts paid calls against the team's cap as well (the DynamoDB store's counter).
    pub fn with_team(mut self, team: crate::store::counter::TeamCounter) -> Meter {
        self.team = Some(team);
        self
    }

    /// Reserves one paid request on this machine's count and, with a shared store, on the
    /// team's: refused if either cap is reached (a team refusal gives the local one back).
    pub async fn reserve_paid(&self, now: DateTime<Utc>) -> Result<Reservation, Refused> {
        let reservation = self.reserve(now)?;
        if let Some(team) = &self.team
            && let Err(refused) = team.reserve(now).await
        {
            self.refund(reservation);
            return Err(refused);
        }
        Ok(reservation)
    }

    /// Gives a paid reservation back, on both counts.
    pub async fn refund_paid(&self, reservation: Reservation) {
        self.refund(reservation);
        if let Some(team) = &self.team {
            team.refund(reservation.day).await;
        }
    }

    pub fn cap(&self) -> u64 {
        self.cap
    }

    /// Reserves one paid Cost Explorer request at `now`, before it is sent.
    pub fn reserve(&self, now: DateTime<Utc>) -> Result<Reservation, Refused> {
        let day = now.date_naive();
        let cap = self.cap;
        self.update(day, |calls| {
            if calls.cost_explorer >= cap {
                return Err(Refused::Cap(CapReached {
                    made: calls.cost_explorer,
                    cap,
                }));
            }
            calls.cost_explorer += 1;
            Ok(())
        })?;
        Ok(Reservation { day })
    }

    /// Gives a reservation back: AWS answered with an error, and failed requests are free.
    /// A reservation from an earlier UTC day is not taken off today's count.
    pub fn refund(&self, reservation: Reservation) {
        let result = self.update(reservation.day, |calls| {
            calls.cost_explorer = calls.cost_explorer.saturating_sub(1);
            Ok(())
        });
        if let Err(e) = result {
            tracing::warn!("cannot give back a paid-call reservation: {e}");
        }
    }

    /// Counts one request to a free API at `now`. Failing to write it is logged, not
    /// returned: nothing is capped on these.
    pub fn record(&self, api: Api, now: DateTime<Utc>) {
        let result = self.update(now.date_naive(), |calls| {
            let counter = match api {
                Api::CostExplorer => &mut calls.cost_explorer,
                Api::Budgets => &mut calls.budgets,
                Api::CloudWatch => &mut calls.cloudwatch,
                Api::Sts => &mut calls.sts,
            };
            *counter = counter.saturating_add(1);
            Ok(())
        });
        if let Err(e) = result {
            tracing::warn!("cannot count an AWS call: {e}");
        }
    }

    /// How many paid calls the cap still allows today (UTC): on this machine, and for the
    /// team as last seen when the store is shared.
    pub fn paid_left(&self, now: DateTime<Utc>) -> u64 {
        let here = self.cap.saturating_sub(self.today(now).cost_explorer);
        self.team.as_ref().map_or(here, |t| here.min(t.left(now)))
    }

    /// Today's (UTC) counts by every process sharing the file; zero for another day's.
    pub fn today(&self, now: DateTime<Utc>) -> ApiCalls {
        let day = now.date_naive();
        if let Some(path) = &self.file {
            // The file is replaced by rename, so a read without the lock sees whole counts.
            match load(path) {
                Ok(state) => {
                    *lock(&self.memory) = state;
                    return state.on(day);
                }
                Err(e) => tracing::debug!("reading API counts: {e}"),
            }
        }
        lock(&self.memory).on(day)
    }

    /// Applies `change` to the counts of `day` — with a file: under its lock, to what is on
    /// disk, and written back before the lock is released.
    fn update(
        &self,
        day: NaiveDate,
        change: impl FnOnce(&mut ApiCalls) -> Result<(), Refused>,
    ) -> Result<(), Refused> {
        let Some(path) = &self.file else {
            let mut memory = lock(&self.memory);
            let mut state = *memory;
            if let Some(calls) = state.day_mut(day) {
                change(calls)?;
            }
            *memory = state;
            return Ok(());
        };
        let unrecorded = |e: io::Error| Refused::Unrecorded {
            path: path.clone(),
            why: e.to_string(),
        };
        let _guard = crate::lockfile::FileLock::beside(path).map_err(unrecorded)?;
        let mut state = load(path).map_err(unrecorded)?;
        let Some(calls) = state.day_mut(day) else {
            return Ok(());
        };
        change(calls)?;
        save(path, &state).map_err(unrecorded)?;
        *lock(&self.memory) = state;
        Ok(())
    }
}

/// The counts on disk: a missing file is zero, and so is a corrupt or other-version one
/// (logged; the next write replaces it). A file that cannot be read at all — a directory in
/// its place, no permission — is an error, because writing over it would fail too.
fn load(path: &Path) -> io::Result<State> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(State::default()),
        Err(err) => return Err(err),
    };
    match serde_json::from_slice::<Persisted>(&bytes) {
        Ok(p) if p.format == FORMAT => Ok(State {
            day: Some(p.day),
            calls: ApiCalls {
                cost_explorer: p.cost_explorer,
                budgets: p.budgets,
                cloudwatch: p.cloudwatch,
                sts: p.sts,
            },
        }),
        Ok(p) => {
            tracing::warn!(path = %path.display(), format = p.format, expected = FORMAT, "API call counts file has another format; starting from zero");
            Ok(State::default())
        }
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "API call counts file is corrupt; starting from zero");
            Ok(State::default())
        }
    }
}

fn save(path: &Path, state: &State) -> io::Result<()> {
    let Some(day) = state.day else {
        return Ok(());
    };
    let persisted = Persisted {
        format: FORMAT,
        day,
        cost_explorer: state.calls.cost_explorer,
        budgets: state.calls.budgets,
        cloudwatch: state.calls.cloudwatch,
        sts: state.calls.sts,
    };
    let bytes = serde_json::to_vec(&persisted).map_err(io::Error::other)?;
    crate::cache::write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
            .single()
            .expect("valid time")
    }

    fn noon() -> DateTime<Utc> {
        at(2026, 11, 25, 12, 0, 0)
    }

    fn paid(meter: &Meter, now: DateTime<Utc>) {
        let _kept = meter.reserve(now).expect("allowed");
    }

    #[test]
    fn is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Meter>();
        assert_send_sync::<Arc<Meter>>();
    }

    #[test]
    fn counts_each_api_separately() {
        let meter = Meter::new(None, 100);
        assert_eq!(meter.today(noon()), ApiCalls::default());
        paid(&meter, noon());
        paid(&meter, noon());
        meter.record(Api::Budgets, noon());
        for _ in 0..3 {
            meter.record(Api::CloudWatch, noon());
        }
        meter.record(Api::Sts, noon());
        assert_eq!(
            meter.today(noon()),
            ApiCalls {
                cost_explorer: 2,
                budgets: 1,
                cloudwatch: 3,
                sts: 1
            }
        );
        assert_eq!(meter.today(noon()).cost_explorer_usd().to_string(), "0.02");
    }

    #[test]
    fn resets_at_utc_midnight() {
        let meter = Meter::new(None, 100);
        let last_second = at(2026, 11, 25, 23, 59, 59);
        let midnight = at(2026, 11, 26, 0, 0, 0);
        paid(&meter, last_second);
        meter.record(Api::Sts, last_second);
        assert_eq!(meter.today(last_second).cost_explorer, 1);
        // Before anything is recorded on the new day, it already reads as zero.
        assert_eq!(meter.today(midnight), ApiCalls::default());
        meter.record(Api::Budgets, midnight);
        assert_eq!(
            meter.today(midnight),
            ApiCalls {
                budgets: 1,
                ..ApiCalls::default()
            }
        );
        // The old day's counts are gone, not kept alongside.
        assert_eq!(meter.today(last_second), ApiCalls::default());
    }

    #[test]
    fn day_is_utc_not_local() {
        // 23:30 at UTC-5 on the 25th is 04:30 UTC on the 26th.
        let offset = chrono::FixedOffset::west_opt(5 * 3600).expect("offset");
        let local = offset
            .with_ymd_and_hms(2026, 11, 25, 23, 30, 0)
            .single()
            .expect("time")
            .with_timezone(&Utc);
        let meter = Meter::new(None, 100);
        paid(&meter, local);
        assert_eq!(meter.today(at(2026, 11, 26, 0, 0, 0)).cost_explorer, 1);
        assert_eq!(meter.today(at(2026, 11, 25, 23, 0, 0)).cost_explorer, 0);
    }

    #[test]
    fn persists_across_instances_in_the_documented_format() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("cache").join("api-calls.json");
        {
            let meter = Meter::new(Some(file.clone()), 100);
            paid(&meter, noon());
            paid(&meter, noon());
            meter.record(Api::CloudWatch, noon());
        }
        let meter = Meter::new(Some(file.clone()), 100);
        assert_eq!(
            meter.today(noon()),
            ApiCalls {
                cost_explorer: 2,
                cloudwatch: 1,
                ..ApiCalls::default()
            }
        );
        meter.record(Api::Sts, noon());
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "format": 1, "day": "2026-11-25",
                "cost_explorer": 2, "budgets": 0, "cloudwatch": 1, "sts": 1
            })
        );
        // A restart on a later day sees nothing from yesterday.
        let tomorrow = Meter::new(Some(file), 100);
        assert_eq!(
            tomorrow.today(at(2026, 11, 26, 9, 0, 0)),
            ApiCalls::default()
        );
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_writes_leave_no_temp_files() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let meter = Meter::new(Some(file.clone()), 100);
        for _ in 0..5 {
            paid(&meter, noon());
        }
        let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&tmp.path().join("api-calls.json.lock")), 0o600);
        let mut names: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        names.sort();
        assert_eq!(names, ["api-calls.json", "api-calls.json.lock"]);
    }

    #[test]
    fn cap_stops_paid_calls_until_the_next_utc_day() {
        let meter = Meter::new(None, 2);
        paid(&meter, noon());
        assert_eq!(meter.paid_left(noon()), 1);
        paid(&meter, noon());
        let err = meter.reserve(noon()).expect_err("capped");
        assert_eq!(err, Refused::Cap(CapReached { made: 2, cap: 2 }));
        assert_eq!(
            err.to_string(),
            "Cost Explorer call cap reached: 2 of 2 paid calls made today (UTC). Raise \
             [refresh] max_cost_explorer_calls_per_day to allow more."
        );
        assert!(!err.to_string().contains("cached"), "the caller says that");
        assert!(meter.reserve(at(2026, 11, 26, 0, 0, 0)).is_ok());
    }

    #[test]
    fn a_refund_gives_the_call_back_but_not_on_another_day() {
        let meter = Meter::new(None, 1);
        let r = meter.reserve(noon()).expect("allowed");
        meter.refund(r);
        let r = meter.reserve(noon()).expect("allowed again");
        assert!(meter.reserve(noon()).is_err());
        let tomorrow = at(2026, 11, 26, 1, 0, 0);
        let _today = meter.reserve(tomorrow).expect("a new day");
        meter.refund(r);
        assert_eq!(meter.today(tomorrow).cost_explorer, 1, "yesterday's refund");
    }

    #[test]
    fn free_apis_do_not_count_toward_the_cap() {
        let meter = Meter::new(None, 1);
        meter.record(Api::Budgets, noon());
        meter.record(Api::CloudWatch, noon());
        meter.record(Api::Sts, noon());
        assert!(meter.reserve(noon()).is_ok());
    }

    #[test]
    fn cap_survives_a_restart() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let first = Meter::new(Some(file.clone()), 2);
        paid(&first, noon());
        paid(&first, noon());
        drop(first);
        let second = Meter::new(Some(file), 2);
        assert_eq!(
            second.reserve(noon()),
            Err(Refused::Cap(CapReached { made: 2, cap: 2 }))
        );
    }

    #[test]
    fn two_meters_on_one_file_merge_rather_than_overwrite() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let a = Meter::new(Some(file.clone()), 100);
        let b = Meter::new(Some(file.clone()), 100);
        paid(&a, noon());
        paid(&b, noon());
        paid(&a, noon());
        b.record(Api::Budgets, noon());
        assert_eq!(a.today(noon()).cost_explorer, 3);
        assert_eq!(Meter::new(Some(file), 100).today(noon()).budgets, 1);
    }

    #[test]
    fn concurrent_reservations_never_overshoot_the_cap() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        // Each thread has its own meter on the shared file, as separate processes would.
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let file = file.clone();
                std::thread::spawn(move || {
                    let meter = Meter::new(Some(file), 50);
                    (0..10).filter(|_| meter.reserve(noon()).is_ok()).count()
                })
            })
            .collect();
        let granted: usize = threads.into_iter().map(|t| t.join().expect("thread")).sum();
        assert_eq!(granted, 50);
        assert_eq!(Meter::new(Some(file), 50).today(noon()).cost_explorer, 50);
    }

    #[test]
    fn corrupt_or_other_format_file_starts_from_zero() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let cases: [&[u8]; 6] = [
            b"\xff\x00garbage",
            b"",
            br#"{"format":1,"day":"2026-11-25","cost_explorer":5"#,
            br#"{"format":2,"day":"2026-11-25","cost_explorer":5,"budgets":0,"cloudwatch":0,"sts":0}"#,
            br#"{"format":1,"day":"yesterday","cost_explorer":5,"budgets":0,"cloudwatch":0,"sts":0}"#,
            br#"{"format":1,"day":"2026-11-25","cost_explorer":-5,"budgets":0,"cloudwatch":0,"sts":0}"#,
        ];
        for bytes in cases {
            std::fs::write(&file, bytes).expect("write");
            let meter = Meter::new(Some(file.clone()), 100);
            assert_eq!(meter.today(noon()), ApiCalls::default());
            // And the bad file is replaced by a good one on the next record.
            paid(&meter, noon());
            assert_eq!(
                Meter::new(Some(file.clone()), 100)
                    .today(noon())
                    .cost_explorer,
                1
            );
        }
        // The well-formed version of the same file does load, so the cases above fail for the
        // intended reason.
        std::fs::write(
            &file,
            br#"{"format":1,"day":"2026-11-25","cost_explorer":5,"budgets":0,"cloudwatch":0,"sts":0}"#,
        )
        .expect("write");
        assert_eq!(Meter::new(Some(file), 100).today(noon()).cost_explorer, 5);
    }

    #[test]
    fn a_huge_corrupt_count_is_capped_not_wrapped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let text = format!(
            r#"{{"format":1,"day":"2026-11-25","cost_explorer":{},"budgets":0,"cloudwatch":0,"sts":0}}"#,
            u64::MAX - 1
        );
        std::fs::write(&file, text).expect("write");
        let meter = Meter::new(Some(file), 100);
        assert!(matches!(meter.reserve(noon()), Err(Refused::Cap(_))));
        let usd = meter.today(noon()).cost_explorer_usd();
        assert!(usd.amount().is_sign_positive(), "{usd}");
        assert_eq!(usd.to_string(), "184467440737095516.14");
    }

    #[test]
    fn in_memory_mode_writes_no_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let meter = Meter::new(None, 100);
        paid(&meter, noon());
        meter.record(Api::Sts, noon());
        assert_eq!(meter.today(noon()).cost_explorer, 1);
        assert_eq!(std::fs::read_dir(tmp.path()).expect("read dir").count(), 0);
    }

    #[test]
    fn a_count_that_cannot_be_kept_refuses_paid_calls_but_not_free_ones() {
        let tmp = tempfile::tempdir().expect("tempdir");
        // A directory where the counts file should be.
        let file = tmp.path().join("api-calls.json");
        std::fs::create_dir(&file).expect("mkdir");
        let meter = Meter::new(Some(file.clone()), 100);
        let err = meter.reserve(noon()).expect_err("refused");
        assert!(matches!(err, Refused::Unrecorded { .. }), "{err}");
        assert!(err.to_string().contains("api-calls.json"), "{err}");
        meter.record(Api::Budgets, noon());
        // A file where the cache directory should be.
        let blocker = tmp.path().join("not-a-dir");
        std::fs::write(&blocker, "x").expect("write");
        let meter = Meter::new(Some(blocker.join("api-calls.json")), 100);
        assert!(matches!(
            meter.reserve(noon()),
            Err(Refused::Unrecorded { .. })
        ));
    }
}
