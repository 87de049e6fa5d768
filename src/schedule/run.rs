//! Sending scheduled reports: an observer of snapshots, like alerts. After each snapshot it
//! asks the state which reports are due, builds each from the snapshot (no fetch of its own),
//! renders it in the report's format and delivers it to each of its sinks side by side, so a
//! dead sink never holds up the others. `report run NAME` sends one now through the same code.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};

use super::state::{Outcome, ScheduleState};
use crate::alerts::delivery::{RetryPolicy, deliver_report};
use crate::alerts::engine::describe;
use crate::alerts::sinks::report::{ReportDelivery, ReportFile};
use crate::alerts::sinks::{SendError, Sender, Sink};
use crate::audit::{Action, AuditLog, Delivered, Outcome as Logged};
use crate::config::{Metric, ReportConfig};
use crate::error::AppError;
use crate::model::Snapshot;
use crate::model::money::money;
use crate::report::{Options, Report, build, render};
use crate::settings::EnvLookup;

/// How one report went to one sink.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub report: String,
    pub sink: String,
    /// The failure in a person's words.
    pub result: Result<(), String>,
}

pub struct Scheduler {
    reports: Vec<ReportConfig>,
    sinks: Vec<Sink>,
    sender: Sender,
    state: ScheduleState,
    metric: Metric,
    audit: Option<AuditLog>,
}

impl Scheduler {
    /// The reports of the config with every sink they name resolved (secrets read from
    /// `env` now, so a missing variable is said at start-up). `sender` carries the SNS and
    /// SES clients the sinks need.
    pub fn new(
        reports: &[ReportConfig],
        sinks: &[crate::config::SinkConfig],
        sender: Sender,
        state: ScheduleState,
        metric: Metric,
        env: EnvLookup<'_>,
    ) -> Result<Scheduler, AppError> {
        let named: Vec<String> = reports.iter().flat_map(ReportConfig::sinks).collect();
        let sinks = sinks
            .iter()
            .filter(|s| named.contains(&s.name))
            .map(|s| Sink::resolve(s, env))
            .collect::<Result<Vec<_>, _>>()
            .map_err(AppError::Usage)?;
        Ok(Scheduler {
            reports: reports.to_vec(),
            sinks,
            sender,
            state,
            metric,
            audit: None,
        })
    }

    /// Records every delivery this scheduler tries in `audit`.
    pub fn auditing(mut self, audit: AuditLog) -> Scheduler {
        self.audit = Some(audit);
        self
    }

