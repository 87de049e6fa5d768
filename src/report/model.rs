//! The report model: everything a monthly cost summary says, computed once from a snapshot so
//! that every format shows the same numbers. Amounts stay exact ([`Money`]); renderers round
//! them to cents for people and keep them exact for machines.
//!
//! Sections that need data the snapshot does not carry (no Cost Explorer answer, an analysis
//! section nobody asked for) are `None`, never zero: a report must not say "no spend" when it
//! means "not known".

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use crate::config::Metric;
use crate::model::analysis::{MoverDimension, RecordTotals, SavingsReport};
use crate::model::{
    AlertKind, AlertSeverity, AnomalySource, Money, Row, Snapshot, SourceKind, Window, window,
};

/// The version of the report's JSON shape; it only grows within a version.
pub const SCHEMA_VERSION: u32 = 1;

/// What a report says that the snapshot does not, and how much it lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The Cost Explorer metric the snapshot's amounts are in (`[view] metric`).
    pub metric: Metric,
    /// Rows per ranked table (services, regions, tag values, savings); the rest is summed
    /// into one "other" line.
    pub top: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            metric: Metric::default(),
            top: 10,
        }
    }
}

/// A whole report. Serialised as is, it is `report --format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub about: About,
    /// Over the window, filters applied; `None` without Cost Explorer data.
    pub total: Option<Money>,
    /// The period of the same length just before the window, when the data reaches back.
    pub previous_period: Option<Money>,
    pub month_to_date: Option<MonthToDate>,
    /// The last complete calendar month, when the data covers it all.
    pub last_month: Option<Period>,
    pub forecast: Option<Forecast>,
    pub budgets: Vec<BudgetLine>,
    pub services: Option<Ranked>,
    pub regions: Option<Ranked>,
    /// One entry per day of the window.
    pub daily: Vec<DayLine>,
    /// Largest increases and decreases against the previous period.
    pub movers: Option<Movers>,
    pub anomalies: Vec<AnomalyLine>,
    pub alerts: Vec<AlertLine>,
    pub accounts: Option<Vec<AccountLine>>,
    pub tags: Option<TagLines>,
    pub savings: Option<Savings>,
    pub credits: Option<Credits>,
    /// What could not be fetched, per section, in a person's words.
    pub problems: BTreeMap<String, String>,
    /// Cost per day × service × region over the window (what the CSV lists); left out of the
    /// JSON, which stays a summary.
    #[serde(skip)]
    pub cells: Vec<Cell>,
}

/// What the report is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct About {
    pub source: SourceKind,
    /// True for the built-in demo account: every format says so.
    pub demo: bool,
    pub account_id: Option<String>,
    pub window: Window,
    pub filters: Vec<String>,
    /// The Cost Explorer metric, e.g. `UnblendedCost`.
    pub metric: String,
    pub currency: String,
    /// When the snapshot's data was assembled (the report is reproducible from it).
    pub generated_at: DateTime<Utc>,
    /// When Cost Explorer's numbers were fetched, if they were.
    pub data_as_of: Option<DateTime<Utc>>,
    /// Days of the window whose cost Cost Explorer still calls estimated.
    pub estimated_days: Vec<NaiveDate>,
    /// The Cost Explorer numbers are the last good ones, shown because a refresh failed.
    pub stale: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MonthToDate {
    pub cost: Money,
    pub previous_month_same_days: Money,
    pub change: Change,
}

/// A difference against a reference amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Change {
    pub delta: Money,
    /// Rounded to one decimal; `None` when the reference is zero.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub percent: Option<Decimal>,
}

