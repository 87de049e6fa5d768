//! The analysis sections from AWS: each built from one or two cached datasets, each dataset
//! with its own key and TTL in the store (disk or the team's table, where only the lease
//! holder pays). Breakdowns by tag and account keep the Cost Explorer TTL; what AWS refreshes
//! daily (activated tags, record-type totals, drivers, credit balances, recommendations) is
//! kept 24 h. The reports are derived for the query's window from the cached answers, so a
//! window inside what was fetched costs nothing.

use std::collections::BTreeMap;
use std::future::Future;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::FetchError;
use super::accounts::{self, OrgNames};
use super::credits::{self, Balances};
use super::drivers;
use super::grouped::{self, By};
use super::savings;
use super::source::{AwsSource, Refresh};
use super::tags::{self, TagStatus};
use crate::analysis;
use crate::cache::CacheKey;
use crate::model::analysis::{
    AccountsReport, ChangesReport, CreditsReport, Driver, SavingsReport, TagsReport,
};
use crate::model::window::complete_months;
use crate::model::{Breakdown, FilterSet, Grouped, Query, Window};

/// How much a section may cost now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Fetch what the store cannot answer within its TTL (`Refresh` as for the cube).
    Fetch(Refresh),
    /// Only what the store holds, whatever its age: a new window re-derives the sections on
    /// screen for free; what is missing waits for the view to ask again.
    Cached,
}

/// What a section is asked for.
pub struct Ask<'a> {
    pub account: &'a str,
    pub query: &'a Query,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub mode: Mode,
}

/// The exact grouped query a cached answer holds.
#[derive(Serialize)]
struct GroupedKey<'a> {
    range: Window,
    by: &'a [String],
    filters: &'a FilterSet,
    metric: &'static str,
    exclude_credits: bool,
}

const DAY: Duration = Duration::hours(24);

/// AWS's cost drivers as cached: the drivers, or why AWS refused them.
#[derive(Serialize, Deserialize)]
struct DriversAnswer {
    drivers: Option<Vec<Driver>>,
    note: Option<String>,
}

impl AwsSource {
    /// One dataset: from the store, or fetched (and stored) when `ask.mode` allows.
    async fn dataset<T, F, Fut>(
        &self,
        what: &str,
        key: CacheKey,
        ttl: Duration,
        ask: &Ask<'_>,
        fetch: F,
    ) -> Result<Option<T>, FetchError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce(Option<T>) -> Fut,
        Fut: Future<Output = Result<T, FetchError>>,
    {
        match ask.mode {
            Mode::Cached => Ok(self.store.get(&key).await.map(|c| c.value)),
            Mode::Fetch(refresh) => {
                let want = self.want(ask.now, ttl, refresh);
                let hit = self.store.fetch_or_share(what, &key, want, fetch).await?;
                Ok(Some(hit.value))
            }
        }
    }

