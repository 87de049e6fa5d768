//! The one keymap: a key (or mouse wheel) in a given mode → an [`Action`]. The help screen and
//! the footer hints are generated from the tables here, so they cannot drift from the bindings.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{Action, App, Overlay};

/// What the keyboard is talking to right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Help,
    /// The filter picker: letters go to the search box.
    Picker,
    /// The "refresh everything costs money" question.
    Confirm,
    /// The list of alerts and anomalies.
    Alerts,
}

impl Mode {
    pub fn of(app: &App) -> Mode {
        match app.overlay {
            Overlay::None => Mode::Normal,
            Overlay::Help => Mode::Help,
            Overlay::Filter(_) => Mode::Picker,
            Overlay::ConfirmRefresh => Mode::Confirm,
            Overlay::Alerts { .. } => Mode::Alerts,
        }
    }
}

/// One line of the help screen: keys (Unicode, ASCII) and what they do.
pub struct Binding {
    pub keys: &'static str,
    pub ascii_keys: &'static str,
    pub what: &'static str,
}

const fn b(keys: &'static str, ascii_keys: &'static str, what: &'static str) -> Binding {
    Binding {
        keys,
        ascii_keys,
        what,
    }
}

/// Normal-mode bindings, as the help screen lists them.
pub const HELP: &[Binding] = &[
    b("f", "f", "filter: pick region, tag, service or account"),
    b("c", "c", "clear all filters"),
    b(
        "w",
        "w",
        "next window: 7d, 30d, 90d, month to date, last month",
    ),
    b("Tab ⇧Tab", "Tab S-Tab", "move focus between panels"),
    b(
        "↑↓ j k",
        "Up Dn j k",
        "move in the focused panel (PgUp PgDn g G)",
    ),
    b("⏎", "Enter", "drill into the selected service"),
    b("Esc", "Esc", "back: close a dialog, leave the drill-down"),
    b("s", "s", "sort services: cost, name, change"),
    b("a", "a", "alerts and anomalies, each explained"),
    b("r", "r", "refresh budgets + billing estimate (free)"),
    b(
        "R",
        "R",
        "refresh everything incl. Cost Explorer ($0.01/request)",
    ),
    b("?", "?", "this help"),
    b("q", "q", "quit (Ctrl-C too)"),
    b("Ctrl-Z", "Ctrl-Z", "suspend to the shell; fg comes back"),
];

/// The footer's short hints: (key, word).
pub const HINTS: &[(&str, &str)] = &[
    ("q", "quit"),
    ("?", "help"),
    ("f", "filter"),
    ("c", "clear"),
    ("w", "window"),
    ("Tab", "focus"),
    ("⏎", "drill"),
    ("r", "refresh"),
    ("R", "all $"),
];

/// The action for `key` in `mode`, if any.
///
/// Esc in the filter picker closes it from either stage (Backspace on an empty search steps
/// back from the values to the dimensions) because a quick Esc Esc can be one Esc. Found in
/// tmux (`send-keys Escape Escape`: one write of two ESC bytes) with crossterm 0.29: the
/// bytes read together come out as a single plain `Esc` event, with no ALT modifier and no
/// second event (its parser maps `ESC ESC` to `Esc`; Alt+Esc is the same two bytes). Only
/// ESC bytes read apart make two events. Over SSH, in tmux, or typed during a draw, a double
/// Esc is thus often indistinguishable from a single one, and when Esc stepped back from the
/// value list, Esc Esc left the picker open on the dimension list.
pub fn map_key(mode: Mode, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return Some(Action::Quit);
    }
    // Raw mode turns off the terminal's own Ctrl-Z (it arrives here as a key), so the
    // dashboard suspends itself, from any mode, like Ctrl-C quits from any mode.
    if ctrl && key.code == KeyCode::Char('z') {
        return Some(Action::Suspend);
    }
    match mode {
        Mode::Picker => match key.code {
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Up => Some(Action::Up),
            KeyCode::Down => Some(Action::Down),
            KeyCode::Char('p') if ctrl => Some(Action::Up),
            KeyCode::Char('n') if ctrl => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        },
        Mode::Help => match key.code {
            KeyCode::Esc | KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        Mode::Alerts => match key.code {
            KeyCode::Esc | KeyCode::Char('a') => Some(Action::ToggleAlerts),
            KeyCode::Up | KeyCode::Char('k') => Some(Action::Up),
            KeyCode::Down | KeyCode::Char('j') => Some(Action::Down),
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        Mode::Confirm => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                Some(Action::ConfirmRefreshAll)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        Mode::Normal => match key.code {
            KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('?') => Some(Action::ToggleHelp),
            KeyCode::Char('a') => Some(Action::ToggleAlerts),
            KeyCode::Char('r') => Some(Action::Refresh),
            KeyCode::Char('R') => Some(Action::AskRefreshAll),
            KeyCode::Char('f') | KeyCode::Char('/') => Some(Action::OpenFilter),
            KeyCode::Char('c') => Some(Action::ClearFilters),
            KeyCode::Char('w') => Some(Action::CycleWindow),
            KeyCode::Char('s') => Some(Action::CycleSort),
            KeyCode::Tab => Some(Action::FocusNext),
            KeyCode::BackTab => Some(Action::FocusPrev),
            KeyCode::Up | KeyCode::Left | KeyCode::Char('k') | KeyCode::Char('h') => {
                Some(Action::Up)
            }
            KeyCode::Down | KeyCode::Right | KeyCode::Char('j') | KeyCode::Char('l') => {
                Some(Action::Down)
            }
            KeyCode::PageUp => Some(Action::PageUp),
            KeyCode::PageDown => Some(Action::PageDown),
            KeyCode::Home | KeyCode::Char('g') => Some(Action::Top),
            KeyCode::End | KeyCode::Char('G') => Some(Action::Bottom),
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Esc | KeyCode::Backspace => Some(Action::Back),
            _ => None,
        },
    }
}

/// The mouse wheel scrolls (only when `[ui] mouse = true` turned capture on).
pub fn map_mouse(mouse: MouseEvent) -> Option<Action> {
    match mouse.kind {
        MouseEventKind::ScrollUp => Some(Action::Up),
        MouseEventKind::ScrollDown => Some(Action::Down),
        _ => None,
    }
}
