//! View 4, Changes: what moved between the window and the period before it (services,
//! regions, accounts — computed from cached data, free), and AWS's own cost drivers between
//! the last two complete months when it has them; the data's note says why when it has not.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Selection, col, num};
use crate::model::Money;
use crate::model::Section;
use crate::model::analysis::{ChangesReport, Driver, MoverDimension};
use crate::ui::app::App;
use crate::ui::format::{change, money};
use crate::ui::panels;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    pub selection: Selection,
}

impl State {
    pub fn step(&mut self, report: Option<&ChangesReport>, delta: isize) {
        self.selection
            .step(delta, report.map_or(0, |r| r.movers.len()));
    }
}

/// "+$12.30" for a rise, "-$4.00" for a fall: a difference always shows its sign.
pub fn signed(amount: Money, currency: &str) -> String {
    let text = money(amount, currency);
    if amount.amount() > rust_decimal::Decimal::ZERO {
        format!("+{text}")
    } else {
        text
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let report = app
        .latest
        .as_deref()
        .and_then(|s| s.analysis.changes.as_ref());
    let Some(r) = report else {
        table::fetching(
            frame,
            area,
            app,
            ("Changes", Section::Changes),
            "what changed",
        );
        return;
    };
    // The drivers get what they need up to half the body; the movers the rest.
    let wanted = match &r.drivers {
        Some(d) => d.len().max(1) as u16 + 3,
        None => 3 + u16::from(r.note.is_some()),
    };
    let drivers_h = wanted.min(area.height / 2);
    let [movers_area, drivers_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(drivers_h)]).areas(area);
    movers(frame, movers_area, app, r);
    drivers(frame, drivers_area, app, r);
}

fn movers(frame: &mut Frame, area: Rect, app: &App, r: &ChangesReport) {
    let theme = app.theme();
    // The window the numbers are for (the asked one may still be on its way).
    let shown = app
        .latest
        .as_ref()
        .map_or(app.query.window, |s| s.query.window);
    let days = shown.days();
    let title = format!(
        "Top movers{}{days}d against the {days} days before",
        theme.sep()
    );
    let block = table::panel(app, &title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let wide = inner.width >= 100;
    let fixed = [
        col(7),
        num(12),
        num(12),
        num(12),
        num(if wide { 8 } else { 0 }),
    ];
    let name_w = table::rest(inner.width, &fixed);
    let cols = [
        col(7),
        col(name_w),
        num(12),
        num(12),
        num(12),
        num(if wide { 8 } else { 0 }),
    ];
    let mut lines = vec![table::head(
        app,
        &["Kind", "Name", "Before", "Now", "Delta", "Change"],
        &cols,
    )];
    if r.movers.is_empty() {
        lines.push(Line::from(Span::styled(
            "nothing moved between the two periods",
            theme.dim(),
        )));
    }
    let cur = app.currency();
    let height = usize::from(inner.height).saturating_sub(1);
    let at = app.changes.selection.get(r.movers.len());
    let first = app.changes.selection.first(r.movers.len(), height);
    for (i, m) in r.movers.iter().enumerate().skip(first).take(height) {
        let style = table::row_style(app, i == at);
        let (kind, name) = match m.dimension {
            MoverDimension::Service => ("service", m.name.clone()),
            MoverDimension::Region => ("region", m.name.clone()),
            MoverDimension::Account => ("account", account_label(app, &m.name)),
        };
        let delta = signed(m.delta, cur);
        let c = change(m.cost, m.previous, cur);
        lines.push(table::row(
            app,
            vec![
                (kind.to_string(), style.patch(theme.label())),
                (name, style),
                (money(m.previous, cur), style),
                (money(m.cost, cur), style),
                (delta.clone(), style.patch(theme.change(&delta))),
                (c.clone(), style.patch(theme.change(&c))),
            ],
            &cols,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// An account mover by its name where the filter values know it: "Staging (786154390127)".
fn account_label(app: &App, id: &str) -> String {
    let name = app
        .latest
        .as_deref()
        .and_then(|s| s.filter_values.accounts.get(id));
    match name {
        Some(name) if !name.is_empty() => format!("{name} ({id})"),
        _ => id.to_string(),
    }
}

fn drivers(frame: &mut Frame, area: Rect, app: &App, r: &ChangesReport) {
    let theme = app.theme();
    let months = r.drivers_months.map(|(before, after)| {
        format!(
            "{}{} vs {}",
            theme.sep(),
            before.start.format("%b %Y"),
            after.start.format("%b %Y")
        )
    });
    let title = format!(" AWS cost drivers{} ", months.unwrap_or_default());
    let block = panels::block(app, title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(note) = &r.note {
        lines.push(table::note(app, note));
    }
    match &r.drivers {
        None => {}
        Some(list) if list.is_empty() => lines.push(Line::from(Span::styled(
            "AWS names no cost driver between these months",
            theme.dim(),
        ))),
        Some(list) => driver_rows(app, inner.width, list, &mut lines),
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn driver_rows(app: &App, width: u16, list: &[Driver], lines: &mut Vec<Line<'static>>) {
    let theme = app.theme();
    let cur = app.currency();
    let wide = width >= 100;
    let both = if wide { 12 } else { 0 };
    let fixed = [col(18), num(both), num(both), num(12)];
    let cols = [
        col(table::rest(width, &fixed)),
        col(18),
        num(both),
        num(both),
        num(12),
    ];
    lines.push(table::head(
        app,
        &["Driver", "Type", "Before", "After", "Difference"],
        &cols,
    ));
    for d in list {
        // AWS's name says what moved ("EC2 - Other usage"); the selector only where it has none.
        let what = if d.name.is_empty() {
            d.selector.clone()
        } else {
            d.name.clone()
        };
        let diff = signed(d.difference, cur);
        lines.push(table::row(
            app,
            vec![
                (what, Default::default()),
                (d.kind.to_lowercase().replace('_', " "), theme.label()),
                (money(d.baseline, cur), Default::default()),
                (money(d.comparison, cur), Default::default()),
                (diff.clone(), theme.change(&diff)),
            ],
            &cols,
        ));
    }
}
