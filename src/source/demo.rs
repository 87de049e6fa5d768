//! The built-in demo account: a deterministic, realistic dataset generated relative to today
//! (UTC), so anyone can try awsdash without AWS. Every snapshot it makes says `source: demo`.
//!
//! The data is a set of "usage lines" (service × region × account × tags), each costing a base
//! amount per day shaped by weekly seasonality, slow growth and per-day noise — all in integer
//! arithmetic on exact decimals, so the same calendar day always costs the same. On top: one
//! spike (a runaway Lambda four days ago, ~$600), a promotional credit (negative amounts), monthly Tax
//! and Support charges on the 1st, the last two days marked estimated, two budgets and a
//! forecast. Filters and windows go through the same [`FilterSet`] and cube code as AWS data.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rust_decimal::Decimal;

use crate::model::filter::Attributes;
use crate::model::window::{self, Window};
use crate::model::{
    ApiCalls, Budget, CubeBuilder, Dimension, EstimatedCharges, Filter, FilterSet, FilterValues,
    Forecast, Freshness, Money, Problems, Query, Snapshot, SourceKind, Threshold,
};

/// How far back the demo history reaches (more than Cost Explorer's 13 months + this one).
pub const HISTORY_DAYS: i64 = 430;
/// The demo's spike happens this many days before today.
pub const SPIKE_DAYS_AGO: i64 = 4;

pub const ACCOUNTS: [(&str, &str); 2] =
    [("493817265012", "Production"), ("786154390127", "Staging")];

/// Where a service's spend lands.
#[derive(Clone, Copy)]
enum Footprint {
    /// The first N regions of [`REGIONS`].
    Regional(usize),
    /// Global services (CloudFront, Route 53, …) report the `global` region.
    Global,
    /// Monthly charges on the 1st without a region (Tax, Support).
    MonthlyNoRegion,
}

/// Real AWS service names as Cost Explorer spells them, with a base daily cost in cents.
const SERVICES: [(&str, i64, Footprint); 33] = [
    (
        "Amazon Elastic Compute Cloud - Compute",
        14_200,
        Footprint::Regional(5),
    ),
    (
        "Amazon Relational Database Service",
        6_100,
        Footprint::Regional(3),
    ),
    (
        "Amazon Simple Storage Service",
        2_950,
        Footprint::Regional(6),
    ),
    ("EC2 - Other", 2_400, Footprint::Regional(5)),
    (
        "Amazon Elastic Kubernetes Service",
        1_920,
        Footprint::Regional(2),
    ),
    ("Amazon ElastiCache", 1_480, Footprint::Regional(2)),
    ("Amazon CloudFront", 1_350, Footprint::Global),
    ("Amazon OpenSearch Service", 1_210, Footprint::Regional(1)),
    ("Amazon Redshift", 1_100, Footprint::Regional(1)),
    ("Amazon DynamoDB", 930, Footprint::Regional(4)),
    ("Elastic Load Balancing", 880, Footprint::Regional(5)),
    ("Amazon Virtual Private Cloud", 760, Footprint::Regional(6)),
    ("AWS Lambda", 540, Footprint::Regional(4)),
    (
        "Amazon Elastic Container Service",
        510,
        Footprint::Regional(3),
    ),
    ("Amazon CloudWatch", 470, Footprint::Regional(9)),
    ("Amazon Kinesis", 390, Footprint::Regional(2)),
    ("AWS Glue", 330, Footprint::Regional(1)),
    ("Amazon Athena", 240, Footprint::Regional(2)),
    ("AWS Backup", 210, Footprint::Regional(4)),
    ("Amazon API Gateway", 190, Footprint::Regional(3)),
    ("AWS Key Management Service", 120, Footprint::Regional(9)),
    (
        "Amazon EC2 Container Registry (ECR)",
        95,
        Footprint::Regional(3),
    ),
    ("AWS Config", 88, Footprint::Regional(8)),
    ("AWS WAF", 80, Footprint::Global),
    ("Amazon Route 53", 64, Footprint::Global),
    ("AWS Secrets Manager", 52, Footprint::Regional(4)),
    ("AWS Step Functions", 47, Footprint::Regional(2)),
    ("Amazon Simple Queue Service", 38, Footprint::Regional(4)),
    ("AWS CloudTrail", 31, Footprint::Regional(8)),
    (
        "Amazon Simple Notification Service",
        22,
        Footprint::Regional(3),
    ),
    ("AWS Cost Explorer", 9, Footprint::Global),
    ("AWS Support (Business)", 0, Footprint::MonthlyNoRegion),
    ("Tax", 0, Footprint::MonthlyNoRegion),
];

