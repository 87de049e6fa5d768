//! The report laid out once, for every renderer: headings, tables, charts and short texts in
//! the order a reader meets them. Markdown, HTML and PDF each turn this [`Document`] into their
//! own syntax, so they carry the same sections, the same rows and the same wording, and a fix
//! to a section reaches all three.
//!
//! Text here is plain and not yet escaped: names are only cleaned of control characters, and
//! each renderer escapes for its own syntax (or, for PDF, needs none).

use rust_decimal::Decimal;

use super::chart::{Bar, Chart, DayBar};
use super::model::{Change, Ranked, Report, Savings};
use crate::model::Money;
use crate::model::analysis::RecordTotals;

#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub title: String,
    /// Said before anything else, and impossible to miss: demo data, stale numbers.
    pub warnings: Vec<String>,
    /// What the report is: account, window, metric, currency, filters, estimated days.
    pub about: Vec<String>,
    pub sections: Vec<Section>,
    pub footer: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Table(Table),
    /// A chart and what its marks mean; renderers without charts (Markdown) skip both, as
    /// the table beside every chart carries the same numbers.
    Chart {
        chart: Chart,
        caption: Option<String>,
    },
    /// One paragraph; a strong span is bold (Markdown, PDF) or emphasised (HTML).
    Text(Vec<Span>),
    /// A short note under a chart or table.
    Note(String),
    Bullets(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub text: String,
    pub strong: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    /// Right-aligned, tabular: an amount or a percentage.
    pub numeric: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    /// Draws the eye: a budget that is over.
    pub strong: bool,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            strong: false,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl Table {
    /// A table whose first `text_columns` columns are text and the rest numbers.
    fn new(titles: &[&str], text_columns: usize) -> Table {
        Table {
            columns: titles
                .iter()
                .enumerate()
                .map(|(i, t)| Column {
                    title: (*t).to_string(),
                    numeric: i >= text_columns,
                })
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Marks one more column as text (a status word, a date after the amounts).
    fn text_at(mut self, column: usize) -> Table {
        if let Some(c) = self.columns.get_mut(column) {
            c.numeric = false;
        }
        self
    }

    fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    fn text_row<const N: usize>(&mut self, cells: [String; N]) {
        self.rows.push(cells.into_iter().map(Cell::from).collect());
    }
}

/// Bars in the services chart: the chart shows who leads; the table has every row.
const CHART_BARS: usize = 12;

/// Text from AWS or from people, safe to lay out: no control characters.
fn clean(text: &str) -> String {
    crate::text::clean(text).into_owned()
}

/// A float that only places pixels; every amount printed comes from the exact value.
fn float(m: Money) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    m.amount().to_f64().unwrap_or(0.0)
}

fn plain_percent(p: Decimal) -> String {
    format!("{p}%")
}

struct Builder<'a> {
    currency: &'a str,
    sections: Vec<Section>,
}

impl Builder<'_> {
    fn money(&self, m: Money) -> String {
        crate::model::money::money(m, &clean(self.currency))
    }

    fn opt(&self, m: Option<Money>) -> String {
        m.map_or_else(|| "—".to_string(), |m| self.money(m))
    }

    /// `+$12.00 (+5.1%)`, or `—` when there is nothing to compare with.
    fn change(&self, c: Option<Change>) -> String {
        match c {
            None => "—".into(),
            Some(c) => {
                let sign = if c.delta > Money::ZERO { "+" } else { "" };
                let pct = c
                    .percent
                    .map(|p| {
                        let sign = if p > Decimal::ZERO { "+" } else { "" };
                        format!(" ({sign}{p}%)")
                    })
                    .unwrap_or_default();
                format!("{sign}{}{pct}", self.money(c.delta))
            }
        }
    }

    fn section(&mut self, heading: impl Into<String>, blocks: Vec<Block>) {
        self.sections.push(Section {
            heading: heading.into(),
            blocks,
        });
    }

    /// Top-N rows plus "Other (k more)", with share and change.
    fn ranked(&self, first: &str, ranked: &Ranked) -> Table {
        let mut t = Table::new(&[first, "Cost", "Share", "Change"], 1);
        for r in &ranked.rows {
            let name = if r.name.is_empty() {
                "(untagged)".to_string()
            } else {
                clean(&r.name)
            };
            t.text_row([
                name,
                self.money(r.cost),
                r.share_percent.map(plain_percent).unwrap_or_default(),
                self.change(r.change),
            ]);
        }
        if let Some(other) = ranked.other {
            t.text_row([
                format!("Other ({} more)", other.count),
                self.money(other.cost),
                String::new(),
                String::new(),
            ]);
        }
        t
    }
}

