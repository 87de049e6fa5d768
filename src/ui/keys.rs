//! The one keymap: a key (or mouse wheel) in a given mode → an [`Action`]. Normal-mode keys,
//! the help screen and the footer hints all come from [`BINDINGS`], per view, so they cannot
//! drift apart; the dialogs' few keys are matched below and named in the dialogs themselves.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseEvent, MouseEventKind};

use super::app::{Action, App, EditStep, Overlay, Panel};
use super::views::Tab;

/// What the keyboard is talking to right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No dialog: the keys of the shown view, from [`BINDINGS`].
    Normal(Tab),
    Help,
    /// The filter picker: letters go to the search box.
    Picker,
    /// The "refresh everything costs money" question.
    Confirm,
    /// The budget editor: typing a limit, before → after, or "writes are off".
    Editor(EditStep),
}

impl Mode {
    pub fn of(app: &App) -> Mode {
        match &app.overlay {
            Overlay::None => Mode::Normal(app.tab),
            Overlay::Help => Mode::Help,
            Overlay::Filter(_) => Mode::Picker,
            Overlay::ConfirmRefresh => Mode::Confirm,
            Overlay::EditBudget(editor) => Mode::Editor(editor.step()),
        }
    }
}

/// Which views a binding works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Views {
    All,
    Only(&'static [Tab]),
}

impl Views {
    pub fn has(self, tab: Tab) -> bool {
        match self {
            Views::All => true,
            Views::Only(tabs) => tabs.contains(&tab),
        }
    }
}

/// One binding: its keys as the help screen shows them (Unicode, ASCII), what it does, its
/// footer word (if it earns a place there), the views it works in and the key codes it maps.
/// Normal-mode keys are looked up here, and the help screen and footer are drawn from here,
/// so none of them can drift from the others.
pub struct Binding {
    pub keys: &'static str,
    pub ascii_keys: &'static str,
    pub what: &'static str,
    /// The footer's hint: (key, word).
    pub hint: Option<(&'static str, &'static str)>,
    pub views: Views,
    pub map: &'static [(KeyCode, Action)],
    /// On the overview, the panel the binding acts on: its footer hint is shown only while
    /// that panel has focus (the footer has room for the keys that work, not for all).
    pub focus: Option<Panel>,
}

impl Binding {
    /// The binding acts on `panel` only (see [`Binding::focus`]).
    const fn on(self, panel: Panel) -> Binding {
        Binding {
            focus: Some(panel),
            ..self
        }
    }
}

const OVERVIEW: Views = Views::Only(&[Tab::Overview]);
const LISTS: Views = Views::Only(&[
    Tab::Tags,
    Tab::Accounts,
    Tab::Changes,
    Tab::Credits,
    Tab::Savings,
    Tab::Alerts,
]);

const fn b(
    keys: &'static str,
    ascii_keys: &'static str,
    what: &'static str,
    hint: Option<(&'static str, &'static str)>,
    views: Views,
    map: &'static [(KeyCode, Action)],
) -> Binding {
    Binding {
        keys,
        ascii_keys,
        what,
        hint,
        views,
        map,
        focus: None,
    }
}

const fn show(n: char, tab: Tab) -> (KeyCode, Action) {
    (KeyCode::Char(n), Action::ShowView(tab))
}