const REGIONS: [&str; 9] = [
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "ap-southeast-2",
    "eu-central-1",
    "us-east-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
];

/// Tag combinations resources carry; the empty one is untagged spend.
const TAG_SETS: [&[(&str, &str)]; 7] = [
    &[("team", "web"), ("project", "checkout"), ("env", "prod")],
    &[("team", "data"), ("project", "analytics"), ("env", "prod")],
    &[("team", "platform"), ("project", "infra"), ("env", "prod")],
    &[("team", "web"), ("project", "search"), ("env", "prod")],
    &[
        ("team", "data"),
        ("project", "analytics"),
        ("env", "staging"),
    ],
    &[("team", "web"), ("env", "staging")],
    &[],
];

/// One line of demo spend, the unit the generator and the emulator fixture share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineItem {
    pub date: NaiveDate,
    pub service: &'static str,
    pub region: &'static str,
    pub account: &'static str,
    pub record_type: &'static str,
    pub tags: &'static [(&'static str, &'static str)],
    pub amount: Money,
}

impl Attributes for LineItem {
    fn region(&self) -> &str {
        self.region
    }
    fn service(&self) -> &str {
        self.service
    }
    fn account(&self) -> &str {
        self.account
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

/// A recurring source of spend; amounts are per day in 1e-10 dollars before shaping.
#[derive(Debug, Clone)]
struct Line {
    id: u64,
    service: &'static str,
    region: &'static str,
    account: &'static str,
    tags: &'static [(&'static str, &'static str)],
    kind: LineKind,
    /// Base cost per day in cents (or per month for monthly lines).
    base_cents: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Daily,
    MonthlyFirst,
    Credit,
}

/// A small, good-enough mixer (splitmix64): deterministic noise without a dependency.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn lines() -> Vec<Line> {
    let mut out = Vec::new();
    let mut id = 0u64;
    let mut push = |service, region, account, tags, kind, base_cents| {
        id += 1;
        out.push(Line {
            id,
            service,
            region,
            account,
            tags,
            kind,
            base_cents,
        });
    };
    for (s, (service, base, footprint)) in SERVICES.iter().enumerate() {
        match footprint {
            Footprint::MonthlyNoRegion => {
                let monthly = if *service == "Tax" { 98_000 } else { 112_000 };
                push(
                    *service,
                    "NoRegion",
                    ACCOUNTS[0].0,
                    &[][..],
                    LineKind::MonthlyFirst,
                    monthly,
                );
            }
            Footprint::Global | Footprint::Regional(_) => {
                let regions: &[&'static str] = match footprint {
                    Footprint::Regional(n) => &REGIONS[..*n],
                    _ => &["global"],
                };
                for (r, region) in regions.iter().enumerate() {
                    // Earlier regions carry more; production carries ~3/4 of the spend.
                    let regional = base * 2 / (r as i64 + 2);
                    for (a, (account, _)) in ACCOUNTS.iter().enumerate() {
                        let share = if a == 0 {
                            regional * 3 / 4
                        } else {
                            regional / 4
                        };
                        let pick = mix((s as u64) << 16 | (r as u64) << 8 | a as u64);
                        let tags = if a == 1 {
                            TAG_SETS[4 + (pick % 3) as usize]
                        } else {
                            TAG_SETS[(pick % 5) as usize]
                        };
                        push(
                            *service,
                            *region,
                            *account,
                            tags,
                            LineKind::Daily,
                            share.max(1),
                        );
                    }
                }
            }
        }
    }
    push(
        "Amazon Elastic Compute Cloud - Compute",
        "us-east-1",
        ACCOUNTS[0].0,
        &[][..],
        LineKind::Credit,
        -4_500,
    );
    out
}

/// Weekly shape in percent: quieter weekends.
fn weekday_percent(day: NaiveDate) -> i64 {
    match day.weekday() {
        Weekday::Sat => 79,
        Weekday::Sun => 74,
        Weekday::Mon => 103,
        _ => 100,
    }
}

fn days_since_epoch(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// Growth is measured from a fixed date so that a calendar day's cost never depends on today.
fn growth_epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default()
}

/// The amount of `line` on `day`, or `None` when it charges nothing that day.
fn amount(line: &Line, day: NaiveDate, today: NaiveDate) -> Option<Money> {
    let n = days_since_epoch(day);
    let noise = mix(line.id << 32 ^ n as u64);
    let units = match line.kind {
        LineKind::MonthlyFirst => {
            if day.day() != 1 {
                return None;
            }
            // ±5 % month to month; in 1e-10 dollars.
            line.base_cents * 100_000_000 * (95 + (noise % 11) as i64) / 100
        }
        LineKind::Credit => {
            // A promotional credit applied over the first 20 days of each month.
            if day.day() > 20 {
                return None;
            }
            line.base_cents * 100_000_000
        }
        LineKind::Daily => {
            // 0.04 % growth a day, ±6 % noise, weekly shape, all in per-mille / percent.
            let growth = 800 + (day - growth_epoch()).num_days().clamp(0, 3_000) * 4 / 10;
            let jitter = 940 + (noise % 121) as i64;
            let mut units = line.base_cents * 100_000_000 / 1_000 * growth / 1_000
                * jitter
                * weekday_percent(day)
                / 100;
            if line.service == "AWS Lambda"
                && line.region == "us-east-1"
                && line.account == ACCOUNTS[0].0
                && day == today - Duration::days(SPIKE_DAYS_AGO)
            {
                units *= 150;
            }
            // Add sub-cent digits, as real line items have.
            units + (noise >> 20) as i64 % 10_000
        }
    };
    // Today is only partly billed so far.
    let units = if day == today { units * 9 / 20 } else { units };
    Some(Money::from_units(units, 10))
}

fn record_type(kind: LineKind, service: &str) -> &'static str {
    match (kind, service) {
        (LineKind::Credit, _) => "Credit",
        (_, "Tax") => "Tax",
        (_, s) if s.starts_with("AWS Support") => "Support fee",
        _ => "Usage",
    }
}

