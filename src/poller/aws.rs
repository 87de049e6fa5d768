//! The AWS poller: when each source is due, what a failure means for the schedule, and what
//! the UI is told. Time is passed in (`now`) rather than read, so a test can run a simulated
//! day against the emulator.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

mod edit;
mod wanted;

use super::backoff::{backoff, human};
use super::sections::Sections;
use super::watch::{Watch, Watched};
use super::{Severity, Status, Update};
use crate::cache::Cached;
use crate::config::AlertsConfig;
use crate::model::DataOrigin;
use crate::model::{CostCube, Money, Problems, Query, Snapshot};
use crate::source::aws::FetchError;
use crate::source::aws::ce::ForecastRest;
use crate::source::aws::sections::Mode;
use crate::source::aws::source::{
    AwsSource, Cheap, CheapAnswers, Parts, PickerValues, Refresh, assemble,
};

/// Why Cost Explorer is about to be paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// No cube yet, or older than the TTL: the store may still answer.
    Stale,
    /// The billing estimate changed since the cube fetched then was fetched: only a newer
    /// one will do (another process sharing the store may have fetched it already).
    Moved(DateTime<Utc>),
    /// The user pressed `R` then: only an answer fetched since will do.
    Asked(DateTime<Utc>),
}

impl Due {
    fn refresh(self) -> Refresh {
        match self {
            Due::Stale => Refresh::IfStale,
            Due::Moved(t) | Due::Asked(t) => Refresh::After(t),
        }
    }

    fn asked(self) -> bool {
        matches!(self, Due::Asked(_))
    }
}

/// How soon to look again while another process refreshes the shared answer.
const RECHECK: Duration = Duration::seconds(10);

/// What one paid refresh brought; each part on its own, so a failing forecast or picker
/// query does not discard a good cube.
struct Paid {
    cube: Result<Cached<CostCube>, FetchError>,
    forecast: Option<Result<Option<ForecastRest>, FetchError>>,
    picker: Option<Result<PickerValues, FetchError>>,
    watched: Option<Watched>,
}

/// The AWS poller's state: the last good parts, the schedule and the backoff.
pub struct AwsPoller {
    source: AwsSource,
    query: Query,
    /// The account the numbers belong to: the one remembered in the store until STS confirms it.
    account: Option<String>,
    cube: Option<Cached<CostCube>>,
    forecast: Option<ForecastRest>,
    cheap: Cheap,
    picker: PickerValues,
    picker_at: Option<DateTime<Utc>>,
    interval: Duration,
    /// When the last cheap poll ran.
    cheap_at: Option<DateTime<Utc>>,
    /// Consecutive transient failures, and when to try again.
    failures: u32,
    retry_at: Option<DateTime<Utc>>,
    /// A Cost Explorer refresh that was due and failed stays due until it succeeds, so `r`
    /// (which clears the wait) retries it, and the STALE mark goes as soon as AWS answers.
    pending: Option<Due>,
    /// What failed in the latest attempt of each section, in the user's words.
    problems: Problems,
    /// Whether a section was failing after the last poll, so the poll that clears the last
    /// problem can say it is over.
    had_errors: bool,
    /// CloudWatch's month-to-date estimate when the cube was last fetched: when it changes,
    /// the bill moved and Cost Explorer has news.
    charges_at_fetch: Option<Money>,
    /// What alerts are judged on besides the screen (see `watch`).
    watch: Watch,
    /// Another process sharing the store is refreshing the cube: its name, for the header.
    refreshing_by: Option<String>,
    /// The analysis sections someone asked for, and their last reports.
    sections: Sections,
    /// Each poll also fetches the wanted sections that are stale (`collect`).
    keep_sections_fresh: bool,
    /// Where budget edits are recorded; `None` while `[aws] allow_writes` is off, and then
    /// no edit is ever sent (see `edit`).
    writes: Option<crate::audit::AuditLog>,
}

impl AwsPoller {
    /// A poller that watches `query` itself for alerts, with the default alert settings; see
    /// [`AwsPoller::watching`].
    pub fn new(source: AwsSource, query: Query, interval: Duration) -> Self {
        let watch = Watch::new(AlertsConfig::default(), query.window.days());
        AwsPoller {
            watch,
            source,
            query,
            account: None,
            cube: None,
            forecast: None,
            cheap: Cheap::default(),
            picker: PickerValues::default(),
            picker_at: None,
            interval,
            cheap_at: None,
            failures: 0,
            retry_at: None,
            pending: None,
            problems: Problems::default(),
            had_errors: false,
            charges_at_fetch: None,
            refreshing_by: None,
            sections: Sections::new(super::Wants::default()),
            keep_sections_fresh: false,
            writes: None,
        }
    }

