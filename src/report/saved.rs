//! A saved `snapshot --json`, read back into a [`Snapshot`] so that `report --from FILE`
//! renders exactly what a live report of that moment would have — with no AWS at all.
//!
//! The JSON contract round-trips for what a report reads: its `cube` key carries every day
//! fetched by service and region, and `today` the day month-to-date is counted to. What the
//! contract leaves out (cache origins, filter pickers, budget periods, the analysis
//! sections' detail that no report shows) comes back empty.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::model::analysis::{
    AccountCost, AccountsReport, Analysis, ChangesReport, CreditBalance, CreditsReport, Driver,
    Mover, Recommendation, RecordTotals, SavingsReport, TagValueCost, TagsReport, Untagged,
};
use crate::model::{
    Alert, Anomaly, AnomalyKind, AnomalySource, ApiCalls, Budget, CostCube, CubeBuilder,
    EstimatedCharges, Filter, FilterSet, Forecast, Freshness, Money, Problems, Query, Snapshot,
    SourceKind, Threshold, Window,
};

/// Why a file is not a snapshot a report can be made from.
#[derive(Debug, thiserror::Error)]
pub enum SavedError {
    #[error("not a `snapshot --json` file: {0}")]
    Json(#[from] serde_json::Error),
    #[error("schema_version {0} is not one this awsdash reads (1)")]
    Version(u32),
    #[error(
        "the file has no `cube` key (written by an older awsdash): save it again with `awsdash snapshot --json`"
    )]
    NoCube,
    #[error("the window {0}..{1} is empty")]
    Window(NaiveDate, NaiveDate),
}

