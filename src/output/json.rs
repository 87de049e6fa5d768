//! The stable JSON contract (schema_version 1), documented in the README. These structs are
//! the contract: the domain types may change, this shape may only grow.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{
    AlertKind, AlertSeverity, AnomalyKind, AnomalySource, Breakdown, CostCube, DataOrigin, Money,
    Problems, Row, Snapshot, SourceKind,
};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Contract<'a> {
    schema_version: u32,
    source: SourceKind,
    generated_at: DateTime<Utc>,
    account_id: Option<&'a str>,
    currency: &'a str,
    window: WindowOut,
    filters: Vec<String>,
    /// `null` only when Cost Explorer gave nothing (`errors.cost_explorer` says why).
    total: Option<Money>,
    month_to_date: Option<MonthToDateOut>,
    forecast: Option<ForecastOut>,
    services: Vec<Named<'a>>,
    regions: Vec<Named<'a>>,
    daily: Vec<DayOut>,
    budgets: Vec<BudgetOut<'a>>,
    estimated_charges: Option<EstimatedOut>,
    freshness: FreshnessOut,
    /// Where the Cost Explorer numbers came from; `null` for demo data.
    origin: Option<OriginOut<'a>>,
    api_calls: ApiCallsOut,
    stale: bool,
    /// What failed, per section; `{}` when everything answered.
    errors: &'a Problems,
    anomalies: Vec<AnomalyOut<'a>>,
    alerts: Vec<AlertOut<'a>>,
    /// "Today" (UTC) as the snapshot saw it: month to date and the forecast are relative to it.
    today: NaiveDate,
    /// Every day fetched (the window, the period before it, this and last month) by service
    /// and region: what `report --from` rebuilds the numbers from. `null` without Cost
    /// Explorer data.
    cube: Option<CubeOut<'a>>,
}

#[derive(Serialize)]
struct CubeOut<'a> {
    range: WindowOut,
    estimated_days: Vec<NaiveDate>,
    /// Summed per (date, service, region), in that order; zero amounts left out.
    cells: Vec<CellOut<'a>>,
}

#[derive(Serialize)]
struct CellOut<'a> {
    date: NaiveDate,
    service: &'a str,
    region: &'a str,
    cost: Money,
}

fn cube_out(cube: &CostCube) -> CubeOut<'_> {
    let mut sums: BTreeMap<(NaiveDate, &str, &str), Money> = BTreeMap::new();
    for (date, service, region, cost) in cube.amounts() {
        *sums.entry((date, service, region)).or_default() += cost;
    }
    CubeOut {
        range: WindowOut {
            start: cube.range.start,
            end: cube.range.end,
        },
        estimated_days: cube
            .range
            .iter_days()
            .zip(&cube.estimated)
            .filter(|(_, e)| **e)
            .map(|(d, _)| d)
            .collect(),
        cells: sums
            .into_iter()
            .filter(|(_, cost)| !cost.is_zero())
            .map(|((date, service, region), cost)| CellOut {
                date,
                service,
                region,
                cost,
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct AnomalyOut<'a> {
    source: AnomalySource,
    kind: AnomalyKind,
    service: Option<&'a str>,
    region: Option<&'a str>,
    start: NaiveDate,
    end: NaiveDate,
    actual: Money,
    expected: Money,
    impact: Money,
    #[serde(with = "rust_decimal::serde::str")]
    score: Decimal,
    explanation: String,
}

#[derive(Serialize)]
struct AlertOut<'a> {
    id: &'a str,
    kind: AlertKind,
    severity: AlertSeverity,
    title: &'a str,
    detail: &'a str,
    since: NaiveDate,
}

#[derive(Serialize)]
struct WindowOut {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Serialize)]
struct MonthToDateOut {
    cost: Money,
    previous_month_same_days: Money,
}

#[derive(Serialize)]
struct ForecastOut {
    month_end: Money,
    lower: Option<Money>,
    upper: Option<Money>,
}

#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    cost: Money,
}

#[derive(Serialize)]
struct DayOut {
    date: NaiveDate,
    cost: Money,
    estimated: bool,
}

#[derive(Serialize)]
struct BudgetOut<'a> {
    name: &'a str,
    time_unit: &'a str,
    limit: Money,
    actual: Money,
    forecasted: Option<Money>,
    thresholds: Vec<ThresholdOut<'a>>,
}

#[derive(Serialize)]
struct ThresholdOut<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(with = "rust_decimal::serde::str")]
    percent: Decimal,
}

#[derive(Serialize)]
struct EstimatedOut {
    cost: Money,
    at: DateTime<Utc>,
}

#[derive(Serialize)]
struct FreshnessOut {
    cost_explorer: Option<DateTime<Utc>>,
    budgets: Option<DateTime<Utc>>,
    cloudwatch: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct OriginOut<'a> {
    /// `fetched` (by this process), `cache` (this machine's disk cache), `shared` (the team's
    /// DynamoDB table), or `null` when there are no Cost Explorer numbers yet.
    cost_explorer: Option<&'static str>,
    /// Who fetched shared numbers (host name:pid); `null` otherwise.
    fetched_by: Option<&'a str>,
    /// Who is refreshing them in the shared table right now, while this process waits.
    refreshing_by: Option<&'a str>,
}

