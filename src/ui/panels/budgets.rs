//! Budgets: a gauge per budget coloured by its thresholds, the thresholds marked, a marker
//! where the forecast lands, and how far through the budget period we are.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use rust_decimal::Decimal;

use crate::model::{Budget, Money};
use crate::ui::app::{App, Panel};
use crate::ui::format::{left, money_whole, ratio, right};
use crate::ui::theme::{Level, Theme};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let focused = app.overview.focus == Panel::Budgets;
    let block = super::block(app, " Budgets (F = forecast) ", focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let Some(snapshot) = app.latest.as_deref() else {
        return;
    };
    let budgets = &snapshot.budgets;
    if let Some(problem) = snapshot
        .problems
        .budgets
        .as_deref()
        .filter(|_| budgets.is_empty())
    {
        // Failed is not the same as none: say which, and why.
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(Span::styled("Budgets could not be read:", theme.value())),
                Line::from(Span::styled(
                    crate::text::clean(problem).into_owned(),
                    theme.severity(crate::poller::Severity::Error),
                )),
            ])
            .wrap(ratatui::widgets::Wrap { trim: true }),
            inner,
        );
        return;
    }
    if budgets.is_empty() {
        let text = match snapshot.freshness.budgets {
            Some(_) => "no budgets in this account",
            None => "waiting for Budgets",
        };
        frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())), inner);
        return;
    }
    let h = usize::from(inner.height);
    // Three lines each when they fit, else two, else one.
    let per = if h >= budgets.len() * 3 {
        3
    } else if h >= budgets.len() * 2 {
        2
    } else {
        1
    };
    let w = usize::from(inner.width);
    let ell = theme.ellipsis();
    let cur = &snapshot.currency;
    let visible = (h / per).max(1);
    let offset = (app.overview.budget_row + 1).saturating_sub(visible);
    let mut lines = Vec::with_capacity(h);
    for (pos, budget) in budgets.iter().enumerate().skip(offset).take(visible) {
        let used = budget.actual.percent_of(budget.limit);
        let forecast_pct = budget.forecasted.and_then(|f| f.percent_of(budget.limit));
        let level = level(budget, used, forecast_pct);
        let pct = used.map_or_else(|| "-".into(), |p| format!("{}%", p.round()));
        // The percentage is the point: in a narrow panel the limit, then the amount go first.
        let actual = money_whole(budget.actual, cur);
        let limit = money_whole(budget.limit, cur);
        let amounts = [
            format!("{actual} / {limit} {pct}"),
            format!("{actual} {pct}"),
            pct.clone(),
        ]
        .into_iter()
        .find(|a| a.len() < w)
        .unwrap_or_else(|| pct.clone());
        let selected = focused && pos == app.overview.budget_row;
        let name_w = w.saturating_sub(amounts.len() + 1);
        let mut first = Line::from(vec![
            Span::styled(left(&budget.name, name_w, ell), theme.value()),
            Span::raw(" "),
            Span::styled(right(&amounts, w - name_w - 1, ell), theme.level(level)),
        ]);
        if selected {
            first = first.style(theme.selected());
        }
        if per == 1 {
            // One line: name, a short gauge, the percentage.
            let gauge_w = w.saturating_sub(name_w.min(w / 2) + pct.len() + 2);
            let mut spans = vec![Span::styled(
                left(&budget.name, w.saturating_sub(gauge_w + pct.len() + 2), ell),
                theme.value(),
            )];
            spans.push(Span::raw(" "));
            spans.extend(gauge(theme, budget, level, gauge_w));
            spans.push(Span::styled(format!(" {pct}"), theme.level(level)));
            lines.push(Line::from(spans));
            continue;
        }
        lines.push(first);
        lines.push(Line::from(gauge(theme, budget, level, w)));
        if per == 3 {
            lines.push(detail(app, budget, forecast_pct, w));
        }
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn level(budget: &Budget, used: Option<Decimal>, forecast: Option<Decimal>) -> Level {
    let used = used.unwrap_or_default();
    if used >= Decimal::ONE_HUNDRED {
        return Level::Bad;
    }
    let crossed = budget.thresholds.iter().any(|t| {
        let value = if t.kind.eq_ignore_ascii_case("FORECASTED") {
            forecast.unwrap_or_default()
        } else {
            used
        };
        value >= t.percent
    });
    if crossed || forecast.is_some_and(|f| f >= Decimal::ONE_HUNDRED) {
        Level::Warn
    } else {
        Level::Good
    }
}

/// The gauge: filled to the actual spend, `|` at each threshold, `F` at the forecast
/// (`>` at the end when the forecast is beyond the limit).
fn gauge(theme: Theme, budget: &Budget, level: Level, width: usize) -> Vec<Span<'static>> {
    if width == 0 {
        return Vec::new();
    }
    let cell_of = |m: Money| -> usize {
        ((ratio(m, budget.limit) * width as f64).round() as usize).min(width)
    };
    let filled = cell_of(budget.actual);
    let (full, empty, mark) = if theme.ascii {
        ("#", "-", "|")
    } else {
        ("█", "░", "│")
    };
    let mut cells: Vec<(String, ratatui::style::Style)> = (0..width)
        .map(|i| {
            if i < filled {
                (full.to_string(), theme.level(level))
            } else {
                (empty.to_string(), theme.dim())
            }
        })
        .collect();
    for t in &budget.thresholds {
        let at = (t.percent / Decimal::ONE_HUNDRED * Decimal::from(width as u64))
            .round()
            .to_string()
            .parse::<usize>()
            .unwrap_or(width);
        if at > 0 && at < width {
            cells[at] = (mark.to_string(), theme.label());
        }
    }
    if let Some(f) = budget.forecasted {
        let at = cell_of(f);
        let beyond = f > budget.limit;
        let i = if beyond { width - 1 } else { at.min(width - 1) };
        cells[i] = (
            if beyond { ">" } else { "F" }.to_string(),
            theme.level(level).patch(theme.value()),
        );
    }
    cells
        .into_iter()
        .map(|(s, st)| Span::styled(s, st))
        .collect()
}

/// "forecast $33,100 (103%) · day 25 of 30".
fn detail(app: &App, budget: &Budget, forecast: Option<Decimal>, w: usize) -> Line<'static> {
    let theme = app.theme();
    let cur = app.currency();
    let long = w >= 40;
    let mut text = match (budget.forecasted, forecast) {
        (Some(f), Some(p)) if long => {
            format!("forecast {} ({}%)", money_whole(f, cur), p.round())
        }
        (Some(f), Some(p)) => format!("fcst {} {}%", money_whole(f, cur), p.round()),
        _ => "no forecast".to_string(),
    };
    if let Some(period) = budget.period {
        let day = (app.today() - period.start).num_days() + 1;
        let days = period.days();
        if (1..=days).contains(&day) {
            let sep = theme.sep();
            if long {
                text.push_str(&format!("{sep}day {day} of {days}"));
            } else {
                text.push_str(&format!("{sep}day {day}/{days}"));
            }
        }
    }
    Line::from(Span::styled(
        left(&text, w, theme.ellipsis()),
        theme.label(),
    ))
}
