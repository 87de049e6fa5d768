//! The immutable picture the poller hands to the UI and to `awsdash snapshot`.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::alert::Alert;
use super::anomaly::Anomaly;
use super::cube::{Breakdown, CostCube};
use super::filter::FilterSet;
use super::money::Money;
use super::window::{self, Window};

/// Where the numbers came from. Demo data is labelled everywhere it appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Aws,
    Demo,
}

/// Where the Cost Explorer numbers of a snapshot came from, so the screen and the JSON can say
/// whether this process paid for them or another one did (and who).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum DataOrigin {
    /// This process asked Cost Explorer for them.
    Fetched,
    /// This machine's disk cache.
    Cache,
    /// The team's shared store; `by` is the process that fetched them (host name and pid).
    Shared { by: String },
}

/// What a snapshot answers: a window and the filters on it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Query {
    pub window: Window,
    pub filters: FilterSet,
}

impl Query {
    /// The days a source must fetch so that the window, its previous period, month to date
    /// and the same days of last month can all be derived from one cube — never further back
    /// than Cost Explorer keeps daily data (a window at that edge then has no "change").
    pub fn fetch_range(&self, today: NaiveDate) -> Window {
        self.window
            .union(&self.window.previous())
            .union(&window::month_to_date(today))
            .union(&window::previous_month_same_days(today))
            .from_day(window::oldest_day(today))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// Month-to-date actual plus the forecast for the rest of the month.
    pub month_end: Money,
    pub lower: Option<Money>,
    pub upper: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Threshold {
    /// `ACTUAL` or `FORECASTED`, as AWS Budgets names it.
    pub kind: String,
    pub percent: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub name: String,
    pub time_unit: String,
    pub limit: Money,
    pub actual: Money,
    pub forecasted: Option<Money>,
    pub thresholds: Vec<Threshold>,
    /// The budget period we are in (for "how far through the period").
    pub period: Option<Window>,
}

/// CloudWatch's `EstimatedCharges`: the month-to-date bill, updated a few times a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EstimatedCharges {
    pub cost: Money,
    pub at: DateTime<Utc>,
}

/// When each source last delivered data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Freshness {
    pub cost_explorer: Option<DateTime<Utc>>,
    pub budgets: Option<DateTime<Utc>>,
    pub cloudwatch: Option<DateTime<Utc>>,
}

/// AWS requests made (today, UTC), per service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiCalls {
    pub cost_explorer: u64,
    pub budgets: u64,
    pub cloudwatch: u64,
    pub sts: u64,
}

impl ApiCalls {
    /// Cost Explorer bills $0.01 per request, every page counted.
    /// Exact for any count: a corrupt meter file must not print a negative spend.
    pub fn cost_explorer_usd(&self) -> Money {
        Money::new(Decimal::from_i128_with_scale(
            i128::from(self.cost_explorer),
            2,
        ))
    }
}

/// The values a person can filter by, as the source knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterValues {
    pub regions: Vec<String>,
    pub services: Vec<String>,
    /// Account id → name.
    pub accounts: BTreeMap<String, String>,
    /// Tag key → values.
    pub tags: BTreeMap<String, Vec<String>>,
}

/// What could not be fetched for a snapshot, per section, in a person's words — so that a
/// missing forecast or budget list reads as "failed: why", never as "none". Only the sections
/// that failed are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problems {
    /// STS: who the credentials are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The cost cube (GetCostAndUsage); with cached data shown, the snapshot is stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_explorer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub forecast: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budgets: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloudwatch: Option<String>,
}

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.sections().next().is_none()
    }

    /// `(section, what went wrong)` for each failed section, in a fixed order.
    pub fn sections(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("account", &self.account),
            ("cost_explorer", &self.cost_explorer),
            ("forecast", &self.forecast),
            ("budgets", &self.budgets),
            ("cloudwatch", &self.cloudwatch),
        ]
        .into_iter()
        .filter_map(|(name, p)| p.as_deref().map(|p| (name, p)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub source: SourceKind,
    pub generated_at: DateTime<Utc>,
    /// "Today" (UTC) as the snapshot saw it: month to date and forecasts are relative to it.
    pub today: NaiveDate,
    pub account_id: Option<String>,
    pub currency: String,
    pub query: Query,
    /// Daily cost by service and region over [`Query::fetch_range`], filters applied; `None`
    /// when Cost Explorer gave nothing yet (then `problems.cost_explorer` says why) — the free
    /// sources' answers are still worth showing.
    pub cube: Option<CostCube>,
    pub forecast: Option<Forecast>,
    pub budgets: Vec<Budget>,
    pub estimated_charges: Option<EstimatedCharges>,
    pub freshness: Freshness,
    /// Where the Cost Explorer numbers came from; `None` without them (and for demo data).
    #[serde(default)]
    pub origin: Option<DataOrigin>,
    /// Another process holds the shared store's lease and is refreshing the Cost Explorer
    /// numbers: its name. This process makes no paid call meanwhile.
    #[serde(default)]
    pub refreshing_by: Option<String>,
    pub api_calls: ApiCalls,
    pub filter_values: FilterValues,
    /// True when the Cost Explorer numbers are the last good ones, shown because a refresh
    /// failed or has not yet been confirmed.
    pub stale: bool,
    pub problems: Problems,
    /// Anomalies whose last day is in the window: found locally over the cube and, when
    /// asked, by AWS (each says which).
    pub anomalies: Vec<Anomaly>,
    /// What fires now, most severe first.
    pub alerts: Vec<Alert>,
    /// Why AWS's own anomalies are missing when they are ("not set up: …").
    pub aws_anomalies_note: Option<String>,
    /// Whether AWS Cost Anomaly Detection answered for this snapshot (with findings or
    /// none): only then does an AWS anomaly's absence mean it ended.
    #[serde(default)]
    pub aws_anomalies_read: bool,
    /// The analysis sections someone wanted (a view opened, `--include`); `None` each until
    /// fetched.
    #[serde(default)]
    pub analysis: crate::model::Analysis,
}

/// Month to date against the same days of the previous month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthToDate {
    pub cost: Money,
    pub previous_month_same_days: Money,
}

impl Snapshot {
    pub fn breakdown(&self) -> Option<Breakdown> {
        Some(self.cube.as_ref()?.breakdown(self.query.window))
    }

    pub fn month_to_date(&self) -> Option<MonthToDate> {
        Some(
            self.cube
                .as_ref()?
                .select(&FilterSet::default())
                .month_to_date(self.today),
        )
    }

    pub fn is_demo(&self) -> bool {
        self.source == SourceKind::Demo
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn fetch_range_covers_previous_period_and_both_months() {
        let today = d("2026-11-25");
        let q = Query {
            window: Window::last_days(today, 7).expect("w"),
            filters: FilterSet::default(),
        };
        let r = q.fetch_range(today);
        assert_eq!((r.start, r.end), (d("2026-10-01"), d("2026-11-26")));
        let q = Query {
            window: Window::last_days(today, 90).expect("w"),
            filters: FilterSet::default(),
        };
        assert_eq!(q.fetch_range(today).start, d("2026-05-30"));
    }

    #[test]
    fn api_spend_is_a_cent_per_cost_explorer_call() {
        let calls = ApiCalls {
            cost_explorer: 7,
            ..ApiCalls::default()
        };
        assert_eq!(calls.cost_explorer_usd().to_string(), "0.07");
    }
}
