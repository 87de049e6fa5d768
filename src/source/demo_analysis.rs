//! The demo account's analysis sections, from the same line items as its overview and
//! through the same pure analyses as AWS data — so tags, accounts and credits sum to the
//! demo's totals — plus a few made-up credit balances and savings recommendations. Every
//! value is deterministic for a given today.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

use super::demo::{ACCOUNTS, DemoSource, LineItem, line_items};
use crate::analysis;
use crate::model::analysis::{
    Analysis, ChangesReport, CreditsReport, Driver, Recommendation, Section,
};
use crate::model::filter::Attributes;
use crate::model::window::{complete_months, first_of_month};
use crate::model::{Breakdown, Grouped, Money, Query, Window};

impl DemoSource {
    /// The `wanted` sections for `query`, tags by `tag_key`; `breakdown` is the overview's
    /// (for service and region movers).
    pub fn analysis(
        &self,
        query: &Query,
        today: NaiveDate,
        wanted: &[Section],
        tag_key: &str,
        breakdown: Option<&Breakdown>,
    ) -> Analysis {
        let range = query.fetch_range(today);
        let items: Vec<LineItem> = line_items(today, range)
            .filter(|i| query.filters.matches(i) && !(self.exclude_credits && is_credit(i)))
            .collect();
        let window = query.window;
        let mut out = Analysis::default();
        for section in wanted {
            match section {
                Section::Tags => {
                    let grouped = group(range, &items, |i| (i.tag(tag_key), ""));
                    let mut report = analysis::tags::report(tag_key, &grouped, &window);
                    report.keys = vec!["env".into(), "project".into(), "team".into()];
                    report.active_keys = Some(vec!["project".into(), "team".into()]);
                    out.tags = Some(report);
                }
                Section::Accounts => {
                    out.accounts = Some(analysis::accounts::report(
                        &accounts(range, &items),
                        &window,
                        today,
                        &names(),
                    ))
                }
                Section::Changes => {
                    let movers = breakdown
                        .map(|b| analysis::movers::movers(b, Some(&accounts(range, &items))))
                        .unwrap_or_default();
                    let (baseline, comparison) = complete_months(today);
                    out.changes = Some(ChangesReport {
                        movers,
                        drivers: Some(self.drivers(query, today, baseline, comparison)),
                        drivers_months: Some((baseline, comparison)),
                        note: None,
                    });
                }
                Section::Credits => out.credits = Some(self.credits(query, today)),
                Section::Savings => {
                    out.savings = Some(analysis::savings::dedupe(
                        recommendations(),
                        Some("AfterDiscounts".into()),
                    ))
                }
            }
        }
        out
    }

    fn credits(&self, query: &Query, today: NaiveDate) -> CreditsReport {
        let (this, last) = analysis::credits::months(today);
        let range = last.union(&this);
        // Credits are the point of this section: shown even with `exclude_credits`.
        let items: Vec<LineItem> = line_items(today, range)
            .filter(|i| query.filters.matches(i))
            .collect();
        let mut monthly = Grouped::new(range);
        for item in &items {
            monthly.add(first_of_month(item.date), item.record_type, "", item.amount);
        }
        let this_month = analysis::credits::totals(&monthly, &this);
        let balances = vec![
            analysis::credits::balance(
                "AWS Activate Founders",
                "1843.27".parse().unwrap_or_default(),
                Some(first_of_month(today + Duration::days(240))),
            ),
            // AWS still reports it as enabled.
            analysis::credits::balance("AWS Free Tier", Money::ZERO, None),
        ];
        CreditsReport {
            runway_until: analysis::credits::runway(&balances, &this_month, today),
            this_month,
            last_month: analysis::credits::totals(&monthly, &last),
            balances: Some(balances),
            note: None,
        }
    }

    /// What AWS's drivers would say: each service's usage change between the two months
    /// (the five largest), and the change in credits.
    fn drivers(
        &self,
        query: &Query,
        today: NaiveDate,
        baseline: Window,
        comparison: Window,
    ) -> Vec<Driver> {
        let sum = |month: &Window, usage: bool| -> BTreeMap<&'static str, Money> {
            let mut out = BTreeMap::new();
            let matching = line_items(today, *month)
                .filter(|i| query.filters.matches(i) && (i.record_type == "Usage") == usage);
            for item in matching {
                *out.entry(item.service).or_insert(Money::ZERO) += item.amount;
            }
            out
        };
        let (before, after) = (sum(&baseline, true), sum(&comparison, true));
        let mut drivers: Vec<Driver> = after
            .iter()
            .map(|(service, now)| {
                let was = before.get(service).copied().unwrap_or_default();
                Driver {
                    selector: format!("service: {service}"),
                    kind: "USAGE_CHANGE".into(),
                    name: format!("{service} usage"),
                    baseline: was,
                    comparison: *now,
                    difference: *now - was,
                }
            })
            .collect();
        drivers.sort_by_key(|d| std::cmp::Reverse(d.difference.amount().abs()));
        drivers.truncate(5);
        let credit = |m: &Window| {
            sum(m, false)
                .get("Amazon Elastic Compute Cloud - Compute")
                .copied()
                .unwrap_or_default()
        };
        let (was, now) = (credit(&baseline), credit(&comparison));
        drivers.push(Driver {
            selector: "service: Amazon Elastic Compute Cloud - Compute".into(),
            kind: "CREDIT".into(),
            name: "Promotional credit".into(),
            baseline: was,
            comparison: now,
            difference: now - was,
        });
        drivers
    }
}

