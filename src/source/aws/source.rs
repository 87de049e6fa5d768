//! Assembles snapshots from the AWS sources, spending as few Cost Explorer calls as the data's
//! freshness allows: the cube and the forecast come from the store (this machine's disk, or the
//! team's DynamoDB table, where only the lease holder pays) while younger than the TTL; region
//! and service filters are applied to a cached cube locally (the CE query carries
//! only account and tag filters), so flipping them costs nothing.
//!
//! Every method takes `&self` and the account explicitly, so callers can run the free and the
//! paid sources side by side (a slow Budgets answer must not hold up the rest) and decide
//! themselves when STS is asked.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::anomalies::{self, AwsFindings};
use super::ce::{self, ForecastRest};
use super::client::Clients;
use super::{FetchError, budgets, cloudwatch};
use crate::cache::{CacheKey, Cached};
use crate::config::Metric;
use crate::meter::Meter;
use crate::model::window::first_of_month;
use crate::model::{
    Budget, CostCube, Dimension, EstimatedCharges, FilterSet, FilterValues, Forecast, Freshness,
    Money, Problems, Query, Snapshot, SourceKind, Window,
};
use crate::store::{Store, Want};

/// What the AWS source needs from the settings.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    pub metric: Metric,
    pub exclude_credits: bool,
    pub ttl: Duration,
    pub tag_keys: Vec<String>,
    /// Read cached Cost Explorer answers (false with --no-cache; fresh ones are still stored).
    pub read_cache: bool,
    /// While another process sharing the store refreshes an answer, wait for it (one-shot
    /// commands) rather than answer at once that it is under way (the dashboard).
    pub wait_for_refresh: bool,
    /// The profile to name in advice (`aws sso login --profile NAME`).
    pub profile: Option<String>,
    /// Who the calls go to as (see [`crate::settings::AwsSettings::origin`]): the account last
    /// seen for it is remembered, so cached numbers can be shown before STS has answered.
    pub origin: String,
}

/// The exact Cost Explorer query a cached cube answers.
#[derive(Serialize)]
struct CubeQuery<'a> {
    range: Window,
    filters: &'a FilterSet,
    metric: &'static str,
    exclude_credits: bool,
}

/// A cached cube and the number of paid pages it took, so the next refresh of the same query
/// knows its price before it starts.
#[derive(Serialize, Deserialize)]
struct CubeEntry {
    cube: CostCube,
    pages: u64,
}

#[derive(Serialize)]
struct ForecastQuery<'a> {
    today: NaiveDate,
    filters: &'a FilterSet,
    metric: &'static str,
    exclude_credits: bool,
}

#[derive(Serialize, Deserialize)]
struct CachedForecast {
    mean: Money,
    lower: Option<Money>,
    upper: Option<Money>,
}

impl CachedForecast {
    fn rest(self) -> ForecastRest {
        ForecastRest {
            mean: self.mean,
            lower: self.lower,
            upper: self.upper,
        }
    }
}

impl Refresh {
    /// `Now` when forced, else `IfStale`.
    pub fn forced(force: bool) -> Refresh {
        if force {
            Refresh::Now
        } else {
            Refresh::IfStale
        }
    }
}

/// Account names and tag values for the filter picker.
#[derive(Debug, Serialize, Deserialize, Clone, Default, PartialEq, Eq)]
pub struct PickerValues {
    pub accounts: BTreeMap<String, String>,
    pub tags: BTreeMap<String, Vec<String>>,
}

/// How much a paid answer may be taken from the store rather than fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// The stored answer while it is younger than its TTL.
    IfStale,
    /// Only an answer fetched after this one (the bill moved since it was fetched).
    After(DateTime<Utc>),
    /// Fetch now whatever the stored answer's age (`R`, `--no-cache`); with the shared store
    /// a refresh another process is making right now counts.
    Now,
}

/// How far back AWS keeps Cost Anomaly Detection's findings.
const ANOMALY_DAYS: i64 = 90;

/// Only the filters Cost Explorer must apply; regions and services are cut from the cube.
pub fn remote_filters(filters: &FilterSet) -> FilterSet {
    filters.retain(|d| matches!(d, Dimension::Account | Dimension::Tag(_)))
}

pub struct AwsSource {
    pub clients: Clients,
    pub meter: Arc<Meter>,
    pub store: Store,
    pub options: AwsOptions,
    account_id: tokio::sync::OnceCell<String>,
}

/// The free sources' answers of one poll, each on its own.
#[derive(Debug)]
pub struct CheapAnswers {
    pub budgets: Result<Vec<Budget>, FetchError>,
    pub estimated_charges: Result<Option<EstimatedCharges>, FetchError>,
}