/// The report laid out: the same sections, in the same order, for every renderer.
pub fn layout(r: &Report) -> Document {
    let a = &r.about;
    let mut b = Builder {
        currency: &a.currency,
        sections: Vec::new(),
    };
    let mut warnings = Vec::new();
    if a.demo {
        warnings.push("DEMO DATA — generated by awsdash, not a real AWS account.".to_string());
    }
    if a.stale {
        warnings.push(
            "STALE: Cost Explorer could not be refreshed; these are the last good numbers."
                .to_string(),
        );
    }
    let mut about = vec![format!(
        "Account {} · {} to {} (end exclusive, UTC) · {} · {}",
        a.account_id.as_deref().map_or("unknown".into(), clean),
        a.window.start,
        a.window.end,
        clean(&a.metric),
        clean(&a.currency)
    )];
    if !a.filters.is_empty() {
        let filters: Vec<String> = a.filters.iter().map(|f| clean(f)).collect();
        about.push(format!("Filters: {}", filters.join(", ")));
    }
    if !a.estimated_days.is_empty() {
        about.push(format!(
            "{} day(s) are still estimated by AWS and may change (marked * below).",
            a.estimated_days.len()
        ));
    }

    summary(&mut b, r);
    daily_chart(&mut b, r);
    budgets(&mut b, r);
    if let Some(services) = &r.services {
        let bars = services
            .rows
            .iter()
            .take(CHART_BARS)
            .map(|l| Bar {
                name: clean(&l.name),
                value: float(l.cost),
                limit: None,
            })
            .collect();
        let table = b.ranked("Service", services);
        b.section(
            "Top services",
            vec![
                Block::Chart {
                    chart: Chart::Bars(bars),
                    caption: None,
                },
                Block::Table(table),
            ],
        );
    }
    if let Some(regions) = &r.regions {
        let table = b.ranked("Region", regions);
        b.section("Regions", vec![Block::Table(table)]);
    }
    movers(&mut b, r);
    alerts(&mut b, r);
    accounts(&mut b, r);
    if let Some(t) = &r.tags {
        let pct = t
            .untagged_percent
            .map(|p| format!(" ({p}%)"))
            .unwrap_or_default();
        let table = b.ranked("Value", &t.values);
        let untagged = format!("Untagged: {}{pct}", b.money(t.untagged));
        b.section(
            format!("By tag {}", clean(&t.key)),
            vec![Block::Table(table), Block::Note(untagged)],
        );
    }
    savings(&mut b, r);
    credits(&mut b, r);
    day_by_day(&mut b, r);
    if !r.problems.is_empty() {
        let items = r
            .problems
            .iter()
            .map(|(section, why)| format!("{}: {}", clean(section), clean(why)))
            .collect();
        b.section("Could not be fetched", vec![Block::Bullets(items)]);
    }
    Document {
        title: "AWS cost report".into(),
        warnings,
        about,
        sections: b.sections,
        footer: format!(
            "Generated by awsdash from data assembled at {} UTC.",
            a.generated_at.format("%Y-%m-%d %H:%M")
        ),
    }
}