    /// Judges alerts with `config`, on the account's default view (the last `days` days, no
    /// filter) whatever is shown.
    pub fn watching(mut self, config: AlertsConfig, days: i64) -> Self {
        self.watch = Watch::new(config, days);
        self
    }

    fn backing_off(&self, now: DateTime<Utc>) -> bool {
        self.retry_at.is_some_and(|t| now < t)
    }

    /// Cost Explorer is worth paying for when a refresh failed and is still owed, there is no
    /// cube, the cube is older than the TTL, or the billing estimate changed since it was
    /// fetched (then after half the TTL at least: AWS updates both only a few times a day) —
    /// and never while backing off. The estimate's value is compared, not its timestamp,
    /// which CloudWatch rounds to periods.
    fn ce_due(&self, now: DateTime<Utc>) -> Option<Due> {
        if self.backing_off(now) {
            return None;
        }
        if self.pending.is_some() {
            return self.pending;
        }
        let ttl = self.source.options.ttl;
        let Some(c) = &self.cube else {
            return Some(Due::Stale);
        };
        let moved = self
            .cheap
            .estimated_charges
            .as_ref()
            .is_some_and(|e| Some(e.cost) != self.charges_at_fetch);
        if !c.is_fresh(now, ttl) {
            Some(Due::Stale)
        } else if moved && c.age(now) >= ttl / 2 {
            Some(Due::Moved(c.fetched_at))
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
    /// STS: a slow credential chain must not keep the screen empty). Its cube, forecast and
    /// filter values are whatever was cached last for the account last seen with these
    /// credentials; it is marked stale until STS confirms that account.
    pub async fn cached_snapshot(&mut self, now: DateTime<Utc>) -> Option<Snapshot> {
        let today = now.date_naive();
        let account = self.source.remembered_account().await?;
        let cube = self.source.last_cube(&account, &self.query, today).await?;
        self.forecast = self
            .source
            .last_forecast(&account, &self.query, today)
            .await
            .flatten();
        self.picker = self
            .source
            .last_picker_values(&account, self.query.window)
            .await
            .unwrap_or_default();
        self.account = Some(account);
        self.cube = Some(cube);
        self.snapshot(now)
    }

    /// One poll: STS until it has confirmed the account, the cheap sources when due (or
    /// `force_cheap`), Cost Explorer when due (or `force_paid`), the free and the paid side
    /// by side. Returns what the UI should be told.
    pub async fn poll(
        &mut self,
        now: DateTime<Utc>,
        force_cheap: bool,
        force_paid: bool,
    ) -> Vec<Update> {
        let mut updates = Vec::new();
        let cheap_due =
            force_cheap || force_paid || self.cheap_at.is_none_or(|t| now - t >= self.interval);
        let Some(account) = self.confirm_account(now, cheap_due, &mut updates).await else {
            return self.finish(now, updates);
        };
        let due = if force_paid {
            Some(Due::Asked(now))
        } else {
            self.ce_due(now)
        };
        let today = now.date_naive();
        let (cheap, paid) = {
            let this = &*self;
            let cheap = async {
                match cheap_due {
                    true => Some(this.source.cheap(&account, today, now).await),
                    false => None,
                }
            };
            let paid = async {
                match due {
                    Some(due) => Some(this.fetch_paid(&account, now, due).await),
                    None => None,
                }
            };
            tokio::join!(cheap, paid)
        };
        if let Some(answers) = cheap {
            self.take_cheap(answers, now, &mut updates);
        }
        if let (Some(paid), Some(due)) = (paid, due) {
            self.take_paid(paid, due, now, &mut updates);
        }
        updates.extend(self.tend_sections(now).await);
        for problem in self.source.store.take_problems() {
            updates.push(Update::Status(Status::new(Severity::Warning, problem)));
        }
        self.finish(now, updates)
    }

    /// Asks STS until it has answered once; it is free, so a failure is retried on the cheap
    /// cadence (or at once with `r`). Until it answers, the remembered account's cached numbers
    /// are shown, stale; if it names another account (credentials changed), they are dropped.
    async fn confirm_account(
        &mut self,
        now: DateTime<Utc>,
        due: bool,
        updates: &mut Vec<Update>,
    ) -> Option<String> {
        if let Some(id) = self.source.account_id() {
            return Some(id.to_string());
        }
        if !due {
            return None;
        }
        match self.source.account(now).await {
            Ok(id) => {
                if let Some(shown) = self.account.as_ref().filter(|a| **a != id) {
                    updates.push(Update::Status(Status::new(
                        Severity::Info,
                        format!(
                            "these credentials belong to account {id}, not {shown} whose cached numbers were shown: fetching {id}'s"
                        ),
                    )));
                    self.cube = None;
                    self.forecast = None;
                    self.picker = PickerValues::default();
                    self.picker_at = None;
                }
                self.account = Some(id.clone());
                self.problems.account = None;
                Some(id)
            }
            Err(e) => {
                let advice = self.advice(&e);
                self.problems.account = Some(advice.clone());
                self.cheap_at = Some(now);
                let (severity, message) = if e.is_transient() {
                    let next = human(self.interval);
                    (Severity::Warning, format!("{advice} (next try in {next})"))
                } else {
                    (Severity::Error, format!("{advice} — then press r to retry"))
                };
                updates.push(Update::Status(Status::new(severity, message)));
                None
            }
        }
    }

    async fn fetch_paid(&self, account: &str, now: DateTime<Utc>, due: Due) -> Paid {
        let today = now.date_naive();
        // A moved bill or `R` must skip a stored answer that is still within its TTL; the
        // forecast moves slowly and is only forced by `R`.
        let cube = self
            .source
            .cube(account, &self.query, today, now, due.refresh())
            .await;
        if cube.is_err() {
            return Paid {
                cube,
                forecast: None,
                picker: None,
                watched: None,
            };
        }
        let forecast = self
            .source
            .forecast(account, &self.query, today, now, due.asked())
            .await;
        let picker_due = self
            .picker_at
            .is_none_or(|t| now - t >= Duration::hours(24));
        let picker = match picker_due {
            true => Some(
                self.source
                    .picker_values(account, self.query.window, now)
                    .await,
            ),
            false => None,
        };
        let watched = self
            .watch
            .fetch(&self.source, account, &self.query, now, due.asked())
            .await;
        Paid {
            cube,
            forecast: Some(forecast),
            picker,
            watched: Some(watched),
        }
    }

    fn take_cheap(&mut self, answers: CheapAnswers, now: DateTime<Utc>, updates: &mut Vec<Update>) {
        let failed = self.cheap.absorb(answers, now);
        self.cheap_at = Some(now);
        self.problems.budgets = failed.budgets.as_ref().map(|e| self.advice(e));
        self.problems.cloudwatch = failed.cloudwatch.as_ref().map(|e| self.advice(e));
        for e in [failed.budgets, failed.cloudwatch].iter().flatten() {
            updates.push(self.status_for(e));
        }
    }

    fn take_paid(&mut self, paid: Paid, due: Due, now: DateTime<Utc>, updates: &mut Vec<Update>) {
        match paid.cube {
            Ok(cube) => {
                // A cube fetched just now, here or by another process sharing the store, is
                // what the current estimate is to be compared with from now on.
                let news = cube.origin != DataOrigin::Cache
                    && self
                        .cube
                        .as_ref()
                        .is_none_or(|c| c.fetched_at < cube.fetched_at);
                if news {
                    self.charges_at_fetch = self.cheap.estimated_charges.as_ref().map(|e| e.cost);
                }
                self.refreshing_by = None;
                self.cube = Some(cube);
                self.failures = 0;
                self.retry_at = None;
                self.pending = None;
                self.problems.cost_explorer = None;
            }
            Err(FetchError::Busy(by)) => {
                // Another process is paying for it: look again shortly, show what we have.
                self.pending = Some(due);
                self.refreshing_by = Some(by);
                self.retry_at = Some(now + RECHECK);
            }
            Err(e) => {
                self.pending = Some(due);
                self.refreshing_by = None;
                let mut advice = self.advice(&e);
                if let Some(c) = &self.cube {
                    advice.push_str(&format!(
                        "; showing the cached numbers from {} ago",
                        human(c.age(now))
                    ));
                }
                self.problems.cost_explorer = Some(advice.clone());
                updates.push(self.failed(&e, advice, now));
            }
        }
        match paid.forecast {
            Some(Ok(f)) => {
                self.forecast = f;
                self.problems.forecast = None;
            }
            Some(Err(e)) => {
                // The last forecast stays on screen; the problem says it is not fresh.
                self.problems.forecast = Some(self.advice(&e));
                updates.push(self.status_for(&e));
            }
            None => {}
        }
        match paid.picker {
            Some(Ok(values)) => {
                self.picker = values;
                self.picker_at = Some(now);
            }
            Some(Err(e)) => updates.push(self.status_for(&e)),
            None => {}
        }
        if let Some(watched) = paid.watched
            && let Some(e) = self.watch.take(watched, self.cube.as_ref())
        {
            // AWS's anomalies are a bonus: said once in the footer, not a failed section.
            updates.push(Update::Status(Status::new(
                Severity::Warning,
                format!("AWS's anomalies could not be read: {}", self.advice(&e)),
            )));
        }
    }

    /// Records a failure in the schedule and words its status: a transient one is retried
    /// with backoff (and says when); a permission error or the cap waits for the TTL or `r`.
    fn failed(&mut self, e: &FetchError, advice: String, now: DateTime<Utc>) -> Update {
        if e.is_transient() {
            self.failures += 1;
            let wait = backoff(self.failures, now);
            self.retry_at = Some(now + wait);
            Update::Status(Status::new(
                Severity::Warning,
                format!("{advice} (next try in {})", human(wait)),
            ))
        } else {
            self.retry_at = Some(now + self.source.options.ttl);
            Update::Status(Status::new(
                Severity::Error,
                format!("{advice} — then press r to retry"),
            ))
        }
    }

    /// Dedupes the statuses, says when all is well again, and adds the snapshot.
    fn finish(&mut self, now: DateTime<Utc>, mut updates: Vec<Update>) -> Vec<Update> {
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
        // Problems last until the section answers again, not until a quiet poll.
        let troubled = !self.problems.is_empty();
        if self.had_errors && !troubled {
            updates.push(Update::Status(Status::new(
                Severity::Info,
                "all sources answering again",
            )));
        }
        self.had_errors = troubled;
        if let Some(snapshot) = self.snapshot(now) {
            updates.push(Update::Snapshot(Arc::new(snapshot)));
        }
        updates
    }

    /// A new window or filter set: answered from the cache when possible (region and
    /// service filters never need Cost Explorer when the cube is cached).
    pub async fn set_query(&mut self, query: Query, now: DateTime<Utc>) -> Vec<Update> {
        self.query = query;
        self.cube = None;
        self.forecast = None;
        self.pending = None;
        self.retry_at = None;
        self.problems.cost_explorer = None;
        self.problems.forecast = None;
        let mut updates = self.poll(now, false, false).await;
        let wanted = self.sections.wants.sections.clone();
        if !wanted.is_empty() {
            updates.extend(self.fetch_sections(&wanted, Mode::Cached, now).await);
        }
        updates
    }

    /// What there is to show: the cube (cached or fresh) and whatever the free sources said.
    /// Nothing at all before either answered.
    fn snapshot(&self, now: DateTime<Utc>) -> Option<Snapshot> {
        let anything = self.cube.is_some()
            || self.cheap.budgets_at.is_some()
            || self.cheap.cloudwatch_at.is_some();
        if !anything {
            return None;
        }
        let confirmed = self.source.account_id().is_some();
        // Waiting for another process's refresh is not a failure: its numbers are on the way.
        let owed = self.pending.is_some() && self.refreshing_by.is_none();
        let stale = self.cube.is_some() && (!confirmed || owed);
        let mut snapshot = assemble(Parts {
            query: &self.query,
            today: now.date_naive(),
            now,
            account_id: self.account.clone(),
            cube: self.cube.as_ref(),
            forecast: self.forecast,
            cheap: &self.cheap,
            picker: &self.picker,
            meter: &self.source.meter,
            stale,
            refreshing_by: self.refreshing_by.clone(),
            problems: self.problems.clone(),
        });
        self.watch.annotate(&mut snapshot);
        snapshot.analysis = self.sections.analysis.clone();
        Some(snapshot)
    }

    /// The account-wide snapshot the alert observer judges (see `watch`), for the snapshot
    /// just shown.
    pub fn watched_snapshot(&self, shown: &Snapshot) -> Option<Snapshot> {
        self.watch.base_snapshot(shown)
    }

    fn advice(&self, e: &FetchError) -> String {
        e.to_app_error(self.source.options.profile.as_deref())
            .to_string()
    }

    /// A person pressed `r` or `R`: whatever made us wait (backoff, a permission error they
    /// may just have fixed with `aws sso login`) is worth one more try now — and a refresh
    /// that failed is retried, being still owed.
    pub fn retry_now(&mut self) {
        self.retry_at = None;
    }

    fn status_for(&self, e: &FetchError) -> Update {
        Update::Status(Status::new(Severity::Error, self.advice(e)))
    }
}
