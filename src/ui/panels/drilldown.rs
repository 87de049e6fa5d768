//! The drill-down into one service: its total, its daily series and its regions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::app::{App, Panel};
use crate::ui::format::{change, money};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let (Some(drill), Some(view)) = (&app.overview.drill, &app.view) else {
        return;
    };
    let theme = app.theme();
    let b = &drill.breakdown;
    let cur = &view.source.currency;
    let [title, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let mut spans = vec![
        Span::styled(
            format!(" {} ", crate::text::clean(&drill.service)),
            theme.accent().patch(theme.value()),
        ),
        Span::styled(money(b.total, cur), theme.value()),
    ];
    if let Some(prev) = b.previous_total {
        let c = change(b.total, prev, cur);
        spans.push(Span::styled(format!(" {c}"), theme.change(&c)));
    }
    let share = crate::output::table::share(b.total, view.breakdown.total);
    if share != "-" {
        spans.push(Span::styled(
            format!("{}{share}", theme.sep()),
            theme.label(),
        ));
    }
    spans.push(Span::styled(
        format!("{}Esc back", theme.sep()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), title);

    // This service's anomalies only.
    let anomalous = |day: chrono::NaiveDate| {
        view.source
            .anomalies
            .iter()
            .any(|a| a.service.as_deref() == Some(drill.service.as_str()) && a.covers(day))
    };
    let compact = area.width < crate::ui::FULL_WIDTH;
    if compact {
        if app.overview.focus == Panel::Daily {
            super::daily::draw_series(frame, body, app, "Daily", &b.daily, true, &anomalous);
        } else {
            super::regions::draw_rows(frame, body, app, " Regions ", &b.regions, b.total, true);
        }
        return;
    }
    let [daily, regions] =
        Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
    super::daily::draw_series(
        frame,
        daily,
        app,
        "Daily",
        &b.daily,
        app.overview.focus == Panel::Daily,
        &anomalous,
    );
    super::regions::draw_rows(
        frame,
        regions,
        app,
        " Regions ",
        &b.regions,
        b.total,
        app.overview.focus != Panel::Daily,
    );
}