/// The cheap sources' latest good answers.
#[derive(Debug, Clone, Default)]
pub struct Cheap {
    pub budgets: Vec<Budget>,
    pub budgets_at: Option<DateTime<Utc>>,
    pub estimated_charges: Option<EstimatedCharges>,
    pub cloudwatch_at: Option<DateTime<Utc>>,
}

impl Cheap {
    /// Takes in what answered; what failed keeps its last good value. Returns the failures.
    pub fn absorb(&mut self, answers: CheapAnswers, now: DateTime<Utc>) -> CheapFailures {
        let mut failed = CheapFailures::default();
        match answers.budgets {
            Ok(b) => {
                self.budgets = b;
                self.budgets_at = Some(now);
            }
            Err(e) => failed.budgets = Some(e),
        }
        match answers.estimated_charges {
            Ok(e) => {
                self.estimated_charges = e;
                self.cloudwatch_at = Some(now);
            }
            Err(e) => failed.cloudwatch = Some(e),
        }
        failed
    }
}

/// The free sources that failed in one poll.
#[derive(Debug, Default)]
pub struct CheapFailures {
    pub budgets: Option<FetchError>,
    pub cloudwatch: Option<FetchError>,
}

impl AwsSource {
    pub fn new(clients: Clients, meter: Arc<Meter>, store: Store, options: AwsOptions) -> Self {
        AwsSource {
            clients,
            meter,
            store,
            options,
            account_id: tokio::sync::OnceCell::new(),
        }
    }

    /// The account id, asked of STS once per process (concurrent callers share one request),
    /// and remembered in the store for the next start.
    pub async fn account(&self, now: DateTime<Utc>) -> Result<String, FetchError> {
        let id = self
            .account_id
            .get_or_try_init(|| async {
                let id = super::account_id(&self.clients, &self.meter, now).await?;
                self.store
                    .keep("the account id", &self.origin_key(), &id, now)
                    .await;
                Ok::<_, FetchError>(id)
            })
            .await?;
        Ok(id.clone())
    }

    /// The account STS confirmed in this process, if it did.
    pub fn account_id(&self) -> Option<&str> {
        self.account_id.get().map(String::as_str)
    }

    fn origin_key(&self) -> CacheKey {
        CacheKey::new("account", "any", &self.options.origin)
    }

    /// The account last seen for this origin, read from the store without any call to a
    /// paid or rate-limited AWS API.
    pub async fn remembered_account(&self) -> Option<String> {
        let remembered: Cached<String> = self.store.get(&self.origin_key()).await?;
        Some(remembered.value)
    }

    /// What the store may answer for `refresh`, judged against `ttl`.
    pub(super) fn want(&self, now: DateTime<Utc>, ttl: Duration, refresh: Refresh) -> Want {
        Want {
            now,
            ttl,
            newer_than: match refresh {
                Refresh::After(t) => Some(t),
                _ => None,
            },
            force: !self.options.read_cache || refresh == Refresh::Now,
            wait: self.options.wait_for_refresh,
        }
    }

    fn cube_key(&self, account: &str, query: &Query, today: NaiveDate) -> CacheKey {
        let remote = remote_filters(&query.filters);
        CacheKey::new(
            "ce-cube",
            account,
            &CubeQuery {
                range: query.fetch_range(today),
                filters: &remote,
                metric: self.options.metric.name(),
                exclude_credits: self.options.exclude_credits,
            },
        )
    }

    fn forecast_key(&self, account: &str, query: &Query, today: NaiveDate) -> CacheKey {
        CacheKey::new(
            "ce-forecast",
            account,
            &ForecastQuery {
                today,
                filters: &query.filters,
                metric: self.options.metric.name(),
                exclude_credits: self.options.exclude_credits,
            },
        )
    }

    fn picker_key(&self, account: &str, window: Window) -> CacheKey {
        CacheKey::new("ce-picker", account, &(&self.options.tag_keys, window.end))
    }

    /// The last cube stored for `query`, whatever its age, restricted to its filters: what is
    /// shown (marked stale) when Cost Explorer cannot be reached.
    pub async fn last_cube(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
    ) -> Option<Cached<CostCube>> {
        let entry: Cached<CubeEntry> = self
            .store
            .get(&self.cube_key(account, query, today))
            .await?;
        Some(Cached {
            value: entry.value.cube.restricted(&query.filters),
            fetched_at: entry.fetched_at,
            origin: entry.origin,
        })
    }

