//! Savings: Cost Optimization Hub may recommend several actions for one resource (rightsize
//! or stop, a Savings Plan or an RI); only one can be taken, so as the Hub itself de-duplicates,
//! each resource counts once, with its largest saving.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::model::Money;
use crate::model::analysis::{Recommendation, SavingsReport};

/// One recommendation per resource (account, region, resource id), its largest saving,
/// largest first; the total is their sum.
pub fn dedupe(
    recommendations: Vec<Recommendation>,
    estimation_mode: Option<String>,
) -> SavingsReport {
    let mut best: BTreeMap<(String, String, String), Recommendation> = BTreeMap::new();
    for r in recommendations {
        let key = (r.account.clone(), r.region.clone(), r.resource_id.clone());
        match best.get(&key) {
            Some(kept) if kept.monthly_savings >= r.monthly_savings => {}
            _ => {
                best.insert(key, r);
            }
        }
    }
    let mut items: Vec<Recommendation> = best.into_values().collect();
    items.sort_by_key(|r| {
        (
            Reverse(r.monthly_savings),
            r.resource_id.clone(),
            r.id.clone(),
        )
    });
    SavingsReport::Found {
        total_monthly: items.iter().map(|r| r.monthly_savings).sum::<Money>(),
        items,
        estimation_mode,
    }
}

#[cfg(test)]
pub(crate) fn sample(id: &str, resource: &str, action: &str, savings: &str) -> Recommendation {
    Recommendation {
        id: id.into(),
        action: action.into(),
        resource_id: resource.into(),
        resource_arn: None,
        resource_type: "Ec2Instance".into(),
        recommended_resource_type: None,
        region: "us-east-1".into(),
        account: "111111111111".into(),
        monthly_savings: savings.parse().expect("money"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_item_per_resource_with_its_largest_saving() {
        let report = dedupe(
            vec![
                sample("1", "i-a", "Rightsize", "12.50"),
                sample("2", "i-a", "Stop", "40.10"),
                sample("3", "vol-b", "Delete", "8.005"),
                sample("4", "i-c", "MigrateToGraviton", "20"),
            ],
            None,
        );
        let SavingsReport::Found {
            total_monthly,
            items,
            ..
        } = report
        else {
            panic!("found");
        };
        let got: Vec<&str> = items.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(got, ["2", "4", "3"]);
        assert_eq!(total_monthly.to_string(), "68.105");
    }
}
