//! The report as one self-contained HTML file: inline CSS, inline SVG charts (daily cost with
//! estimated days marked, top services, budgets), no script and no URL, so it opens offline,
//! in a mail client or printed. Every name is cleaned and HTML-escaped, in text and in
//! attributes alike.

use std::fmt::Write;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::model::{Change, Ranked, Report};
use crate::model::Money;

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#1a1a1a}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;\
border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%}th,td{padding:.25rem .5rem;\
border-bottom:1px solid #eee;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:\
tabular-nums}.demo{background:#fff3cd;padding:.5rem;border:1px solid #e0c000}.over{color:#b00020;\
font-weight:bold}.meta{color:#555}svg{max-width:100%;height:auto}thead{display:table-header-group}\
tr{break-inside:avoid}@media print{body{margin:0;max-width:none}h2{break-after:avoid}}";

/// `text` safe in HTML text and in quoted attributes.
pub fn esc(text: &str) -> String {
    let clean = crate::text::clean(text);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

struct Html<'a> {
    out: String,
    currency: &'a str,
}

impl Html<'_> {
    fn money(&self, m: Money) -> String {
        esc(&crate::model::money::money(m, self.currency))
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
    }

    /// A table; the first column is text, the others numbers. Cells are already escaped.
    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        self.push("<table><thead><tr>");
        for (i, h) in header.iter().enumerate() {
            let class = if i == 0 { "" } else { " class=\"n\"" };
            let _ = write!(self.out, "<th{class}>{}</th>", esc(h));
        }
        self.push("</tr></thead><tbody>");
        for row in rows {
            self.push("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let class = if i == 0 { "" } else { " class=\"n\"" };
                let _ = write!(self.out, "<td{class}>{cell}</td>");
            }
            self.push("</tr>");
        }
        self.push("</tbody></table>\n");
    }

    fn change(&self, c: Option<Change>) -> String {
        match c {
            None => String::new(),
            Some(c) => {
                let sign = if c.delta > Money::ZERO { "+" } else { "" };
                let pct = c.percent.map(|p| format!(" ({p}%)")).unwrap_or_default();
                format!("{sign}{}{pct}", self.money(c.delta))
            }
        }
    }

    fn ranked(&mut self, first: &str, r: &Ranked) {
        let mut rows: Vec<Vec<String>> = r
            .rows
            .iter()
            .map(|l| {
                let name = if l.name.is_empty() {
                    "(untagged)".into()
                } else {
                    esc(&l.name)
                };
                vec![
                    name,
                    self.money(l.cost),
                    l.share_percent.map(|p| format!("{p}%")).unwrap_or_default(),
                    self.change(l.change),
                ]
            })
            .collect();
        if let Some(o) = r.other {
            rows.push(vec![
                format!("Other ({} more)", o.count),
                self.money(o.cost),
                String::new(),
                String::new(),
            ]);
        }
        self.table(&[first, "Cost", "Share", "Change"], &rows);
    }
}

fn float(m: Money) -> f64 {
    m.amount().to_f64().unwrap_or(0.0)
}

/// Daily bars, estimated days grey and said so in each bar's tooltip. Floats only place
/// pixels; every amount shown is printed from the exact value.
fn daily_chart(r: &Report, currency: &str) -> String {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 24.0_f64);
    let max = r
        .daily
        .iter()
        .map(|d| float(d.cost))
        .fold(0.0_f64, f64::max);
    let n = r.daily.len().max(1) as f64;
    let bar = (w - 2.0 * pad) / n;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"Daily cost\">"
    );
    for (i, d) in r.daily.iter().enumerate() {
        let value = float(d.cost).max(0.0);
        let bh = if max > 0.0 {
            (h - 2.0 * pad) * value / max
        } else {
            0.0
        };
        let x = pad + i as f64 * bar;
        let y = h - pad - bh;
        let fill = if d.estimated { "#9e9e9e" } else { "#1f77b4" };
        let mark = if d.estimated { " (estimated)" } else { "" };
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"{fill}\"><title>{} {}{mark}</title></rect>",
            (bar - 1.0).max(0.5),
            d.date,
            esc(&crate::model::money::money(d.cost, currency)),
        );
    }
    if let (Some(first), Some(last)) = (r.daily.first(), r.daily.last()) {
        let _ = write!(
            svg,
            "<text x=\"{pad}\" y=\"{}\" font-size=\"11\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>",
            h - 6.0,
            first.date,
            w - pad,
            h - 6.0,
            last.date
        );
    }
    let peak = r.daily.iter().map(|d| d.cost).max().unwrap_or(Money::ZERO);
    let _ = write!(
        svg,
        "<text x=\"{pad}\" y=\"14\" font-size=\"11\">peak {}</text></svg>",
        esc(&crate::model::money::money(peak, currency))
    );
    svg
}

