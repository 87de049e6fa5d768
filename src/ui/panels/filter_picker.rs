//! The filter picker: a dimension list, then a value list, both narrowed by typing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::app::{App, FilterPicker, PickerStage};
use crate::ui::format::left;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, picker: &FilterPicker) {
    let theme = app.theme();
    let rect = super::popup(frame, area, 52, 18);
    let title = match &picker.stage {
        PickerStage::Dimension => " Filter by ".to_string(),
        PickerStage::Value(d) => format!(" Filter: {} ", d.label()),
    };
    let block = super::block(app, title, true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let w = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled("Search: ", theme.label()),
        Span::styled(picker.search.clone(), theme.value()),
        Span::styled("_", theme.accent()),
    ])];
    let list_h = usize::from(inner.height).saturating_sub(2);
    let offset = (picker.selected + 1).saturating_sub(list_h);
    for (pos, &i) in picker.matches.iter().enumerate().skip(offset).take(list_h) {
        let label = &picker.choices[i].label;
        let mut line = Line::from(left(&format!(" {label}"), w, theme.ellipsis()));
        if pos == picker.selected {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if picker.matches.is_empty() {
        lines.push(Line::from(Span::styled(" nothing matches", theme.dim())));
    }
    while lines.len() < usize::from(inner.height).saturating_sub(1) {
        lines.push(Line::from(""));
    }
    lines.push(Line::from(Span::styled(
        format!(
            "{} move{sep}{} pick{sep}{} back{sep}Esc close",
            theme.updown_keys(),
            theme.enter_key(),
            theme.backspace_key(),
            sep = theme.sep()
        ),
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines), inner);
}