/// The headline numbers: the window against the one before, month to date against the same
/// days last month, last month, the month-end forecast.
fn summary(b: &mut Builder, r: &Report) {
    let mut t = Table::new(&["", "Amount", "Change"], 1);
    t.text_row([
        "Total in window".into(),
        b.opt(r.total),
        b.change(
            r.total
                .zip(r.previous_period)
                .map(|(t, p)| Change::between(t, p)),
        ),
    ]);
    if let Some(m) = r.month_to_date {
        t.text_row([
            "Month to date".into(),
            b.money(m.cost),
            b.change(Some(m.change)),
        ]);
        t.text_row([
            "Same days last month".into(),
            b.money(m.previous_month_same_days),
            String::new(),
        ]);
    }
    if let Some(p) = r.last_month {
        t.text_row([
            format!("Last month ({})", p.window.start.format("%B %Y")),
            b.money(p.cost),
            String::new(),
        ]);
    }
    if let Some(f) = r.forecast {
        let range = match (f.lower, f.upper) {
            (Some(l), Some(u)) => format!("{} – {}", b.money(l), b.money(u)),
            _ => String::new(),
        };
        t.text_row(["Forecast, month end".into(), b.money(f.month_end), range]);
    }
    b.section("Summary", vec![Block::Table(t)]);
}

fn budgets(b: &mut Builder, r: &Report) {
    if r.budgets.is_empty() {
        return;
    }
    let bars = r
        .budgets
        .iter()
        .map(|x| Bar {
            name: clean(&x.name),
            value: float(x.forecasted.unwrap_or(x.actual)),
            limit: Some(float(x.limit)),
        })
        .collect();
    let mut t = Table::new(&["Budget", "Limit", "Actual", "Forecast", "Status"], 1).text_at(4);
    for x in &r.budgets {
        let pct = |p: Option<Decimal>| p.map(plain_percent).unwrap_or_default();
        t.row(vec![
            clean(&x.name).into(),
            b.money(x.limit).into(),
            format!("{} ({})", b.money(x.actual), pct(x.actual_percent)).into(),
            x.forecasted
                .map_or_else(
                    || "—".into(),
                    |f| format!("{} ({})", b.money(f), pct(x.forecasted_percent)),
                )
                .into(),
            Cell {
                text: if x.over { "over" } else { "ok" }.into(),
                strong: x.over,
            },
        ]);
    }
    b.section(
        "Budgets",
        vec![
            Block::Chart {
                chart: Chart::Bars(bars),
                caption: Some("Bars: forecast (or actual); red line: the limit.".into()),
            },
            Block::Table(t),
        ],
    );
}

fn movers(b: &mut Builder, r: &Report) {
    let Some(m) = &r.movers else { return };
    if m.increases.is_empty() && m.decreases.is_empty() {
        return;
    }
    let mut t = Table::new(&["Name", "Kind", "Before", "Now", "Change"], 2);
    for m in m.increases.iter().chain(&m.decreases) {
        t.text_row([
            clean(&m.name),
            format!("{:?}", m.dimension).to_lowercase(),
            b.money(m.previous),
            b.money(m.cost),
            b.change(Some(m.change)),
        ]);
    }
    b.section(
        "Top movers (against the previous period)",
        vec![Block::Table(t)],
    );
}

fn alerts(b: &mut Builder, r: &Report) {
    if r.alerts.is_empty() && r.anomalies.is_empty() {
        return;
    }
    let mut t = Table::new(&["What", "Title", "Detail"], 3);
    for a in &r.alerts {
        t.text_row([a.severity.name().into(), clean(&a.title), clean(&a.detail)]);
    }
    for a in &r.anomalies {
        let by = match a.source {
            crate::model::AnomalySource::Local => "anomaly (awsdash)",
            crate::model::AnomalySource::Aws => "anomaly (AWS)",
        };
        t.text_row([by.into(), clean(&a.explanation), String::new()]);
    }
    b.section("Alerts and anomalies", vec![Block::Table(t)]);
}

