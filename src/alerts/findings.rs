//! What a snapshot says beyond its numbers: the anomalies in its window — found locally over
//! its cube, plus AWS's own — and the alerts that fire. Pure: the same snapshot, config and
//! AWS findings always give the same result, wherever it runs (dashboard, `snapshot`,
//! `alerts run`).

use crate::analysis::anomaly::{DetectOptions, detect};
use crate::config::{AlertsConfig, RuleConfig};
use crate::model::{Alert, AlertKind, Snapshot};
use crate::source::aws::anomalies::AwsFindings;

use super::rules::{RuleFacts, evaluate};

/// Fills `snapshot`'s anomalies, alerts and AWS note; `facts` are the user rules' (see
/// [`facts_from_own_cube`] and [`RuleFacts::from_cube`]).
pub fn annotate(
    snapshot: &mut Snapshot,
    config: &AlertsConfig,
    aws: &AwsFindings,
    facts: &[RuleFacts],
) {
    let options = DetectOptions {
        min_impact: config.anomaly_min_impact,
        min_percent: config.anomaly_min_percent,
    };
    let mut anomalies = match &snapshot.cube {
        Some(cube) => detect(cube, snapshot.query.window, &options),
        None => Vec::new(),
    };
    let window = snapshot.query.window;
    anomalies.extend(
        aws.anomalies()
            .iter()
            .filter(|a| window.contains(a.end))
            .cloned(),
    );
    anomalies.sort_by_key(|a| std::cmp::Reverse(a.impact));
    snapshot.aws_anomalies_read = matches!(aws, AwsFindings::Found(_));
    snapshot.aws_anomalies_note = match aws {
        AwsFindings::NotSetUp(why) => Some(why.clone()),
        _ => None,
    };
    snapshot.alerts = evaluate(snapshot, &anomalies, facts, config);
    snapshot.anomalies = anomalies;
}

/// Whether `snapshot`'s own cube answers `rule`: it was fetched with exactly the rule's
/// account and tag filters, and has no region or service filter of its own (so it is whole).
pub fn own_cube_answers(snapshot: &Snapshot, rule: &RuleConfig) -> bool {
    let remote = crate::source::aws::source::remote_filters(&snapshot.query.filters);
    let set = crate::model::FilterSet::new(rule.filter.iter().cloned());
    snapshot.cube.is_some()
        && remote == snapshot.query.filters
        && crate::source::aws::source::remote_filters(&set) == remote
}

/// The facts of the rules `snapshot`'s own cube answers.
pub fn facts_from_own_cube(snapshot: &Snapshot, config: &AlertsConfig) -> Vec<RuleFacts> {
    let Some(cube) = &snapshot.cube else {
        return Vec::new();
    };
    config
        .rule
        .iter()
        .filter(|rule| own_cube_answers(snapshot, rule))
        .map(|rule| RuleFacts::from_cube(rule, cube, snapshot.today))
        .collect()
}

/// Whether `snapshot` could have raised `alert`: only then does its absence mean the
/// condition ended. Budgets that failed to load, no cube, a filtered view, a window without
/// the alert's first day, or AWS's findings not read say nothing about it — resolving it
/// there would announce it again as new the next time it is seen.
pub fn could_raise(snapshot: &Snapshot, alert: &Alert) -> bool {
    let has_cube = snapshot.cube.is_some() && snapshot.problems.cost_explorer.is_none();
    let whole = snapshot.query.filters.is_empty();
    let in_window = snapshot.query.window.contains(alert.since);
    match alert.kind {
        AlertKind::BudgetActual | AlertKind::BudgetForecasted | AlertKind::ForecastOverBudget => {
            snapshot.problems.budgets.is_none()
        }
        AlertKind::Anomaly if super::rules::is_aws_anomaly(alert) => {
            snapshot.aws_anomalies_read && in_window
        }
        AlertKind::Anomaly => has_cube && whole && in_window,
        AlertKind::Rule => has_cube,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AlertSeverity, FilterSet, Query, Window};
    use crate::source::demo::DemoSource;
    use chrono::NaiveDate;

    fn demo() -> Snapshot {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
        let query = Query {
            window: Window::last_days(today, 30).expect("window"),
            filters: FilterSet::default(),
        };
        let now = "2026-11-25T12:00:00Z".parse().expect("now");
        DemoSource {
            exclude_credits: false,
        }
        .snapshot(&query, today, now)
    }

    fn alert(kind: AlertKind, id: &str, since: &str) -> Alert {
        Alert {
            id: id.into(),
            kind,
            severity: AlertSeverity::Warning,
            title: String::new(),
            detail: String::new(),
            since: since.parse().expect("date"),
        }
    }

    #[test]
    fn only_a_snapshot_that_could_raise_an_alert_may_say_it_ended() {
        let budget = alert(
            AlertKind::BudgetActual,
            "budget-actual:M:80:2026-11-01",
            "2026-11-01",
        );
        let local = alert(
            AlertKind::Anomaly,
            "anomaly:local:AWS Lambda:-:2026-11-21",
            "2026-11-21",
        );
        let aws = alert(
            AlertKind::Anomaly,
            "anomaly:aws:AWS Lambda:-:2026-11-21",
            "2026-11-21",
        );
        let old = alert(
            AlertKind::Anomaly,
            "anomaly:local:EC2:-:2026-09-01",
            "2026-09-01",
        );
        let rule = alert(AlertKind::Rule, "rule:daily:2026-11-24", "2026-11-24");

        let whole = demo();
        assert!(could_raise(&whole, &budget) && could_raise(&whole, &local));
        assert!(could_raise(&whole, &rule));
        assert!(!could_raise(&whole, &old), "its day is outside the window");
        assert!(!could_raise(&whole, &aws), "AWS's findings were not read");
        let mut read = whole.clone();
        read.aws_anomalies_read = true;
        assert!(could_raise(&read, &aws));

        let mut failed = whole.clone();
        failed.problems.budgets = Some("AccessDenied".into());
        failed.problems.cost_explorer = Some("throttled".into());
        assert!(!could_raise(&failed, &budget));
        assert!(!could_raise(&failed, &local) && !could_raise(&failed, &rule));

        let mut filtered = whole;
        filtered.query.filters = FilterSet::new(["region=eu-west-1".parse().expect("filter")]);
        assert!(
            !could_raise(&filtered, &local),
            "a filtered view sees part of the account"
        );
        assert!(could_raise(&filtered, &budget));
    }
}