    /// Sends every report due at `now` from `snapshot`. A snapshot without Cost Explorer
    /// numbers yet sends nothing: the report waits for one that has them.
    pub async fn observe(
        &self,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> std::io::Result<Vec<Sent>> {
        if snapshot.cube.is_none() {
            return Ok(Vec::new());
        }
        let mut sent = Vec::new();
        for config in &self.reports {
            let schedule = config.schedule();
            let Some(claim) = self
                .state
                .claim(&config.name, &schedule, &config.sinks(), now)?
            else {
                continue;
            };
            let occasion = Occasion {
                period: claim.period,
                label: format!("{} of {}", config.every.name(), claim.period.date_naive()),
                now,
            };
            let results = self
                .send(config, snapshot, &claim.sinks, &occasion, policy)
                .await;
            let outcomes: Vec<(String, Outcome)> = results
                .iter()
                .map(|(sink, r)| {
                    let outcome = match r {
                        Ok(()) => Outcome::Delivered,
                        Err(SendError::Transient { .. }) => Outcome::Retry,
                        Err(SendError::Permanent(_)) => Outcome::GaveUp,
                    };
                    (sink.clone(), outcome)
                })
                .collect();
            self.state.settle(&config.name, claim.period, &outcomes)?;
            sent.extend(results.into_iter().map(|(sink, r)| Sent {
                report: config.name.clone(),
                sink,
                result: r.map_err(|e| describe(&e)),
            }));
        }
        Ok(sent)
    }

    /// Sends report `name` from `snapshot` to all its sinks now, whatever the schedule says
    /// (and without changing what it remembers).
    pub async fn run_now(
        &self,
        name: &str,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<Vec<Sent>, AppError> {
        let Some(config) = self.reports.iter().find(|r| r.name == name) else {
            let known: Vec<String> = self
                .reports
                .iter()
                .map(|r| format!("{:?}", r.name))
                .collect();
            return Err(AppError::Usage(match known.is_empty() {
                true => "no [[report]] in the config (see config.example.toml)".into(),
                false => format!(
                    "no [[report]] named {name:?}; there are {}",
                    known.join(", ")
                ),
            }));
        };
        let occasion = Occasion {
            period: now,
            label: format!("sent on {}", now.date_naive()),
            now,
        };
        let results = self
            .send(config, snapshot, &config.sinks(), &occasion, policy)
            .await;
        Ok(results
            .into_iter()
            .map(|(sink, r)| Sent {
                report: config.name.clone(),
                sink,
                result: r.map_err(|e| describe(&e)),
            })
            .collect())
    }

    /// Builds and renders `config`'s report once, then delivers it to each of `sinks` side by
    /// side.
    async fn send(
        &self,
        config: &ReportConfig,
        snapshot: &Snapshot,
        sinks: &[String],
        occasion: &Occasion,
        policy: &RetryPolicy,
    ) -> Vec<(String, Result<(), SendError>)> {
        let (period, label, now) = (&occasion.period, occasion.label.as_str(), occasion.now);
        let options = Options {
            metric: self.metric,
            ..Options::default()
        };
        let report = build(snapshot, &options);
        let file = match render(&report, config.format) {
            Ok(bytes) => ReportFile {
                name: format!(
                    "{}-{}.{}",
                    slug(&config.name),
                    period.format("%Y-%m-%d"),
                    config.format.name()
                ),
                content_type: config.format.mime(),
                bytes,
            },
            Err(e) => {
                let why = SendError::Permanent(format!("report {:?}: {e}", config.name));
                return sinks
                    .iter()
                    .map(|s| (s.clone(), Err(why.clone())))
                    .collect();
            }
        };
        let runs = sinks.iter().map(|name| {
            let delivery = delivery(config, &report, file.clone(), period, label, name);
            async move {
                let result = match self.sinks.iter().find(|s| &s.name == name) {
                    Some(sink) => deliver_report(&self.sender, sink, &delivery, policy).await,
                    None => Err(SendError::Permanent(format!(
                        "no such sink in [[alerts.sink]]: {name:?}"
                    ))),
                };
                self.record(name, &delivery.id, &result, now).await;
                (name.clone(), result)
            }
        });
        futures::future::join_all(runs).await
    }

    /// One audit line for one try (a log that cannot be written is logged: the report went
    /// out or not all the same).
    async fn record(
        &self,
        sink: &str,
        id: &str,
        result: &Result<(), SendError>,
        now: DateTime<Utc>,
    ) {
        let Some(audit) = &self.audit else { return };
        let action = Action::Delivery {
            what: Delivered::Report,
            sink: sink.to_string(),
            id: id.to_string(),
        };
        let outcome = match result {
            Ok(()) => Logged::Ok,
            Err(_) => Logged::Failed,
        };
        if let Err(e) = audit.record(action, outcome, now).await {
            tracing::warn!("{e}");
        }
    }
}

/// Which sending this is.
struct Occasion {
    /// Fixes the delivery ids: the same on every retry within one period.
    period: DateTime<Utc>,
    /// How the title names it ("weekly of 2026-11-30", "sent on …").
    label: String,
    now: DateTime<Utc>,
}

/// What goes to one sink: the file, the report's JSON and its headline numbers.
fn delivery(
    config: &ReportConfig,
    report: &Report,
    file: ReportFile,
    period: &DateTime<Utc>,
    label: &str,
    sink: &str,
) -> ReportDelivery {
    let demo = report.about.demo;
    let key = format!("{}\u{0}{}\u{0}{sink}", config.name, period.timestamp());
    ReportDelivery {
        id: format!("rpt_{:016x}", crate::cache::fnv1a64(key.as_bytes())),
        name: config.name.clone(),
        title: format!(
            "{}awsdash report {}, {label}",
            if demo { "DEMO: " } else { "" },
            config.name
        ),
        lines: headline(report),
        json: serde_json::to_value(report).unwrap_or_default(),
        file,
        demo,
    }
}

/// The numbers a summary leads with: month to date against the same days last month, the
/// forecast, each budget, the window's total and its largest service.
fn headline(report: &Report) -> Vec<String> {
    let currency = report.about.currency.as_str();
    let m = |amount| money(amount, currency);
    let mut lines = Vec::new();
    if let Some(mtd) = &report.month_to_date {
        let change = mtd
            .change
            .percent
            .map(|p| format!(", {p:+}%"))
            .unwrap_or_default();
        lines.push(format!(
            "Month to date: {} (same days last month: {}{change})",
            m(mtd.cost),
            m(mtd.previous_month_same_days)
        ));
    }
    if let Some(forecast) = &report.forecast {
        lines.push(format!("Forecast month end: {}", m(forecast.month_end)));
    }
    for budget in &report.budgets {
        lines.push(format!(
            "Budget {}: {} of {}",
            budget.name,
            m(budget.actual),
            m(budget.limit)
        ));
    }
    if let Some(total) = report.total {
        lines.push(format!("Total {}: {}", report.about.window, m(total)));
    }
    if let Some(top) = report.services.as_ref().and_then(|s| s.rows.first()) {
        lines.push(format!("Largest service: {} ({})", top.name, m(top.cost)));
    }
    if !report.alerts.is_empty() {
        lines.push(format!("{} alert(s) firing", report.alerts.len()));
    }
    if lines.is_empty() {
        lines.push("No Cost Explorer numbers in this report.".into());
    }
    lines
}

/// The report's name as a file name: lower-case letters, digits and dashes.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "report".into() } else { out }
}

/// Each delivery within one round waits at most this long for a sink: the collector's next
/// snapshot brings the next try.
pub const COLLECT_POLICY: RetryPolicy = RetryPolicy {
    attempts: 2,
    first_backoff: StdDuration::from_secs(1),
    max_wait: StdDuration::from_secs(10),
};

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::Config;
    use crate::model::{FilterSet, Query, Window};
    use crate::source::demo::DemoSource;

