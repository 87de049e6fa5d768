//! The analysis sections beside the overview: where the money goes (tags, accounts), what
//! changed, credits and savings. Each is fetched only when someone wants it (a view opened,
//! `snapshot --include`, `collect`), so a snapshot carries `None` for a section nobody asked
//! for — "not fetched yet", never "empty".
//!
//! These are domain types: the JSON contract (`output::json`) and the views read them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::window::Window;

/// One analysis section: a view of the dashboard and a key of `snapshot --include`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Tags,
    Accounts,
    Changes,
    Credits,
    Savings,
}

impl Section {
    /// In view order (keys 2–6).
    pub const ALL: [Section; 5] = [
        Section::Tags,
        Section::Accounts,
        Section::Changes,
        Section::Credits,
        Section::Savings,
    ];

    /// The word used by `--include` and as the JSON key.
    pub fn name(self) -> &'static str {
        match self {
            Section::Tags => "tags",
            Section::Accounts => "accounts",
            Section::Changes => "changes",
            Section::Credits => "credits",
            Section::Savings => "savings",
        }
    }

    /// A comma-separated list as `--include` takes it (`tags,credits`); duplicates are kept
    /// once, in the order given.
    pub fn parse_list(text: &str) -> Result<Vec<Section>, UnknownSection> {
        let mut out = Vec::new();
        for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            let section = word.parse()?;
            if !out.contains(&section) {
                out.push(section);
            }
        }
        Ok(out)
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A section name `--include` does not know; the message lists the ones it does.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown section {0:?}: use tags, accounts, changes, credits or savings")]
pub struct UnknownSection(pub String);

impl FromStr for Section {
    type Err = UnknownSection;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Section::ALL
            .into_iter()
            .find(|section| section.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownSection(s.to_string()))
    }
}

/// The analysis sections of a snapshot, each `None` until fetched. They cover the snapshot's
/// window and filters (drivers and credits: whole calendar months, as AWS reports them).
#[derive(Default, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    pub tags: Option<TagsReport>,
    pub accounts: Option<AccountsReport>,
    pub changes: Option<ChangesReport>,
    pub credits: Option<CreditsReport>,
    pub savings: Option<SavingsReport>,
    /// Why a wanted section is missing, or shows its last good report: its last fetch failed
    /// (or it cannot be asked, e.g. no tag key). A view says this instead of "fetching…".
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub problems: BTreeMap<Section, String>,
}

impl Analysis {
    /// Whether `section` has been fetched for this snapshot.
    pub fn has(&self, section: Section) -> bool {
        match section {
            Section::Tags => self.tags.is_some(),
            Section::Accounts => self.accounts.is_some(),
            Section::Changes => self.changes.is_some(),
            Section::Credits => self.credits.is_some(),
            Section::Savings => self.savings.is_some(),
        }
    }

    /// Keeps only the sections in `wanted` (a snapshot says nothing about the others).
    pub fn retain(&mut self, wanted: &[Section]) {
        let keep = |s| wanted.contains(&s);
        if !keep(Section::Tags) {
            self.tags = None;
        }
        if !keep(Section::Accounts) {
            self.accounts = None;
        }
        if !keep(Section::Changes) {
            self.changes = None;
        }
        if !keep(Section::Credits) {
            self.credits = None;
        }
        if !keep(Section::Savings) {
            self.savings = None;
        }
        self.problems.retain(|s, _| keep(*s));
    }
}

/// A named amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCost {
    pub name: String,
    pub cost: Money,
}

/// One day of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCost {
    pub date: NaiveDate,
    pub cost: Money,
}

/// Cost allocation by one tag key over the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsReport {
    pub key: String,
    /// Every value with spend, the untagged `""` among them, by cost, largest first; they sum
    /// to the window's total.
    pub values: Vec<TagValueCost>,
    /// The compliance number: spend without the key.
    pub untagged: Untagged,
    /// The daily cost of the top values (largest first, at most [`TagsReport::TREND_VALUES`]),
    /// each with one entry per day of the window.
    pub trend: Vec<TagTrend>,
    /// The tag keys that exist (GetTags), for picking another key.
    pub keys: Vec<String>,
    /// Keys activated for cost allocation; `None` when AWS does not say (member accounts).
    pub active_keys: Option<Vec<String>>,
    /// Why something is missing, in a person's words.
    pub note: Option<String>,
}

