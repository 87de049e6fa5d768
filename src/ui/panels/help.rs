//! The help screen for the shown view, generated from the keymap, with how to filter spelled
//! out.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::ui::app::App;
use crate::ui::keys;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = app.theme();
    let bindings: Vec<_> = keys::bindings(app.tab).collect();
    let rect = super::popup(frame, area, 72, bindings.len() as u16 + 9);
    let title = format!(" Help (? or Esc closes){}{} ", theme.sep(), app.tab.title());
    let block = super::block(app, title, true);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let key_w = 10;
    let mut lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            let keys = if theme.ascii { b.ascii_keys } else { b.keys };
            Line::from(vec![
                Span::styled(format!("{keys:<key_w$}"), theme.key()),
                Span::raw(b.what),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("To filter", theme.value())));
    lines.push(Line::from(
        "f, pick Region / Service / Account / Tag, Enter, type to narrow the values, Enter. \
         Filters on different dimensions are AND-ed (region and tag); c clears them.",
    ));
    lines.push(Line::from(Span::styled(
        // One line at 80 columns: the overview's help fills the screen to the last row.
        "Estimated days may change; amounts are exact, in the account currency.",
        theme.dim(),
    )));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