#[derive(Serialize)]
struct ApiCallsOut {
    cost_explorer: u64,
    budgets: u64,
    cloudwatch: u64,
    sts: u64,
    cost_explorer_usd: Money,
}

/// The contract as a JSON value (what tests and `render` share).
pub fn to_value(s: &Snapshot) -> serde_json::Value {
    let b = s.breakdown();
    contract(s, b.as_ref())
}

fn contract<'a>(s: &'a Snapshot, b: Option<&'a Breakdown>) -> serde_json::Value {
    let mtd = s.month_to_date();
    let named = |rows: &'a [Row]| -> Vec<Named<'a>> {
        rows.iter()
            .map(|r| Named {
                name: &r.name,
                cost: r.cost,
            })
            .collect()
    };
    let contract = Contract {
        schema_version: SCHEMA_VERSION,
        source: s.source,
        generated_at: s.generated_at,
        account_id: s.account_id.as_deref(),
        currency: &s.currency,
        window: WindowOut {
            start: s.query.window.start,
            end: s.query.window.end,
        },
        filters: s.query.filters.to_strings(),
        total: b.map(|b| b.total),
        month_to_date: mtd.map(|mtd| MonthToDateOut {
            cost: mtd.cost,
            previous_month_same_days: mtd.previous_month_same_days,
        }),
        forecast: s.forecast.as_ref().map(|f| ForecastOut {
            month_end: f.month_end,
            lower: f.lower,
            upper: f.upper,
        }),
        services: b.map_or_else(Vec::new, |b| named(&b.services)),
        regions: b.map_or_else(Vec::new, |b| named(&b.regions)),
        daily: b.map_or_else(Vec::new, |b| {
            b.daily
                .iter()
                .map(|d| DayOut {
                    date: d.date,
                    cost: d.cost,
                    estimated: d.estimated,
                })
                .collect()
        }),
        budgets: s
            .budgets
            .iter()
            .map(|b| BudgetOut {
                name: &b.name,
                time_unit: &b.time_unit,
                limit: b.limit,
                actual: b.actual,
                forecasted: b.forecasted,
                thresholds: b
                    .thresholds
                    .iter()
                    .map(|t| ThresholdOut {
                        kind: &t.kind,
                        percent: t.percent,
                    })
                    .collect(),
            })
            .collect(),
        estimated_charges: s.estimated_charges.as_ref().map(|e| EstimatedOut {
            cost: e.cost,
            at: e.at,
        }),
        freshness: FreshnessOut {
            cost_explorer: s.freshness.cost_explorer,
            budgets: s.freshness.budgets,
            cloudwatch: s.freshness.cloudwatch,
        },
        origin: (!s.is_demo()).then(|| OriginOut {
            cost_explorer: s.origin.as_ref().map(|o| match o {
                DataOrigin::Fetched => "fetched",
                DataOrigin::Cache => "cache",
                DataOrigin::Shared { .. } => "shared",
            }),
            fetched_by: match &s.origin {
                Some(DataOrigin::Shared { by }) => Some(by.as_str()),
                _ => None,
            },
            refreshing_by: s.refreshing_by.as_deref(),
        }),
        api_calls: ApiCallsOut {
            cost_explorer: s.api_calls.cost_explorer,
            budgets: s.api_calls.budgets,
            cloudwatch: s.api_calls.cloudwatch,
            sts: s.api_calls.sts,
            cost_explorer_usd: s.api_calls.cost_explorer_usd(),
        },
        stale: s.stale,
        errors: &s.problems,
        anomalies: s
            .anomalies
            .iter()
            .map(|a| AnomalyOut {
                source: a.source,
                kind: a.kind,
                service: a.service.as_deref(),
                region: a.region.as_deref(),
                start: a.start,
                end: a.end,
                actual: a.actual,
                expected: a.expected,
                impact: a.impact,
                score: a.score,
                explanation: a.explain(),
            })
            .collect(),
        alerts: s
            .alerts
            .iter()
            .map(|a| AlertOut {
                id: &a.id,
                kind: a.kind,
                severity: a.severity,
                title: &a.title,
                detail: &a.detail,
                since: a.since,
            })
            .collect(),
        today: s.today,
        cube: s.cube.as_ref().map(cube_out),
    };
    // Plain structs of strings, numbers and options: serialising them cannot fail.
    let mut value = serde_json::to_value(contract).expect("the JSON contract serialises");
    if let serde_json::Value::Object(map) = &mut value {
        super::analysis_json::add(map, &s.analysis);
    }
    value
}

pub fn render(s: &Snapshot) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(s)).expect("a JSON value prints");
    text.push('\n');
    text
}
