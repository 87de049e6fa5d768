//! Regions: one bar per region, sized by its share of the total.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::model::{Money, Row};
use crate::ui::app::{App, Panel};
use crate::ui::format::{left, money, money_whole, ratio, right};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.view else {
        return;
    };
    let b = &view.breakdown;
    draw_rows(
        frame,
        area,
        app,
        " Regions ",
        &b.regions,
        b.total,
        app.overview.focus == Panel::Regions,
    );
}

/// The region bars for `rows` (also used by the drill-down).
pub fn draw_rows(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    rows: &[Row],
    total: Money,
    focused: bool,
) {
    let theme = app.theme();
    let cur = app.currency();
    let block = super::block(app, title.to_string(), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let w = usize::from(inner.width);
    let ell = theme.ellipsis();
    let cents = w >= 44;
    let cost_w = if cents { 12 } else { 9 };
    let name_w = 15.min(w / 2);
    let bar_w = w.saturating_sub(name_w + cost_w);

    // Bars relative to the largest region, so small ones still show; a region of net
    // credits gets none.
    let max = rows.iter().map(|r| r.cost).max().unwrap_or(total);
    let bar_of = |cost: Money| {
        if cost.amount() > rust_decimal::Decimal::ZERO {
            ratio(cost, max)
        } else {
            0.0
        }
    };
    let visible = usize::from(inner.height);
    let offset = (app.overview.region_row + 1).saturating_sub(visible);
    let mut lines = Vec::with_capacity(visible);
    for (pos, row) in rows.iter().enumerate().skip(offset).take(visible) {
        let amount = if cents {
            money(row.cost, cur)
        } else {
            money_whole(row.cost, cur)
        };
        let bar = theme.hbar(bar_of(row.cost), bar_w);
        let mut line = Line::from(vec![
            Span::raw(left(&row.name, name_w, ell)),
            Span::styled(left(&bar, bar_w, ""), theme.bar()),
            Span::raw(right(&amount, cost_w, ell)),
        ]);
        if pos == app.overview.region_row && focused {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled("no spend", theme.dim())));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
