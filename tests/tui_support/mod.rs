//! Shared by the `tui_*` tests: a fixed clock, demo snapshots, key presses, rendering.
#![allow(dead_code)]

use std::sync::Arc;

use awsdash::model::{FilterSet, Preset, Query, Section, Snapshot};
use awsdash::poller::Command;
use awsdash::source::demo::DemoSource;
use awsdash::ui::app::{Action, App, Options};
use awsdash::ui::keys::{self, Mode};
use awsdash::ui::theme::Theme;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("date")
}

pub fn now() -> DateTime<Utc> {
    "2026-11-25T16:40:00Z".parse().expect("time")
}

pub fn plain() -> Theme {
    Theme {
        color: true,
        ascii: false,
    }
}

pub fn ascii() -> Theme {
    Theme {
        color: false,
        ascii: true,
    }
}

pub fn initial_query() -> Query {
    Query {
        window: Preset::Days30.window(today()),
        filters: FilterSet::default(),
    }
}

pub fn app(theme: Theme) -> App {
    App::new(
        Options {
            theme,
            demo: true,
            profile: None,
            tag_keys: vec!["team".into(), "project".into(), "env".into()],
            writes: false,
        },
        initial_query(),
        now(),
    )
}

/// What the demo poller would answer for `query`, generated five minutes ago, after three
/// Cost Explorer calls.
pub fn snapshot_for(query: &Query) -> Arc<Snapshot> {
    let generated = now() - Duration::minutes(5);
    let mut s = DemoSource {
        exclude_credits: false,
    }
    .snapshot(query, today(), generated);
    s.api_calls.cost_explorer = 3;
    Arc::new(s)
}

/// Like [`snapshot_for`], with the analysis sections `sections` filled, tags by `tag_key`, as
/// the demo poller fills what was wanted.
pub fn snapshot_with(query: &Query, sections: &[Section], tag_key: &str) -> Arc<Snapshot> {
    let demo = DemoSource {
        exclude_credits: false,
    };
    let mut s = (*snapshot_for(query)).clone();
    s.analysis = demo.analysis(query, today(), sections, tag_key, s.breakdown().as_ref());
    Arc::new(s)
}

/// Delivers the poller's answer for `query`, with the sections the app has asked for (tags by
/// the key it asked for last, else the first configured key).
pub fn deliver(app: &mut App, query: &Query) {
    let tag_key = app
        .tags
        .asked
        .clone()
        .or_else(|| app.options.tag_keys.first().cloned())
        .unwrap_or_else(|| "team".into());
    let snapshot = snapshot_with(query, &app.wanted, &tag_key);
    app.update(Action::Snapshot(snapshot));
}

/// Plays the poller: answers every `SetQuery`, `Want` and `TagKey` with a snapshot.
pub fn answer(app: &mut App, commands: Vec<Command>) {
    for c in commands {
        match c {
            Command::SetQuery(q) => deliver(app, &q),
            Command::Want(_) | Command::TagKey(_) => {
                let query = app.query.clone();
                deliver(app, &query)
            }
            Command::Refresh { .. } | Command::EditBudget { .. } => {}
        }
    }
}

pub fn key(name: &str) -> KeyEvent {
    let code = match name {
        "Enter" => KeyCode::Enter,
        "Esc" => KeyCode::Esc,
        "Tab" => KeyCode::Tab,
        "BackTab" => KeyCode::BackTab,
        "Up" => KeyCode::Up,
        "Down" => KeyCode::Down,
        "Backspace" => KeyCode::Backspace,
        "PageDown" => KeyCode::PageDown,
        "C-c" => return KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
        "C-z" => return KeyEvent::new(KeyCode::Char('z'), KeyModifiers::CONTROL),
        s if s.chars().count() == 1 => KeyCode::Char(s.chars().next().expect("char")),
        other => panic!("unknown key {other}"),
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Presses keys through the real keymap; returns the commands meant for the poller.
pub fn press_all(app: &mut App, names: &[&str]) -> Vec<Command> {
    let mut out = Vec::new();
    for name in names {
        if let Some(action) = keys::map_key(Mode::of(app), key(name)) {
            out.extend(app.update(action));
        }
    }
    out
}

/// The frame as the terminal would hold it, cell by cell.
pub fn render_buffer(app: &App, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| awsdash::ui::draw(frame, app))
        .expect("draw");
    terminal.backend().buffer().clone()
}

pub fn render(app: &App, width: u16, height: u16) -> String {
    let buffer = render_buffer(app, width, height);
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
