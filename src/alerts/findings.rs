//! What a snapshot says beyond its numbers: the anomalies in its window — found locally over
//! its cube, plus AWS's own — and the alerts that fire. Pure: the same snapshot, config and
//! AWS findings always give the same result, wherever it runs (dashboard, `snapshot`,
//! `alerts run`).

use crate::analysis::anomaly::{DetectOptions, detect};
use crate::config::{AlertsConfig, RuleConfig};
use crate::model::Snapshot;
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
