//! Credits: gross spend, credits, refunds and net by month from an answer grouped by record
//! type, and how long the credits left last at this month's spend.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;

use crate::model::analysis::{CreditBalance, RecordTotals};
use crate::model::window::{first_of_month, next_month, previous_month};
use crate::model::{Grouped, Money, Window};

/// Cost Explorer's record types for credits and refunds; every other type (usage, tax,
/// fees, support, discounts…) counts as gross spend, so `gross + credits + refunds = net`
/// holds whatever new types AWS adds.
const CREDIT: &str = "Credit";
const REFUND: &str = "Refund";

/// This calendar month (as far as it has gone) and the last one.
pub fn months(today: NaiveDate) -> (Window, Window) {
    let this = Window {
        start: first_of_month(today),
        end: next_month(today),
    };
    let last = Window {
        start: previous_month(today),
        end: first_of_month(today),
    };
    (this, last)
}

/// The totals over `month` of an answer grouped by record type.
pub fn totals(grouped: &Grouped, month: &Window) -> RecordTotals {
    let mut out = RecordTotals::default();
    for (record_type, cost) in grouped.by_group(month) {
        match record_type.as_str() {
            CREDIT => out.credits += cost,
            REFUND => out.refunds += cost,
            _ => out.gross += cost,
        }
        out.net += cost;
    }
    out
}

/// A credit is exhausted when nothing remains: AWS keeps reporting used-up credits as
/// enabled, so the status is not trusted.
pub fn balance(description: &str, remaining: Money, expires: Option<NaiveDate>) -> CreditBalance {
    CreditBalance {
        description: description.to_string(),
        remaining,
        expires,
        exhausted: remaining.amount() <= Decimal::ZERO,
    }
}

/// The day the remaining credits run out if this month's average daily gross spend so far
/// (today counted as a day) goes on: `None` with nothing remaining or nothing spent.
pub fn runway(
    balances: &[CreditBalance],
    this_month: &RecordTotals,
    today: NaiveDate,
) -> Option<NaiveDate> {
    let remaining: Decimal = balances
        .iter()
        .filter(|b| !b.exhausted)
        .map(|b| b.remaining.amount())
        .sum();
    let spent = this_month.gross.amount();
    if remaining <= Decimal::ZERO || spent <= Decimal::ZERO {
        return None;
    }
    let daily = spent / Decimal::from(today.day());
    let days = (remaining / daily).ceil();
    let days = i64::try_from(days).ok()?;
    today.checked_add_signed(Duration::days(days))
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
    fn record_types_split_into_gross_credits_refunds_and_net() {
        let today = d("2026-01-10");
        let (this, last) = months(today);
        assert_eq!(last.start, d("2025-12-01"));
        let mut g = Grouped::new(last.union(&this));
        g.add(d("2025-12-01"), "Usage", "", m("100.10"));
        g.add(d("2025-12-01"), "Credit", "", m("-40"));
        g.add(d("2026-01-01"), "Usage", "", m("50.00"));
        g.add(d("2026-01-01"), "Tax", "", m("5.005"));
        g.add(d("2026-01-01"), "Support fee", "", m("1"));
        g.add(d("2026-01-01"), "Credit", "", m("-20"));
        g.add(d("2026-01-01"), "Refund", "", m("-3.5"));
        let t = totals(&g, &this);
        assert_eq!(
            (t.gross, t.credits, t.refunds, t.net),
            (m("56.005"), m("-20"), m("-3.5"), m("32.505"))
        );
        assert_eq!(totals(&g, &last).net, m("60.10"));
    }

    #[test]
    fn runway_uses_this_months_average_and_skips_exhausted_credits() {
        let today = d("2026-02-10");
        let balances = [
            balance("Activate", m("100"), Some(d("2026-12-31"))),
            // Reported ENABLED by AWS, but used up.
            balance("Free Tier", m("0"), None),
        ];
        assert!(balances[1].exhausted);
        let spent = RecordTotals {
            gross: m("30"),
            ..RecordTotals::default()
        };
        // $3/day: 100 / 3 = 33.3 → 34 days.
        assert_eq!(runway(&balances, &spent, today), Some(d("2026-03-16")));
        assert_eq!(runway(&balances[1..], &spent, today), None);
        assert_eq!(runway(&balances, &RecordTotals::default(), today), None);
    }
}