fn is_credit(item: &LineItem) -> bool {
    matches!(item.record_type, "Credit" | "Refund")
}

fn group(
    range: Window,
    items: &[LineItem],
    key: impl Fn(&LineItem) -> (Option<&str>, &str),
) -> Grouped {
    let mut grouped = Grouped::new(range);
    for item in items {
        let (group, sub) = key(item);
        grouped.add(item.date, group.unwrap_or(""), sub, item.amount);
    }
    grouped
}

fn accounts(range: Window, items: &[LineItem]) -> Grouped {
    let mut grouped = group(range, items, |i| (Some(i.account), i.service));
    grouped.names = names();
    grouped
}

fn names() -> BTreeMap<String, String> {
    ACCOUNTS
        .iter()
        .map(|(id, name)| ((*id).to_string(), (*name).to_string()))
        .collect()
}

/// Made-up recommendations, two of them for the same instance (only the larger counts).
fn recommendations() -> Vec<Recommendation> {
    let rec = |id: &str,
               action: &str,
               resource: &str,
               kind: &str,
               to: Option<&str>,
               region: &str,
               account: usize,
               savings: &str,
               cost: &str| Recommendation {
        id: id.into(),
        action: action.into(),
        resource_id: resource.into(),
        resource_arn: None,
        resource_type: kind.into(),
        recommended_resource_type: to.map(Into::into),
        region: region.into(),
        account: ACCOUNTS[account].0.into(),
        monthly_savings: savings.parse().unwrap_or_default(),
        monthly_cost: cost.parse().ok(),
        savings_percent: None,
        current_summary: None,
        recommended_summary: to.map(|t| format!("{kind} → {t}")),
        implementation_effort: Some("Low".into()),
        restart_needed: Some(action != "Delete"),
        rollback_possible: Some(action != "Delete"),
        source: Some("ComputeOptimizer".into()),
        lookback_days: Some(14),
        refreshed_at: None,
    };
    vec![
        rec(
            "demo-1",
            "Rightsize",
            "i-0a1b2c3d4e5f60718",
            "Ec2Instance",
            Some("m7g.large"),
            "us-east-1",
            0,
            "142.56",
            "285.12",
        ),
        rec(
            "demo-2",
            "Stop",
            "i-0a1b2c3d4e5f60718",
            "Ec2Instance",
            None,
            "us-east-1",
            0,
            "285.12",
            "285.12",
        ),
        rec(
            "demo-3",
            "Delete",
            "vol-0f9e8d7c6b5a43210",
            "EbsVolume",
            None,
            "eu-west-1",
            0,
            "38.40",
            "38.40",
        ),
        rec(
            "demo-4",
            "MigrateToGraviton",
            "prod-search-db",
            "RdsDbInstance",
            Some("db.r7g.xlarge"),
            "us-east-1",
            0,
            "96.36",
            "481.80",
        ),
        rec(
            "demo-5",
            "PurchaseSavingsPlans",
            "ComputeSavingsPlans",
            "ComputeSavingsPlans",
            None,
            "global",
            0,
            "512.00",
            "3904.00",
        ),
        rec(
            "demo-6",
            "Stop",
            "i-07766554433221100",
            "Ec2Instance",
            None,
            "us-west-2",
            1,
            "61.32",
            "61.32",
        ),
        rec(
            "demo-7",
            "Rightsize",
            "checkout-api",
            "LambdaFunction",
            None,
            "us-east-1",
            0,
            "4.18",
            "17.90",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FilterSet;
    use crate::model::analysis::{MoverDimension, SavingsReport};

    #[test]
    fn wanted_sections_sum_to_the_overview_total() {
        let today: NaiveDate = "2026-03-01".parse().expect("date");
        let query = Query {
            window: Window::last_days(today, 30).expect("window"),
            filters: FilterSet::default(),
        };
        let demo = DemoSource {
            exclude_credits: false,
        };
        let now = today.and_hms_opt(12, 0, 0).expect("time").and_utc();
        let snapshot = demo.snapshot(&query, today, now);
        let breakdown = snapshot.breakdown().expect("breakdown");
        let a = demo.analysis(&query, today, &Section::ALL, "team", Some(&breakdown));
        let tags = a.tags.expect("tags");
        assert_eq!(
            tags.values.iter().map(|v| v.cost).sum::<Money>(),
            breakdown.total
        );
        assert!(tags.values.iter().any(|v| v.value.is_empty()));
        let accounts = a.accounts.expect("accounts");
        assert_eq!(accounts.accounts.len(), 2);
        let by_accounts: Money = accounts.accounts.iter().map(|x| x.cost).sum();
        assert_eq!(by_accounts, breakdown.total);
        let changes = a.changes.expect("changes");
        assert!(
            changes
                .movers
                .iter()
                .any(|m| m.dimension == MoverDimension::Account)
        );
        let credits = a.credits.expect("credits");
        assert!(credits.this_month.credits.amount().is_sign_negative());
        assert!(credits.runway_until.is_some());
        let Some(SavingsReport::Found { items, .. }) = a.savings else {
            panic!("savings");
        };
        assert_eq!(
            items.len(),
            6,
            "two recommendations for one instance count once"
        );
        let only_tags = demo.analysis(&query, today, &[Section::Tags], "team", None);
        assert!(only_tags.tags.is_some() && only_tags.credits.is_none());
    }
}
