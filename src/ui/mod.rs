//! The interactive dashboard: state and actions (`app`), the keymap (`keys`), the event loop,
//! the theme, one module per view (`views`, switched by the number keys) and one per panel
//! (`panels`: the header, footer and dialogs every view shares, and the overview's panels).

pub mod app;
pub mod event_loop;
pub mod format;
pub mod keys;
pub mod panels;
pub mod terminal;
pub mod theme;
pub mod views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use app::{App, Overlay};

/// Below this size the compact layout is used: one panel at a time.
pub const FULL_WIDTH: u16 = 80;
pub const FULL_HEIGHT: u16 = 24;

/// Draws the whole dashboard for `app` into `frame`. Works at any size, down to 1×1.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width == 0 || area.height == 0 {
        return;
    }
    if area.width >= FULL_WIDTH && area.height >= FULL_HEIGHT {
        draw_full(frame, area, app);
    } else {
        draw_compact(frame, area, app);
    }
    match &app.overlay {
        Overlay::None => {}
        Overlay::Help => panels::help::draw(frame, area, app),
        Overlay::Filter(picker) => panels::filter_picker::draw(frame, area, app, picker),
        Overlay::ConfirmRefresh => panels::footer::draw_confirm(frame, area, app),
        Overlay::EditBudget(editor) => panels::budget_editor::draw(frame, area, app, editor),
    }
    if app.theme().ascii {
        asciify(frame.buffer_mut());
    }
}

/// ASCII mode's safety net: text from elsewhere (a status from the poller, a service name)
/// may hold Unicode; every cell that is not ASCII by now gets a plain stand-in.
fn asciify(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let plain = match symbol {
            "…" => "~",
            "·" | "│" | "┃" | "║" => "|",
            "—" | "–" | "─" | "━" => "-",
            "→" => ">",
            "←" => "<",
            "‘" | "’" => "'",
            "“" | "”" => "\"",
            _ => "?",
        };
        cell.set_symbol(plain);
    }
}

fn draw_full(frame: &mut Frame, area: Rect, app: &App) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(panels::header::HEIGHT),
        Constraint::Fill(1),
        Constraint::Length(panels::footer::height(app, area.width)),
    ])
    .areas(area);
    panels::header::draw(frame, header, app, false);
    panels::footer::draw(frame, footer, app);
    if app.latest.is_none() {
        panels::loading(frame, body, app);
        return;
    }
    views::draw(frame, body, app, false);
}

/// Small terminals: a short header (with the tab bar from 12 rows), the view in its compact
/// form (the overview: the focused panel, Tab switches), one footer line.
fn draw_compact(frame: &mut Frame, area: Rect, app: &App) {
    let header_height = match area.height {
        12.. => 3,
        8..12 => 2,
        _ => 1,
    };
    let footer_height = u16::from(area.height >= 4);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(header_height),
        Constraint::Fill(1),
        Constraint::Length(footer_height),
    ])
    .areas(area);
    panels::header::draw(frame, header, app, true);
    panels::footer::draw(frame, footer, app);
    if body.height == 0 {
        return;
    }
    if app.latest.is_none() {
        panels::loading(frame, body, app);
        return;
    }
    views::draw(frame, body, app, true);
}