#[derive(Deserialize)]
struct Contract {
    schema_version: u32,
    source: SourceKind,
    generated_at: DateTime<Utc>,
    account_id: Option<String>,
    currency: String,
    window: WindowIn,
    filters: Vec<Filter>,
    forecast: Option<Forecast>,
    budgets: Vec<BudgetIn>,
    estimated_charges: Option<EstimatedCharges>,
    freshness: Freshness,
    api_calls: ApiCalls,
    stale: bool,
    errors: Problems,
    anomalies: Vec<AnomalyIn>,
    alerts: Vec<Alert>,
    today: Option<NaiveDate>,
    /// Absent (an older file) differs from `null` (no Cost Explorer data).
    #[serde(default, deserialize_with = "present")]
    cube: Option<Option<CubeIn>>,
    tags: Option<TagsIn>,
    accounts: Option<Vec<AccountIn>>,
    changes: Option<ChangesIn>,
    credits: Option<CreditsIn>,
    savings: Option<SavingsIn>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<CubeIn>>, D::Error> {
    Option::<CubeIn>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct WindowIn {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Deserialize)]
struct BudgetIn {
    name: String,
    time_unit: String,
    limit: Money,
    actual: Money,
    forecasted: Option<Money>,
    thresholds: Vec<ThresholdIn>,
}

#[derive(Deserialize)]
struct ThresholdIn {
    #[serde(rename = "type")]
    kind: String,
    #[serde(with = "rust_decimal::serde::str")]
    percent: Decimal,
}

#[derive(Deserialize)]
struct AnomalyIn {
    source: AnomalySource,
    kind: AnomalyKind,
    service: Option<String>,
    region: Option<String>,
    start: NaiveDate,
    end: NaiveDate,
    actual: Money,
    expected: Money,
    impact: Money,
    #[serde(with = "rust_decimal::serde::str")]
    score: Decimal,
}

#[derive(Deserialize)]
struct CubeIn {
    range: WindowIn,
    estimated_days: Vec<NaiveDate>,
    cells: Vec<CellIn>,
}

#[derive(Deserialize)]
struct CellIn {
    date: NaiveDate,
    service: String,
    region: String,
    cost: Money,
}

#[derive(Deserialize)]
struct TagsIn {
    key: String,
    values: Vec<TagValueCost>,
    untagged: UntaggedIn,
    active_keys: Option<Vec<String>>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct UntaggedIn {
    cost: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    percent: Option<Decimal>,
}

#[derive(Deserialize)]
struct AccountIn {
    id: String,
    name: Option<String>,
    cost: Money,
    month_to_date: Money,
    previous_month_same_days: Money,
}

#[derive(Deserialize)]
struct ChangesIn {
    movers: Vec<Mover>,
    drivers: Option<Vec<DriverIn>>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct DriverIn {
    selector: String,
    #[serde(rename = "type")]
    kind: String,
    name: String,
    baseline: Money,
    comparison: Money,
    difference: Money,
}

#[derive(Deserialize)]
struct CreditsIn {
    this_month: RecordTotals,
    last_month: RecordTotals,
    balances: Option<Vec<BalanceIn>>,
    runway_until: Option<NaiveDate>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct BalanceIn {
    description: String,
    remaining: Money,
    expires: Option<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum SavingsIn {
    Found {
        total_monthly: Money,
        items: Vec<ItemIn>,
    },
    Unavailable {
        unavailable: String,
    },
}

#[derive(Deserialize)]
struct ItemIn {
    action: String,
    resource_id: String,
    resource_type: String,
    region: String,
    account: String,
    monthly_savings: Money,
}

fn window(w: &WindowIn) -> Result<Window, SavedError> {
    Window::new(w.start, w.end).map_err(|_| SavedError::Window(w.start, w.end))
}

fn cube(c: &CubeIn) -> Result<CostCube, SavedError> {
    let mut b = CubeBuilder::new(window(&c.range)?);
    for cell in &c.cells {
        b.add(cell.date, &cell.service, &cell.region, cell.cost);
    }
    for day in &c.estimated_days {
        b.mark_estimated(*day);
    }
    Ok(b.build())
}

fn analysis(c: Contract) -> Analysis {
    Analysis {
        tags: c.tags.map(|t| TagsReport {
            key: t.key,
            values: t.values,
            untagged: Untagged {
                cost: t.untagged.cost,
                percent: t.untagged.percent,
            },
            trend: Vec::new(),
            keys: Vec::new(),
            active_keys: t.active_keys,
            note: t.note,
        }),
        accounts: c.accounts.map(|a| AccountsReport {
            accounts: a
                .into_iter()
                .map(|a| AccountCost {
                    id: a.id,
                    name: a.name,
                    cost: a.cost,
                    month_to_date: a.month_to_date,
                    previous_month_same_days: a.previous_month_same_days,
                    top_services: Vec::new(),
                })
                .collect(),
            note: None,
        }),
        changes: c.changes.map(|ch| ChangesReport {
            movers: ch.movers,
            drivers: ch.drivers.map(|d| {
                d.into_iter()
                    .map(|d| Driver {
                        selector: d.selector,
                        kind: d.kind,
                        name: d.name,
                        baseline: d.baseline,
                        comparison: d.comparison,
                        difference: d.difference,
                    })
                    .collect()
            }),
            drivers_months: None,
            note: ch.note,
        }),
        credits: c.credits.map(|cr| CreditsReport {
            this_month: cr.this_month,
            last_month: cr.last_month,
            balances: cr.balances.map(|b| {
                b.into_iter()
                    .map(|b| CreditBalance {
                        exhausted: b.remaining <= Money::ZERO,
                        description: b.description,
                        remaining: b.remaining,
                        expires: b.expires,
                    })
                    .collect()
            }),
            runway_until: cr.runway_until,
            note: cr.note,
        }),
        savings: c.savings.map(|s| match s {
            SavingsIn::Found {
                total_monthly,
                items,
            } => SavingsReport::Found {
                total_monthly,
                items: items.into_iter().map(recommendation).collect(),
                estimation_mode: None,
            },
            SavingsIn::Unavailable { unavailable } => SavingsReport::Unavailable {
                reason: unavailable,
            },
        }),
        problems: Default::default(),
    }
}

fn recommendation(i: ItemIn) -> Recommendation {
    Recommendation {
        id: i.resource_id.clone(),
        action: i.action,
        resource_id: i.resource_id,
        resource_arn: None,
        resource_type: i.resource_type,
        recommended_resource_type: None,
        region: i.region,
        account: i.account,
        monthly_savings: i.monthly_savings,
        monthly_cost: None,
        savings_percent: None,
        current_summary: None,
        recommended_summary: None,
        implementation_effort: None,
        restart_needed: None,
        rollback_possible: None,
        source: None,
        lookback_days: None,
        refreshed_at: None,
    }
}

/// The snapshot a `snapshot --json` output describes.
pub fn snapshot_from_json(text: &[u8]) -> Result<Snapshot, SavedError> {
    let c: Contract = serde_json::from_slice(text)?;
    if c.schema_version != crate::output::json::SCHEMA_VERSION {
        return Err(SavedError::Version(c.schema_version));
    }
    let cube = match &c.cube {
        None => return Err(SavedError::NoCube),
        Some(None) => None,
        Some(Some(saved)) => Some(cube(saved)?),
    };
    let query = Query {
        window: window(&c.window)?,
        filters: FilterSet::new(c.filters.iter().cloned()),
    };
    let budgets = c
        .budgets
        .iter()
        .map(|b| Budget {
            name: b.name.clone(),
            time_unit: b.time_unit.clone(),
            limit: b.limit,
            actual: b.actual,
            forecasted: b.forecasted,
            thresholds: b
                .thresholds
                .iter()
                .map(|t| Threshold {
                    kind: t.kind.clone(),
                    percent: t.percent,
                })
                .collect(),
            period: None,
        })
        .collect();
    let anomalies = c
        .anomalies
        .iter()
        .map(|a| Anomaly {
            source: a.source,
            kind: a.kind,
            service: a.service.clone(),
            region: a.region.clone(),
            start: a.start,
            end: a.end,
            actual: a.actual,
            expected: a.expected,
            impact: a.impact,
            score: a.score,
        })
        .collect();
    Ok(Snapshot {
        source: c.source,
        generated_at: c.generated_at,
        today: c.today.unwrap_or(c.generated_at.date_naive()),
        account_id: c.account_id.clone(),
        currency: c.currency.clone(),
        query,
        cube,
        forecast: c.forecast.clone(),
        budgets,
        estimated_charges: c.estimated_charges.clone(),
        freshness: c.freshness.clone(),
        origin: None,
        refreshing_by: None,
        api_calls: c.api_calls,
        filter_values: Default::default(),
        stale: c.stale,
        problems: c.errors.clone(),
        anomalies,
        alerts: c.alerts.clone(),
        aws_anomalies_note: None,
        aws_anomalies_read: false,
        analysis: analysis(c),
    })
}