/// Every normal-mode binding, in the help screen's order. Ctrl-C and Ctrl-Z work in every
/// mode and are handled before this table; they are here for the help screen.
pub const BINDINGS: &[Binding] = &[
    b(
        "1-7",
        "1-7",
        "show a view: the numbered tabs under the header",
        // The tab bar names them with their numbers.
        None,
        Views::All,
        SHOW,
    ),
    b(
        "f",
        "f",
        "filter: pick region, tag, service or account",
        Some(("f", "filter")),
        Views::All,
        &[
            (KeyCode::Char('f'), Action::OpenFilter),
            (KeyCode::Char('/'), Action::OpenFilter),
        ],
    ),
    b(
        "c",
        "c",
        "clear all filters",
        Some(("c", "clear")),
        Views::All,
        &[(KeyCode::Char('c'), Action::ClearFilters)],
    ),
    b(
        "w",
        "w",
        "next window: 7d, 30d, 90d, month to date, last month",
        Some(("w", "window")),
        Views::All,
        &[(KeyCode::Char('w'), Action::CycleWindow)],
    ),
    b(
        "Tab ⇧Tab",
        "Tab S-Tab",
        "move focus between panels",
        Some(("Tab", "focus")),
        OVERVIEW,
        &[
            (KeyCode::Tab, Action::FocusNext),
            (KeyCode::BackTab, Action::FocusPrev),
        ],
    ),
    b(
        "↑↓ j k",
        "Up Dn j k",
        "move in the focused panel (PgUp PgDn g G)",
        None,
        OVERVIEW,
        MOVES,
    ),
    b(
        "↑↓ j k",
        "Up Dn j k",
        "move in the list (PgUp PgDn g G)",
        None,
        LISTS,
        MOVES,
    ),
    b(
        "⏎",
        "Enter",
        "drill into the selected service",
        Some(("⏎", "drill")),
        OVERVIEW,
        &[(KeyCode::Enter, Action::Select)],
    )
    .on(Panel::Services),
    b(
        "e",
        "e",
        "edit the selected budget's limit (Budgets panel)",
        Some(("e", "edit")),
        OVERVIEW,
        &[(KeyCode::Char('e'), Action::EditBudget)],
    )
    .on(Panel::Budgets),
    b(
        "Esc",
        "Esc",
        "back: close a dialog, leave the drill-down",
        None,
        OVERVIEW,
        BACK,
    ),
    b(
        "⏎",
        "Enter",
        "the selected recommendation in full",
        Some(("⏎", "detail")),
        Views::Only(&[Tab::Savings]),
        &[(KeyCode::Enter, Action::Select)],
    ),
    b(
        "Esc",
        "Esc",
        "back: close a dialog, leave the detail",
        None,
        Views::Only(&[Tab::Savings]),
        BACK,
    ),
    b(
        "Esc",
        "Esc",
        "back: close a dialog",
        None,
        Views::Only(&[Tab::Tags, Tab::Accounts, Tab::Changes, Tab::Credits]),
        BACK,
    ),
    b(
        "t",
        "t",
        "allocate by the next tag key",
        Some(("t", "tag key")),
        Views::Only(&[Tab::Tags]),
        &[(KeyCode::Char('t'), Action::NextTagKey)],
    ),
    b(
        "Esc",
        "Esc",
        "back to the view shown before",
        Some(("Esc", "back")),
        Views::Only(&[Tab::Alerts]),
        BACK,
    ),
    b(
        "s",
        "s",
        "sort services: cost, name, change",
        None,
        OVERVIEW,
        &[(KeyCode::Char('s'), Action::CycleSort)],
    ),
    b(
        "a",
        "a",
        "alerts and anomalies (view 7); again: back",
        None,
        Views::All,
        &[(KeyCode::Char('a'), Action::ToggleAlerts)],
    ),
    b(
        "r",
        "r",
        "refresh budgets + billing estimate (free)",
        Some(("r", "refresh")),
        Views::All,
        &[(KeyCode::Char('r'), Action::Refresh)],
    ),
    b(
        "R",
        "R",
        "refresh everything incl. Cost Explorer ($0.01/request)",
        Some(("R", "all $")),
        Views::All,
        &[(KeyCode::Char('R'), Action::AskRefreshAll)],
    ),
    b(
        "?",
        "?",
        "this help",
        Some(("?", "help")),
        Views::All,
        &[(KeyCode::Char('?'), Action::ToggleHelp)],
    ),
    b(
        "q",
        "q",
        "quit (Ctrl-C too)",
        Some(("q", "quit")),
        Views::All,
        &[(KeyCode::Char('q'), Action::Quit)],
    ),
    b(
        "Ctrl-Z",
        "Ctrl-Z",
        "suspend to the shell; fg comes back",
        None,
        Views::All,
        &[],
    ),
];

const SHOW: &[(KeyCode, Action)] = &[
    show('1', Tab::Overview),
    show('2', Tab::Tags),
    show('3', Tab::Accounts),
    show('4', Tab::Changes),
    show('5', Tab::Credits),
    show('6', Tab::Savings),
    show('7', Tab::Alerts),
];

