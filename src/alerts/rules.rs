//! Which alerts fire for a snapshot: pure, no I/O, no clock (the snapshot's `today` is the
//! day). Ids are stable: the same condition in the same period is the same id, whatever the
//! amounts do meanwhile, so the delivery state can say each one once.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use super::{Alert, AlertKind, AlertSeverity};
use crate::config::{AlertsConfig, RuleConfig};
use crate::model::money::money_whole;
use crate::model::window::first_of_month;
use crate::model::{
    Anomaly, AnomalyKind, AnomalySource, Budget, CostCube, FilterSet, Money, Query, Snapshot,
};

/// What a `[[alerts.rule]]` is judged on: the spend of its filter on the days it looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleFacts {
    pub rule: RuleConfig,
    /// Spend per day for yesterday and today (today is partial: already over is over).
    pub days: Vec<(NaiveDate, Money)>,
    pub month_to_date: Money,
}

impl RuleFacts {
    /// The facts of `rule` read from `cube`, which must already carry the rule's account and
    /// tag filters (Cost Explorer applied them); its region and service filters are applied
    /// here.
    pub fn from_cube(rule: &RuleConfig, cube: &CostCube, today: NaiveDate) -> RuleFacts {
        let filters = crate::model::FilterSet::new(rule.filter.iter().cloned());
        let selection = cube.select(&filters);
        let day = |d: NaiveDate| {
            let w = crate::model::Window {
                start: d,
                end: d + Duration::days(1),
            };
            (d, selection.total(&w))
        };
        RuleFacts {
            rule: rule.clone(),
            days: vec![day(today - Duration::days(1)), day(today)],
            month_to_date: selection.month_to_date(today).cost,
        }
    }
}

/// The query whose cube answers `rule`: `base`'s window, with the rule's account and tag
/// filters (what only Cost Explorer can apply; its region and service filters are cut from
/// that cube by [`RuleFacts::from_cube`]).
pub fn rule_query(rule: &RuleConfig, base: &Query) -> Query {
    let filters = FilterSet::new(rule.filter.iter().cloned());
    Query {
        window: base.window,
        filters: crate::source::aws::source::remote_filters(&filters),
    }
}

/// Every alert that fires for `snapshot`, given its anomalies and the user rules' facts,
/// most severe first.
pub fn evaluate(
    snapshot: &Snapshot,
    anomalies: &[Anomaly],
    facts: &[RuleFacts],
    config: &AlertsConfig,
) -> Vec<Alert> {
    let cur = snapshot.currency.as_str();
    let mut alerts = Vec::new();
    for budget in &snapshot.budgets {
        alerts.extend(budget_alerts(budget, snapshot.today, cur));
    }
    alerts.extend(anomaly_alerts(anomalies, config, cur));
    for f in facts {
        alerts.extend(rule_alerts(f, snapshot.today, cur));
    }
    alerts.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
    alerts
}

/// A budget's own notification thresholds, as AWS Budgets defines them: ACTUAL fires once
/// the actual spend reaches the threshold (once per budget period: the id carries the period),
/// FORECASTED once AWS's forecast does; and the month-end forecast over the limit, judged on
/// the budget's own forecast (ours covers the view, which may not be the budget's scope).
fn budget_alerts(b: &Budget, today: NaiveDate, cur: &str) -> Vec<Alert> {
    let period_start = b.period.map_or(first_of_month(today), |p| p.start);
    let name = crate::text::clean(&b.name).into_owned();
    let limit = money_whole(b.limit, cur);
    let mut out = Vec::new();
    for t in &b.thresholds {
        let (kind, value, word) = if t.kind.eq_ignore_ascii_case("FORECASTED") {
            (
                AlertKind::BudgetForecasted,
                b.forecasted,
                "forecast to reach",
            )
        } else {
            (AlertKind::BudgetActual, Some(b.actual), "reached")
        };
        let Some(value) = value else { continue };
        let Some(used) = value.percent_of(b.limit) else {
            continue;
        };
        if used < t.percent {
            continue;
        }
        let pct = t.percent.normalize();
        let severity = if kind == AlertKind::BudgetActual && t.percent >= Decimal::ONE_HUNDRED {
            AlertSeverity::Critical
        } else {
            AlertSeverity::Warning
        };
        let tag = if kind == AlertKind::BudgetActual {
            "actual"
        } else {
            "forecasted"
        };
        out.push(Alert {
            id: format!("budget-{tag}:{}:{pct}:{period_start}", b.name),
            kind,
            severity,
            title: format!("Budget {name}: {word} {pct}% of {limit}"),
            detail: format!(
                "{} {} of {limit} ({}%){}",
                if kind == AlertKind::BudgetActual {
                    "spent"
                } else {
                    "forecast"
                },
                money_whole(value, cur),
                used.round(),
                b.forecasted
                    .filter(|_| kind == AlertKind::BudgetActual)
                    .map(|f| format!(", forecast {}", money_whole(f, cur)))
                    .unwrap_or_default()
            ),
            since: period_start,
        });
    }
    if let Some(f) = b
        .forecasted
        .filter(|f| *f > b.limit && b.limit > Money::ZERO)
    {
        out.push(Alert {
            id: format!("forecast-over:{}:{period_start}", b.name),
            kind: AlertKind::ForecastOverBudget,
            severity: AlertSeverity::Warning,
            title: format!("Budget {name}: the period will end over its limit"),
            detail: format!(
                "forecast {} against a limit of {limit} (+{}); spent so far {}",
                money_whole(f, cur),
                money_whole(f - b.limit, cur),
                money_whole(b.actual, cur)
            ),
            since: period_start,
        });
    }
    out
}

