//! Cost grouped by up to two keys, day by day or month by month: the shape of one Cost
//! Explorer `GetCostAndUsage` answer with `GroupBy` (a tag's values, accounts × services,
//! record types). The analyses sum it over whichever window they need, so one cached answer
//! serves the window, its previous period, month to date and last month alike.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::money::Money;
use super::window::Window;

/// One group's amount for one period (a day, or a month starting on `date`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCell {
    pub date: NaiveDate,
    /// The first `GroupBy` key's value (a tag value — `""` untagged —, an account, a record type).
    pub group: String,
    /// The second key's value, `""` without one.
    pub sub: String,
    pub cost: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grouped {
    /// The days asked about; a period without cells cost nothing.
    pub range: Window,
    pub cells: Vec<GroupCell>,
    /// Names Cost Explorer gave with the groups (an account id's name), by value.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
}

impl Grouped {
    pub fn new(range: Window) -> Self {
        Grouped {
            range,
            cells: Vec::new(),
            names: BTreeMap::new(),
        }
    }

    pub fn add(&mut self, date: NaiveDate, group: &str, sub: &str, cost: Money) {
        self.cells.push(GroupCell {
            date,
            group: group.to_string(),
            sub: sub.to_string(),
            cost,
        });
    }

    pub fn covers(&self, window: &Window) -> bool {
        self.range.start <= window.start && window.end <= self.range.end
    }

    /// The cells of periods starting inside `window`.
    pub fn within<'a>(&'a self, window: &'a Window) -> impl Iterator<Item = &'a GroupCell> {
        self.cells.iter().filter(|c| window.contains(c.date))
    }

    /// The total of each first key over `window`.
    pub fn by_group(&self, window: &Window) -> BTreeMap<String, Money> {
        let mut out: BTreeMap<String, Money> = BTreeMap::new();
        for cell in self.within(window) {
            *out.entry(cell.group.clone()).or_default() += cell.cost;
        }
        out
    }

    /// The total of each second key over `window`, across first keys.
    pub fn by_sub(&self, window: &Window) -> BTreeMap<String, Money> {
        let mut out: BTreeMap<String, Money> = BTreeMap::new();
        for cell in self.within(window) {
            *out.entry(cell.sub.clone()).or_default() += cell.cost;
        }
        out
    }

    pub fn total(&self, window: &Window) -> Money {
        self.within(window).map(|c| c.cost).sum()
    }
}
