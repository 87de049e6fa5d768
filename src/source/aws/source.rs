//! Assembles snapshots from the AWS sources, spending as few Cost Explorer calls as the data's
//! freshness allows: the cube and the forecast come from the disk cache while younger than the
//! TTL; region and service filters are applied to a cached cube locally (the CE query carries
//! only account and tag filters), so flipping them costs nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::ce::{self, ForecastRest};
use super::client::Clients;
use super::{FetchError, budgets, cloudwatch};
use crate::cache::{CacheKey, Cached, DiskCache};
use crate::config::Metric;
use crate::meter::Meter;
use crate::model::window::first_of_month;
use crate::model::{
    Budget, CostCube, Dimension, EstimatedCharges, FilterSet, FilterValues, Forecast, Freshness,
    Money, Query, Snapshot, SourceKind, Window,
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
    /// The profile in use, so advice can say `aws sso login --profile NAME`.
    pub profile: Option<String>,
    /// Where credentials and calls go (profile, endpoint): the account last seen there is
    /// remembered, so cached numbers can be shown before STS has answered.
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

#[derive(Serialize, Deserialize, Clone, Default)]
struct PickerValues {
    accounts: BTreeMap<String, String>,
    tags: BTreeMap<String, Vec<String>>,
}

/// Only the filters Cost Explorer must apply; regions and services are cut from the cube.
pub fn remote_filters(filters: &FilterSet) -> FilterSet {
    filters.retain(|d| matches!(d, Dimension::Account | Dimension::Tag(_)))
}

pub struct AwsSource {
    pub clients: Clients,
    pub meter: Arc<Meter>,
    pub cache: DiskCache,
    pub options: AwsOptions,
    account_id: Option<String>,
}

/// The cheap sources' latest answers.
#[derive(Debug, Clone, Default)]
pub struct Cheap {
    pub budgets: Vec<Budget>,
    pub budgets_at: Option<DateTime<Utc>>,
    pub estimated_charges: Option<EstimatedCharges>,
    pub cloudwatch_at: Option<DateTime<Utc>>,
}

impl AwsSource {
    pub fn new(clients: Clients, meter: Arc<Meter>, cache: DiskCache, options: AwsOptions) -> Self {
        AwsSource {
            clients,
            meter,
            cache,
            options,
            account_id: None,
        }
    }

    /// The account id, asked of STS once per process.
    pub async fn account(&mut self, now: DateTime<Utc>) -> Result<String, FetchError> {
        if let Some(id) = &self.account_id {
            return Ok(id.clone());
        }
        let id = super::account_id(&self.clients, &self.meter, now).await?;
        if let Err(e) = self.cache.put(&self.origin_key(), &id, now) {
            tracing::warn!("cannot remember the account id: {e}");
        }
        self.account_id = Some(id.clone());
        Ok(id)
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

    /// The last cube stored for `query`, whatever its age, restricted to its filters: what is
    /// shown (marked stale) when Cost Explorer cannot be reached.
    pub fn last_cube(
        &self,
        account: &str,
        query: &Query,
        today: NaiveDate,
    ) -> Option<Cached<CostCube>> {
        let whole: Cached<CostCube> = self.cache.get(&self.cube_key(account, query, today))?;
        Some(Cached {
            value: whole.value.restricted(&query.filters),
            fetched_at: whole.fetched_at,
        })
    }

    /// The cube for `query`: from the cache when younger than the TTL (unless `force`), else
    /// from Cost Explorer (paid) and stored. Region/service filters are applied locally.
    pub async fn cube(
        &mut self,
        query: &Query,
        today: NaiveDate,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<Cached<CostCube>, FetchError> {
        let account = self.account(now).await?;
        let key = self.cube_key(&account, query, today);
        let cached: Option<Cached<CostCube>> = if self.options.read_cache && !force {
            self.cache.get(&key)
        } else {
            None
        };
        let fresh = cached.filter(|c| c.age(now) < self.options.ttl);
        let whole = match fresh {
            Some(c) => c,
            None => {
                let cube = ce::cube(
                    &self.clients,
                    &self.meter,
                    query.fetch_range(today),
                    &remote_filters(&query.filters),
                    self.options.metric,
                    self.options.exclude_credits,
                    now,
                )
                .await?;
                if let Err(e) = self.cache.put(&key, &cube, now) {
                    tracing::warn!("cannot cache the cost cube: {e}");
                }
                Cached {
                    value: cube,
                    fetched_at: now,
                }
            }
        };
        Ok(Cached {
            value: whole.value.restricted(&query.filters),
            fetched_at: whole.fetched_at,
        })
    }

    /// The month-end forecast; `None` when Cost Explorer cannot forecast this account/filter.
    pub async fn forecast(
        &mut self,
        query: &Query,
        today: NaiveDate,
        now: DateTime<Utc>,
        force: bool,
    ) -> Result<Option<ForecastRest>, FetchError> {
        let account = self.account(now).await?;
        let key = self.forecast_key(&account, query, today);
        if self.options.read_cache && !force {
            let hit: Option<Cached<Option<CachedForecast>>> = self.cache.get(&key);
            if let Some(c) = hit.filter(|c| c.age(now) < self.options.ttl) {
                return Ok(c.value.map(|f| ForecastRest {
                    mean: f.mean,
                    lower: f.lower,
                    upper: f.upper,
                }));
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
        if let Err(e) = self.cache.put(&key, &stored, now) {
            tracing::warn!("cannot cache the forecast: {e}");
        }
        Ok(rest)
    }

    /// Account names and tag values for the filter picker: paid, so cached for a day.
    pub async fn picker_values(
        &mut self,
        window: Window,
        now: DateTime<Utc>,
    ) -> Result<(BTreeMap<String, String>, BTreeMap<String, Vec<String>>), FetchError> {
        let account = self.account(now).await?;
        let key = CacheKey::new("ce-picker", &account, &(&self.options.tag_keys, window.end));
        if self.options.read_cache {
            let hit: Option<Cached<PickerValues>> = self.cache.get(&key);
            if let Some(c) = hit.filter(|c| c.age(now) < Duration::hours(24)) {
                return Ok((c.value.accounts, c.value.tags));
            }
        }
        let accounts = ce::accounts(&self.clients, &self.meter, window, now).await?;
        let mut tags = BTreeMap::new();
        for key in self.options.tag_keys.clone() {
            let values = ce::tag_values_of(&self.clients, &self.meter, window, &key, now).await?;
            tags.insert(key, values);
        }
        let values = PickerValues {
            accounts: accounts.into_iter().collect(),
            tags,
        };
        if let Err(e) = self.cache.put(&key, &values, now) {
            tracing::warn!("cannot cache filter values: {e}");
        }
        Ok((values.accounts, values.tags))
    }

    /// Budgets and the CloudWatch billing estimate: free or nearly, so always fetched.
    /// A failure of one is reported without losing the other.
    pub async fn cheap(
        &mut self,
        today: NaiveDate,
        now: DateTime<Utc>,
        previous: &Cheap,
    ) -> (Cheap, Vec<FetchError>) {
        let mut out = previous.clone();
        let mut errors = Vec::new();
        match self.account(now).await {
            Ok(account) => {
                match budgets::fetch(&self.clients, &self.meter, &account, today, now).await {
                    Ok(b) => {
                        out.budgets = b;
                        out.budgets_at = Some(now);
                    }
                    Err(e) => errors.push(e),
                }
            }
            Err(e) => errors.push(e),
        }
        match cloudwatch::estimated_charges(&self.clients, &self.meter, now).await {
            Ok(e) => {
                out.estimated_charges = e;
                out.cloudwatch_at = Some(now);
            }
            Err(e) => errors.push(e),
        }
        (out, errors)
    }

    pub fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
}

/// Everything a snapshot is built from.
pub struct Parts<'a> {
    pub query: &'a Query,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    pub account_id: Option<String>,
    pub cube: &'a Cached<CostCube>,
    pub forecast: Option<ForecastRest>,
    pub cheap: &'a Cheap,
    pub picker: (BTreeMap<String, String>, BTreeMap<String, Vec<String>>),
    pub meter: &'a Meter,
    pub stale: bool,
}

pub fn assemble(p: Parts<'_>) -> Snapshot {
    // The forecast covers today onwards; add the final days of the month so far.
    let before_today = p.cube.value.total(&Window {
        start: first_of_month(p.today),
        end: p.today,
    });
    let forecast = p.forecast.map(|f| Forecast {
        month_end: before_today + f.mean,
        lower: f.lower.map(|l| before_today + l),
        upper: f.upper.map(|u| before_today + u),
    });
    let cube = &p.cube.value;
    let mut regions = cube.regions.clone();
    regions.sort();
    let mut services = cube.services.clone();
    services.sort();
    let (accounts, tags) = p.picker;
    Snapshot {
        source: SourceKind::Aws,
        generated_at: p.now,
        today: p.today,
        account_id: p.account_id,
        currency: "USD".into(),
        query: p.query.clone(),
        cube: p.cube.value.clone(),
        forecast,
        budgets: p.cheap.budgets.clone(),
        estimated_charges: p.cheap.estimated_charges.clone(),
        freshness: Freshness {
            cost_explorer: Some(p.cube.fetched_at),
            budgets: p.cheap.budgets_at,
            cloudwatch: p.cheap.cloudwatch_at,
        },
        api_calls: p.meter.today(p.now),
        filter_values: FilterValues {
            regions,
            services,
            accounts,
            tags,
        },
        stale: p.stale,
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
            cube: &cube,
            forecast: Some(ForecastRest {
                mean: m("100"),
                lower: Some(m("90")),
                upper: None,
            }),
            cheap: &Cheap::default(),
            picker: Default::default(),
            meter: &Meter::new(None, 1),
            stale: false,
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