/// Anomalies above the impact floor, each once. A finding on the total that a service's
/// finding on the same days explains, and an AWS finding that repeats a local one, are not
/// said twice.
fn anomaly_alerts(anomalies: &[Anomaly], config: &AlertsConfig, cur: &str) -> Vec<Alert> {
    let overlaps = |a: &Anomaly, b: &Anomaly| a.start <= b.end && b.start <= a.end;
    let mut out = Vec::new();
    for a in anomalies {
        if a.impact.amount().abs() < config.anomaly_min_impact.amount() {
            continue;
        }
        let explained_total = a.service.is_none()
            && anomalies
                .iter()
                .any(|s| s.service.is_some() && s.source == a.source && overlaps(a, s));
        let repeated_by_aws = a.source == AnomalySource::Aws
            && anomalies.iter().any(|l| {
                l.source == AnomalySource::Local && l.service == a.service && overlaps(a, l)
            });
        if explained_total || repeated_by_aws {
            continue;
        }
        let source = match a.source {
            AnomalySource::Local => "local",
            AnomalySource::Aws => AWS_SOURCE,
        };
        let what = a.service.as_deref().unwrap_or("total");
        let severity = match a.kind {
            AnomalyKind::Stopped => AlertSeverity::Info,
            _ => AlertSeverity::Warning,
        };
        let title = match a.kind {
            AnomalyKind::Spike => format!(
                "Unusual spend: {} {}",
                crate::text::clean(what),
                money_whole(a.impact, cur)
                    .strip_prefix('-')
                    .map_or_else(|| format!("+{}", money_whole(a.impact, cur)), str::to_owned)
            ),
            AnomalyKind::NewService => format!("New spend: {}", crate::text::clean(what)),
            AnomalyKind::Stopped => format!("Spend stopped: {}", crate::text::clean(what)),
        };
        out.push(Alert {
            id: format!(
                "anomaly:{source}:{what}:{}:{}",
                a.region.as_deref().unwrap_or("-"),
                a.start
            ),
            kind: AlertKind::Anomaly,
            severity,
            title,
            detail: crate::text::clean(&a.explain()).into_owned(),
            since: a.start,
        });
    }
    out
}

