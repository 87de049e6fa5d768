//! View 7, Alerts (also `a`, which toggles it): what fires now, most severe first, then the
//! anomalies (local and AWS's, each marked), each with its explanation; why AWS's are missing
//! when they are. Its state is how far it is scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::model::{AlertSeverity, AnomalySource};
use crate::poller::Severity;
use crate::text::wrap;
use crate::ui::app::App;
use crate::ui::panels;

/// How far the list is scrolled, in lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    pub scroll: usize,
}

impl State {
    /// Moves by `delta` lines; the drawing clamps to what it has, so here only "not below 0".
    pub fn step(&mut self, delta: isize) {
        self.scroll = self.scroll.saturating_add_signed(delta).min(usize::MAX / 4);
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let block = panels::block(app, " Alerts and anomalies (a or Esc: back) ", true);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(snapshot) = app.latest.as_deref() else {
        return;
    };
    let text_w = usize::from(inner.width).saturating_sub(LABEL_W);
    let mut lines = Vec::new();
    if snapshot.alerts.is_empty() {
        lines.push(Line::from(Span::styled("Nothing fires.", theme.value())));
    }
    for a in &snapshot.alerts {
        let severity = match a.severity {
            AlertSeverity::Critical => Severity::Error,
            AlertSeverity::Warning => Severity::Warning,
            AlertSeverity::Info => Severity::Info,
        };
        let label = Span::styled(a.severity.name(), theme.severity(severity));
        hang(&mut lines, label, &a.title, theme.value(), text_w);
        hang(&mut lines, Span::raw(""), &a.detail, theme.label(), text_w);
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Anomalies", theme.value())));
    if snapshot.anomalies.is_empty() {
        lines.push(Line::from(Span::styled("none in this window", theme.dim())));
    }
    for a in &snapshot.anomalies {
        let source = match a.source {
            AnomalySource::Local => "awsdash",
            AnomalySource::Aws => "AWS",
        };
        let label = Span::styled(source, theme.accent());
        hang(&mut lines, label, &a.explain(), Style::default(), text_w);
    }
    if let Some(note) = &snapshot.aws_anomalies_note {
        hang(&mut lines, Span::raw("AWS"), note, theme.dim(), text_w);
    }
    if snapshot.is_demo() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Demo data: alerts are shown, never delivered.",
            theme.dim(),
        )));
    }
    let scroll = app.alerts.scroll.min(lines.len().saturating_sub(1));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

/// Cells of the label column (severity or source) every entry's text hangs from.
const LABEL_W: usize = 9;

/// `text` wrapped to `width` under `label`, every line indented to the label column.
fn hang(
    lines: &mut Vec<Line<'static>>,
    label: Span<'static>,
    text: &str,
    style: Style,
    width: usize,
) {
    for (i, part) in wrap(text, width).into_iter().enumerate() {
        let head = if i == 0 { label.clone() } else { Span::raw("") };
        let pad = " ".repeat(LABEL_W.saturating_sub(head.width()));
        lines.push(Line::from(vec![
            head,
            Span::raw(pad),
            Span::styled(part, style),
        ]));
    }
}
