//! The API-spend meter: how many AWS requests awsdash made today, per service.
//!
//! Cost Explorer bills $0.01 per request (every page of a paginated answer counts), so a
//! dashboard that refreshes on a timer can quietly cost real money. Every request is counted
//! here, per UTC day because that is how AWS bills; the counts are persisted beside the cache so
//! a restart does not forget them; and `max_cost_explorer_calls_per_day` stops paid calls with a
//! message that says why and how to allow more.

use std::path::PathBuf;
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

/// Shown to the user when the daily cap stops a refresh, so it says what happened, that the
/// numbers on screen are cached, and which setting changes it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Cost Explorer call cap reached: {made} of {cap} paid calls made today (UTC); showing cached data. Raise [refresh] max_cost_explorer_calls_per_day to allow more."
)]
pub struct CapReached {
    pub made: u64,
    pub cap: u64,
}

/// The counts and the UTC day they belong to. `day` is `None` until the first record (or when
/// nothing usable was loaded), which reads as zero for every day.
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

/// Counts AWS requests per service and UTC day, optionally persisted to a file.
///
/// `Send + Sync`: one meter sits in an `Arc` shared by every task that calls AWS.
#[derive(Debug)]
pub struct Meter {
    state: Mutex<State>,
    file: Option<PathBuf>,
    /// Serialises file writes without holding `state` during disk I/O, so `allow_paid` and
    /// `today` (called by the UI) never wait on an fsync. Whoever holds it writes the state as
    /// it is at that moment, so the last write always carries the latest counts.
    write_lock: Mutex<()>,
    cap: u64,
}

/// A poisoned lock only means another thread panicked while holding it; the counters inside
/// are still plain numbers, and losing the meter would be worse than a possibly missed count.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Meter {
    /// `file`: `Some(path)` to persist (e.g. `<cache dir>/api-calls.json`), `None` to keep the
    /// counts in memory only (`--no-cache`). A missing file starts from zero; a corrupt or
    /// other-version file is logged and also starts from zero — the meter must never stop the
    /// dashboard, and the next record overwrites the bad file.
    pub fn new(file: Option<PathBuf>, cap: u64) -> Meter {
        let state = file.as_deref().map(load).unwrap_or_default();
        Meter {
            state: Mutex::new(state),
            file,
            write_lock: Mutex::new(()),
            cap,
        }
    }

    /// Counts one request to `api` at `now`. When `now` falls on another UTC day than the
    /// stored counts, they are reset first — the cap is per billing day.
    ///
    /// Persists atomically (temp file + rename, mode 0600). A write error is logged, not
    /// returned: the request has already been made, and failing to remember it must not fail
    /// the refresh. This does a small blocking write; that is acceptable because each call
    /// follows an AWS round-trip that took far longer.
    pub fn record(&self, api: Api, now: DateTime<Utc>) {
        let day = now.date_naive();
        {
            let mut state = lock(&self.state);
            if state.day != Some(day) {
                *state = State {
                    day: Some(day),
                    calls: ApiCalls::default(),
                };
            }
            let counter = match api {
                Api::CostExplorer => &mut state.calls.cost_explorer,
                Api::Budgets => &mut state.calls.budgets,
                Api::CloudWatch => &mut state.calls.cloudwatch,
                Api::Sts => &mut state.calls.sts,
            };
            *counter = counter.saturating_add(1);
        }
        self.persist();
    }

    /// `Ok` when another paid Cost Explorer call is allowed today (UTC), `Err(CapReached)` with
    /// the message for the user otherwise.
    ///
    /// Check and record are separate steps, so tasks calling concurrently may overshoot the cap
    /// by the calls they have in flight; the cap is a guard against runaway spending, not an
    /// exact budget.
    pub fn allow_paid(&self, now: DateTime<Utc>) -> Result<(), CapReached> {
        let made = self.today(now).cost_explorer;
        if made < self.cap {
            Ok(())
        } else {
            Err(CapReached {
                made,
                cap: self.cap,
            })
        }
    }

    /// Today's (UTC) counts; zero if the stored counts are from another day.
    pub fn today(&self, now: DateTime<Utc>) -> ApiCalls {
        lock(&self.state).on(now.date_naive())
    }

    fn persist(&self) {
        let Some(path) = &self.file else {
            return;
        };
        let _writing = lock(&self.write_lock);
        let state = *lock(&self.state);
        let Some(day) = state.day else {
            return;
        };
        let persisted = Persisted {
            format: FORMAT,
            day,
            cost_explorer: state.calls.cost_explorer,
            budgets: state.calls.budgets,
            cloudwatch: state.calls.cloudwatch,
            sts: state.calls.sts,
        };
        let result = serde_json::to_vec(&persisted)
            .map_err(std::io::Error::other)
            .and_then(|bytes| crate::cache::write_atomic(path, &bytes));
        if let Err(err) = result {
            tracing::warn!(path = %path.display(), error = %err, "cannot save API call counts");
        }
    }
}