/// Every line item of the demo account on the days of `range` (clipped to its history).
pub fn line_items(today: NaiveDate, range: Window) -> impl Iterator<Item = LineItem> {
    let first = today - Duration::days(HISTORY_DAYS);
    let last = today + Duration::days(1);
    let days = Window {
        start: range.start.max(first),
        end: range.end.min(last),
    };
    let all = lines();
    days.iter_days()
        .filter(move |_| days.start < days.end)
        .flat_map(move |day| {
            all.clone().into_iter().filter_map(move |line| {
                amount(&line, day, today).map(|amount| LineItem {
                    date: day,
                    service: line.service,
                    region: line.region,
                    account: line.account,
                    record_type: record_type(line.kind, line.service),
                    tags: line.tags,
                    amount,
                })
            })
        })
}

/// Days on/after this one are marked estimated: the last two days.
pub fn estimated_from(today: NaiveDate) -> NaiveDate {
    today - Duration::days(1)
}

/// Builds demo snapshots. `exclude_credits` mirrors the `[view] exclude_credits` setting.
#[derive(Debug, Clone)]
pub struct DemoSource {
    pub exclude_credits: bool,
}

impl DemoSource {
    pub fn snapshot(&self, query: &Query, today: NaiveDate, now: DateTime<Utc>) -> Snapshot {
        let range = query.fetch_range(today);
        let mut cube = CubeBuilder::new(range);
        let keep = |item: &LineItem| {
            query.filters.matches(item) && !(self.exclude_credits && is_credit(item))
        };
        for item in line_items(today, range).filter(keep) {
            cube.add(item.date, item.service, item.region, item.amount);
        }
        for day in [estimated_from(today), today] {
            cube.mark_estimated(day);
        }
        Snapshot {
            source: SourceKind::Demo,
            generated_at: now,
            today,
            account_id: None,
            currency: "USD".into(),
            query: query.clone(),
            cube: Some(cube.build()),
            forecast: Some(self.forecast(&query.filters, today)),
            budgets: self.budgets(today),
            estimated_charges: Some(EstimatedCharges {
                cost: self.month_to_date(&FilterSet::default(), today, today),
                at: now,
            }),
            freshness: Freshness {
                cost_explorer: Some(now),
                budgets: Some(now),
                cloudwatch: Some(now),
            },
            origin: None,
            refreshing_by: None,
            api_calls: ApiCalls::default(),
            filter_values: filter_values(),
            stale: false,
            problems: Problems::default(),
            anomalies: Vec::new(),
            alerts: Vec::new(),
            aws_anomalies_note: None,
            aws_anomalies_read: false,
            analysis: Default::default(),
        }
    }

