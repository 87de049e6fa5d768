//! View 3, Accounts: the cost of each linked account with its name over the window, month to
//! date against the same days last month, and the selected account's top services. A
//! standalone or member account sees one row, and the data's note says why.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Selection, col, num};
use crate::model::Section;
use crate::model::analysis::{AccountCost, AccountsReport};
use crate::ui::app::App;
use crate::ui::format::{change, money};
use crate::ui::panels;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    pub selection: Selection,
}

impl State {
    pub fn step(&mut self, report: Option<&AccountsReport>, delta: isize) {
        self.selection
            .step(delta, report.map_or(0, |r| r.accounts.len()));
    }
}

/// "Production (111111111111)", or the id alone when AWS gave no name.
fn label(a: &AccountCost) -> String {
    match &a.name {
        Some(name) => format!("{name} ({})", a.id),
        None => a.id.clone(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let report = app
        .latest
        .as_deref()
        .and_then(|s| s.analysis.accounts.as_ref());
    let Some(r) = report else {
        table::fetching(
            frame,
            area,
            app,
            ("Accounts", Section::Accounts),
            "cost per account",
        );
        return;
    };
    let at = app.accounts.selection.get(r.accounts.len());
    let selected = r.accounts.get(at);
    let services = selected.map_or(0, |a| a.top_services.len());
    let detail_h = if services > 0 && area.height >= 14 {
        services as u16 + 2
    } else {
        0
    };
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_h)]).areas(area);
    list(frame, list_area, app, r, at);
    if let Some(a) = selected.filter(|_| detail_h > 0) {
        top_services(frame, detail_area, app, a);
    }
}

fn list(frame: &mut Frame, area: Rect, app: &App, r: &AccountsReport, at: usize) {
    let theme = app.theme();
    let title = format!("Accounts ({})", r.accounts.len());
    let block = table::panel(app, &title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(note) = &r.note {
        lines.push(table::note(app, note));
    }
    let money_w = 12;
    let previous_w = if inner.width >= 70 { money_w } else { 0 };
    let fixed = [num(money_w), num(money_w), num(previous_w), num(8)];
    let cols = [
        col(table::rest(inner.width, &fixed)),
        num(money_w),
        num(money_w),
        num(previous_w),
        num(8),
    ];
    lines.push(table::head(
        app,
        &["Account", "Window", "MTD", "Last month", "vs last"],
        &cols,
    ));
    if r.accounts.is_empty() {
        lines.push(Line::from(Span::styled(
            "no account has spend in this window",
            theme.dim(),
        )));
    }
    let cur = app.currency();
    let height = usize::from(inner.height).saturating_sub(lines.len());
    let first = app.accounts.selection.first(r.accounts.len(), height);
    for (i, a) in r.accounts.iter().enumerate().skip(first).take(height) {
        let style = table::row_style(app, i == at);
        let c = change(a.month_to_date, a.previous_month_same_days, cur);
        lines.push(table::row(
            app,
            vec![
                (label(a), style),
                (money(a.cost, cur), style.patch(theme.value())),
                (money(a.month_to_date, cur), style),
                (money(a.previous_month_same_days, cur), style),
                (c.clone(), style.patch(theme.change(&c))),
            ],
            &cols,
        ));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The selected account's largest services over the window.
fn top_services(frame: &mut Frame, area: Rect, app: &App, a: &AccountCost) {
    let theme = app.theme();
    let title = format!(
        " Top services{}{} ",
        theme.sep(),
        crate::text::clean(&label(a))
    );
    let block = panels::block(app, title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cur = app.currency();
    let fixed = [num(12), num(7)];
    let cols = [col(table::rest(inner.width, &fixed)), num(12), num(7)];
    let lines: Vec<Line> = a
        .top_services
        .iter()
        .map(|s| {
            table::row(
                app,
                vec![
                    (s.name.clone(), Default::default()),
                    (money(s.cost, cur), theme.value()),
                    (crate::output::table::share(s.cost, a.cost), theme.label()),
                ],
                &cols,
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