    /// A daily (or monthly) grouped answer over `range`.
    async fn grouped(
        &self,
        what: &str,
        ask: &Ask<'_>,
        range: Window,
        monthly: bool,
        by: &[By<'_>],
        exclude_credits: bool,
    ) -> Result<Option<Grouped>, FetchError> {
        // A tag may be named like a dimension ("SERVICE"): the key tells them apart.
        let names: Vec<String> = by
            .iter()
            .map(|b| match b {
                By::Tag(k) => format!("tag:{k}"),
                By::Dimension(k) => format!("dimension:{k}"),
            })
            .collect();
        let kind = match monthly {
            true => "ce-monthly",
            false => "ce-grouped",
        };
        let key = CacheKey::new(
            kind,
            ask.account,
            &GroupedKey {
                range,
                by: &names,
                filters: &ask.query.filters,
                metric: self.options.metric.name(),
                exclude_credits,
            },
        );
        let ttl = match monthly {
            true => DAY,
            false => self.options.ttl,
        };
        let fetch = |_| async move {
            let (answer, _pages) = grouped::fetch(
                &self.clients,
                &self.meter,
                range,
                monthly,
                by,
                &ask.query.filters,
                self.options.metric,
                exclude_credits,
                ask.now,
            )
            .await?;
            Ok(answer)
        };
        self.dataset(what, key, ttl, ask, fetch).await
    }

    /// Cost by `tag_key`'s values over the window, and which keys are activated.
    pub async fn tags(
        &self,
        ask: &Ask<'_>,
        tag_key: &str,
    ) -> Result<Option<TagsReport>, FetchError> {
        let range = ask.query.fetch_range(ask.today);
        let by = [By::Tag(tag_key)];
        let exclude = self.options.exclude_credits;
        let Some(answer) = self
            .grouped("the tag breakdown", ask, range, false, &by, exclude)
            .await?
        else {
            return Ok(None);
        };
        let key = CacheKey::new("ce-tag-status", ask.account, &"active");
        let fetch = |_| tags::active_keys(&self.clients, &self.meter, ask.now);
        let status: Option<TagStatus> = self
            .dataset("the activated tag keys", key, DAY, ask, fetch)
            .await?;
        let mut report = analysis::tags::report(tag_key, &answer, &ask.query.window);
        let mut keys = self.options.tag_keys.clone();
        if let Some(status) = status {
            keys.extend(status.active.iter().flatten().cloned());
            report.active_keys = status.active;
            report.note = status.note;
        }
        keys.push(tag_key.to_string());
        keys.sort();
        keys.dedup();
        report.keys = keys;
        Ok(Some(report))
    }

    /// Daily cost by account and service over the query's fetch range (accounts and the
    /// account movers both read it).
    async fn by_account(&self, ask: &Ask<'_>) -> Result<Option<Grouped>, FetchError> {
        let range = ask.query.fetch_range(ask.today);
        let by = [By::Dimension("LINKED_ACCOUNT"), By::Dimension("SERVICE")];
        let exclude = self.options.exclude_credits;
        self.grouped("the account breakdown", ask, range, false, &by, exclude)
            .await
    }

    pub async fn accounts(&self, ask: &Ask<'_>) -> Result<Option<AccountsReport>, FetchError> {
        let Some(answer) = self.by_account(ask).await? else {
            return Ok(None);
        };
        let key = CacheKey::new("org-accounts", ask.account, &"names");
        let fetch = |_| accounts::names(&self.clients);
        let org: OrgNames = self
            .dataset("the organization's account names", key, DAY, ask, fetch)
            .await?
            .unwrap_or_default();
        let mut report =
            analysis::accounts::report(&answer, &ask.query.window, ask.today, &org.names);
        report.note = org.note;
        Ok(Some(report))
    }

    /// Movers from the overview's breakdown and the account answer, and AWS's drivers for the
    /// last two complete months. Drivers that cannot be had are a note, never a failure.
    pub async fn changes(
        &self,
        ask: &Ask<'_>,
        breakdown: Option<&Breakdown>,
    ) -> Result<Option<ChangesReport>, FetchError> {
        let by_account = self.by_account(ask).await?;
        let Some(breakdown) = breakdown else {
            return Ok(None);
        };
        let movers = analysis::movers::movers(breakdown, by_account.as_ref());
        let (baseline, comparison) = complete_months(ask.today);
        #[derive(Serialize)]
        struct DriversKey<'a> {
            baseline: Window,
            comparison: Window,
            filters: &'a FilterSet,
            metric: &'static str,
            exclude_credits: bool,
        }
        let key = CacheKey::new(
            "ce-drivers",
            ask.account,
            &DriversKey {
                baseline,
                comparison,
                filters: &ask.query.filters,
                metric: self.options.metric.name(),
                exclude_credits: self.options.exclude_credits,
            },
        );
        let unavailable = |e: &FetchError| {
            format!(
                "AWS's cost drivers are not available: {}",
                e.to_app_error(self.options.profile.as_deref())
            )
        };
        // AWS's refusal (not for this account, not these months yet, not allowed) is kept
        // for the day like an answer, so it is not asked again on every poll; a throttle,
        // an outage, the cap or another process's lease is not an answer and is not kept.
        let fetch = |_| async {
            let fetched = drivers::fetch(
                &self.clients,
                &self.meter,
                baseline,
                comparison,
                &ask.query.filters,
                self.options.metric,
                self.options.exclude_credits,
                ask.now,
            )
            .await;
            match fetched {
                Ok(found) => Ok(DriversAnswer {
                    drivers: Some(found),
                    note: None,
                }),
                Err(e @ FetchError::Aws(_)) if !e.is_transient() => Ok(DriversAnswer {
                    drivers: None,
                    note: Some(unavailable(&e)),
                }),
                Err(e) => Err(e),
            }
        };
        let (drivers, note) = match self.dataset("the cost drivers", key, DAY, ask, fetch).await {
            Ok(Some(answer)) => (answer.drivers, answer.note),
            Ok(None) => (None, None),
            Err(e) => (None, Some(unavailable(&e))),
        };
        Ok(Some(ChangesReport {
            movers,
            drivers_months: drivers.as_ref().map(|_| (baseline, comparison)),
            drivers,
            note,
        }))
    }

    /// Gross, credits, refunds and net for this month and last (Cost Explorer by record type,
    /// credits included whatever `exclude_credits` says: they are the point), the balances
    /// (Billing) and the runway.
    pub async fn credits(&self, ask: &Ask<'_>) -> Result<Option<CreditsReport>, FetchError> {
        let (this, last) = analysis::credits::months(ask.today);
        let range = last.union(&this);
        let by = [By::Dimension("RECORD_TYPE")];
        let Some(monthly) = self
            .grouped("the record-type totals", ask, range, true, &by, false)
            .await?
        else {
            return Ok(None);
        };
        let key = CacheKey::new("billing-credits", ask.account, &"balances");
        let fetch = |_| credits::balances(&self.clients, ask.account, ask.today);
        let balances: Option<Balances> = self
            .dataset("the credit balances", key, DAY, ask, fetch)
            .await?;
        let this_month = analysis::credits::totals(&monthly, &this);
        let (balances, note) = balances.map_or((None, None), |b| (b.balances, b.note));
        Ok(Some(CreditsReport {
            runway_until: balances
                .as_deref()
                .and_then(|b| analysis::credits::runway(b, &this_month, ask.today)),
            this_month,
            last_month: analysis::credits::totals(&monthly, &last),
            balances,
            note,
        }))
    }

    pub async fn savings(&self, ask: &Ask<'_>) -> Result<Option<SavingsReport>, FetchError> {
        let key = CacheKey::new(
            "coh-recommendations",
            ask.account,
            &BTreeMap::<(), ()>::new(),
        );
        let fetch = |_| savings::recommendations(&self.clients);
        self.dataset("the savings recommendations", key, DAY, ask, fetch)
            .await
    }
}