    /// Month-to-date spend up to and including `until`, with `filters`.
    fn month_to_date(&self, filters: &FilterSet, today: NaiveDate, until: NaiveDate) -> Money {
        let range = Window {
            start: window::first_of_month(today),
            end: until + Duration::days(1),
        };
        line_items(today, range)
            .filter(|i| filters.matches(i) && !(self.exclude_credits && is_credit(i)))
            .map(|i| i.amount)
            .sum()
    }

    /// Month-end forecast as Cost Explorer would give it: actual to yesterday plus the mean of
    /// the last seven final days for each remaining day, with a ±12 % interval.
    fn forecast(&self, filters: &FilterSet, today: NaiveDate) -> Forecast {
        // Final days only: today is partial, so the forecast covers it.
        let so_far = self.month_to_date(filters, today, today - Duration::days(1));
        let recent = Window {
            start: today - Duration::days(9),
            end: today - Duration::days(2),
        };
        let recent_total: Money = line_items(today, recent)
            .filter(|i| filters.matches(i) && i.record_type == "Usage")
            .map(|i| i.amount)
            .sum();
        let remaining_days = (window::next_month(today) - today).num_days();
        let rest =
            Money::new(recent_total.amount() / Decimal::from(7) * Decimal::from(remaining_days));
        let spread = Money::new(rest.amount() * Decimal::new(12, 2));
        Forecast {
            month_end: so_far + rest,
            lower: Some(so_far + rest - spread),
            upper: Some(so_far + rest + spread),
        }
    }

    /// The demo account's budgets on `today`: what every demo snapshot shows, and what a
    /// simulated edit starts from.
    pub fn budgets(&self, today: NaiveDate) -> Vec<Budget> {
        let period = Window {
            start: window::first_of_month(today),
            end: window::next_month(today),
        };
        let budget = |name: &str, filters: FilterSet, limit: i64, thresholds: &[(&str, i64)]| {
            let actual = self.month_to_date(&filters, today, today);
            Budget {
                name: name.into(),
                time_unit: "MONTHLY".into(),
                limit: Money::from_units(limit, 0),
                actual,
                forecasted: Some(self.forecast(&filters, today).month_end),
                thresholds: thresholds
                    .iter()
                    .map(|(kind, pct)| Threshold {
                        kind: (*kind).into(),
                        percent: Decimal::from(*pct),
                    })
                    .collect(),
                period: Some(period),
            }
        };
        vec![
            budget(
                "Monthly AWS total",
                FilterSet::default(),
                32_000,
                &[("ACTUAL", 80), ("FORECASTED", 100)],
            ),
            budget(
                "Data team",
                FilterSet::new([Filter::new(Dimension::Tag("team".into()), "data")]),
                7_500,
                &[("ACTUAL", 50), ("ACTUAL", 90)],
            ),
        ]
    }
}

fn is_credit(item: &LineItem) -> bool {
    matches!(item.record_type, "Credit" | "Refund")
}

/// What the filter picker offers for the demo account.
pub fn filter_values() -> FilterValues {
    let all = lines();
    let mut regions: Vec<String> = all.iter().map(|l| l.region.to_string()).collect();
    regions.sort();
    regions.dedup();
    let mut services: Vec<String> = all.iter().map(|l| l.service.to_string()).collect();
    services.sort();
    services.dedup();
    let mut tags: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in &all {
        for (k, v) in line.tags {
            tags.entry((*k).to_string())
                .or_default()
                .push((*v).to_string());
        }
    }
    for values in tags.values_mut() {
        values.sort();
        values.dedup();
    }
    FilterValues {
        regions,
        services,
        accounts: ACCOUNTS
            .iter()
            .map(|(id, name)| ((*id).to_string(), (*name).to_string()))
            .collect(),
        tags,
    }
}
