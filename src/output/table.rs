//! A plain-text report for people (what `awsdash snapshot` prints on a terminal).

use std::fmt::Write;

use rust_decimal::Decimal;

use crate::model::{Money, Row, Snapshot};

pub fn render(s: &Snapshot) -> String {
    let b = s.breakdown();
    let mtd = s.month_to_date();
    let cur = &s.currency;
    let mut out = String::new();
    let who = if s.is_demo() {
        "DEMO DATA — generated, not a real AWS account".to_string()
    } else {
        format!("account {}", s.account_id.as_deref().unwrap_or("unknown"))
    };
    let _ = writeln!(
        out,
        "awsdash · {who}{}",
        if s.stale { " · STALE" } else { "" }
    );
    let _ = writeln!(out, "window   {}", s.query.window);
    if !s.query.filters.is_empty() {
        let _ = writeln!(out, "filters  {}", s.query.filters.to_strings().join(", "));
    }
    let change = b
        .previous_total
        .map(|p| {
            format!(
                "  (previous period {}{})",
                p.display_grouped(),
                change(b.total, p)
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
        None => {
            let _ = writeln!(out, "forecast unavailable");
        }
    }

    section(&mut out, "SERVICE", &b.services, b.total);
    section(&mut out, "REGION", &b.regions, b.total);

    let _ = writeln!(out, "\n{:<12} {:>14}", "DAY", "COST");
    for d in &b.daily {
        let mark = if d.estimated { "  estimated" } else { "" };
        let _ = writeln!(out, "{:<12} {:>14}{mark}", d.date, d.cost.display_grouped());
    }

    if !s.budgets.is_empty() {
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
                "{:<28} {:>14} {:>14} {:>6} {:>14}",
                truncate(&budget.name, 28),
                budget.actual.display_grouped(),
                budget.limit.display_grouped(),
                used,
                forecast
            );
        }
    }
    out
}

fn section(out: &mut String, title: &str, rows: &[Row], total: Money) {
    let _ = writeln!(
        out,
        "\n{:<44} {:>14} {:>7} {:>9}",
        title, "COST", "SHARE", "CHANGE"
    );
    for r in rows {
        let share = r
            .cost
            .percent_of(total)
            .map(|p| format!("{:.1}%", p.round_dp(1)))
            .unwrap_or_else(|| "-".into());
        let change = r.previous.map(|p| change(r.cost, p)).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<44} {:>14} {:>7} {:>9}",
            truncate(&r.name, 44),
            r.cost.display_grouped(),
            share,
            change.trim()
        );
    }
}

/// " +12.3%" against the previous amount, "new" when there was none.
pub fn change(now: Money, before: Money) -> String {
    match (now - before).percent_of(before) {
        Some(p) if before.amount() > Decimal::ZERO => {
            let p = p.round_dp(1);
            if p >= Decimal::ZERO {
                format!(" +{p:.1}%")
            } else {
                format!(" {p:.1}%")
            }
        }
        _ if now.is_zero() => String::new(),
        _ => " new".into(),
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut t: String = text.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}
