//! The footer: the latest status (errors say what to do next) and the shown view's key hints;
//! and the "refresh everything costs money" question.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::poller::Severity;
use crate::ui::app::App;
use crate::ui::format::{age, money};
use crate::ui::keys;

/// Two lines (status, key hints), or three when a warning or error needs two to be read in
/// full — its advice is the point, so it is never cut at the edge.
pub fn height(app: &App, width: u16) -> u16 {
    let long = app
        .status
        .as_ref()
        .is_some_and(|s| s.severity > Severity::Info && status(app).width() > usize::from(width));
    if long { 3 } else { 2 }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    if area.height == 0 {
        return;
    }
    if area.height >= 3 {
        let [status_area, hints_area] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        frame.render_widget(
            Paragraph::new(status(app)).wrap(Wrap { trim: true }),
            status_area,
        );
        frame.render_widget(Paragraph::new(hints(app)), hints_area);
        return;
    }
    let mut lines = Vec::new();
    let errorish = app
        .status
        .as_ref()
        .is_some_and(|s| s.severity > Severity::Info);
    // With one line, an error beats the hints.
    if area.height >= 2 || errorish || app.latest.is_none() {
        lines.push(status(app));
    }
    if area.height >= 2 || lines.is_empty() {
        lines.push(hints(app));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn status(app: &App) -> Line<'static> {
    let theme = app.theme();
    if let Some(s) = &app.status {
        let mark = match s.severity {
            Severity::Info => "",
            Severity::Warning => "! ",
            Severity::Error => "ERROR: ",
        };
        return Line::from(vec![
            Span::styled(format!("{mark}{}", s.message), theme.severity(s.severity)),
            Span::styled(format!(" ({})", age(app.now, s.at)), theme.dim()),
        ]);
    }
    match app.latest.as_deref() {
        None => Line::from(Span::styled("waiting for the first data", theme.dim())),
        Some(s) => Line::from(Span::styled(
            format!(
                "updated {}{}{}",
                age(app.now, s.generated_at),
                theme.sep(),
                if s.is_demo() {
                    "demo data: generated, no AWS calls"
                } else {
                    "live AWS data"
                }
            ),
            theme.dim(),
        )),
    }
}

fn hints(app: &App) -> Line<'static> {
    let theme = app.theme();
    let mut spans = Vec::new();
    for (key, word) in keys::hints(app.tab, app.overview.focus) {
        let key = if key == "⏎" { theme.enter_key() } else { key };
        spans.push(Span::styled(key.to_string(), theme.key()));
        spans.push(Span::styled(format!(" {word} "), theme.label()));
    }
    Line::from(spans)
}

/// The `R` question: what a full refresh costs, and what was spent today.
pub fn draw_confirm(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let rect = super::popup(frame, area, 62, 9);
    let block = super::block(app, " Refresh everything? ", true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let (calls, spent) = app
        .latest
        .as_deref()
        .map_or((0, money(Default::default(), "USD")), |s| {
            (
                s.api_calls.cost_explorer,
                money(s.api_calls.cost_explorer_usd(), "USD"),
            )
        });
    let mut lines = vec![
        Line::from("This also asks Cost Explorer for fresh data."),
        Line::from(Span::styled(
            "Cost Explorer bills $0.01 per request (every page counts); a full refresh makes a few.",
            theme.value(),
        )),
        Line::from(format!("Today so far: {calls} requests ({spent}).")),
    ];
    if app.options.demo {
        lines.push(Line::from(Span::styled(
            "Demo: nothing is billed.",
            theme.dim(),
        )));
    }
    lines.push(Line::from(vec![
        Span::styled("y", theme.key()),
        Span::raw("/"),
        Span::styled(theme.enter_key(), theme.key()),
        Span::raw(" refresh   "),
        Span::styled("n", theme.key()),
        Span::raw("/"),
        Span::styled("Esc", theme.key()),
        Span::raw(" cancel"),
    ]));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}
