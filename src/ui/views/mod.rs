//! The dashboard's views, one module each, switched with the number keys and shown as tabs in
//! the header. Each module holds its own state (what is selected, scrolled, opened) and its
//! drawing; the window and the filters belong to [`App`] and so apply to every view.

pub mod accounts;
pub mod alerts;
pub mod changes;
pub mod credits;
pub mod overview;
pub mod savings;
pub mod table;
pub mod tags;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::app::App;
use crate::model::Section;

/// Which view is on screen, in tab order; `key` is the number that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tab {
    Overview,
    Tags,
    Accounts,
    Changes,
    Credits,
    Savings,
    Alerts,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Overview,
        Tab::Tags,
        Tab::Accounts,
        Tab::Changes,
        Tab::Credits,
        Tab::Savings,
        Tab::Alerts,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Tags => "Tags",
            Tab::Accounts => "Accounts",
            Tab::Changes => "Changes",
            Tab::Credits => "Credits",
            Tab::Savings => "Savings",
            Tab::Alerts => "Alerts",
        }
    }

    /// The analysis section the view draws, asked of the poller when the view is first shown.
    pub fn section(self) -> Option<Section> {
        match self {
            Tab::Tags => Some(Section::Tags),
            Tab::Accounts => Some(Section::Accounts),
            Tab::Changes => Some(Section::Changes),
            Tab::Credits => Some(Section::Credits),
            Tab::Savings => Some(Section::Savings),
            Tab::Overview | Tab::Alerts => None,
        }
    }

    /// The number key that shows this view: '1' for the overview … '7' for alerts.
    pub fn key(self) -> char {
        let index = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0);
        char::from(b'1' + index as u8)
    }
}

/// The tab bar: every view with its number, the shown one highlighted. `short` (small
/// terminals) names only the shown view and numbers the others.
pub fn tab_bar(app: &App, short: bool) -> Line<'static> {
    let theme = app.theme();
    let mut spans = Vec::new();
    for tab in Tab::ALL {
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
        }
        let shown = tab == app.tab;
        let text = if short && !shown {
            tab.key().to_string()
        } else {
            format!("{} {}", tab.key(), tab.title())
        };
        let style = if shown {
            theme.selected()
        } else {
            theme.label()
        };
        spans.push(Span::styled(format!(" {text} "), style));
    }
    Line::from(spans)
}

/// Moves the shown view's selection by `delta` rows (the overview's: in its focused panel),
/// within what the newest snapshot has.
pub fn step(app: &mut App, delta: isize) {
    let latest = app.latest.clone();
    let analysis = latest.as_deref().map(|s| &s.analysis);
    match app.tab {
        Tab::Overview => {
            let budgets = app.latest.as_ref().map_or(0, |s| s.budgets.len());
            app.overview.step(app.view.as_ref(), budgets, delta);
        }
        Tab::Tags => app.tags.step(analysis.and_then(|a| a.tags.as_ref()), delta),
        Tab::Accounts => app
            .accounts
            .step(analysis.and_then(|a| a.accounts.as_ref()), delta),
        Tab::Changes => app
            .changes
            .step(analysis.and_then(|a| a.changes.as_ref()), delta),
        Tab::Credits => app
            .credits
            .step(analysis.and_then(|a| a.credits.as_ref()), delta),
        Tab::Savings => app
            .savings
            .step(analysis.and_then(|a| a.savings.as_ref()), delta),
        Tab::Alerts => app.alerts.step(delta),
    }
}

/// Draws the shown view into the body `area`; `compact` on small terminals (only the overview
/// has another layout there: the others are single tables already).
pub fn draw(frame: &mut Frame, area: Rect, app: &App, compact: bool) {
    match app.tab {
        Tab::Overview => overview::draw(frame, area, app, compact),
        Tab::Tags => tags::draw(frame, area, app),
        Tab::Accounts => accounts::draw(frame, area, app),
        Tab::Changes => changes::draw(frame, area, app),
        Tab::Credits => credits::draw(frame, area, app),
        Tab::Savings => savings::draw(frame, area, app),
        Tab::Alerts => alerts::draw(frame, area, app),
    }
}
