//! What the analysis views share: a selected row kept in sight, rows of fixed-width cells
//! measured in display cells (names from AWS are cleaned and cut, amounts never), and the
//! lines a section shows instead of its numbers (fetching, a note).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::model::Section;
use crate::poller::Severity;
use crate::ui::app::App;
use crate::ui::format::{left, right};
use crate::ui::panels;

/// The selected row of a list view; the drawing keeps it in sight, the list's length clamps
/// it when it is moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    pub row: usize,
}

impl Selection {
    pub fn step(&mut self, delta: isize, len: usize) {
        self.row = super::overview::moved(self.row, len, delta);
    }

    /// The row within a list of `len` (the list may have shrunk since it was moved).
    pub fn get(self, len: usize) -> usize {
        self.row.min(len.saturating_sub(1))
    }

    /// The first of `len` rows to draw in `height` so the selected one shows.
    pub fn first(self, len: usize, height: usize) -> usize {
        let row = self.get(len);
        (row + 1).saturating_sub(height.max(1))
    }
}

/// A column: its width in cells; `right` for amounts.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub width: usize,
    pub right: bool,
}

pub const fn col(width: usize) -> Col {
    Col {
        width,
        right: false,
    }
}

pub const fn num(width: usize) -> Col {
    Col { width, right: true }
}

/// The widest a name column grows: on a wide terminal, numbers further right than this from
/// their name are hard to follow along the row.
const NAME_MAX: usize = 60;

/// The width left for a flexible column in `total` cells beside `fixed` columns (one space
/// between each two), at most [`NAME_MAX`].
pub fn rest(total: u16, fixed: &[Col]) -> usize {
    let used: usize = fixed
        .iter()
        .filter(|c| c.width > 0)
        .map(|c| c.width + 1)
        .sum();
    usize::from(total).saturating_sub(used).min(NAME_MAX)
}

/// One row: each cell fitted to its column (text is cleaned of control characters and cut
/// with the ellipsis), one space apart.
pub fn row(app: &App, cells: Vec<(String, Style)>, cols: &[Col]) -> Line<'static> {
    let ell = app.theme().ellipsis();
    let mut spans = Vec::with_capacity(cells.len() * 2);
    for (i, ((text, style), c)) in cells.into_iter().zip(cols).enumerate() {
        if c.width == 0 {
            continue;
        }
        if i > 0 {
            spans.push(Span::raw(" "));
        }
        let fitted = if c.right {
            right(&text, c.width, ell)
        } else {
            left(&text, c.width, ell)
        };
        spans.push(Span::styled(fitted, style));
    }
    Line::from(spans)
}

/// The header row of a table, in the label style.
pub fn head(app: &App, titles: &[&str], cols: &[Col]) -> Line<'static> {
    let style = app.theme().label();
    let cells = titles.iter().map(|t| (t.to_string(), style)).collect();
    row(app, cells, cols)
}

/// The style of a row: highlighted when it is the selected one.
pub fn row_style(app: &App, selected: bool) -> Style {
    if selected {
        app.theme().selected()
    } else {
        Style::default()
    }
}

/// A view's main panel, titled " {title} ": while the newest snapshot answers another window
/// or filter set than the one asked (the poller is on it), the title says the numbers are
/// being updated.
pub fn panel(app: &App, title: &str) -> Block<'static> {
    let pending = app.latest.as_ref().is_some_and(|s| s.query != app.query);
    let title = if pending {
        let dots = if app.theme().ascii { "..." } else { "…" };
        format!(" {title}{}updating{dots} ", app.theme().sep())
    } else {
        format!(" {title} ")
    };
    panels::block(app, title, true)
}

/// The whole body of a view whose section was asked for and has not arrived: "fetching
/// credits and refunds…" — or, when its fetch failed, why, and that `r` asks again.
pub fn fetching(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    (title, section): (&str, Section),
    what: &str,
) {
    let theme = app.theme();
    let block = panels::block(app, format!(" {title} "), false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let problem = app
        .latest
        .as_ref()
        .and_then(|s| s.analysis.problems.get(&section));
    let lines = match problem {
        Some(problem) => vec![
            Line::from(Span::styled(
                format!("no {what}: {}", crate::text::clean(problem)),
                theme.severity(Severity::Warning),
            )),
            Line::from(Span::styled("r asks again", theme.dim())),
        ],
        None => {
            let dots = if theme.ascii { "..." } else { "…" };
            vec![Line::from(Span::styled(
                format!("fetching {what}{dots}"),
                theme.dim(),
            ))]
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

/// A note from the data side (why something is missing, what AWS allows): information in the
/// user's words, drawn as such — never as an error.
pub fn note(app: &App, text: &str) -> Line<'static> {
    let theme = app.theme();
    Line::from(vec![
        Span::styled("note: ", theme.accent()),
        Span::styled(crate::text::clean(text).into_owned(), theme.label()),
    ])
}

/// `area` without its first `n` rows.
pub fn below(area: Rect, n: u16) -> Rect {
    let n = n.min(area.height);
    Rect {
        y: area.y + n,
        height: area.height - n,
        ..area
    }
}
