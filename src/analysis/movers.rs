//! Top movers: what grew or shrank between the window and the previous period of the same
//! length, by service, region and account — from data already cached, so free.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::analysis::{Mover, MoverDimension};
use crate::model::{Breakdown, Grouped, Money, Window};

/// Movers of one dimension from its totals over the window and over the previous period;
/// a name present in only one of them moved from or to zero. Names that did not move are
/// left out.
pub fn compare(
    dimension: MoverDimension,
    current: &BTreeMap<String, Money>,
    previous: &BTreeMap<String, Money>,
) -> Vec<Mover> {
    let names: BTreeSet<&String> = current.keys().chain(previous.keys()).collect();
    names
        .into_iter()
        .filter_map(|name| {
            let cost = current.get(name).copied().unwrap_or_default();
            let before = previous.get(name).copied().unwrap_or_default();
            let delta = cost - before;
            (!delta.is_zero()).then(|| Mover {
                dimension,
                name: name.clone(),
                cost,
                previous: before,
                delta,
            })
        })
        .collect()
}

/// Services and regions from the overview's breakdown (when it knows the previous period),
/// accounts from the accounts answer when there is one; sorted by absolute delta, largest
/// first (ties by dimension, then name, so the order is stable).
pub fn movers(breakdown: &Breakdown, accounts: Option<&Grouped>) -> Vec<Mover> {
    let mut out = Vec::new();
    let totals = |rows: &[crate::model::Row]| -> Option<(BTreeMap<_, _>, BTreeMap<_, _>)> {
        let mut now = BTreeMap::new();
        let mut before = BTreeMap::new();
        for row in rows {
            now.insert(row.name.clone(), row.cost);
            before.insert(row.name.clone(), row.previous?);
        }
        Some((now, before))
    };
    if breakdown.previous_total.is_some() {
        for (dimension, rows) in [
            (MoverDimension::Service, &breakdown.services),
            (MoverDimension::Region, &breakdown.regions),
        ] {
            if let Some((now, before)) = totals(rows) {
                out.extend(compare(dimension, &now, &before));
            }
        }
    }
    let previous: Window = breakdown.window.previous();
    if let Some(accounts) = accounts.filter(|a| a.covers(&breakdown.window) && a.covers(&previous))
    {
        out.extend(compare(
            MoverDimension::Account,
            &accounts.by_group(&breakdown.window),
            &accounts.by_group(&previous),
        ));
    }
    sort(&mut out);
    out
}

fn sort(movers: &mut [Mover]) {
    movers.sort_by(|a, b| {
        b.delta
            .amount()
            .abs()
            .cmp(&a.delta.amount().abs())
            .then(a.dimension.cmp(&b.dimension))
            .then(a.name.cmp(&b.name))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn m(s: &str) -> Money {
        s.parse().expect("money")
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, Money> {
        pairs.iter().map(|(k, v)| (k.to_string(), m(v))).collect()
    }

    #[test]
    fn movers_are_sorted_by_absolute_delta_and_include_appearing_names() {
        let mut out = compare(
            MoverDimension::Service,
            &map(&[("a", "10.00"), ("b", "5.00"), ("new", "3.00")]),
            &map(&[
                ("a", "4.00"),
                ("b", "12.50"),
                ("gone", "1.00"),
                ("same", "0"),
            ]),
        );
        sort(&mut out);
        let got: Vec<(&str, String)> = out
            .iter()
            .map(|x| (x.name.as_str(), x.delta.to_string()))
            .collect();
        assert_eq!(
            got,
            [
                ("b", "-7.5".to_string()),
                ("a", "6".to_string()),
                ("new", "3".to_string()),
                ("gone", "-1".to_string())
            ]
        );
    }

    #[test]
    fn account_movers_come_from_the_accounts_answer() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let window = Window {
            start: d("2026-03-08"),
            end: d("2026-03-15"),
        };
        let mut grouped = Grouped::new(Window {
            start: d("2026-03-01"),
            end: d("2026-03-15"),
        });
        grouped.add(d("2026-03-02"), "111", "EC2", m("1.50"));
        grouped.add(d("2026-03-09"), "111", "EC2", m("4.25"));
        grouped.add(d("2026-03-09"), "222", "S3", m("0.75"));
        let breakdown = Breakdown {
            window,
            total: Money::ZERO,
            previous_total: None,
            services: vec![],
            regions: vec![],
            daily: vec![],
        };
        let out = movers(&breakdown, Some(&grouped));
        assert_eq!(out.len(), 2);
        assert_eq!(
            (out[0].name.as_str(), out[0].delta.to_string()),
            ("111", "2.75".into())
        );
        assert_eq!(out[1].previous, Money::ZERO);
    }
}
