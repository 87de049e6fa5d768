//! The interactive dashboard: state and actions (`app`), the keymap (`keys`), the event loop,
//! the theme, and one module per panel (`panels`).

pub mod app;
pub mod event_loop;
pub mod format;
pub mod keys;
pub mod panels;
pub mod terminal;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use app::{App, Overlay, Panel};

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
        Overlay::Alerts { scroll } => panels::alerts::draw(frame, area, app, *scroll),
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
    if app.view.is_none() {
        // The free sources answered, Cost Explorer not (yet): show what there is.
        let [costs, budgets] =
            Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        panels::no_costs(frame, costs, app);
        panels::budgets::draw(frame, budgets, app);
        return;
    }
    if app.drill.is_some() {
        panels::drilldown::draw(frame, body, app);
        return;
    }
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(58), Constraint::Fill(1)]).areas(body);
    let [services, regions] =
        Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(top);
    let [daily, budgets] =
        Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(bottom);
    panels::services::draw(frame, services, app);
    panels::regions::draw(frame, regions, app);
    panels::daily::draw(frame, daily, app);
    panels::budgets::draw(frame, budgets, app);
}

/// Small terminals: a two-line header, the focused panel (Tab switches), one footer line.
fn draw_compact(frame: &mut Frame, area: Rect, app: &App) {
    let header_height = if area.height >= 8 { 2 } else { 1 };
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
    if app.view.is_none() {
        match app.focus {
            Panel::Budgets => panels::budgets::draw(frame, body, app),
            _ => panels::no_costs(frame, body, app),
        }
        return;
    }
    if app.drill.is_some() {
        panels::drilldown::draw(frame, body, app);
        return;
    }
    match app.focus {
        Panel::Services => panels::services::draw(frame, body, app),
        Panel::Regions => panels::regions::draw(frame, body, app),
        Panel::Daily => panels::daily::draw(frame, body, app),
        Panel::Budgets => panels::budgets::draw(frame, body, app),
    }
}
