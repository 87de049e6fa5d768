//! The background task that owns all data fetching. The UI sends [`Command`]s and receives
//! [`Update`]s; it never waits on the network. Every snapshot is whole and immutable
//! (`Arc<Snapshot>`); a failed refresh keeps the last good one and sends a [`Status`].

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::mpsc;

use crate::cache::Cached;
use crate::model::{CostCube, Money, Query, Snapshot};
use crate::source::aws::FetchError;
use crate::source::aws::ce::ForecastRest;
use crate::source::aws::source::{AwsSource, Cheap, Parts, assemble};
use crate::source::demo::DemoSource;

/// What the UI asks of the poller.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Re-read the cheap sources now; `paid` also refreshes Cost Explorer (costs money).
    Refresh { paid: bool },
    /// Show a different window or filter set.
    SetQuery(Query),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A line for the footer: progress, a retry, an error a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub severity: Severity,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl Status {
    pub fn new(severity: Severity, message: impl Into<String>) -> Self {
        Status {
            severity,
            message: message.into(),
            at: Utc::now(),
        }
    }
}

/// What the poller tells the UI.
#[derive(Debug, Clone)]
pub enum Update {
    Snapshot(Arc<Snapshot>),
    Status(Status),
}

/// The UI's ends of the two channels.
pub struct PollerHandle {
    pub commands: mpsc::Sender<Command>,
    pub updates: mpsc::Receiver<Update>,
}

/// Starts the demo poller: answers every command at once from the generated account.
pub fn spawn_demo(demo: DemoSource, query: Query) -> PollerHandle {
    let (command_tx, mut command_rx) = mpsc::channel(16);
    let (update_tx, update_rx) = mpsc::channel(16);
    tokio::spawn(async move {
        let mut query = query;
        let send = |query: &Query| {
            let now = Utc::now();
            Update::Snapshot(Arc::new(demo.snapshot(query, now.date_naive(), now)))
        };
        if update_tx.send(send(&query)).await.is_err() {
            return;
        }
        while let Some(command) = command_rx.recv().await {
            if let Command::SetQuery(q) = command {
                query = q;
            }
            if update_tx.send(send(&query)).await.is_err() {
                return;
            }
        }
    });
    PollerHandle {
        commands: command_tx,
        updates: update_rx,
    }
}

/// The AWS poller's state: the last good parts, the schedule and the backoff. Time is passed
/// in (`now`) rather than read, so a test can run a simulated day against the emulator.
pub struct AwsPoller {
    source: AwsSource,
    query: Query,
    cube: Option<Cached<CostCube>>,
    forecast: Option<ForecastRest>,
    cheap: Cheap,
    picker: PickerMaps,
    picker_at: Option<DateTime<Utc>>,
    interval: Duration,
    /// When the last cheap poll ran.
    cheap_at: Option<DateTime<Utc>>,
    /// Consecutive transient Cost Explorer failures, and when to try again.
    failures: u32,
    retry_at: Option<DateTime<Utc>>,
    stale: bool,
    /// Whether the last poll reported a problem, so a clean one can say it is over.
    had_errors: bool,
    /// The account of the cached snapshot shown at start-up, until STS confirms one.
    remembered_account: Option<String>,
    /// CloudWatch's month-to-date estimate when the cube was last fetched: when it changes,
    /// the bill moved and Cost Explorer has news.
    charges_at_fetch: Option<Money>,
}

type PickerMaps = (BTreeMap<String, String>, BTreeMap<String, Vec<String>>);

/// Why Cost Explorer is about to be paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// No cube yet, or older than the TTL: the cache may still answer.
    Stale,
    /// The billing estimate changed since the cube was fetched.
    Moved,
    /// The user pressed `R`.
    Asked,
}

impl AwsPoller {
    pub fn new(source: AwsSource, query: Query, interval: Duration) -> Self {
        AwsPoller {
            source,
            query,
            cube: None,
            forecast: None,
            cheap: Cheap::default(),
            picker: PickerMaps::default(),
            picker_at: None,
            interval,
            cheap_at: None,
            failures: 0,
            retry_at: None,
            stale: false,
            had_errors: false,
            remembered_account: None,
            charges_at_fetch: None,
        }
    }