const MOVES: &[(KeyCode, Action)] = &[
    (KeyCode::Up, Action::Up),
    (KeyCode::Left, Action::Up),
    (KeyCode::Char('k'), Action::Up),
    (KeyCode::Char('h'), Action::Up),
    (KeyCode::Down, Action::Down),
    (KeyCode::Right, Action::Down),
    (KeyCode::Char('j'), Action::Down),
    (KeyCode::Char('l'), Action::Down),
    (KeyCode::PageUp, Action::PageUp),
    (KeyCode::PageDown, Action::PageDown),
    (KeyCode::Home, Action::Top),
    (KeyCode::Char('g'), Action::Top),
    (KeyCode::End, Action::Bottom),
    (KeyCode::Char('G'), Action::Bottom),
];

const BACK: &[(KeyCode, Action)] = &[
    (KeyCode::Esc, Action::Back),
    (KeyCode::Backspace, Action::Back),
];

/// The bindings that work in `tab`, in the help screen's order.
pub fn bindings(tab: Tab) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.views.has(tab))
}

/// The footer's hints for `tab` with the overview's `focus`: (key, word), quit and help
/// first.
pub fn hints(tab: Tab, focus: Panel) -> Vec<(&'static str, &'static str)> {
    let mut hints: Vec<_> = bindings(tab)
        .filter(|b| tab != Tab::Overview || b.focus.is_none_or(|p| p == focus))
        .filter_map(|b| b.hint)
        .collect();
    // The two a newcomer needs first lead the line.
    hints.sort_by_key(|(_, word)| match *word {
        "quit" => 0,
        "help" => 1,
        _ => 2,
    });
    hints
}

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
        Mode::Confirm => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                Some(Action::ConfirmRefreshAll)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Back),
            KeyCode::Char('q') => Some(Action::Quit),
            _ => None,
        },
        // No `q` here: it is not a digit, and quitting half-way through a write is no help.
        Mode::Editor(EditStep::Typing) => match key.code {
            KeyCode::Esc => Some(Action::Back),
            KeyCode::Enter => Some(Action::Select),
            KeyCode::Backspace => Some(Action::Backspace),
            KeyCode::Char(c) if !ctrl => Some(Action::Input(c)),
            _ => None,
        },
        // Only `y` sends: Enter, which moved the dialog here, must not also send it.
        Mode::Editor(EditStep::Confirm) => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Some(Action::ConfirmEdit),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Some(Action::Back),
            _ => None,
        },
        Mode::Editor(EditStep::WritesOff) => match key.code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::Char('n') => Some(Action::Back),
            _ => None,
        },
        Mode::Normal(tab) => bindings(tab)
            .flat_map(|b| b.map.iter())
            .find(|(code, _)| *code == key.code)
            .map(|(_, action)| action.clone()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A key bound twice in one view would make the table's first match win silently.
    #[test]
    fn no_key_is_bound_twice_in_a_view() {
        for tab in Tab::ALL {
            let codes: Vec<KeyCode> = bindings(tab).flat_map(|b| b.map).map(|(c, _)| *c).collect();
            for (i, code) in codes.iter().enumerate() {
                assert!(!codes[..i].contains(code), "{code:?} twice in {tab:?}");
            }
        }
    }

    #[test]
    fn every_view_has_its_number_and_the_way_out() {
        for tab in Tab::ALL {
            for (n, to) in Tab::ALL.iter().enumerate() {
                let key = KeyEvent::from(KeyCode::Char(char::from(b'1' + n as u8)));
                let action = map_key(Mode::Normal(tab), key);
                assert!(
                    matches!(action, Some(Action::ShowView(t)) if t == *to),
                    "{tab:?}"
                );
                assert_eq!(to.key(), char::from(b'1' + n as u8));
            }
            let quit = map_key(Mode::Normal(tab), KeyEvent::from(KeyCode::Char('q')));
            assert!(matches!(quit, Some(Action::Quit)), "{tab:?}");
        }
    }

    /// The help popup is 72 cells wide: one line per binding, none wrapped.
    #[test]
    fn help_lines_fit_the_help_screen() {
        for b in BINDINGS {
            assert!(b.what.chars().count() <= 60, "{}", b.what);
            assert!(b.keys.chars().count() < 10, "{}", b.keys);
        }
    }
}