fn accounts(b: &mut Builder, r: &Report) {
    let Some(accounts) = &r.accounts else { return };
    let mut t = Table::new(
        &[
            "Account",
            "Name",
            "Cost",
            "Month to date",
            "Same days last month",
        ],
        2,
    );
    for a in accounts {
        t.text_row([
            clean(&a.id),
            a.name.as_deref().map(clean).unwrap_or_default(),
            b.money(a.cost),
            b.money(a.month_to_date),
            b.money(a.previous_month_same_days),
        ]);
    }
    b.section("Accounts", vec![Block::Table(t)]);
}

fn savings(b: &mut Builder, r: &Report) {
    let Some(s) = &r.savings else { return };
    let blocks = match s {
        Savings::Found {
            total_monthly,
            items,
            more,
        } => {
            let mut t = Table::new(
                &["Action", "Resource", "Type", "Region", "Monthly saving"],
                4,
            );
            for i in items {
                t.text_row([
                    clean(&i.action),
                    clean(&i.resource_id),
                    clean(&i.resource_type),
                    clean(&i.region),
                    b.money(i.monthly_savings),
                ]);
            }
            if *more > 0 {
                t.text_row([
                    format!("{more} more"),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]);
            }
            vec![
                Block::Text(vec![
                    Span {
                        text: "Possible savings: ".into(),
                        strong: false,
                    },
                    Span {
                        text: format!("{} a month", b.money(*total_monthly)),
                        strong: true,
                    },
                    Span {
                        text: ".".into(),
                        strong: false,
                    },
                ]),
                Block::Table(t),
            ]
        }
        Savings::Unavailable { reason } => {
            vec![Block::Note(format!("Not available: {}", clean(reason)))]
        }
    };
    b.section("Savings", blocks);
}

fn credits(b: &mut Builder, r: &Report) {
    let Some(c) = &r.credits else { return };
    let mut t = Table::new(&["", "Gross", "Credits", "Refunds", "Net"], 1);
    let row = |name: &str, x: &RecordTotals| {
        [
            name.to_string(),
            b.money(x.gross),
            b.money(x.credits),
            b.money(x.refunds),
            b.money(x.net),
        ]
    };
    t.text_row(row("This month", &c.this_month));
    t.text_row(row("Last month", &c.last_month));
    let mut blocks = vec![Block::Table(t)];
    if !c.balances.is_empty() {
        let mut t = Table::new(&["Credit", "Remaining", "Expires"], 1).text_at(2);
        for x in &c.balances {
            t.text_row([
                clean(&x.description),
                b.money(x.remaining),
                x.expires.map(|d| d.to_string()).unwrap_or_default(),
            ]);
        }
        blocks.push(Block::Table(t));
    }
    if let Some(day) = c.runway_until {
        blocks.push(Block::Note(format!(
            "At this month's pace the credits last until {day}."
        )));
    }
    b.section("Credits", blocks);
}

/// Daily cost near the top, where a reader sees the spike; the numbers are at the end.
fn daily_chart(b: &mut Builder, r: &Report) {
    if r.daily.is_empty() {
        return;
    }
    let peak = r.daily.iter().map(|d| d.cost).max().unwrap_or(Money::ZERO);
    let chart = Chart::Daily {
        days: r
            .daily
            .iter()
            .map(|d| DayBar {
                date: d.date,
                value: float(d.cost),
                label: b.money(d.cost),
                estimated: d.estimated,
            })
            .collect(),
        peak: format!("peak {}", b.money(peak)),
    };
    let caption = r
        .daily
        .iter()
        .any(|d| d.estimated)
        .then(|| "Grey bars: days AWS still calls estimated.".to_string());
    b.section("Daily cost", vec![Block::Chart { chart, caption }]);
}

/// Every day's cost (estimated days starred), so a reader without the chart (the Markdown
/// summary) still has the numbers.
fn day_by_day(b: &mut Builder, r: &Report) {
    if r.daily.is_empty() {
        return;
    }
    let mut t = Table::new(&["Day", "Cost"], 1);
    for d in &r.daily {
        let mark = if d.estimated { " *" } else { "" };
        t.text_row([format!("{}{mark}", d.date), b.money(d.cost)]);
    }
    b.section("Day by day", vec![Block::Table(t)]);
}
