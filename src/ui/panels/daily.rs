//! Daily cost: a bar per day. Estimated days (the figure may still change) use a distinct
//! glyph and colour; a day an anomaly covers is coloured and named in the title (`a` lists
//! them, explained); the selected day is shown in the title when the panel has focus. Bars
//! are scaled to the highest day with spend: a day of net credits (negative) gets no bar but
//! a low mark, never a full-height one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use rust_decimal::Decimal;

use chrono::NaiveDate;

use crate::model::{Day, Money};
use crate::ui::app::{App, Panel};
use crate::ui::format::{money, money_whole, ratio};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.view else {
        return;
    };
    let anomalies = &view.source.anomalies;
    draw_series(
        frame,
        area,
        app,
        "Daily cost",
        &view.breakdown.daily,
        app.overview.focus == Panel::Daily,
        &|day| anomalies.iter().any(|a| a.covers(day)),
    );
}

/// The bar chart of `days` (also used by the drill-down); `anomalous` says which days an
/// anomaly covers.
pub fn draw_series(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    name: &str,
    days: &[Day],
    focused: bool,
    anomalous: &dyn Fn(NaiveDate) -> bool,
) {
    let theme = app.theme();
    let cur = app.currency();
    let inner_w = usize::from(area.width.saturating_sub(2));
    // Only as many days as there are columns: the most recent ones.
    let shown = &days[days.len().saturating_sub(inner_w.max(1))..];
    let hidden = days.len() - shown.len();
    let peak = shown
        .iter()
        .enumerate()
        .filter(|(_, d)| d.cost.amount() > Decimal::ZERO)
        .max_by(|a, b| a.1.cost.cmp(&b.1.cost))
        .map(|(i, d)| (i, *d));
    let selected = app
        .overview
        .day
        .unwrap_or(days.len().saturating_sub(1))
        .checked_sub(hidden)
        .filter(|_| focused);

    let sep = theme.sep();
    let mut title = vec![Span::raw(format!(" {name}"))];
    if hidden > 0 {
        title.push(Span::raw(format!(
            " (last {} of {} d)",
            shown.len(),
            days.len()
        )));
    }
    // The anomaly before the peak: when the title is cut short, it is the part that matters.
    if let Some(d) = shown.iter().rev().find(|d| anomalous(d.date)) {
        title.push(Span::styled(
            format!(
                "{sep}{} anomaly {}",
                theme.anomaly_mark(),
                d.date.format("%b %d")
            ),
            theme.spike(),
        ));
    }
    match (selected.and_then(|i| shown.get(i)), peak) {
        (Some(d), _) => {
            title.push(Span::raw(format!(
                "{sep}{} {}{} ",
                d.date.format("%a %b %d"),
                money(d.cost, cur),
                if d.estimated { " (est.)" } else { "" }
            )));
        }
        (None, Some((_, d))) => {
            title.push(Span::raw(format!(
                "{sep}peak {} {} ",
                money_whole(d.cost, cur),
                d.date.format("%b %d")
            )));
        }
        (None, None) if shown.iter().any(|d| d.cost.amount() < Decimal::ZERO) => {
            title.push(Span::raw(format!("{sep}net credits ")))
        }
        (None, None) => title.push(Span::raw(format!("{sep}no spend "))),
    }
    if shown.iter().any(|d| d.estimated) {
        title.push(Span::styled(
            format!("{} estimated ", theme.vbar_cell(8, true)),
            theme.estimated(),
        ));
    }
    let block = super::block(app, Line::from(title), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 || shown.is_empty() {
        return;
    }

    let axis = inner.height >= 3;
    let bars_h = inner.height - u16::from(axis);
    let n = shown.len();
    // Equal columns (1 to 4 cells per day), centred.
    let col_w = (usize::from(inner.width) / n).clamp(1, 4);
    let used = col_w * n;
    let x0 = inner.x + ((usize::from(inner.width) - used) / 2) as u16;
    let span = |i: usize| (i * col_w, (i + 1) * col_w);
    let max = peak.map_or(Money::ZERO, |(_, d)| d.cost);

    let buf = frame.buffer_mut();
    for (i, day) in shown.iter().enumerate() {
        let credit = day.cost.amount() < Decimal::ZERO;
        let height = if credit { 0.0 } else { ratio(day.cost, max) };
        let eighths_total = (height.clamp(0.0, 1.0) * f64::from(bars_h) * 8.0).round() as i64;
        let mut style: Style = if day.estimated {
            theme.estimated()
        } else {
            theme.bar()
        };
        if anomalous(day.date) {
            style = theme.spike();
        }
        if selected == Some(i) {
            style = style.patch(theme.selected());
        }
        for row in 0..bars_h {
            // Row 0 is the bottom.
            let level = (eighths_total - i64::from(row) * 8).clamp(0, 8) as u8;
            let glyph = if credit && row == 0 {
                theme.credit_mark()
            } else {
                theme.vbar_cell(level, day.estimated)
            };
            let y = inner.y + bars_h - 1 - row;
            let (from, to) = span(i);
            // A gap between bars once they are three columns wide.
            let to = if to - from >= 3 { to - 1 } else { to };
            for dx in from..to {
                let x = x0 as usize + dx;
                if let Some(cell) = buf.cell_mut((x as u16, y)) {
                    cell.set_symbol(glyph).set_style(style);
                }
            }
        }
        // The mark just above an anomalous bar (on its top cell if it fills the column), so
        // the day stands out without colour too.
        if anomalous(day.date) && bars_h > 0 {
            let filled = u16::try_from((eighths_total + 7).div_euclid(8)).unwrap_or(u16::MAX);
            let row = filled.min(bars_h - 1);
            let y = inner.y + bars_h - 1 - row;
            let x = x0 as usize + span(i).0;
            if let Some(cell) = buf.cell_mut((x as u16, y)) {
                cell.set_symbol(theme.anomaly_mark())
                    .set_style(theme.spike());
            }
        }
    }
    if axis {
        let y = inner.y + inner.height - 1;
        let first = shown[0].date.format("%b %d").to_string();
        let last = shown[n - 1].date.format("%b %d").to_string();
        let right_x = (x0 as usize + used).saturating_sub(last.len()) as u16;
        let style = theme.label();
        buf.set_stringn(x0, y, &first, usize::from(inner.width), style);
        if right_x > x0 + first.len() as u16 {
            buf.set_stringn(right_x, y, &last, last.len(), style);
        }
        let scale = format!("max {}", money_whole(max, cur));
        let mid = x0 + (used as u16).saturating_sub(scale.len() as u16) / 2;
        let fits =
            mid > x0 + first.len() as u16 + 1 && mid as usize + scale.len() < right_x as usize;
        if fits && peak.is_some() {
            buf.set_stringn(mid, y, &scale, scale.len(), style);
        }
    }
}
