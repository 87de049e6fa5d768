//! The organisation: cost per linked account over the window, month to date against the same
//! days of last month, and each account's largest services.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::model::analysis::{AccountCost, AccountsReport, NamedCost};
use crate::model::window::{month_to_date, previous_month_same_days};
use crate::model::{Grouped, Money, Window};

/// From an answer grouped by account (first key) and service (second): one row per account
/// with spend in any period asked about, by window cost, largest first. `names` (from
/// Organizations) wins over the names Cost Explorer gave with the groups.
pub fn report(
    grouped: &Grouped,
    window: &Window,
    today: NaiveDate,
    names: &BTreeMap<String, String>,
) -> AccountsReport {
    let mtd = month_to_date(today);
    let last = previous_month_same_days(today);
    let cost = grouped.by_group(window);
    let now = grouped.by_group(&mtd);
    let before = grouped.by_group(&last);
    let mut ids: Vec<&String> = cost.keys().chain(now.keys()).chain(before.keys()).collect();
    ids.sort();
    ids.dedup();
    let get = |m: &BTreeMap<String, Money>, id: &String| m.get(id).copied().unwrap_or_default();
    let mut accounts: Vec<AccountCost> = ids
        .into_iter()
        .map(|id| AccountCost {
            id: id.clone(),
            name: names.get(id).or_else(|| grouped.names.get(id)).cloned(),
            cost: get(&cost, id),
            month_to_date: get(&now, id),
            previous_month_same_days: get(&before, id),
            top_services: top_services(grouped, window, id),
        })
        .collect();
    accounts.sort_by_key(|a| (Reverse(a.cost), a.id.clone()));
    AccountsReport {
        accounts,
        note: None,
    }
}

fn top_services(grouped: &Grouped, window: &Window, id: &str) -> Vec<NamedCost> {
    let mut by_service: BTreeMap<&str, Money> = BTreeMap::new();
    for cell in grouped.within(window).filter(|c| c.group == id) {
        *by_service.entry(cell.sub.as_str()).or_default() += cell.cost;
    }
    let mut services: Vec<NamedCost> = by_service
        .into_iter()
        .map(|(name, cost)| NamedCost {
            name: name.to_string(),
            cost,
        })
        .collect();
    services.sort_by_key(|s| (Reverse(s.cost), s.name.clone()));
    services.truncate(AccountCost::TOP_SERVICES);
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn m(s: &str) -> Money {
        s.parse().expect("money")
    }

    #[test]
    fn month_to_date_compares_with_the_same_days_of_last_month() {
        let today = d("2026-03-03");
        let mut g = Grouped::new(Window {
            start: d("2026-02-01"),
            end: d("2026-03-04"),
        });
        g.names.insert("111".into(), "Prod (CE)".into());
        g.add(d("2026-02-02"), "111", "EC2", m("2.10"));
        g.add(d("2026-02-05"), "111", "EC2", m("50")); // after the same days
        g.add(d("2026-03-01"), "111", "EC2", m("1.01"));
        g.add(d("2026-03-03"), "111", "S3", m("0.02"));
        g.add(d("2026-03-02"), "222", "S3", m("7"));
        let window = month_to_date(today);
        let names = BTreeMap::from([("222".to_string(), "Staging".to_string())]);
        let r = report(&g, &window, today, &names);
        assert_eq!(r.accounts[0].id, "222");
        assert_eq!(r.accounts[0].name.as_deref(), Some("Staging"));
        let prod = &r.accounts[1];
        assert_eq!(prod.name.as_deref(), Some("Prod (CE)"));
        assert_eq!(prod.cost, m("1.03"));
        assert_eq!(prod.month_to_date, m("1.03"));
        assert_eq!(prod.previous_month_same_days, m("2.10"));
        assert_eq!(prod.top_services[0].name, "EC2");
    }
}
