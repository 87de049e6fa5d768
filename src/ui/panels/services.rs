//! Services: a table with a share bar, the cost and the change against the previous period,
//! sortable (`s`). Only the visible rows are formatted, however many services there are.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::app::{App, Panel};
use crate::ui::format::{change, left, money, money_whole, right, share_ratio};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(view) = &app.view else {
        return;
    };
    let theme = app.theme();
    let focused = app.overview.focus == Panel::Services;
    let rows = &view.breakdown.services;
    let title = format!(
        " Services ({}){}sort {} {} [s] ",
        rows.len(),
        theme.sep(),
        app.overview.sort.label(),
        theme.sort_marker()
    );
    let block = super::block(app, title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }

    let w = usize::from(inner.width);
    let ell = theme.ellipsis();
    let cur = &view.source.currency;
    // Columns drop out as the panel narrows: change, then the bar; cents last.
    let cents = w >= 44;
    let cost_w = if cents { 12 } else { 8 };
    let change_w = if w >= 30 { 8 } else { 0 };
    let bar_w = if w >= 40 { (w / 6).clamp(5, 14) } else { 0 };
    let name_w = w.saturating_sub(cost_w + change_w + bar_w + usize::from(bar_w > 0));

    let mut lines = Vec::with_capacity(usize::from(inner.height));
    let mut head = vec![Span::styled(left("Service", name_w, ell), theme.label())];
    if bar_w > 0 {
        head.push(Span::styled(
            format!(" {}", left("Share", bar_w, ell)),
            theme.label(),
        ));
    }
    head.push(Span::styled(right("Cost", cost_w, ell), theme.label()));
    if change_w > 0 {
        head.push(Span::styled(right("Change", change_w, ell), theme.label()));
    }
    lines.push(Line::from(head));

    let visible = usize::from(inner.height).saturating_sub(1);
    let offset = (app.overview.service_row + 1).saturating_sub(visible);
    let total = view.breakdown.total;
    for (pos, &i) in view.order.iter().enumerate().skip(offset).take(visible) {
        let row = &rows[i];
        let amount = if cents {
            money(row.cost, cur)
        } else {
            money_whole(row.cost, cur)
        };
        let mut spans = vec![Span::raw(left(&row.name, name_w, ell))];
        if bar_w > 0 {
            spans.push(Span::raw(" "));
            spans.push(Span::styled(
                left(&theme.hbar(share_ratio(row.cost, total), bar_w), bar_w, ""),
                theme.bar(),
            ));
        }
        spans.push(Span::raw(right(&amount, cost_w, ell)));
        if change_w > 0 {
            let c = row
                .previous
                .map(|p| change(row.cost, p, cur))
                .unwrap_or_default();
            spans.push(Span::styled(right(&c, change_w, ell), theme.change(&c)));
        }
        let mut line = Line::from(spans);
        if pos == app.overview.service_row && focused {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "no spend in this window with these filters",
            theme.dim(),
        )));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