/// A user rule: a day's spend (yesterday's or today's so far) over `daily_over`, once per day;
/// month to date over `month_to_date_over`, once per month.
fn rule_alerts(f: &RuleFacts, today: NaiveDate, cur: &str) -> Vec<Alert> {
    let name = crate::text::clean(&f.rule.name).into_owned();
    let scope = if f.rule.filter.is_empty() {
        String::new()
    } else {
        let set = crate::model::FilterSet::new(f.rule.filter.iter().cloned());
        format!(" ({})", set.describe())
    };
    let mut out = Vec::new();
    if let Some(limit) = f.rule.daily_over {
        for (day, spend) in &f.days {
            if *spend > limit {
                let partial = if *day == today { " so far" } else { "" };
                out.push(Alert {
                    id: format!("rule:{}:{day}", f.rule.name),
                    kind: AlertKind::Rule,
                    severity: AlertSeverity::Warning,
                    title: format!(
                        "{name}: {} on {}{partial}",
                        money_whole(*spend, cur),
                        day.format("%b %d")
                    ),
                    detail: format!(
                        "daily spend{scope} {} is over {}",
                        money_whole(*spend, cur),
                        money_whole(limit, cur)
                    ),
                    since: *day,
                });
            }
        }
    }
    if let Some(limit) = f.rule.month_to_date_over
        && f.month_to_date > limit
    {
        let month = first_of_month(today);
        out.push(Alert {
            id: format!("rule:{}:{}-{:02}", f.rule.name, month.year(), month.month()),
            kind: AlertKind::Rule,
            severity: AlertSeverity::Warning,
            title: format!("{name}: {} this month", money_whole(f.month_to_date, cur)),
            detail: format!(
                "month-to-date spend{scope} {} is over {}",
                money_whole(f.month_to_date, cur),
                money_whole(limit, cur)
            ),
            since: month,
        });
    }
    out
}

/// How an AWS anomaly's alert id names its source (`anomaly:aws:…`).
const AWS_SOURCE: &str = "aws";

