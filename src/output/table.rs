//! A plain-text report for people (what `awsdash snapshot` prints on a terminal). Names come
//! from AWS and are cleaned of control characters; columns are measured in terminal cells.

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::model::{Money, Row, Snapshot};
use crate::text::{clean, left};

pub fn render(s: &Snapshot) -> String {
    let cur = &s.currency;
    let mut out = String::new();
    let who = if s.is_demo() {
        "DEMO DATA — generated, not a real AWS account".to_string()
    } else {
        format!("account {}", s.account_id.as_deref().unwrap_or("unknown"))
    };
    let _ = writeln!(
        out,
        "awsdash · {}{}",
        clean(&who),
        if s.stale { " · STALE" } else { "" }
    );
    let _ = writeln!(out, "window   {}", s.query.window);
    if !s.query.filters.is_empty() {
        let _ = writeln!(out, "filters  {}", clean(&s.query.filters.describe()));
    }
    for (section, problem) in s.problems.sections() {
        let _ = writeln!(out, "failed   {section}: {}", clean(problem));
    }
    let (Some(b), Some(mtd)) = (s.breakdown(), s.month_to_date()) else {
        let _ = writeln!(out, "total    unknown: no Cost Explorer data");
        budgets(&mut out, s);
        findings(&mut out, s);
        return out;
    };
    let change = b
        .previous_total
        .map(|p| {
            format!(
                "  (previous period {} {})",
                p.display_grouped(),
                change(b.total, p, cur)
            )
        })
        .unwrap_or_default();
    let _ = writeln!(out, "total    {} {cur}{change}", b.total.display_grouped());
    let _ = writeln!(
        out,
        "MTD      {} {cur}  (same days last month {})",
        mtd.cost.display_grouped(),
        mtd.previous_month_same_days.display_grouped()
    );
    match &s.forecast {
        Some(f) => {
            let range = match (f.lower, f.upper) {
                (Some(l), Some(u)) => {
                    format!("  ({} – {})", l.display_grouped(), u.display_grouped())
                }
                _ => String::new(),
            };
            let _ = writeln!(
                out,
                "forecast {} {cur} at month end{range}",
                f.month_end.display_grouped()
            );
        }
        None if s.problems.forecast.is_some() => {
            let _ = writeln!(out, "forecast failed (see above)");
        }
        None => {
            let _ = writeln!(out, "forecast unavailable (not enough history)");
        }
    }

    section(&mut out, "SERVICE", &b.services, b.total, cur);
    section(&mut out, "REGION", &b.regions, b.total, cur);

    let _ = writeln!(out, "\n{:<12} {:>14}", "DAY", "COST");
    for d in &b.daily {
        let mark = if d.estimated { "  estimated" } else { "" };
        let _ = writeln!(out, "{:<12} {:>14}{mark}", d.date, d.cost.display_grouped());
    }
    budgets(&mut out, s);
    findings(&mut out, s);
    out
}

/// What fires, and the anomalies behind it, each on one line.
fn findings(out: &mut String, s: &Snapshot) {
    if !s.alerts.is_empty() {
        let _ = writeln!(out, "\nALERTS");
        for a in &s.alerts {
            let _ = writeln!(
                out,
                "{:<9}{} — {}",
                a.severity.name(),
                clean(&a.title),
                clean(&a.detail)
            );
        }
    }
    if !s.anomalies.is_empty() || s.aws_anomalies_note.is_some() {
        let _ = writeln!(out, "\nANOMALIES");
        for a in &s.anomalies {
            let source = match a.source {
                crate::model::AnomalySource::Local => "local",
                crate::model::AnomalySource::Aws => "AWS",
            };
            let _ = writeln!(out, "{source:<9}{}", clean(&a.explain()));
        }
        if let Some(note) = &s.aws_anomalies_note {
            let _ = writeln!(out, "AWS      {}", clean(note));
        }
    }
}

fn budgets(out: &mut String, s: &Snapshot) {
    if s.budgets.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{:<28} {:>14} {:>14} {:>6} {:>14}",
        "BUDGET", "ACTUAL", "LIMIT", "USED", "FORECAST"
    );
    for budget in &s.budgets {
        let used = budget
            .actual
            .percent_of(budget.limit)
            .map(|p| format!("{}%", p.round()))
            .unwrap_or_else(|| "-".into());
        let forecast = budget
            .forecasted
            .map(Money::display_grouped)
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            out,
            "{} {:>14} {:>14} {:>6} {:>14}",
            left(&budget.name, 28, "…"),
            budget.actual.display_grouped(),
            budget.limit.display_grouped(),
            used,
            forecast
        );
    }
}

fn section(out: &mut String, title: &str, rows: &[Row], total: Money, cur: &str) {
    let _ = writeln!(
        out,
        "\n{:<44} {:>14} {:>7} {:>9}",
        title, "COST", "SHARE", "CHANGE"
    );
    for r in rows {
        let change = r
            .previous
            .map(|p| change(r.cost, p, cur))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{} {:>14} {:>7} {:>9}",
            left(&r.name, 44, "…"),
            r.cost.display_grouped(),
            share(r.cost, total),
            change
        );
    }
}

/// A row's share of the total, or "-" where a share means nothing: a negative row (a credit)
/// or a total that is not positive (credits larger than spend).
pub fn share(part: Money, total: Money) -> String {
    if total.amount() <= Decimal::ZERO || part.amount() < Decimal::ZERO {
        return "-".into();
    }
    part.percent_of(total)
        .map(|p| format!("{:.1}%", p.round_dp(1)))
        .unwrap_or_else(|| "-".into())
}

/// The change from `before` to `now`: "+12.3%" against a positive amount; against a negative
/// one (a period of net credits) a percentage would flip its sign, so the difference is given
/// as an amount ("+$150", "-12 EUR"); "new" when there was nothing before; "" when there is
/// nothing either way.
pub fn change(now: Money, before: Money, currency: &str) -> String {
    let zero = Decimal::ZERO;
    if before.amount() > zero {
        let p = (now - before)
            .percent_of(before)
            .unwrap_or(zero)
            .round_dp(1);
        return if p >= zero {
            format!("+{p:.1}%")
        } else {
            format!("{p:.1}%")
        };
    }
    if before.is_zero() {
        return if now.is_zero() {
            String::new()
        } else {
            "new".into()
        };
    }
    let diff = now - before;
    let sign = if diff.amount() < zero { "-" } else { "+" };
    let whole = crate::ui::format::money_whole(Money::new(diff.amount().abs()), currency);
    format!("{sign}{whole}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    #[test]
    fn change_against_positive_negative_and_nothing() {
        assert_eq!(change(m("110"), m("100"), "USD"), "+10.0%");
        assert_eq!(change(m("90"), m("100"), "USD"), "-10.0%");
        assert_eq!(change(m("5"), m("0"), "USD"), "new");
        assert_eq!(change(m("0"), m("0"), "USD"), "");
        // Credits larger than spend in the previous period: not "new", not a flipped sign.
        assert_eq!(change(m("-50"), m("-200"), "USD"), "+$150");
        assert_eq!(change(m("-300"), m("-200"), "USD"), "-$100");
        assert_eq!(change(m("20"), m("-10"), "EUR"), "+30 EUR");
    }

    #[test]
    fn shares_only_of_a_positive_total() {
        assert_eq!(share(m("25"), m("100")), "25.0%");
        assert_eq!(share(m("-5"), m("100")), "-");
        assert_eq!(share(m("25"), m("-100")), "-");
        assert_eq!(share(m("0"), m("0")), "-");
    }
}
