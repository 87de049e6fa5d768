//! View 6, Savings: Cost Optimization Hub's recommendations, largest monthly saving first,
//! with their total; Enter shows one in full, Esc goes back to the list. When the hub is not
//! available (not enrolled, not permitted) its reason — how to enable it — is the screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::table::{self, Selection, col, num};
use crate::model::Section;
use crate::model::analysis::{Recommendation, SavingsReport};
use crate::text::clean;
use crate::ui::app::App;
use crate::ui::format::money;
use crate::ui::panels;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    pub selection: Selection,
    /// The selected recommendation is shown in full.
    pub detail: bool,
}

impl State {
    pub fn step(&mut self, report: Option<&SavingsReport>, delta: isize) {
        if !self.detail {
            self.selection.step(delta, items(report).len());
        }
    }

    /// `Enter`: the selected recommendation in full (when there is one).
    pub fn select(&mut self, report: Option<&SavingsReport>) {
        self.detail = !items(report).is_empty();
    }

    /// `Esc`: back from the detail to the list.
    pub fn back(&mut self) {
        self.detail = false;
    }
}

fn items(report: Option<&SavingsReport>) -> &[Recommendation] {
    match report {
        Some(SavingsReport::Found { items, .. }) => items,
        _ => &[],
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let report = app
        .latest
        .as_deref()
        .and_then(|s| s.analysis.savings.as_ref());
    let cur = app.currency();
    match report {
        None => table::fetching(
            frame,
            area,
            app,
            ("Savings", Section::Savings),
            "recommendations from Cost Optimization Hub",
        ),
        Some(SavingsReport::Unavailable { reason }) => {
            let block = panels::block(app, " Savings ", false);
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let theme = app.theme();
            let lines = vec![
                Line::from(Span::styled(
                    "No savings recommendations to show.",
                    theme.value(),
                )),
                Line::from(""),
                Line::from(clean(reason).into_owned()),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        }
        Some(SavingsReport::Found {
            total_monthly,
            items,
            estimation_mode,
        }) => {
            let state = app.savings;
            let selected = items.get(state.selection.get(items.len()));
            match selected {
                Some(item) if state.detail => detail(frame, area, app, item, cur),
                _ => {
                    let sep = app.theme().sep();
                    let title = format!(
                        "Savings{sep}{}/month{sep}{} recommendation{}",
                        money(*total_monthly, cur),
                        items.len(),
                        if items.len() == 1 { "" } else { "s" }
                    );
                    list(frame, area, app, &title, items, estimation_mode.as_deref());
                }
            }
        }
    }
}

fn list(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    items: &[Recommendation],
    mode: Option<&str>,
) {
    let theme = app.theme();
    let block = table::panel(app, title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [rows, foot] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    // Narrower, the type goes first, then the action shortens; the resource and the amount
    // stay.
    let region_w = if inner.width >= 100 { 14 } else { 0 };
    let (action_w, type_w) = if inner.width >= 70 { (22, 16) } else { (14, 0) };
    let fixed = [col(action_w), col(type_w), col(region_w), num(12)];
    let resource_w = table::rest(inner.width, &fixed);
    let cols = [
        col(action_w),
        col(resource_w),
        col(type_w),
        col(region_w),
        num(12),
    ];
    let mut lines = vec![table::head(
        app,
        &["Action", "Resource", "Type", "Region", "Monthly"],
        &cols,
    )];
    if items.is_empty() {
        lines.push(Line::from(Span::styled(
            "Cost Optimization Hub has no recommendations for this account.",
            theme.dim(),
        )));
    }
    let height = usize::from(rows.height).saturating_sub(1);
    let cur = app.currency();
    let at = app.savings.selection.get(items.len());
    let first = app.savings.selection.first(items.len(), height);
    for (i, r) in items.iter().enumerate().skip(first).take(height) {
        let style = table::row_style(app, i == at);
        lines.push(table::row(
            app,
            vec![
                (spaced(&r.action), style),
                (r.resource_id.clone(), style),
                (r.resource_type.clone(), style),
                (r.region.clone(), style),
                (money(r.monthly_savings, cur), style.patch(theme.value())),
            ],
            &cols,
        ));
    }
    frame.render_widget(Paragraph::new(lines), rows);
    let mut hint = vec![
        Span::styled(theme.enter_key(), theme.key()),
        Span::styled(" details", theme.label()),
    ];
    if let Some(mode) = mode {
        hint.push(Span::styled(
            format!("{}estimated {}", theme.sep(), spaced(mode).to_lowercase()),
            theme.dim(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(hint)), foot);
}

/// One recommendation in full: what, where, how much, how hard, and where the estimate came
/// from.
fn detail(frame: &mut Frame, area: Rect, app: &App, r: &Recommendation, cur: &str) {
    let theme = app.theme();
    let title = format!(
        "{}{}{} (Esc: back)",
        clean(&spaced(&r.action)),
        theme.sep(),
        clean(&r.resource_id)
    );
    let block = table::panel(app, &title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut saves = format!("{}/month", money(r.monthly_savings, cur));
    if let Some(p) = r.savings_percent {
        saves.push_str(&format!(" ({:.1}%)", p.round_dp(1)));
    }
    if let Some(cost) = r.monthly_cost {
        saves.push_str(&format!(" of {}/month now", money(cost, cur)));
    }
    let mut kind = r.resource_type.clone();
    if let Some(to) = &r.recommended_resource_type {
        kind = format!("{kind} {} {to}", theme.arrow());
    }
    let mut effort = Vec::new();
    if let Some(e) = &r.implementation_effort {
        effort.push(format!("{} effort", spaced(e).to_lowercase()));
    }
    if let Some(b) = r.restart_needed {
        effort.push(format!("restart needed: {}", yes_no(b)));
    }
    if let Some(b) = r.rollback_possible {
        effort.push(format!("rollback possible: {}", yes_no(b)));
    }
    let mut source = r.source.as_deref().map(spaced).unwrap_or_default();
    if let Some(days) = r.lookback_days {
        source.push_str(&format!(", from the last {days} days"));
    }
    if let Some(at) = r.refreshed_at {
        source.push_str(&format!(", refreshed {}", at.format("%Y-%m-%d %H:%M UTC")));
    }
    let fields: Vec<(&str, Option<String>)> = vec![
        ("Saves", Some(saves)),
        ("Resource", Some(r.resource_id.clone())),
        ("ARN", r.resource_arn.clone()),
        ("Type", Some(kind)),
        ("Region", Some(r.region.clone())),
        ("Account", Some(r.account.clone())),
        ("Now", r.current_summary.clone()),
        ("After", r.recommended_summary.clone()),
        ("Effort", (!effort.is_empty()).then(|| effort.join(", "))),
        ("Source", (!source.is_empty()).then_some(source)),
    ];
    let lines: Vec<Line> = fields
        .into_iter()
        .filter_map(|(label, value)| {
            let value = value?;
            Some(Line::from(vec![
                Span::styled(format!("{label:<10}"), theme.label()),
                Span::styled(clean(&value).into_owned(), theme.value()),
            ]))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// AWS's CamelCase words spaced for reading: "MigrateToGraviton" → "Migrate To Graviton".
fn spaced(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev_lower = false;
    for c in word.chars() {
        if c.is_uppercase() && prev_lower {
            out.push(' ');
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::spaced;

    #[test]
    fn camel_case_reads_as_words() {
        assert_eq!(spaced("MigrateToGraviton"), "Migrate To Graviton");
        assert_eq!(spaced("PurchaseSavingsPlans"), "Purchase Savings Plans");
        assert_eq!(spaced("Ec2Instance"), "Ec2 Instance");
        assert_eq!(spaced("Stop"), "Stop");
        assert_eq!(spaced(""), "");
    }
}