/// Reads persisted counts; anything unusable is logged and reads as "nothing counted yet".
fn load(path: &std::path::Path) -> State {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return State::default(),
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "cannot read API call counts; starting from zero");
            return State::default();
        }
    };
    match serde_json::from_slice::<Persisted>(&bytes) {
        Ok(p) if p.format == FORMAT => State {
            day: Some(p.day),
            calls: ApiCalls {
                cost_explorer: p.cost_explorer,
                budgets: p.budgets,
                cloudwatch: p.cloudwatch,
                sts: p.sts,
            },
        },
        Ok(p) => {
            tracing::warn!(path = %path.display(), format = p.format, expected = FORMAT, "API call counts file has another format; starting from zero");
            State::default()
        }
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "API call counts file is corrupt; starting from zero");
            State::default()
        }
    }
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
        meter.record(Api::CostExplorer, noon());
        meter.record(Api::CostExplorer, noon());
        meter.record(Api::Budgets, noon());
        meter.record(Api::CloudWatch, noon());
        meter.record(Api::CloudWatch, noon());
        meter.record(Api::CloudWatch, noon());
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
    }

    #[test]
    fn cost_explorer_spend_is_a_cent_per_call() {
        let meter = Meter::new(None, 100);
        for _ in 0..3 {
            meter.record(Api::CostExplorer, noon());
        }
        meter.record(Api::Budgets, noon());
        assert_eq!(meter.today(noon()).cost_explorer_usd().to_string(), "0.03");
    }

    #[test]
    fn resets_at_utc_midnight() {
        let meter = Meter::new(None, 100);
        let last_second = at(2026, 11, 25, 23, 59, 59);
        let midnight = at(2026, 11, 26, 0, 0, 0);
        meter.record(Api::CostExplorer, last_second);
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
        meter.record(Api::CostExplorer, local);
        assert_eq!(meter.today(at(2026, 11, 26, 0, 0, 0)).cost_explorer, 1);
        assert_eq!(meter.today(at(2026, 11, 25, 23, 0, 0)).cost_explorer, 0);
    }

    #[test]
    fn persists_across_instances() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("cache").join("api-calls.json");
        {
            let meter = Meter::new(Some(file.clone()), 100);
            meter.record(Api::CostExplorer, noon());
            meter.record(Api::CostExplorer, noon());
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
    fn file_is_private_and_writes_leave_no_temp_files() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let meter = Meter::new(Some(file.clone()), 100);
        for _ in 0..5 {
            meter.record(Api::CostExplorer, noon());
        }
        let mode = std::fs::metadata(&file)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let names: Vec<_> = std::fs::read_dir(tmp.path())
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("api-calls.json")]);
    }

    #[test]
    fn cap_stops_paid_calls_until_the_next_utc_day() {
        let meter = Meter::new(None, 2);
        assert_eq!(meter.allow_paid(noon()), Ok(()));
        meter.record(Api::CostExplorer, noon());
        assert_eq!(meter.allow_paid(noon()), Ok(()));
        meter.record(Api::CostExplorer, noon());
        let err = meter.allow_paid(noon()).expect_err("capped");
        assert_eq!(err, CapReached { made: 2, cap: 2 });
        assert_eq!(
            err.to_string(),
            "Cost Explorer call cap reached: 2 of 2 paid calls made today (UTC); showing cached \
             data. Raise [refresh] max_cost_explorer_calls_per_day to allow more."
        );
        assert_eq!(meter.allow_paid(at(2026, 11, 26, 0, 0, 0)), Ok(()));
    }

    #[test]
    fn free_apis_do_not_count_toward_the_cap() {
        let meter = Meter::new(None, 1);
        meter.record(Api::Budgets, noon());
        meter.record(Api::CloudWatch, noon());
        meter.record(Api::Sts, noon());
        assert_eq!(meter.allow_paid(noon()), Ok(()));
    }

    #[test]
    fn cap_survives_a_restart() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let first = Meter::new(Some(file.clone()), 2);
        first.record(Api::CostExplorer, noon());
        first.record(Api::CostExplorer, noon());
        drop(first);
        let second = Meter::new(Some(file), 2);
        assert_eq!(
            second.allow_paid(noon()),
            Err(CapReached { made: 2, cap: 2 })
        );
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
            meter.record(Api::CostExplorer, noon());
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
    fn in_memory_mode_writes_no_file() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let meter = Meter::new(None, 100);
        meter.record(Api::CostExplorer, noon());
        meter.record(Api::Sts, noon());
        assert_eq!(meter.today(noon()).cost_explorer, 1);
        assert_eq!(std::fs::read_dir(tmp.path()).expect("read dir").count(), 0);
    }

    #[test]
    fn unwritable_file_is_logged_not_fatal() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let blocker = tmp.path().join("not-a-dir");
        std::fs::write(&blocker, "x").expect("write");
        let meter = Meter::new(Some(blocker.join("api-calls.json")), 100);
        meter.record(Api::CostExplorer, noon());
        assert_eq!(meter.today(noon()).cost_explorer, 1);
    }

    #[test]
    fn concurrent_records_are_all_counted_and_persisted() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let file = tmp.path().join("api-calls.json");
        let meter = Arc::new(Meter::new(Some(file.clone()), 1000));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let meter = Arc::clone(&meter);
                std::thread::spawn(move || {
                    for _ in 0..10 {
                        meter.record(Api::CostExplorer, noon());
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("thread");
        }
        assert_eq!(meter.today(noon()).cost_explorer, 80);
        assert_eq!(Meter::new(Some(file), 1000).today(noon()).cost_explorer, 80);
    }
}