    /// Cost Explorer is worth paying for when there is no cube, the cube is older than the
    /// TTL, or the billing estimate changed since it was fetched (then after half the TTL at
    /// least: AWS updates both only a few times a day) — and never while backing off. The
    /// estimate's value is compared, not its timestamp, which CloudWatch rounds to periods.
    fn ce_due(&self, now: DateTime<Utc>) -> Option<Due> {
        if self.retry_at.is_some_and(|t| now < t) {
            return None;
        }
        let ttl = self.source.options.ttl;
        let Some(c) = &self.cube else {
            return Some(Due::Stale);
        };
        let age = c.age(now);
        let moved = self
            .cheap
            .estimated_charges
            .as_ref()
            .is_some_and(|e| Some(e.cost) != self.charges_at_fetch);
        if age >= ttl {
            Some(Due::Stale)
        } else if moved && age >= ttl / 2 {
            Some(Due::Moved)
        } else {
            None
        }
    }

    /// How long the task may sleep before something is due.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Duration {
        let cheap = self.cheap_at.map(|t| t + self.interval).unwrap_or(now);
        let wake = match self.retry_at {
            Some(r) => cheap.min(r),
            None => cheap,
        };
        (wake - now).max(Duration::seconds(1))
    }

    /// The last snapshot from the cache, shown at start-up before any AWS call (not even
    /// STS: a slow credential chain must not keep the screen empty).
    pub fn cached_snapshot(&mut self, now: DateTime<Utc>) -> Option<Snapshot> {
        let today = now.date_naive();
        let account = self.source.remembered_account()?;
        let cube = self.source.last_cube(&account, &self.query, today)?;
        self.remembered_account = Some(account);
        let snapshot = self.snapshot(&cube, now);
        self.cube = Some(cube);
        Some(snapshot)
    }

    /// One poll: the cheap sources when due (or `force_cheap`), Cost Explorer when due (or
    /// `force_paid`). Returns what the UI should be told.
    pub async fn poll(
        &mut self,
        now: DateTime<Utc>,
        force_cheap: bool,
        force_paid: bool,
    ) -> Vec<Update> {
        let today = now.date_naive();
        let mut updates = Vec::new();
        if force_cheap || force_paid || self.cheap_at.is_none_or(|t| now - t >= self.interval) {
            let (cheap, errors) = self.source.cheap(today, now, &self.cheap).await;
            self.cheap = cheap;
            self.cheap_at = Some(now);
            updates.extend(errors.iter().map(|e| self.status_for(e)));
        }
        let due = if force_paid {
            Some(Due::Asked)
        } else {
            self.ce_due(now)
        };
        if let Some(due) = due {
            match self.fetch_paid(now, due).await {
                Ok(()) => {
                    self.failures = 0;
                    self.retry_at = None;
                    self.stale = false;
                }
                Err(e) => {
                    self.stale = self.cube.is_some();
                    if matches!(&e, FetchError::Aws(a) if a.is_transient()) {
                        self.failures += 1;
                        let wait = backoff(self.failures, now);
                        self.retry_at = Some(now + wait);
                        updates.push(Update::Status(Status::new(
                            Severity::Warning,
                            format!("{} (next try in {})", self.advice(&e), human(wait)),
                        )));
                    } else {
                        // Permissions, the daily cap: waiting a little will not help; wait
                        // for the TTL or the user's `r`.
                        self.retry_at = Some(now + self.source.options.ttl);
                        updates.push(self.status_for(&e));
                    }
                }
            }
        }
        // The same advice from several sources (say, expired credentials) is said once.
        let mut seen = Vec::new();
        updates.retain(|u| match u {
            Update::Status(s) if seen.contains(&s.message) => false,
            Update::Status(s) => {
                seen.push(s.message.clone());
                true
            }
            Update::Snapshot(_) => true,
        });
        let has_errors = !seen.is_empty();
        if self.had_errors && !has_errors {
            updates.push(Update::Status(Status::new(
                Severity::Info,
                "all sources answering again",
            )));
        }
        self.had_errors = has_errors;
        if let Some(cube) = &self.cube {
            updates.push(Update::Snapshot(Arc::new(self.snapshot(cube, now))));
        }
        updates
    }

    async fn fetch_paid(&mut self, now: DateTime<Utc>, due: Due) -> Result<(), FetchError> {
        let today = now.date_naive();
        // A moved bill or `R` must skip the disk cache, whose answer is still within its TTL;
        // the forecast moves slowly and is only forced by `R`.
        let bypass = matches!(due, Due::Moved | Due::Asked);
        let cube = self.source.cube(&self.query, today, now, bypass).await?;
        if cube.fetched_at == now {
            self.charges_at_fetch = self.cheap.estimated_charges.as_ref().map(|e| e.cost);
        }
        self.cube = Some(cube);
        let force_forecast = due == Due::Asked;
        self.forecast = self
            .source
            .forecast(&self.query, today, now, force_forecast)
            .await?;
        if self
            .picker_at
            .is_none_or(|t| now - t >= Duration::hours(24))
        {
            self.picker = self.source.picker_values(self.query.window, now).await?;
            self.picker_at = Some(now);
        }
        Ok(())
    }

    /// A new window or filter set: answered from the cache when possible (region and
    /// service filters never need Cost Explorer when the cube is cached).
    pub async fn set_query(&mut self, query: Query, now: DateTime<Utc>) -> Vec<Update> {
        self.query = query;
        self.cube = None;
        self.forecast = None;
        self.retry_at = None;
        self.poll(now, false, false).await
    }

    fn snapshot(&self, cube: &Cached<CostCube>, now: DateTime<Utc>) -> Snapshot {
        assemble(Parts {
            query: &self.query,
            today: now.date_naive(),
            now,
            account_id: self
                .source
                .account_id()
                .or(self.remembered_account.as_deref())
                .map(str::to_owned),
            cube,
            forecast: self.forecast,
            cheap: &self.cheap,
            picker: self.picker.clone(),
            meter: &self.source.meter,
            stale: self.stale,
        })
    }

    fn advice(&self, e: &FetchError) -> String {
        e.to_app_error(self.source.options.profile.as_deref())
            .to_string()
    }

    /// A person pressed `r` or `R`: whatever made us wait (backoff, a permission error they
    /// may just have fixed with `aws sso login`) is worth one more try now.
    pub fn retry_now(&mut self) {
        self.retry_at = None;
    }

    fn status_for(&self, e: &FetchError) -> Update {
        Update::Status(Status::new(Severity::Error, self.advice(e)))
    }
}