    /// The cube for `query`: from the store when `refresh` allows, else from Cost Explorer
    /// (paid; with the shared store only by the lease holder) and stored. Region/service
    /// filters are applied locally.
    pub async fn cube(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
        now: DateTime<Utc>,
        refresh: Refresh,
    ) -> Result<Cached<CostCube>, FetchError> {
        let key = self.cube_key(account, query, today);
        let want = self.want(now, self.options.ttl, refresh);
        let fetch = |stale: Option<CubeEntry>| async move {
            let (cube, pages) = ce::cube(
                &self.clients,
                &self.meter,
                query.fetch_range(today),
                &remote_filters(&query.filters),
                self.options.metric,
                self.options.exclude_credits,
                now,
                stale.map(|e| e.pages),
            )
            .await?;
            Ok(CubeEntry { cube, pages })
        };
        let whole = self
            .store
            .fetch_or_share("the Cost Explorer answer", &key, want, fetch)
            .await?;
        Ok(Cached {
            value: whole.value.cube.restricted(&query.filters),
            fetched_at: whole.fetched_at,
            origin: whole.origin,
        })
    }

    /// The last forecast stored for `query`, whatever its age.
    pub async fn last_forecast(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
    ) -> Option<Option<ForecastRest>> {
        let hit: Cached<Option<CachedForecast>> = self
            .store
            .get(&self.forecast_key(account, query, today))
            .await?;
        Some(hit.value.map(CachedForecast::rest))
    }

