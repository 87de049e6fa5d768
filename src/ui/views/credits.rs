//! View 5, Credits: gross spend, credits, refunds and net for this month and last, each
//! credit's remaining amount and expiry where the Billing API tells, and the runway — the day
//! the credits left run out at this month's burn. Credits and refunds are negative, as Cost
//! Explorer reports them.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Selection, col, num};
use crate::model::Section;
use crate::model::analysis::{CreditBalance, CreditsReport};
use crate::model::window::previous_month;
use crate::ui::app::App;
use crate::ui::format::money;
use crate::ui::panels;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    pub selection: Selection,
}

impl State {
    /// Moves among the credit balances.
    pub fn step(&mut self, report: Option<&CreditsReport>, delta: isize) {
        let len = report.and_then(|r| r.balances.as_ref()).map_or(0, Vec::len);
        self.selection.step(delta, len);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let report = app
        .latest
        .as_deref()
        .and_then(|s| s.analysis.credits.as_ref());
    let Some(r) = report else {
        table::fetching(
            frame,
            area,
            app,
            ("Credits", Section::Credits),
            "credits and refunds",
        );
        return;
    };
    let [totals_area, balances_area] =
        Layout::vertical([Constraint::Length(8), Constraint::Fill(1)]).areas(area);
    totals(frame, totals_area, app, r);
    balances(frame, balances_area, app, r);
}

/// The month's name, "Nov 2026".
fn month(day: NaiveDate) -> String {
    day.format("%b %Y").to_string()
}

fn totals(frame: &mut Frame, area: Rect, app: &App, r: &CreditsReport) {
    let theme = app.theme();
    let today = app.today();
    let block = table::panel(app, "Spend, credits and refunds");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cols = [col(10), num(16), num(16)];
    let this = format!("{} so far", month(today));
    let last = month(previous_month(today));
    let mut lines = vec![table::head(app, &["", &this, &last], &cols)];
    let cur = app.currency();
    let (this_month, last_month) = (&r.this_month, &r.last_month);
    let rows = [
        ("Gross", this_month.gross, last_month.gross),
        ("Credits", this_month.credits, last_month.credits),
        ("Refunds", this_month.refunds, last_month.refunds),
        ("Net", this_month.net, last_month.net),
    ];
    for (label, now, before) in rows {
        let style = if label == "Net" {
            theme.value()
        } else {
            Default::default()
        };
        lines.push(table::row(
            app,
            vec![
                (label.to_string(), theme.label()),
                (money(now, cur), style),
                (money(before, cur), style),
            ],
            &cols,
        ));
    }
    lines.push(runway(app, r));
    frame.render_widget(Paragraph::new(lines), inner);
}

/// When the credits left run out, or why that cannot be said.
fn runway(app: &App, r: &CreditsReport) -> Line<'static> {
    let theme = app.theme();
    let left = r
        .balances
        .as_ref()
        .map(|b| b.iter().filter(|c| !c.exhausted).count());
    match (r.runway_until, left) {
        (Some(day), _) => Line::from(vec![
            Span::styled("Runway: the credits left last to about ", theme.label()),
            Span::styled(day.format("%b %d, %Y").to_string(), theme.value()),
            Span::styled(" at this month's burn", theme.label()),
        ]),
        (None, Some(0)) => Line::from(Span::styled("Runway: no credit left", theme.label())),
        (None, Some(_)) => Line::from(Span::styled(
            "Runway: no spend this month yet to measure the credits left against",
            theme.label(),
        )),
        (None, None) => Line::from(Span::styled(
            "Runway: unknown without the credit balances",
            theme.dim(),
        )),
    }
}

fn balances(frame: &mut Frame, area: Rect, app: &App, r: &CreditsReport) {
    let theme = app.theme();
    let title = match &r.balances {
        Some(b) => format!(" Credit balances ({}) ", b.len()),
        None => " Credit balances ".to_string(),
    };
    let block = panels::block(app, title, false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(note) = &r.note {
        lines.push(table::note(app, note));
    }
    let Some(list) = &r.balances else {
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let fixed = [num(14), col(12), col(9)];
    let cols = [
        col(table::rest(inner.width, &fixed)),
        num(14),
        col(12),
        col(9),
    ];
    lines.push(table::head(
        app,
        &["Credit", "Remaining", "Expires", "State"],
        &cols,
    ));
    if list.is_empty() {
        lines.push(Line::from(Span::styled(
            "no credit on this account",
            theme.dim(),
        )));
    }
    let cur = app.currency();
    let height = usize::from(inner.height).saturating_sub(lines.len());
    let at = app.credits.selection.get(list.len());
    let first = app.credits.selection.first(list.len(), height);
    for (i, c) in list.iter().enumerate().skip(first).take(height) {
        lines.push(balance_row(app, c, &cols, i == at, cur));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn balance_row(
    app: &App,
    c: &CreditBalance,
    cols: &[table::Col],
    selected: bool,
    cur: &str,
) -> Line<'static> {
    let theme = app.theme();
    let style = table::row_style(app, selected);
    let (state, state_style) = if c.exhausted {
        ("exhausted", theme.dim())
    } else {
        ("active", theme.label())
    };
    table::row(
        app,
        vec![
            (c.description.clone(), style),
            (money(c.remaining, cur), style.patch(theme.value())),
            (
                c.expires
                    .map_or_else(|| "-".to_string(), |d| d.format("%Y-%m-%d").to_string()),
                style,
            ),
            (state.to_string(), style.patch(state_style)),
        ],
        cols,
    )
}