impl TagsReport {
    /// How many values get a daily trend.
    pub const TREND_VALUES: usize = 5;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagValueCost {
    /// `""` for spend without the key.
    pub value: String,
    pub cost: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Untagged {
    pub cost: Money,
    /// Of the window's total; `None` when the total is zero.
    pub percent: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagTrend {
    pub value: String,
    pub daily: Vec<DayCost>,
}

/// Cost per linked account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountsReport {
    /// By window cost, largest first.
    pub accounts: Vec<AccountCost>,
    /// Why there is one row (standalone or member account), or why names are missing.
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCost {
    pub id: String,
    /// From Cost Explorer's account attributes or Organizations; `None` when neither said.
    pub name: Option<String>,
    /// Over the window.
    pub cost: Money,
    pub month_to_date: Money,
    pub previous_month_same_days: Money,
    /// The account's largest services over the window, largest first (at most
    /// [`AccountCost::TOP_SERVICES`]).
    pub top_services: Vec<NamedCost>,
}

impl AccountCost {
    pub const TOP_SERVICES: usize = 5;
}

/// What changed between the window and the period before it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesReport {
    /// Services, regions and accounts, by absolute delta, largest first.
    pub movers: Vec<Mover>,
    /// AWS's cost drivers between the last two complete months; `None` when not available
    /// (`note` says why).
    pub drivers: Option<Vec<Driver>>,
    /// The months the drivers compare: (baseline, comparison).
    pub drivers_months: Option<(Window, Window)>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MoverDimension {
    Service,
    Region,
    Account,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mover {
    pub dimension: MoverDimension,
    pub name: String,
    /// Over the window.
    pub cost: Money,
    /// Over the previous period of the same length.
    pub previous: Money,
    /// `cost - previous`.
    pub delta: Money,
}

/// One of AWS's cost drivers (GetCostComparisonDrivers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Driver {
    /// What the driver belongs to, e.g. `service: Amazon Relational Database Service`.
    pub selector: String,
    /// AWS's driver type (`USAGE_CHANGE`, `CREDIT`, `SAVINGS_PLAN_USAGE`, …): an open set.
    pub kind: String,
    pub name: String,
    pub baseline: Money,
    pub comparison: Money,
    pub difference: Money,
}

/// Gross spend, credits, refunds and net for this month and last, and the credit balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditsReport {
    pub this_month: RecordTotals,
    pub last_month: RecordTotals,
    /// Each credit's remaining amount; `None` when the Billing API did not answer (`note`).
    pub balances: Option<Vec<CreditBalance>>,
    /// When the credits still remaining run out at this month's average daily spend so far;
    /// `None` without balances, without spend, or with nothing remaining.
    pub runway_until: Option<NaiveDate>,
    pub note: Option<String>,
}

/// One month's spend by record type. Credits and refunds are negative, as Cost Explorer
/// reports them; `gross + credits + refunds = net`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordTotals {
    pub gross: Money,
    pub credits: Money,
    pub refunds: Money,
    pub net: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditBalance {
    pub description: String,
    pub remaining: Money,
    pub expires: Option<NaiveDate>,
    /// Nothing left — whatever status AWS still reports.
    pub exhausted: bool,
}

/// Cost Optimization Hub's recommendations, or why there are none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SavingsReport {
    Found {
        /// The sum of the items' monthly savings.
        total_monthly: Money,
        /// One per resource (its largest saving), largest first.
        items: Vec<Recommendation>,
        /// `BeforeDiscounts` or `AfterDiscounts`, when Cost Optimization Hub said.
        estimation_mode: Option<String>,
    },
    /// Not enrolled, not permitted…: why, and how to enable it.
    Unavailable { reason: String },
}

/// One recommendation, with what the detail view shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: String,
    /// `Rightsize`, `Stop`, `Delete`, `MigrateToGraviton`, `PurchaseSavingsPlans`, …
    pub action: String,
    pub resource_id: String,
    pub resource_arn: Option<String>,
    /// The current resource type (`Ec2Instance`, `EbsVolume`, …).
    pub resource_type: String,
    pub recommended_resource_type: Option<String>,
    pub region: String,
    pub account: String,
    pub monthly_savings: Money,
    pub monthly_cost: Option<Money>,
    pub savings_percent: Option<Decimal>,
    /// AWS's one-line descriptions of the resource now and after the change.
    pub current_summary: Option<String>,
    pub recommended_summary: Option<String>,
    pub implementation_effort: Option<String>,
    pub restart_needed: Option<bool>,
    pub rollback_possible: Option<bool>,
    /// `ComputeOptimizer` or `CostExplorer`.
    pub source: Option<String>,
    pub lookback_days: Option<i32>,
    pub refreshed_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn include_lists_parse_in_order_without_duplicates() {
        assert_eq!(
            Section::parse_list("credits, tags,credits"),
            Ok(vec![Section::Credits, Section::Tags])
        );
        assert_eq!(
            Section::parse_list("tags,bogus"),
            Err(UnknownSection("bogus".into()))
        );
        for section in Section::ALL {
            assert_eq!(section.name().parse(), Ok(section));
        }
    }

    #[test]
    fn retain_forgets_unwanted_sections() {
        let mut analysis = Analysis {
            savings: Some(SavingsReport::Unavailable {
                reason: "not enrolled".into(),
            }),
            ..Analysis::default()
        };
        assert!(analysis.has(Section::Savings));
        analysis.retain(&[Section::Tags]);
        assert_eq!(analysis, Analysis::default());
    }
}