impl Change {
    pub fn between(now: Money, before: Money) -> Change {
        Change {
            delta: now - before,
            percent: (now - before).percent_of(before).map(one_decimal),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub window: Window,
    pub cost: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Forecast {
    pub month_end: Money,
    pub lower: Option<Money>,
    pub upper: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    pub name: String,
    pub time_unit: String,
    pub limit: Money,
    pub actual: Money,
    /// The budget's own forecast, or for a monthly budget the month-end forecast.
    pub forecasted: Option<Money>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub actual_percent: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub forecasted_percent: Option<Decimal>,
    /// Actual or forecast above the limit.
    pub over: bool,
}

/// The top rows of a ranking and the rest summed into one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ranked {
    pub rows: Vec<Line>,
    pub other: Option<Other>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub name: String,
    pub cost: Money,
    /// Of the ranking's total; `None` when it is zero.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub share_percent: Option<Decimal>,
    /// Against the previous period, when the data reaches back.
    pub change: Option<Change>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Other {
    /// How many rows were summed.
    pub count: usize,
    pub cost: Money,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayLine {
    pub date: NaiveDate,
    pub cost: Money,
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movers {
    /// Largest increase first.
    pub increases: Vec<Mover>,
    /// Largest decrease first.
    pub decreases: Vec<Mover>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mover {
    pub dimension: MoverDimension,
    pub name: String,
    pub cost: Money,
    pub previous: Money,
    pub change: Change,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnomalyLine {
    pub source: AnomalySource,
    pub service: Option<String>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub impact: Money,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertLine {
    pub kind: AlertKind,
    pub severity: AlertSeverity,
    pub title: String,
    pub detail: String,
    pub since: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountLine {
    pub id: String,
    pub name: Option<String>,
    pub cost: Money,
    pub month_to_date: Money,
    pub previous_month_same_days: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TagLines {
    pub key: String,
    /// The untagged value is named `""`.
    pub values: Ranked,
    pub untagged: Money,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub untagged_percent: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Savings {
    Found {
        total_monthly: Money,
        /// The largest, at most [`Options::top`].
        items: Vec<SavingsItem>,
        /// How many more there are.
        more: usize,
    },
    Unavailable {
        reason: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavingsItem {
    pub action: String,
    pub resource_id: String,
    pub resource_type: String,
    pub region: String,
    pub monthly_savings: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Credits {
    /// Credits and refunds are negative, as AWS reports them.
    pub this_month: RecordTotals,
    pub last_month: RecordTotals,
    pub balances: Vec<CreditBalance>,
    pub runway_until: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CreditBalance {
    pub description: String,
    pub remaining: Money,
    pub expires: Option<NaiveDate>,
}

/// One day × service × region amount of the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub date: NaiveDate,
    pub service: String,
    pub region: String,
    pub cost: Money,
}

fn one_decimal(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
}

fn percent(part: Money, whole: Money) -> Option<Decimal> {
    part.percent_of(whole).map(one_decimal)
}

/// The first `top` rows by cost and the others summed.
fn ranked<'a>(
    rows: impl IntoIterator<Item = (&'a str, Money, Option<Money>)>,
    top: usize,
) -> Ranked {
    let rows: Vec<_> = rows.into_iter().collect();
    let whole: Money = rows.iter().map(|r| r.1).sum();
    let line = |(name, cost, previous): &(&str, Money, Option<Money>)| Line {
        name: name.to_string(),
        cost: *cost,
        share_percent: percent(*cost, whole),
        change: previous.map(|p| Change::between(*cost, p)),
    };
    // One "other" line for a single leftover row would hide a name to save nothing.
    let keep = if rows.len() <= top + 1 {
        rows.len()
    } else {
        top
    };
    let (shown, rest) = rows.split_at(keep);
    Ranked {
        rows: shown.iter().map(line).collect(),
        other: (!rest.is_empty()).then(|| Other {
            count: rest.len(),
            cost: rest.iter().map(|r| r.1).sum(),
        }),
    }
}

fn rows_ranked(rows: &[Row], top: usize) -> Ranked {
    ranked(
        rows.iter().map(|r| (r.name.as_str(), r.cost, r.previous)),
        top,
    )
}

/// The report of `snapshot`.
pub fn build(snapshot: &Snapshot, options: &Options) -> Report {
    let s = snapshot;
    let top = options.top.max(1);
    let breakdown = s.breakdown();
    let b = breakdown.as_ref();
    let daily: Vec<DayLine> = b.map_or_else(Vec::new, |b| {
        b.daily
            .iter()
            .map(|d| DayLine {
                date: d.date,
                cost: d.cost,
                estimated: d.estimated,
            })
            .collect()
    });
    let last_month = s.cube.as_ref().and_then(|cube| {
        let first = window::first_of_month(s.today);
        let w = Window::new(window::previous_month(s.today), first).ok()?;
        cube.covers(&w).then(|| Period {
            window: w,
            cost: cube.total(&w),
        })
    });
    let monthly_forecast = s.forecast.as_ref().map(|f| f.month_end);
    let budgets = s
        .budgets
        .iter()
        .map(|budget| {
            let forecasted = budget.forecasted.or_else(|| {
                (budget.time_unit == "MONTHLY")
                    .then_some(monthly_forecast)
                    .flatten()
            });
            BudgetLine {
                name: budget.name.clone(),
                time_unit: budget.time_unit.clone(),
                limit: budget.limit,
                actual: budget.actual,
                forecasted,
                actual_percent: percent(budget.actual, budget.limit),
                forecasted_percent: forecasted.and_then(|f| percent(f, budget.limit)),
                over: budget.actual > budget.limit || forecasted.is_some_and(|f| f > budget.limit),
            }
        })
        .collect();
    Report {
        schema_version: SCHEMA_VERSION,
        about: About {
            source: s.source,
            demo: s.is_demo(),
            account_id: s.account_id.clone(),
            window: s.query.window,
            filters: s.query.filters.to_strings(),
            metric: options.metric.name().to_string(),
            currency: s.currency.clone(),
            generated_at: s.generated_at,
            data_as_of: s.freshness.cost_explorer,
            estimated_days: daily
                .iter()
                .filter(|d| d.estimated)
                .map(|d| d.date)
                .collect(),
            stale: s.stale,
        },
        total: b.map(|b| b.total),
        previous_period: b.and_then(|b| b.previous_total),
        month_to_date: s.month_to_date().map(|m| MonthToDate {
            cost: m.cost,
            previous_month_same_days: m.previous_month_same_days,
            change: Change::between(m.cost, m.previous_month_same_days),
        }),
        last_month,
        forecast: s.forecast.as_ref().map(|f| Forecast {
            month_end: f.month_end,
            lower: f.lower,
            upper: f.upper,
        }),
        budgets,
        services: b.map(|b| rows_ranked(&b.services, top)),
        regions: b.map(|b| rows_ranked(&b.regions, top)),
        daily,
        movers: movers(s, b, top.min(5)),
        anomalies: s
            .anomalies
            .iter()
            .map(|a| AnomalyLine {
                source: a.source,
                service: a.service.clone(),
                start: a.start,
                end: a.end,
                impact: a.impact,
                explanation: a.explain(),
            })
            .collect(),
        alerts: s
            .alerts
            .iter()
            .map(|a| AlertLine {
                kind: a.kind,
                severity: a.severity,
                title: a.title.clone(),
                detail: a.detail.clone(),
                since: a.since,
            })
            .collect(),
        accounts: s.analysis.accounts.as_ref().map(|a| {
            a.accounts
                .iter()
                .map(|a| AccountLine {
                    id: a.id.clone(),
                    name: a.name.clone(),
                    cost: a.cost,
                    month_to_date: a.month_to_date,
                    previous_month_same_days: a.previous_month_same_days,
                })
                .collect()
        }),
        tags: s.analysis.tags.as_ref().map(|t| TagLines {
            key: t.key.clone(),
            values: ranked(
                t.values.iter().map(|v| (v.value.as_str(), v.cost, None)),
                top,
            ),
            untagged: t.untagged.cost,
            untagged_percent: t.untagged.percent.map(one_decimal),
        }),
        savings: s.analysis.savings.as_ref().map(|sv| savings(sv, top)),
        credits: s.analysis.credits.as_ref().map(|c| Credits {
            this_month: c.this_month,
            last_month: c.last_month,
            balances: c
                .balances
                .iter()
                .flatten()
                .map(|b| CreditBalance {
                    description: b.description.clone(),
                    remaining: b.remaining,
                    expires: b.expires,
                })
                .collect(),
            runway_until: c.runway_until,
        }),
        problems: problems(s),
        cells: cells(s),
    }
}

/// The analysis section's movers (services, regions and accounts) when the snapshot has it,
/// else the services' own change against the previous period.
fn movers(s: &Snapshot, b: Option<&crate::model::Breakdown>, top: usize) -> Option<Movers> {
    let all: Vec<Mover> = match &s.analysis.changes {
        Some(changes) => changes
            .movers
            .iter()
            .map(|m| Mover {
                dimension: m.dimension,
                name: m.name.clone(),
                cost: m.cost,
                previous: m.previous,
                change: Change::between(m.cost, m.previous),
            })
            .collect(),
        None => {
            let b = b?;
            b.previous_total?;
            b.services
                .iter()
                .filter_map(|r| {
                    let previous = r.previous?;
                    Some(Mover {
                        dimension: MoverDimension::Service,
                        name: r.name.clone(),
                        cost: r.cost,
                        previous,
                        change: Change::between(r.cost, previous),
                    })
                })
                .collect()
        }
    };
    let pick = |up: bool| {
        let mut side: Vec<Mover> = all
            .iter()
            .filter(|m| (m.change.delta > Money::ZERO) == up && !m.change.delta.is_zero())
            .cloned()
            .collect();
        side.sort_by(|a, b| {
            let key = |m: &Mover| m.change.delta.amount().abs();
            key(b).cmp(&key(a)).then_with(|| a.name.cmp(&b.name))
        });
        side.truncate(top);
        side
    };
    Some(Movers {
        increases: pick(true),
        decreases: pick(false),
    })
}

fn savings(s: &SavingsReport, top: usize) -> Savings {
    match s {
        SavingsReport::Found {
            total_monthly,
            items,
            ..
        } => Savings::Found {
            total_monthly: *total_monthly,
            items: items
                .iter()
                .take(top)
                .map(|r| SavingsItem {
                    action: r.action.clone(),
                    resource_id: r.resource_id.clone(),
                    resource_type: r.resource_type.clone(),
                    region: r.region.clone(),
                    monthly_savings: r.monthly_savings,
                })
                .collect(),
            more: items.len().saturating_sub(top),
        },
        SavingsReport::Unavailable { reason } => Savings::Unavailable {
            reason: reason.clone(),
        },
    }
}

fn problems(s: &Snapshot) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = s
        .problems
        .sections()
        .map(|(name, why)| (name.to_string(), why.to_string()))
        .collect();
    for (section, why) in &s.analysis.problems {
        out.insert(section.name().to_string(), why.clone());
    }
    out
}

/// The window's cells summed per day, service and region (a triple may arrive split over
/// pages), in date, service, region order, zero amounts left out.
fn cells(s: &Snapshot) -> Vec<Cell> {
    let Some(cube) = &s.cube else {
        return Vec::new();
    };
    let window = s.query.window;
    let mut sums: BTreeMap<(NaiveDate, &str, &str), Money> = BTreeMap::new();
    for c in &cube.cells {
        let date = cube.range.start + chrono::Duration::days(i64::from(c.day));
        if !window.contains(date) {
            continue;
        }
        let (Some(service), Some(region)) = (
            cube.services.get(c.service as usize),
            cube.regions.get(c.region as usize),
        ) else {
            continue;
        };
        let amount = Decimal::try_from_i128_with_scale(c.units, cube.scale).unwrap_or_default();
        *sums.entry((date, service, region)).or_default() += Money::new(amount);
    }
    sums.into_iter()
        .filter(|(_, cost)| !cost.is_zero())
        .map(|((date, service, region), cost)| Cell {
            date,
            service: service.to_string(),
            region: region.to_string(),
            cost,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AlertsConfig;
    use crate::model::{FilterSet, Preset, Query, Section};
    use crate::poller::Wants;
    use crate::source::demo::DemoSource;

    /// The demo account as it looked on 25 November 2026, every section fetched.
    fn snapshot() -> Snapshot {
        let now: DateTime<Utc> = "2026-11-25T16:40:00Z".parse().expect("time");
        let query = Query {
            window: Preset::Days30.window(now.date_naive()),
            filters: FilterSet::default(),
        };
        let wants = Wants::new(&["team".to_string()]).with(&Section::ALL);
        let demo = DemoSource {
            exclude_credits: false,
        };
        crate::poller::demo_snapshot(&demo, &query, &AlertsConfig::default(), &wants, now)
    }

    #[test]
    fn rankings_and_cells_sum_to_the_total_exactly() {
        let s = snapshot();
        let r = build(
            &s,
            &Options {
                top: 3,
                ..Options::default()
            },
        );
        let total = r.total.expect("a total");
        for ranked in [r.services.as_ref(), r.regions.as_ref()] {
            let ranked = ranked.expect("ranked");
            assert!(ranked.rows.len() <= 4);
            let sum: Money = ranked.rows.iter().map(|l| l.cost).sum::<Money>()
                + ranked.other.map_or(Money::ZERO, |o| o.cost);
            assert_eq!(sum, total);
        }
        assert_eq!(r.cells.iter().map(|c| c.cost).sum::<Money>(), total);
        assert_eq!(r.daily.iter().map(|d| d.cost).sum::<Money>(), total);
        assert!(r.about.demo);
        assert_eq!(r.about.metric, "UnblendedCost");
    }

    #[test]
    fn every_section_the_snapshot_has_is_in_the_report() {
        let r = build(&snapshot(), &Options::default());
        assert!(r.month_to_date.is_some());
        assert!(
            r.last_month.is_some(),
            "30 days plus the period before reach October 1"
        );
        assert!(r.accounts.is_some() && r.tags.is_some());
        assert!(r.savings.is_some() && r.credits.is_some());
        assert!(r.movers.is_some());
        let mut bare = snapshot();
        bare.analysis = crate::model::Analysis::default();
        let r = build(&bare, &Options::default());
        assert!(r.accounts.is_none() && r.tags.is_none() && r.credits.is_none());
    }

    #[test]
    fn one_leftover_row_is_shown_rather_than_summed() {
        let rows = [
            ("a", Money::new(3.into()), None),
            ("b", Money::new(2.into()), None),
        ];
        let r = ranked(rows, 1);
        assert_eq!((r.rows.len(), r.other), (2, None));
        let rows = [
            ("a", Money::new(3.into()), None),
            ("b", Money::new(2.into()), None),
            ("c", Money::new((-1).into()), None),
        ];
        let r = ranked(rows, 1);
        assert_eq!(
            r.other,
            Some(Other {
                count: 2,
                cost: Money::new(1.into())
            })
        );
    }
}
