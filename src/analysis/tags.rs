//! Cost allocation by a tag key: spend per value, the untagged share (the compliance number)
//! and the daily trend of the largest values.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::model::analysis::{DayCost, TagTrend, TagValueCost, TagsReport, Untagged};
use crate::model::{Grouped, Money, Window};

/// The report for `key` over `window` from an answer grouped by that key (first key: the
/// value, `""` untagged). Values are sorted by cost, largest first, ties by value; they sum
/// to the window's total, of which the untagged share is a percentage.
pub fn report(key: &str, grouped: &Grouped, window: &Window) -> TagsReport {
    let by_value = grouped.by_group(window);
    let total: Money = by_value.values().sum();
    let mut values: Vec<TagValueCost> = by_value
        .iter()
        .map(|(value, cost)| TagValueCost {
            value: value.clone(),
            cost: *cost,
        })
        .collect();
    values.sort_by_key(|v| (Reverse(v.cost), v.value.clone()));
    let untagged_cost = by_value.get("").copied().unwrap_or_default();
    let trend = values
        .iter()
        .take(TagsReport::TREND_VALUES)
        .map(|v| TagTrend {
            value: v.value.clone(),
            daily: daily(grouped, window, &v.value),
        })
        .collect();
    TagsReport {
        key: key.to_string(),
        values,
        untagged: Untagged {
            cost: untagged_cost,
            percent: untagged_cost.percent_of(total).map(|p| p.round_dp(2)),
        },
        trend,
        keys: Vec::new(),
        active_keys: None,
        note: None,
    }
}

/// One entry per day of `window`, zero where `value` spent nothing.
fn daily(grouped: &Grouped, window: &Window, value: &str) -> Vec<DayCost> {
    let mut by_day: BTreeMap<_, Money> = window.iter_days().map(|d| (d, Money::ZERO)).collect();
    for cell in grouped.within(window).filter(|c| c.group == value) {
        *by_day.entry(cell.date).or_default() += cell.cost;
    }
    by_day
        .into_iter()
        .map(|(date, cost)| DayCost { date, cost })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn m(s: &str) -> Money {
        s.parse().expect("money")
    }

    #[test]
    fn untagged_share_is_exact_and_listed_among_the_values() {
        let window = Window {
            start: d("2026-02-27"),
            end: d("2026-03-02"),
        };
        let mut g = Grouped::new(window);
        g.add(d("2026-02-27"), "web", "", m("30.005"));
        g.add(d("2026-02-28"), "", "", m("10.00"));
        g.add(d("2026-03-01"), "data", "", m("59.995"));
        g.add(d("2026-03-02"), "data", "", m("999")); // outside the window
        let r = report("team", &g, &window);
        let values: Vec<(&str, String)> = r
            .values
            .iter()
            .map(|v| (v.value.as_str(), v.cost.to_string()))
            .collect();
        assert_eq!(
            values,
            [
                ("data", "59.995".into()),
                ("web", "30.005".into()),
                ("", "10".into())
            ]
        );
        assert_eq!(r.untagged.cost, m("10"));
        assert_eq!(r.untagged.percent, Some("10".parse().expect("pct")));
        assert_eq!(r.trend[0].daily.len(), 3);
        assert_eq!(r.trend[0].daily[2].cost, m("59.995"));
    }

    #[test]
    fn no_spend_has_no_percentage() {
        let window = Window {
            start: d("2026-02-27"),
            end: d("2026-03-02"),
        };
        let r = report("team", &Grouped::new(window), &window);
        assert_eq!(r.untagged.percent, None);
        assert!(r.values.is_empty());
    }
}
