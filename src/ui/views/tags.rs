//! View 2, Tags: cost allocation by one tag key — the cost of each value over the window with
//! the daily trend of the top values, the untagged share (the compliance number), and which
//! keys are activated for cost allocation. `t` moves to the next tag key.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::table::{self, Selection, col, num};
use crate::model::Section;
use crate::model::analysis::{DayCost, TagsReport};
use crate::text::clean;
use crate::ui::app::App;
use crate::ui::format::{money, share_ratio};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub selection: Selection,
    /// The key asked for with `t`, until a report for it arrives.
    pub asked: Option<String>,
}

impl State {
    pub fn step(&mut self, report: Option<&TagsReport>, delta: isize) {
        self.selection
            .step(delta, report.map_or(0, |r| r.values.len()));
    }

    /// `t`: the key after the shown one among the keys AWS knows; `None` when there is no
    /// other.
    pub fn next_key(&mut self, report: Option<&TagsReport>) -> Option<String> {
        let report = report?;
        let current = self.asked.as_deref().unwrap_or(&report.key);
        let at = report.keys.iter().position(|k| k == current);
        let next = match at {
            Some(i) => report.keys.get((i + 1) % report.keys.len())?,
            None => report.keys.first()?,
        };
        if next == current {
            return None;
        }
        self.asked = Some(next.clone());
        self.selection = Selection::default();
        Some(next.clone())
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let report = app.latest.as_deref().and_then(|s| s.analysis.tags.as_ref());
    let Some(r) = report else {
        table::fetching(frame, area, app, ("Tags", Section::Tags), "cost by tag");
        return;
    };
    let sep = theme.sep();
    let mut title = format!("Tags{sep}key {}", clean(&r.key));
    if let Some(asked) = app.tags.asked.as_deref().filter(|k| *k != r.key) {
        let dots = if theme.ascii { "..." } else { "…" };
        title = format!(
            "Tags{sep}key {}{sep}switching to {}{dots}",
            r.key,
            clean(asked)
        );
    }
    let block = table::panel(app, &title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let cur = app.currency();
    let total = r
        .values
        .iter()
        .fold(crate::model::Money::ZERO, |sum, v| sum + v.cost);
    let mut top = vec![untagged_line(app, r, cur, total)];
    top.extend(activation_line(app, r));
    if let Some(note) = &r.note {
        top.push(table::note(app, note));
    }
    let [head, rows] = Layout::vertical([
        Constraint::Length(top.len() as u16 + 1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(top), head);

    let days = r.trend.first().map_or(0, |t| t.daily.len());
    let trend_w = if inner.width >= 70 {
        days.min(usize::from(inner.width) / 3)
    } else {
        0
    };
    let bar_w = if inner.width >= 60 { 10 } else { 0 };
    let fixed = [col(bar_w), num(12), col(trend_w)];
    let value_w = table::rest(inner.width, &fixed);
    let cols = [col(value_w), col(bar_w), num(12), col(trend_w)];
    let mut lines = vec![table::head(
        app,
        &["Value", "Share", "Cost", "Daily, top values"],
        &cols,
    )];
    let height = usize::from(rows.height).saturating_sub(1);
    let at = app.tags.selection.get(r.values.len());
    let first = app.tags.selection.first(r.values.len(), height);
    for (i, v) in r.values.iter().enumerate().skip(first).take(height) {
        let style = table::row_style(app, i == at);
        let name = if v.value.is_empty() {
            "(untagged)".to_string()
        } else {
            v.value.clone()
        };
        let trend = r
            .trend
            .iter()
            .find(|t| t.value == v.value)
            .map(|t| spark(app, &t.daily, trend_w))
            .unwrap_or_default();
        lines.push(table::row(
            app,
            vec![
                (name, style),
                (theme.hbar(share_ratio(v.cost, total), bar_w), theme.bar()),
                (money(v.cost, cur), style.patch(theme.value())),
                (trend, theme.bar()),
            ],
            &cols,
        ));
    }
    frame.render_widget(Paragraph::new(lines), rows);
}

/// "Untagged $1,234.56 · 12.3% of $10,000.00 · t next key".
fn untagged_line(
    app: &App,
    r: &TagsReport,
    cur: &str,
    total: crate::model::Money,
) -> Line<'static> {
    let theme = app.theme();
    let sep = theme.sep();
    let mut spans = vec![
        Span::styled("Untagged ", theme.label()),
        Span::styled(money(r.untagged.cost, cur), theme.value()),
    ];
    if let Some(p) = r.untagged.percent {
        spans.push(Span::styled(
            format!("{sep}{:.1}%", p.round_dp(1)),
            theme.value(),
        ));
        spans.push(Span::styled(
            format!(" of {}", money(total, cur)),
            theme.label(),
        ));
    }
    if r.keys.len() > 1 {
        spans.push(Span::styled(sep.to_string(), theme.label()));
        spans.push(Span::styled("t", theme.key()));
        spans.push(Span::styled(" next key", theme.label()));
    }
    Line::from(spans)
}

/// Which keys are activated for cost allocation; nothing when AWS does not say (the note
/// says why).
fn activation_line(app: &App, r: &TagsReport) -> Option<Line<'static>> {
    let theme = app.theme();
    let text = match &r.active_keys {
        None => return None,
        Some(active) if active.is_empty() => "Cost allocation: no tag key is activated".to_string(),
        Some(active) => {
            let mut text = format!("Cost allocation: activated {}", active.join(", "));
            if !active.contains(&r.key) {
                text.push_str(&format!(" ({} is not)", r.key));
            }
            text
        }
    };
    Some(Line::from(Span::styled(
        clean(&text).into_owned(),
        theme.label(),
    )))
}

/// The last `width` days as a one-row chart, scaled to its own peak: the shape of a value's
/// spend, its size being in the cost column.
fn spark(app: &App, daily: &[DayCost], width: usize) -> String {
    let shown = &daily[daily.len().saturating_sub(width)..];
    let peak = shown.iter().map(|d| d.cost).max().unwrap_or_default();
    shown
        .iter()
        .map(|d| {
            let eighths = (share_ratio(d.cost, peak) * 8.0).round() as u8;
            app.theme().vbar_cell(eighths, false)
        })
        .collect()
}