/// Exponential backoff with jitter: 1, 2, 4 … minutes, capped at 30, ±20 %.
fn backoff(failures: u32, now: DateTime<Utc>) -> Duration {
    let base = 60i64 << failures.saturating_sub(1).min(5);
    let base = base.min(1_800);
    // Jitter from the clock's sub-second part: enough to spread dashboards apart.
    let jitter = i64::from(now.timestamp_subsec_millis() % 400) - 200;
    Duration::seconds(base) + Duration::milliseconds(base * jitter)
}

fn human(d: Duration) -> String {
    let secs = d.num_seconds();
    if secs < 120 {
        format!("{secs} s")
    } else {
        format!("{} min", secs / 60)
    }
}

/// Starts the AWS poller task: the cached snapshot at once, then polls on its cadence and
/// answers the UI's commands.
pub fn spawn_aws(source: AwsSource, query: Query, interval: Duration) -> PollerHandle {
    let (command_tx, mut command_rx) = mpsc::channel(16);
    let (update_tx, update_rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut poller = AwsPoller::new(source, query, interval);
        let started = Utc::now();
        if let Some(snapshot) = poller.cached_snapshot(started) {
            let _ = update_tx.send(Update::Snapshot(Arc::new(snapshot))).await;
        }
        let _ = update_tx
            .send(Update::Status(Status::new(
                Severity::Info,
                "fetching from AWS…",
            )))
            .await;
        let mut pending = Some(Command::Refresh { paid: false });
        loop {
            let updates = match pending.take() {
                Some(Command::Refresh { paid }) => {
                    poller.retry_now();
                    poller.poll(Utc::now(), true, paid).await
                }
                Some(Command::SetQuery(q)) => poller.set_query(q, Utc::now()).await,
                None => poller.poll(Utc::now(), false, false).await,
            };
            for update in updates {
                if update_tx.send(update).await.is_err() {
                    return;
                }
            }
            let wait = poller
                .next_wake(Utc::now())
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(1));
            tokio::select! {
                command = command_rx.recv() => match command {
                    Some(c) => pending = Some(c),
                    None => return,
                },
                _ = tokio::time::sleep(wait) => {}
            }
        }
    });
    PollerHandle {
        commands: command_tx,
        updates: update_rx,
    }
}
