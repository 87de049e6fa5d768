//! Assembles snapshots from the AWS sources, spending as few Cost Explorer calls as the data's
//! freshness allows: the cube and the forecast come from the disk cache while younger than the
//! TTL; region and service filters are applied to a cached cube locally (the CE query carries
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
use crate::cache::{CacheKey, Cached, DiskCache};
use crate::config::Metric;
use crate::meter::Meter;
use crate::model::window::first_of_month;
use crate::model::{
    Budget, CostCube, Dimension, EstimatedCharges, FilterSet, FilterValues, Forecast, Freshness,
    Money, Problems, Query, Snapshot, SourceKind, Window,
};

/// What the AWS source needs from the settings.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    pub metric: Metric,
    pub exclude_credits: bool,
    pub ttl: Duration,
    pub tag_keys: Vec<String>,
    /// Read cached Cost Explorer answers (false with --no-cache; fresh ones are still stored).
    pub read_cache: bool,
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

/// Account names and tag values for the filter picker.
#[derive(Debug, Serialize, Deserialize, Clone, Default, PartialEq, Eq)]
pub struct PickerValues {
    pub accounts: BTreeMap<String, String>,
    pub tags: BTreeMap<String, Vec<String>>,
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
    pub cache: DiskCache,
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
    pub fn new(clients: Clients, meter: Arc<Meter>, cache: DiskCache, options: AwsOptions) -> Self {
        AwsSource {
            clients,
            meter,
            cache,
            options,
            account_id: tokio::sync::OnceCell::new(),
        }
    }

    /// The account id, asked of STS once per process (concurrent callers share one request),
    /// and remembered on disk for the next start.
    pub async fn account(&self, now: DateTime<Utc>) -> Result<String, FetchError> {
        let id = self
            .account_id
            .get_or_try_init(|| async {
                let id = super::account_id(&self.clients, &self.meter, now).await?;
                self.cache
                    .keep("the account id", &self.origin_key(), &id, now);
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

    /// The account last seen for this origin, read from disk without any AWS call.
    pub fn remembered_account(&self) -> Option<String> {
        let remembered: Cached<String> = self.cache.get(&self.origin_key())?;
        Some(remembered.value)
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
    pub fn last_cube(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
    ) -> Option<Cached<CostCube>> {
        let entry: Cached<CubeEntry> = self.cache.get(&self.cube_key(account, query, today))?;
        Some(Cached {
            value: entry.value.cube.restricted(&query.filters),
            fetched_at: entry.fetched_at,
        })
    }

    /// The cube for `query`: from the cache when younger than the TTL (unless `force`), else
    /// from Cost Explorer (paid) and stored. Region/service filters are applied locally.
    pub async fn cube(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<Cached<CostCube>, FetchError> {
        let key = self.cube_key(account, query, today);
        let cached: Option<Cached<CubeEntry>> = self.cache.get(&key);
        let known_pages = cached.as_ref().map(|c| c.value.pages);
        let fresh = cached
            .filter(|c| self.options.read_cache && !force && c.is_fresh(now, self.options.ttl));
        let whole = match fresh {
            Some(c) => Cached {
                value: c.value.cube,
                fetched_at: c.fetched_at,
            },
            None => {
                let (cube, pages) = ce::cube(
                    &self.clients,
                    &self.meter,
                    query.fetch_range(today),
                    &remote_filters(&query.filters),
                    self.options.metric,
                    self.options.exclude_credits,
                    now,
                    known_pages,
                )
                .await?;
                let entry = CubeEntry { cube, pages };
                self.cache
                    .keep("the Cost Explorer answer", &key, &entry, now);
                Cached {
                    value: entry.cube,
                    fetched_at: now,
                }
            }
        };
        Ok(Cached {
            value: whole.value.restricted(&query.filters),
            fetched_at: whole.fetched_at,
        })
    }

    /// The last forecast stored for `query`, whatever its age.
    pub fn last_forecast(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
    ) -> Option<Cached<Option<ForecastRest>>> {
        let hit: Cached<Option<CachedForecast>> =
            self.cache.get(&self.forecast_key(account, query, today))?;
        Some(Cached {
            value: hit.value.map(|f| ForecastRest {
                mean: f.mean,
                lower: f.lower,
                upper: f.upper,
            }),
            fetched_at: hit.fetched_at,
        })
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
        if self.options.read_cache && !force {
            let hit = self.last_forecast(account, query, today);
            if let Some(c) = hit.filter(|c| c.is_fresh(now, self.options.ttl * 2)) {
                return Ok(c.value);
            }
        }
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
        let stored = rest.map(|r| CachedForecast {
            mean: r.mean,
            lower: r.lower,
            upper: r.upper,
        });
        let key = self.forecast_key(account, query, today);
        self.cache.keep("the forecast", &key, &stored, now);
        Ok(rest)
    }

    /// One entry per account, whatever the window: AWS keeps anomalies for 90 days, all of
    /// them are fetched at once and windows are cut from them locally, so a new day or another
    /// window needs no new request.
    fn anomalies_key(&self, account: &str) -> CacheKey {
        CacheKey::new("ce-anomalies", account, &ANOMALY_DAYS)
    }

    /// What AWS Cost Anomaly Detection said last, whatever its age.
    pub fn last_aws_anomalies(&self, account: &str) -> Option<AwsFindings> {
        let hit: Cached<AwsFindings> = self.cache.get(&self.anomalies_key(account))?;
        Some(hit.value)
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
        if self.options.read_cache && !force {
            let hit: Option<Cached<AwsFindings>> = self.cache.get(&key);
            if let Some(c) = hit.filter(|c| c.is_fresh(now, self.options.ttl * 2)) {
                return Ok(c.value);
            }
        }
        let window = Window {
            start: today - Duration::days(ANOMALY_DAYS - 1),
            end: today + Duration::days(1),
        };
        let found = anomalies::fetch(&self.clients, &self.meter, window, now).await?;
        self.cache.keep("AWS's anomalies", &key, &found, now);
        Ok(found)
    }

    /// The last picker values stored, whatever their age.
    pub fn last_picker_values(&self, account: &str, window: Window) -> Option<PickerValues> {
        let hit: Cached<PickerValues> = self.cache.get(&self.picker_key(account, window))?;
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
        if self.options.read_cache {
            let hit: Option<Cached<PickerValues>> = self.cache.get(&key);
            if let Some(c) = hit.filter(|c| c.is_fresh(now, Duration::hours(24))) {
                return Ok(c.value);
            }
        }
        let accounts = ce::accounts(&self.clients, &self.meter, window, now).await?;
        let mut tags = BTreeMap::new();
        for tag_key in &self.options.tag_keys {
            let values =
                ce::tag_values_of(&self.clients, &self.meter, window, tag_key, now).await?;
            tags.insert(tag_key.clone(), values);
        }
        let values = PickerValues {
            accounts: accounts.into_iter().collect(),
            tags,
        };
        self.cache.keep("the filter values", &key, &values, now);
        Ok(values)
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
