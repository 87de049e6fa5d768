//! One module per panel. Each reads the slice of [`App`] it shows and draws it; none of them
//! changes state.

pub mod budget_editor;
pub mod budgets;
pub mod daily;
pub mod drilldown;
pub mod filter_picker;
pub mod footer;
pub mod header;
pub mod help;
pub mod regions;
pub mod services;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::app::App;
use crate::poller::Severity;

/// A bordered panel with a title; the focused one stands out.
pub fn block<'a>(app: &App, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
    let theme = app.theme();
    Block::bordered()
        .border_set(theme.border_set())
        .border_style(theme.border(focused))
        .title(title.into().style(theme.title(focused)))
}

/// A popup of at most `width`×`height` in the middle of `area`, cleared underneath.
pub fn popup(frame: &mut Frame, area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    let rect = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    };
    frame.render_widget(Clear, rect);
    rect
}

/// Before the first snapshot: say what is happening and how to leave.
pub fn loading(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let what = if app.options.demo {
        "Loading the demo account…"
    } else {
        "Loading cost data from AWS…"
    };
    let what = if theme.ascii {
        what.replace('…', "...")
    } else {
        what.to_string()
    };
    // Nothing to show yet and a problem to fix: the fix gets the screen, whole and wrapped
    // (the one-line footer would cut it at 80 columns).
    let failed = app
        .status
        .as_ref()
        .filter(|s| s.severity == Severity::Error);
    let lines = match failed {
        Some(status) => {
            let mut lines =
                problem_lines(app, "No data yet: AWS could not be read.", &status.message);
            lines.push(Line::from(""));
            lines.push(Line::from(Span::styled(
                format!(
                    "r retries{}q quits{}--demo shows sample data",
                    theme.sep(),
                    theme.sep()
                ),
                theme.dim(),
            )));
            lines
        }
        None => vec![
            Line::from(Span::styled(what, theme.value())),
            Line::from(Span::styled(
                "Budgets and the billing estimate come first; Cost Explorer follows.",
                theme.dim(),
            )),
            Line::from(Span::styled(
                format!("q quits{}? help", theme.sep()),
                theme.dim(),
            )),
        ],
    };
    let top = area.height.saturating_sub(lines.len() as u16) / 2;
    let rect = Rect {
        y: area.y + top,
        height: area.height - top,
        ..area
    };
    frame.render_widget(
        Paragraph::new(lines)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

/// Where the cost panels go while there is no Cost Explorer data: why, and what to do.
pub fn no_costs(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let block = block(app, " Costs ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let problem = app
        .latest
        .as_ref()
        .and_then(|s| s.problems.cost_explorer.clone());
    let lines = match problem {
        Some(problem) => problem_lines(
            app,
            "No Cost Explorer data: nothing is cached yet and the request failed.",
            &problem,
        ),
        None => vec![Line::from(Span::styled(
            if theme.ascii {
                "Waiting for Cost Explorer..."
            } else {
                "Waiting for Cost Explorer…"
            },
            theme.dim(),
        ))],
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// A headline, a blank line and what went wrong (cleaned, in the error colour): the body of a
/// panel that has nothing to show but a reason.
fn problem_lines(app: &App, headline: &'static str, problem: &str) -> Vec<Line<'static>> {
    let theme = app.theme();
    vec![
        Line::from(Span::styled(headline, theme.value())),
        Line::from(""),
        Line::from(Span::styled(
            crate::text::clean(problem).into_owned(),
            theme.severity(Severity::Error),
        )),
    ]
}