/// Horizontal bars: (label, value, limit marker).
fn bars(items: &[(String, f64, Option<f64>)]) -> String {
    let (w, row, label) = (720.0_f64, 22.0_f64, 260.0_f64);
    let h = row * items.len() as f64 + 4.0;
    let max = items
        .iter()
        .map(|(_, v, l)| v.max(l.unwrap_or(0.0)))
        .fold(0.0_f64, f64::max);
    let scale = |v: f64| {
        if max > 0.0 {
            (w - label - 10.0) * v.max(0.0) / max
        } else {
            0.0
        }
    };
    let mut svg =
        format!("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" role=\"img\">");
    for (i, (name, value, limit)) in items.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let short = crate::text::truncate(name, 40, "…");
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"11\">{}</text><rect x=\"{label}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#1f77b4\"/>",
            y + 14.0,
            esc(&short),
            scale(*value),
            row - 6.0
        );
        if let Some(l) = limit {
            let x = label + scale(*l);
            let _ = write!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{y:.1}\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#b00020\" stroke-width=\"2\"/>",
                y + row - 4.0
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

pub fn render(r: &Report) -> String {
    let a = &r.about;
    let mut h = Html {
        out: String::new(),
        currency: &a.currency,
    };
    h.push("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>AWS cost report</title><style>");
    h.push(STYLE);
    h.push("</style></head><body>\n<h1>AWS cost report</h1>\n");
    if a.demo {
        h.push("<p class=\"demo\"><strong>DEMO DATA</strong> — generated by awsdash, not a real AWS account.</p>\n");
    }
    let account = a
        .account_id
        .as_deref()
        .map(esc)
        .unwrap_or_else(|| "unknown".into());
    let _ = write!(
        h.out,
        "<p class=\"meta\">Account {account} · {} to {} (end exclusive, UTC) · {} · {}",
        a.window.start,
        a.window.end,
        esc(&a.metric),
        esc(&a.currency)
    );
    if !a.filters.is_empty() {
        let filters: Vec<String> = a.filters.iter().map(|f| esc(f)).collect();
        let _ = write!(h.out, " · filters: {}", filters.join(", "));
    }
    h.push("</p>\n");
    if a.stale {
        h.push("<p class=\"over\">STALE: Cost Explorer could not be refreshed; these are the last good numbers.</p>\n");
    }
    h.push("<h2>Summary</h2>\n");
    let mut rows = vec![vec![
        "Total in window".to_string(),
        r.total.map(|t| h.money(t)).unwrap_or_else(|| "—".into()),
        h.change(
            r.total
                .zip(r.previous_period)
                .map(|(t, p)| Change::between(t, p)),
        ),
    ]];
    if let Some(m) = r.month_to_date {
        rows.push(vec![
            "Month to date".into(),
            h.money(m.cost),
            h.change(Some(m.change)),
        ]);
        rows.push(vec![
            "Same days last month".into(),
            h.money(m.previous_month_same_days),
            String::new(),
        ]);
    }
    if let Some(p) = r.last_month {
        rows.push(vec![
            format!("Last month ({})", p.window.start.format("%B %Y")),
            h.money(p.cost),
            String::new(),
        ]);
    }
    if let Some(f) = r.forecast {
        let range = match (f.lower, f.upper) {
            (Some(l), Some(u)) => format!("{} – {}", h.money(l), h.money(u)),
            _ => String::new(),
        };
        rows.push(vec![
            "Forecast, month end".into(),
            h.money(f.month_end),
            range,
        ]);
    }
    h.table(&["", "Amount", "Change"], &rows);
    if !r.daily.is_empty() {
        h.push("<h2>Daily cost</h2>\n");
        if !a.estimated_days.is_empty() {
            let _ = write!(
                h.out,
                "<p class=\"meta\">Grey bars: {} day(s) AWS still calls estimated.</p>",
                a.estimated_days.len()
            );
        }
        h.push(&daily_chart(r, a.currency.as_str()));
    }
    if !r.budgets.is_empty() {
        h.push("<h2>Budgets</h2>\n");
        let items: Vec<(String, f64, Option<f64>)> = r
            .budgets
            .iter()
            .map(|b| {
                (
                    b.name.clone(),
                    float(b.forecasted.unwrap_or(b.actual)),
                    Some(float(b.limit)),
                )
            })
            .collect();
        h.push(&bars(&items));
        h.push("<p class=\"meta\">Bars: forecast (or actual); red line: the limit.</p>");
        let rows: Vec<Vec<String>> = r
            .budgets
            .iter()
            .map(|b| {
                let pct = |p: Option<Decimal>| p.map(|p| format!(" ({p}%)")).unwrap_or_default();
                vec![
                    esc(&b.name),
                    h.money(b.limit),
                    format!("{}{}", h.money(b.actual), pct(b.actual_percent)),
                    b.forecasted
                        .map(|f| format!("{}{}", h.money(f), pct(b.forecasted_percent)))
                        .unwrap_or_default(),
                    if b.over {
                        "<span class=\"over\">over</span>".into()
                    } else {
                        "ok".into()
                    },
                ]
            })
            .collect();
        h.table(&["Budget", "Limit", "Actual", "Forecast", "Status"], &rows);
    }
    if let Some(s) = &r.services {
        h.push("<h2>Top services</h2>\n");
        let items: Vec<(String, f64, Option<f64>)> = s
            .rows
            .iter()
            .map(|l| (l.name.clone(), float(l.cost), None))
            .collect();
        h.push(&bars(&items));
        h.ranked("Service", s);
    }
    if let Some(s) = &r.regions {
        h.push("<h2>Regions</h2>\n");
        h.ranked("Region", s);
    }
    if let Some(m) = &r.movers
        && !(m.increases.is_empty() && m.decreases.is_empty())
    {
        h.push("<h2>Top movers (against the previous period)</h2>\n");
        let rows: Vec<Vec<String>> = m
            .increases
            .iter()
            .chain(&m.decreases)
            .map(|m| {
                vec![
                    esc(&m.name),
                    h.money(m.previous),
                    h.money(m.cost),
                    h.change(Some(m.change)),
                ]
            })
            .collect();
        h.table(&["Name", "Before", "Now", "Change"], &rows);
    }
    if !r.alerts.is_empty() || !r.anomalies.is_empty() {
        h.push("<h2>Alerts and anomalies</h2>\n<ul>");
        for al in &r.alerts {
            let _ = write!(
                h.out,
                "<li><strong>{}</strong>: {} — {}</li>",
                al.severity.name(),
                esc(&al.title),
                esc(&al.detail)
            );
        }
        for an in &r.anomalies {
            let _ = write!(h.out, "<li>anomaly: {}</li>", esc(&an.explanation));
        }
        h.push("</ul>\n");
    }
    if let Some(accounts) = &r.accounts {
        h.push("<h2>Accounts</h2>\n");
        let rows: Vec<Vec<String>> = accounts
            .iter()
            .map(|ac| {
                let name = ac.name.as_deref().map(esc).unwrap_or_default();
                vec![
                    format!("{} {name}", esc(&ac.id)),
                    h.money(ac.cost),
                    h.money(ac.month_to_date),
                    h.money(ac.previous_month_same_days),
                ]
            })
            .collect();
        h.table(
            &["Account", "Cost", "Month to date", "Same days last month"],
            &rows,
        );
    }
    if let Some(t) = &r.tags {
        let _ = writeln!(h.out, "<h2>By tag {}</h2>", esc(&t.key));
        h.ranked("Value", &t.values);
    }
    if let Some(s) = &r.savings {
        h.push("<h2>Savings</h2>\n");
        match s {
            super::model::Savings::Found {
                total_monthly,
                items,
                more,
            } => {
                let _ = write!(
                    h.out,
                    "<p>Possible savings: <strong>{} a month</strong>.</p>",
                    h.money(*total_monthly)
                );
                let mut rows: Vec<Vec<String>> = items
                    .iter()
                    .map(|i| {
                        vec![
                            format!(
                                "{} {} ({}, {})",
                                esc(&i.action),
                                esc(&i.resource_id),
                                esc(&i.resource_type),
                                esc(&i.region)
                            ),
                            h.money(i.monthly_savings),
                        ]
                    })
                    .collect();
                if *more > 0 {
                    rows.push(vec![format!("{more} more"), String::new()]);
                }
                h.table(&["Recommendation", "Monthly saving"], &rows);
            }
            super::model::Savings::Unavailable { reason } => {
                let _ = write!(h.out, "<p>Not available: {}</p>", esc(reason));
            }
        }
    }
    if let Some(c) = &r.credits {
        h.push("<h2>Credits</h2>\n");
        let row = |name: &str, t: &crate::model::analysis::RecordTotals| {
            vec![
                name.to_string(),
                h.money(t.gross),
                h.money(t.credits),
                h.money(t.refunds),
                h.money(t.net),
            ]
        };
        let rows = vec![
            row("This month", &c.this_month),
            row("Last month", &c.last_month),
        ];
        h.table(&["", "Gross", "Credits", "Refunds", "Net"], &rows);
    }
    if !r.problems.is_empty() {
        h.push("<h2>Could not be fetched</h2>\n<ul>");
        for (section, why) in &r.problems {
            let _ = write!(h.out, "<li>{}: {}</li>", esc(section), esc(why));
        }
        h.push("</ul>\n");
    }
    let _ = write!(
        h.out,
        "<p class=\"meta\">Generated by awsdash from data assembled at {} UTC.</p>\n</body></html>\n",
        a.generated_at.format("%Y-%m-%d %H:%M")
    );
    h.out
}