    /// The month-end forecast; `None` when Cost Explorer cannot forecast this account/filter.
    /// A forecast moves slowly: it is kept twice as long as the cube (12 h at defaults), and
    /// its key carries the day, so a new day asks again.
    pub async fn forecast(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<Option<ForecastRest>, FetchError> {
        let key = self.forecast_key(account, query, today);
        let want = self.want(now, self.options.ttl * 2, Refresh::forced(force));
        let fetch = |_| async move {
            let rest = ce::forecast(
                &self.clients,
                &self.meter,
                today,
                &query.filters,
                self.options.metric,
                self.options.exclude_credits,
                now,
            )
            .await?;
            Ok(rest.map(|r| CachedForecast {
                mean: r.mean,
                lower: r.lower,
                upper: r.upper,
            }))
        };
        let stored: Cached<Option<CachedForecast>> = self
            .store
            .fetch_or_share("the forecast", &key, want, fetch)
            .await?;
        Ok(stored.value.map(CachedForecast::rest))
    }

    /// One entry per account, whatever the window: AWS keeps anomalies for 90 days, all of
    /// them are fetched at once and windows are cut from them locally, so a new day or another
    /// window needs no new request.
    fn anomalies_key(&self, account: &str) -> CacheKey {
        CacheKey::new("ce-anomalies", account, &ANOMALY_DAYS)
    }

    /// AWS's own anomalies of the last 90 days. Paid, and AWS detects about three times a
    /// day: cached for twice the Cost Explorer TTL (12 h at defaults), asked again only then or
    /// when `force`d (`R`).
    pub async fn aws_anomalies(
        &self,
        account: &str,
        today: NaiveDate,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<AwsFindings, FetchError> {
        let key = self.anomalies_key(account);
        let want = self.want(now, self.options.ttl * 2, Refresh::forced(force));
        let window = Window {
            start: today - Duration::days(ANOMALY_DAYS - 1),
            end: today + Duration::days(1),
        };
        let fetch = |_| anomalies::fetch(&self.clients, &self.meter, window, now);
        let found = self
            .store
            .fetch_or_share("AWS's anomalies", &key, want, fetch)
            .await?;
        Ok(found.value)
    }

    /// The last picker values stored, whatever their age.
    pub async fn last_picker_values(&self, account: &str, window: Window) -> Option<PickerValues> {
        let hit: Cached<PickerValues> = self.store.get(&self.picker_key(account, window)).await?;
        Some(hit.value)
    }

    /// Account names and tag values for the filter picker: paid, so cached for a day.
    pub async fn picker_values(
        &self,
        account: &str,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<PickerValues, FetchError> {
        let key = self.picker_key(account, window);
        let want = self.want(now, Duration::hours(24), Refresh::IfStale);
        let fetch = |_| async move {
            let accounts = ce::accounts(&self.clients, &self.meter, window, now).await?;
            let mut tags = BTreeMap::new();
            for tag_key in &self.options.tag_keys {
                let values =
                    ce::tag_values_of(&self.clients, &self.meter, window, tag_key, now).await?;
                tags.insert(tag_key.clone(), values);
            }
            Ok(PickerValues {
                accounts: accounts.into_iter().collect(),
                tags,
            })
        };
        let values = self
            .store
            .fetch_or_share("the filter values", &key, want, fetch)
            .await?;
        Ok(values.value)
    }

    /// Budgets and the CloudWatch billing estimate, side by side: free or nearly, so always
    /// fetched, and a slow or failing one never holds up or hides the other.
    pub async fn cheap(&self, account: &str, today: NaiveDate, now: DateTime<Utc>) -> CheapAnswers {
        let (budgets, estimated_charges) = tokio::join!(
            budgets::fetch(&self.clients, &self.meter, account, today, now),
            cloudwatch::estimated_charges(&self.clients, &self.meter, now),
        );
        CheapAnswers {
            budgets,
            estimated_charges,
        }
    }
}

/// Everything a snapshot is built from.
pub struct Parts<'a> {
    pub query: &'a Query,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub account_id: Option<String>,
    pub cube: Option<&'a Cached<CostCube>>,
    pub forecast: Option<ForecastRest>,
    pub cheap: &'a Cheap,
    pub picker: &'a PickerValues,
    pub meter: &'a Meter,
    pub stale: bool,
    /// Another process is refreshing the cube in the shared store (its name).
    pub refreshing_by: Option<String>,
    pub problems: Problems,
}

pub fn assemble(p: Parts<'_>) -> Snapshot {
    let forecast = p.cube.zip(p.forecast).map(|(cube, f)| {
        // The forecast covers today onwards; add the final days of the month so far.
        let before_today = cube.value.total(&Window {
            start: first_of_month(p.today),
            end: p.today,
        });
        Forecast {
            month_end: before_today + f.mean,
            lower: f.lower.map(|l| before_today + l),
            upper: f.upper.map(|u| before_today + u),
        }
    });
    let (mut regions, mut services) = p.cube.map_or_else(Default::default, |c| {
        (c.value.regions.clone(), c.value.services.clone())
    });
    regions.sort();
    services.sort();
    Snapshot {
        source: SourceKind::Aws,
        generated_at: p.now,
        today: p.today,
        account_id: p.account_id,
        currency: "USD".into(),
        query: p.query.clone(),
        cube: p.cube.map(|c| c.value.clone()),
        forecast,
        budgets: p.cheap.budgets.clone(),
        estimated_charges: p.cheap.estimated_charges.clone(),
        freshness: Freshness {
            cost_explorer: p.cube.map(|c| c.fetched_at),
            budgets: p.cheap.budgets_at,
            cloudwatch: p.cheap.cloudwatch_at,
        },
        origin: p.cube.map(|c| c.origin.clone()),
        refreshing_by: p.refreshing_by,
        api_calls: p.meter.today(p.now),
        filter_values: FilterValues {
            regions,
            services,
            accounts: p.picker.accounts.clone(),
            tags: p.picker.tags.clone(),
        },
        stale: p.stale,
        problems: p.problems,
        anomalies: Vec::new(),
        alerts: Vec::new(),
        aws_anomalies_note: None,
        aws_anomalies_read: false,
        analysis: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CubeBuilder;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }
    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    /// Month end = the final days of this month so far + the forecast from today on.
    fn month_end(today: &str) -> Money {
        let today = d(today);
        let query = Query {
            window: Window::last_days(today, 30).expect("window"),
            filters: FilterSet::default(),
        };
        let range = query.fetch_range(today);
        let mut b = CubeBuilder::new(range);
        for day in range.iter_days() {
            b.add(day, "EC2", "us-east-1", m("10"));
        }
        let now: DateTime<Utc> = format!("{today}T12:00:00Z").parse().expect("now");
        let cube = Cached {
            value: b.build(),
            fetched_at: now,
            origin: crate::model::DataOrigin::Fetched,
        };
        let snapshot = assemble(Parts {
            query: &query,
            today,
            now,
            account_id: None,
            cube: Some(&cube),
            forecast: Some(ForecastRest {
                mean: m("100"),
                lower: Some(m("90")),
                upper: None,
            }),
            cheap: &Cheap::default(),
            picker: &PickerValues::default(),
            meter: &Meter::new(None, 1),
            stale: false,
            refreshing_by: None,
            problems: Problems::default(),
        });
        let forecast = snapshot.forecast.expect("forecast");
        assert_eq!(
            forecast.lower.map(|l| forecast.month_end - l),
            Some(m("10"))
        );
        assert_eq!(forecast.upper, None);
        forecast.month_end
    }

    #[test]
    fn month_end_adds_the_final_days_before_today() {
        assert_eq!(month_end("2026-11-01"), m("100"), "nothing before the 1st");
        assert_eq!(month_end("2026-11-25"), m("340"), "24 final days of 10");
        assert_eq!(month_end("2026-12-31"), m("400"), "30 final days of 10");
    }

    #[test]
    fn only_account_and_tag_filters_go_to_cost_explorer() {
        let all: FilterSet = FilterSet::new(
            [
                "region=us-east-1",
                "service=AWS Lambda",
                "account=111111111111",
                "tag:team=",
            ]
            .iter()
            .map(|f| f.parse().expect("filter")),
        );
        assert_eq!(
            remote_filters(&all).to_strings(),
            ["account=111111111111", "tag:team="]
        );
    }
}