/// Whether `alert` is about one of AWS's own anomalies (not one awsdash found).
pub fn is_aws_anomaly(alert: &Alert) -> bool {
    alert.kind == AlertKind::Anomaly
        && alert
            .id
            .strip_prefix("anomaly:")
            .is_some_and(|rest| rest.starts_with(&format!("{AWS_SOURCE}:")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FilterSet, Query, Threshold, Window};
    use crate::source::demo::DemoSource;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }
    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    fn demo(today: &str) -> Snapshot {
        let today = d(today);
        let query = Query {
            window: Window::last_days(today, 30).expect("window"),
            filters: FilterSet::default(),
        };
        let now = format!("{today}T12:00:00Z").parse().expect("now");
        DemoSource {
            exclude_credits: false,
        }
        .snapshot(&query, today, now)
    }

    fn budget(actual: &str, forecasted: Option<&str>, thresholds: &[(&str, &str)]) -> Budget {
        Budget {
            name: "Monthly".into(),
            time_unit: "MONTHLY".into(),
            limit: m("1000"),
            actual: m(actual),
            forecasted: forecasted.map(m),
            thresholds: thresholds
                .iter()
                .map(|(kind, pct)| Threshold {
                    kind: kind.to_string(),
                    percent: pct.parse().expect("pct"),
                })
                .collect(),
            period: Some(Window::new(d("2026-11-01"), d("2026-12-01")).expect("w")),
        }
    }

    #[test]
    fn budget_thresholds_fire_as_aws_defines_them_with_ids_stable_in_the_period() {
        let b = budget(
            "820",
            Some("990"),
            &[("ACTUAL", "80"), ("FORECASTED", "100"), ("ACTUAL", "100")],
        );
        let alerts = budget_alerts(&b, d("2026-11-20"), "USD");
        let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["budget-actual:Monthly:80:2026-11-01"], "{alerts:?}");
        assert_eq!(alerts[0].title, "Budget Monthly: reached 80% of $1,000");
        assert_eq!(
            alerts[0].detail,
            "spent $820 of $1,000 (82%), forecast $990"
        );
        // More spend later in the same period: the same alert, not a new one.
        let later = budget_alerts(
            &budget("850", Some("995"), &[("ACTUAL", "80")]),
            d("2026-11-25"),
            "USD",
        );
        assert_eq!(later[0].id, alerts[0].id);
        // The forecast over the limit: a FORECASTED threshold and the over-limit warning.
        let over = budget_alerts(
            &budget("900", Some("1100"), &[("FORECASTED", "100")]),
            d("2026-11-25"),
            "USD",
        );
        let kinds: Vec<AlertKind> = over.iter().map(|a| a.kind).collect();
        assert_eq!(
            kinds,
            [AlertKind::BudgetForecasted, AlertKind::ForecastOverBudget]
        );
        assert!(
            over[1]
                .detail
                .contains("forecast $1,100 against a limit of $1,000 (+$100)"),
            "{}",
            over[1].detail
        );
        // 100 % actual is critical.
        let spent = budget_alerts(
            &budget("1000", None, &[("ACTUAL", "100")]),
            d("2026-11-25"),
            "USD",
        );
        assert_eq!(spent[0].severity, AlertSeverity::Critical);
    }

    #[test]
    fn user_rules_fire_once_per_day_or_month() {
        let rule = RuleConfig {
            name: "daily over 2k".into(),
            daily_over: Some(m("2000")),
            month_to_date_over: None,
            filter: Vec::new(),
        };
        let facts = RuleFacts {
            rule: rule.clone(),
            days: vec![(d("2026-11-24"), m("2100")), (d("2026-11-25"), m("900"))],
            month_to_date: m("40000"),
        };
        let alerts = rule_alerts(&facts, d("2026-11-25"), "USD");
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].id, "rule:daily over 2k:2026-11-24");
        assert_eq!(alerts[0].title, "daily over 2k: $2,100 on Nov 24");
        let mtd = RuleFacts {
            rule: RuleConfig {
                name: "mtd".into(),
                daily_over: None,
                month_to_date_over: Some(m("30000")),
                filter: vec!["tag:team=data".parse().expect("filter")],
            },
            ..facts
        };
        let alerts = rule_alerts(&mtd, d("2026-11-25"), "USD");
        assert_eq!(alerts[0].id, "rule:mtd:2026-11");
        assert!(
            alerts[0].detail.contains("(tag:team=data)"),
            "{}",
            alerts[0].detail
        );
    }

    #[test]
    fn rule_facts_apply_region_and_service_filters_on_the_cube() {
        let snapshot = demo("2026-11-25");
        let cube = snapshot.cube.as_ref().expect("cube");
        let rule = RuleConfig {
            name: "lambda".into(),
            daily_over: Some(m("1")),
            month_to_date_over: None,
            filter: vec!["service=AWS Lambda".parse().expect("filter")],
        };
        let facts = RuleFacts::from_cube(&rule, cube, snapshot.today);
        let lambda = cube
            .select(&FilterSet::new(rule.filter.clone()))
            .month_to_date(snapshot.today)
            .cost;
        assert_eq!(facts.month_to_date, lambda);
        assert!(facts.month_to_date < snapshot.month_to_date().expect("mtd").cost);
        assert_eq!(facts.days[1].0, snapshot.today);
    }

    fn anomaly(source: AnomalySource, service: Option<&str>, start: &str, impact: &str) -> Anomaly {
        Anomaly {
            source,
            kind: AnomalyKind::Spike,
            service: service.map(str::to_owned),
            region: None,
            start: d(start),
            end: d(start),
            actual: m("700"),
            expected: m("100"),
            impact: m(impact),
            score: Decimal::from(9),
        }
    }

    #[test]
    fn anomalies_above_the_floor_are_said_once() {
        let config = AlertsConfig::default();
        let found = [
            anomaly(
                AnomalySource::Local,
                Some("AWS Lambda"),
                "2026-11-21",
                "600",
            ),
            // The total on the same day: explained by Lambda.
            anomaly(AnomalySource::Local, None, "2026-11-21", "610"),
            // AWS saw the same: said by the local finding already.
            anomaly(AnomalySource::Aws, Some("AWS Lambda"), "2026-11-21", "590"),
            // Below the $50 floor.
            anomaly(AnomalySource::Local, Some("Amazon S3"), "2026-11-22", "20"),
            anomaly(AnomalySource::Aws, Some("Amazon EC2"), "2026-11-10", "300"),
        ];
        let alerts = anomaly_alerts(&found, &config, "USD");
        let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "anomaly:local:AWS Lambda:-:2026-11-21",
                "anomaly:aws:Amazon EC2:-:2026-11-10"
            ]
        );
        assert_eq!(alerts[0].title, "Unusual spend: AWS Lambda +$600");
    }

    #[test]
    fn the_demo_budgets_fire_what_their_numbers_say() {
        let snapshot = demo("2026-11-25");
        let alerts = evaluate(&snapshot, &[], &[], &AlertsConfig::default());
        let ids: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
        // Monthly AWS total: 79 % spent, its 80 % threshold not yet reached, its forecast
        // under the limit: nothing. Data team: 88 % spent (its 50 % threshold) and forecast
        // over its limit.
        assert_eq!(
            ids,
            [
                "budget-actual:Data team:50:2026-11-01",
                "forecast-over:Data team:2026-11-01"
            ]
        );
        // Stable across a re-evaluation.
        assert_eq!(
            alerts,
            evaluate(&snapshot, &[], &[], &AlertsConfig::default())
        );
    }
}