    fn t(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0)
            .single()
            .expect("instant")
    }

    fn snapshot(now: DateTime<Utc>) -> Snapshot {
        let query = Query {
            window: Window::last_days(now.date_naive(), 7).expect("window"),
            filters: FilterSet::default(),
        };
        let demo = DemoSource {
            exclude_credits: false,
        };
        demo.snapshot(&query, now.date_naive(), now)
    }

    fn scheduler(dir: &std::path::Path) -> Scheduler {
        let text = format!(
            "[[alerts.sink]]\nname = \"share\"\nkind = \"dir\"\npath = {:?}\n[[report]]\nname = \"Weekly summary\"\nevery = \"weekly\"\nat = \"08:00\"\nformat = \"md\"\nto = [\"share\"]\n",
            dir.join("out")
        );
        let config = Config::parse(&text, "t.toml".as_ref()).expect("config");
        let sender = Sender::new(None, StdDuration::from_secs(1)).expect("sender");
        let state = ScheduleState::new(dir.join("reports-state.json"));
        Scheduler::new(
            &config.report,
            &config.alerts.sink,
            sender,
            state,
            Metric::default(),
            &|_| None,
        )
        .expect("scheduler")
        .auditing(crate::audit::AuditLog::new(dir.join("audit.jsonl")))
    }

    fn files(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir.join("out"))
            .map(|r| {
                r.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_weekly_report_is_written_once_per_week_across_a_restart() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let policy = COLLECT_POLICY;
        let s = scheduler(tmp.path());
        // Armed on Friday 2026-11-20; nothing until Monday 08:00.
        for now in [t(20, 12), t(23, 7)] {
            let sent = s
                .observe(&snapshot(now), now, &policy)
                .await
                .expect("observe");
            assert!(sent.is_empty(), "{now}: {sent:?}");
        }
        let sent = s
            .observe(&snapshot(t(23, 9)), t(23, 9), &policy)
            .await
            .expect("observe");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].result, Ok(()));
        assert_eq!(files(tmp.path()), ["weekly-summary-2026-11-23.md"]);
        // A restart within the week sends nothing again.
        let restarted = scheduler(tmp.path());
        for now in [t(23, 10), t(26, 0), t(30, 7)] {
            let sent = restarted
                .observe(&snapshot(now), now, &policy)
                .await
                .expect("observe");
            assert!(sent.is_empty(), "{now}: {sent:?}");
        }
        restarted
            .observe(&snapshot(t(30, 8)), t(30, 8), &policy)
            .await
            .expect("observe");
        assert_eq!(
            files(tmp.path()),
            [
                "weekly-summary-2026-11-23.md",
                "weekly-summary-2026-11-30.md"
            ]
        );
        // By hand: sent now, whatever the schedule, and an unknown name is refused.
        let sent = restarted
            .run_now("Weekly summary", &snapshot(t(30, 9)), t(30, 9), &policy)
            .await
            .expect("run now");
        assert_eq!(sent[0].result, Ok(()));
        assert!(
            restarted
                .run_now("nope", &snapshot(t(30, 9)), t(30, 9), &policy)
                .await
                .is_err()
        );
        // Each of the three deliveries is one audit line: sink, id, result.
        let log = crate::audit::AuditLog::new(tmp.path().join("audit.jsonl"));
        let lines = log
            .read(t(20, 0).date_naive(), t(30, 9).date_naive())
            .await
            .expect("audit log");
        let delivered: Vec<(&str, crate::audit::Outcome)> = lines
            .iter()
            .filter_map(|l| match &l.action {
                Action::Delivery {
                    what: Delivered::Report,
                    sink,
                    id,
                } if id.starts_with("rpt_") => Some((sink.as_str(), l.result)),
                _ => None,
            })
            .collect();
        assert_eq!(delivered, [("share", Logged::Ok); 3], "{lines:?}");
        assert_eq!(lines[0].at, t(23, 9));
    }

    /// The instant the observer's clock reads, in seconds since the epoch.
    static CLOCK: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);
    static SAID: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

    fn clock() -> DateTime<Utc> {
        let secs = CLOCK.load(std::sync::atomic::Ordering::SeqCst);
        DateTime::from_timestamp(secs, 0).unwrap_or_default()
    }

    fn said(line: &str) {
        if let Ok(mut s) = SAID.lock() {
            s.push(line.to_string());
        }
    }

    /// Hands the observer a snapshot at `now` and gives it time to act on it.
    async fn feed(
        slot: &tokio::sync::watch::Sender<Option<std::sync::Arc<Snapshot>>>,
        now: DateTime<Utc>,
    ) {
        CLOCK.store(now.timestamp(), std::sync::atomic::Ordering::SeqCst);
        slot.send_replace(Some(std::sync::Arc::new(snapshot(now))));
        tokio::time::sleep(StdDuration::from_millis(400)).await;
    }

    /// The files once there are `n` of them (or what there is after 10 s).
    async fn files_when(dir: &std::path::Path, n: usize) -> Vec<String> {
        for _ in 0..100 {
            if files(dir).len() >= n {
                break;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        files(dir)
    }

    /// What `collect` runs: the observer task fed snapshot after snapshot, on its own clock.
    #[tokio::test]
    async fn the_collect_observer_sends_a_weekly_report_by_itself_once_per_week() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let slot = crate::commands::schedule::spawn(scheduler(tmp.path()), said, clock);
        feed(&slot, t(20, 12)).await;
        assert!(
            files(tmp.path()).is_empty(),
            "armed on a Friday: nothing yet"
        );
        for now in [t(23, 9), t(23, 10), t(27, 9)] {
            feed(&slot, now).await;
        }
        assert_eq!(
            files_when(tmp.path(), 1).await,
            ["weekly-summary-2026-11-23.md"]
        );
        feed(&slot, t(30, 8)).await;
        assert_eq!(
            files_when(tmp.path(), 2).await,
            [
                "weekly-summary-2026-11-23.md",
                "weekly-summary-2026-11-30.md"
            ]
        );
        let said = SAID.lock().map(|s| s.clone()).unwrap_or_default();
        assert_eq!(
            said, ["report \"Weekly summary\" sent to share"; 2],
            "one line per delivery"
        );
    }

    #[test]
    fn names_become_plain_file_names() {
        assert_eq!(slug("Weekly summary"), "weekly-summary");
        assert_eq!(slug("../../etc"), "etc");
        assert_eq!(slug("  "), "report");
    }
}
