//! Dashboard state and the one [`Action`] type that changes it. Drawing lives in
//! `panels/`; key bindings in `keys.rs`. `App::update` is pure apart from the clock it is
//! given, so every key can be tested without a terminal. The filter picker's state is in
//! `picker`, the budget editor's in `budget_editor`, what is derived from a snapshot for the
//! screen in `view`.

mod budget_editor;
mod picker;
mod view;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Filter, FilterSet, Preset, Query, Section, Snapshot};
use crate::poller::{Command, Severity, Status};
use crate::settings::Settings;

use super::theme::Theme;
use super::views::{Tab, accounts, alerts, changes, credits, overview, savings, tags};

pub use super::views::overview::Panel;
use budget_editor::EditKey;
pub use budget_editor::{BudgetEditor, Stage as EditStage, Step as EditStep};
pub use picker::{Choice, FilterPicker, Pick, PickerStage};
use view::derive;
pub use view::{Drill, SortBy, View, drill, local_plan, sorted};

/// Everything that can happen to the dashboard: keys (via the keymap), data from the poller,
/// the clock.
#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    /// Ctrl-Z or SIGTSTP: hand the terminal back to the shell until continued.
    Suspend,
    ToggleHelp,
    /// `a`: shows the alerts view, or from it the view shown before.
    ToggleAlerts,
    /// A number key: shows that view.
    ShowView(Tab),
    /// `t` in the tags view: allocate by the next tag key.
    NextTagKey,
    /// `r`: re-read the cheap sources (Budgets, CloudWatch).
    Refresh,
    /// `R`: ask before refreshing everything (Cost Explorer costs money).
    AskRefreshAll,
    /// Confirms the paid refresh.
    ConfirmRefreshAll,
    /// `e` on the Budgets panel: the editor for the selected budget's limit.
    EditBudget,
    /// `y` on the editor's before → after: send the new limit.
    ConfirmEdit,
    /// `Esc`: close the overlay (the picker from either stage), else go back within the view
    /// (leave the drill-down), or from the alerts to the view shown before.
    Back,
    OpenFilter,
    ClearFilters,
    CycleWindow,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// `Enter`: pick in the filter picker, or act on the view's selection (drill into the
    /// selected service).
    Select,
    CycleSort,
    /// A character typed into the filter picker's search or the budget editor's limit.
    Input(char),
    /// Deletes from the picker's search (with nothing to delete, steps back from the value
    /// list to the dimension list) or from the editor's limit.
    Backspace,
    Snapshot(Arc<Snapshot>),
    Status(Status),
    Tick(DateTime<Utc>),
    /// The poller's channel closed.
    PollerGone,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Filter(FilterPicker),
    ConfirmRefresh,
    EditBudget(BudgetEditor),
}

/// Fixed facts about this run that the header shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub theme: Theme,
    pub demo: bool,
    pub profile: Option<String>,
    /// Tag keys to offer first in the filter picker.
    pub tag_keys: Vec<String>,
    /// `[aws] allow_writes`: budget edits may be sent (the demo only simulates them, so
    /// needs not).
    pub writes: bool,
}

impl Options {
    pub fn from_settings(settings: &Settings, theme: Theme) -> Options {
        Options {
            theme,
            demo: settings.demo,
            profile: settings.aws.profile.clone(),
            tag_keys: settings.view.tag_keys.clone(),
            writes: settings.aws.allow_writes,
        }
    }
}

#[derive(Debug, Clone)]
pub struct App {
    pub options: Options,
    /// What the user asked to see.
    pub query: Query,
    /// The window preset `w` cycles from; `None` for a custom `--start/--end` window.
    pub preset: Option<Preset>,
    /// The newest snapshot from the poller.
    pub latest: Option<Arc<Snapshot>>,
    /// The newest snapshot without filters: clearing or changing filters can be shown from
    /// it at once, while the poller is asked for the exact answer.
    pub base: Option<Arc<Snapshot>>,
    /// The numbers for the query, derived from the snapshot: the overview draws them, every
    /// view's header sums them up.
    pub view: Option<View>,
    /// The view on screen.
    pub tab: Tab,
    /// The view `a` and Esc go back to from the alerts.
    pub previous_tab: Tab,
    pub overview: overview::State,
    pub tags: tags::State,
    pub accounts: accounts::State,
    pub changes: changes::State,
    pub credits: credits::State,
    pub savings: savings::State,
    pub alerts: alerts::State,
    /// The analysis sections asked of the poller at least once.
    pub wanted: Vec<Section>,
    /// The last section asked for, and for which query: asked again when the view is opened
    /// again or shows another query, never twice for one (see [`App::ask_for_shown`]).
    asked: Option<(Section, Query)>,
    pub overlay: Overlay,
    pub status: Option<Status>,
    pub now: DateTime<Utc>,
    pub quit: bool,
    /// A suspend was asked for: the event loop, which owns the terminal, does it and clears
    /// this, as it ends on `quit`.
    pub suspend: bool,
}

/// Rows PgUp and PgDn move.
const PAGE: usize = 10;

impl App {
    pub fn new(options: Options, query: Query, now: DateTime<Utc>) -> App {
        let today = now.date_naive();
        let preset = Preset::ALL
            .into_iter()
            .find(|p| p.window(today) == query.window);
        App {
            options,
            query,
            preset,
            latest: None,
            base: None,
            view: None,
            tab: Tab::Overview,
            previous_tab: Tab::Overview,
            overview: overview::State::default(),
            tags: tags::State::default(),
            accounts: accounts::State::default(),
            changes: changes::State::default(),
            credits: credits::State::default(),
            savings: savings::State::default(),
            alerts: alerts::State::default(),
            wanted: Vec::new(),
            asked: None,
            overlay: Overlay::None,
            status: None,
            now,
            quit: false,
            suspend: false,
        }
    }

    pub fn theme(&self) -> Theme {
        self.options.theme
    }

    /// The account currency of the numbers on screen (USD until a snapshot says otherwise).
    pub fn currency(&self) -> &str {
        self.latest.as_ref().map_or("USD", |s| s.currency.as_str())
    }

    /// True while the poller has not yet answered the current query.
    pub fn is_pending(&self) -> bool {
        match (&self.view, &self.latest) {
            (Some(v), _) => v.source.query != self.query,
            // The free sources answered this query; Cost Explorer has not: not "updating".
            (None, Some(s)) => s.query != self.query,
            (None, None) => true,
        }
    }

    /// "Today" as the data sees it.
    pub fn today(&self) -> NaiveDate {
        self.latest
            .as_ref()
            .map(|s| s.today)
            .unwrap_or_else(|| self.now.date_naive())
    }

    /// Applies one action; returns the command to send to the poller, if any.
    pub fn update(&mut self, action: Action) -> Option<Command> {
        match action {
            Action::Quit => {
                self.quit = true;
                None
            }
            Action::Suspend => {
                self.suspend = true;
                None
            }
            Action::ToggleHelp => {
                self.overlay = match self.overlay {
                    Overlay::Help => Overlay::None,
                    _ => Overlay::Help,
                };
                None
            }
            Action::ToggleAlerts => {
                let tab = match self.tab {
                    Tab::Alerts => self.previous_tab,
                    _ => Tab::Alerts,
                };
                self.show(tab)
            }
            Action::ShowView(tab) => self.show(tab),
            Action::NextTagKey => {
                let report = self.latest.as_ref().and_then(|s| s.analysis.tags.as_ref());
                self.tags.next_key(report).map(Command::TagKey)
            }
            Action::Refresh => {
                self.set_status(
                    Severity::Info,
                    "refreshing budgets and the billing estimate…",
                );
                Some(Command::Refresh { paid: false })
            }
            Action::AskRefreshAll => {
                self.overlay = Overlay::ConfirmRefresh;
                None
            }
            Action::ConfirmRefreshAll => {
                if self.overlay != Overlay::ConfirmRefresh {
                    return None;
                }
                self.overlay = Overlay::None;
                self.set_status(
                    Severity::Info,
                    "refreshing everything, Cost Explorer included ($0.01 per request)…",
                );
                Some(Command::Refresh { paid: true })
            }
            Action::EditBudget => {
                self.open_editor();
                None
            }
            Action::ConfirmEdit => self.confirm_edit(),
            Action::Back => {
                if self.overlay != Overlay::None {
                    self.overlay = Overlay::None;
                    return None;
                }
                match self.tab {
                    Tab::Overview => {
                        self.overview.back();
                        None
                    }
                    Tab::Savings => {
                        self.savings.back();
                        None
                    }
                    Tab::Alerts => self.show(self.previous_tab),
                    Tab::Tags | Tab::Accounts | Tab::Changes | Tab::Credits => None,
                }
            }
            Action::OpenFilter => {
                if self.latest.is_none() {
                    self.set_status(
                        Severity::Info,
                        "no data yet: filters can be picked once the first data arrives",
                    );
                } else {
                    self.open_picker();
                }
                None
            }
            Action::ClearFilters => {
                if self.query.filters.is_empty() {
                    return None;
                }
                self.query.filters = FilterSet::default();
                self.requery()
            }
            Action::CycleWindow => {
                let preset = self.preset.map(Preset::next).unwrap_or(Preset::Days7);
                self.preset = Some(preset);
                self.query.window = preset.window(self.today());
                self.requery()
            }
            Action::FocusNext => {
                self.overview.focus = self.overview.focus.next();
                None
            }
            Action::FocusPrev => {
                self.overview.focus = self.overview.focus.prev();
                None
            }
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(PAGE as isize)),
            Action::PageDown => self.step(PAGE as isize),
            Action::Top => self.step(isize::MIN / 2),
            Action::Bottom => self.step(isize::MAX / 2),
            Action::Select => self.select(),
            Action::CycleSort => {
                self.overview.cycle_sort(self.view.as_mut());
                None
            }
            Action::Input(c) => {
                if self.edit_input(EditKey::Char(c)) {
                    return None;
                }
                if let Overlay::Filter(p) = &mut self.overlay {
                    p.search.push(c);
                    p.selected = 0;
                    p.rematch();
                }
                None
            }
            Action::Backspace => {
                if self.edit_input(EditKey::Backspace) {
                    return None;
                }
                match &mut self.overlay {
                    Overlay::Filter(p)
                        if p.search.is_empty() && matches!(p.stage, PickerStage::Value(_)) =>
                    {
                        self.open_picker()
                    }
                    Overlay::Filter(p) => {
                        p.search.pop();
                        p.rematch();
                    }
                    _ => {}
                }
                None
            }
            Action::Snapshot(snapshot) => {
                if snapshot.query.filters.is_empty() {
                    self.base = Some(snapshot.clone());
                }
                let said = self
                    .status
                    .as_ref()
                    .is_some_and(|s| s.severity > Severity::Info);
                if snapshot.stale && !said {
                    // The poller's own status (the reason, the next try) stays when it has
                    // said one; a stale snapshot without one still says why it is stale.
                    let why = match &snapshot.problems.cost_explorer {
                        Some(problem) => format!("showing the last good data: {problem}"),
                        None => "showing the cached numbers until AWS confirms them".to_string(),
                    };
                    let severity = match snapshot.problems.cost_explorer {
                        Some(_) => Severity::Warning,
                        None => Severity::Info,
                    };
                    self.set_status(severity, &why);
                } else if !snapshot.stale
                    && self
                        .status
                        .as_ref()
                        .is_some_and(|s| s.severity == Severity::Info)
                {
                    // Progress ("fetching…") is over once fresh data is here.
                    self.status = None;
                }
                self.latest = Some(snapshot);
                self.recompute();
                self.ask_for_shown()
            }
            Action::Status(status) => {
                self.status = Some(status);
                None
            }
            Action::Tick(now) => {
                let new_day = now.date_naive() != self.now.date_naive();
                self.now = now;
                // A dashboard left open past midnight (UTC) moves its window with the date:
                // "the last 30 days" stays the last 30 days.
                match self.preset {
                    Some(preset) if new_day => {
                        self.query.window = preset.window(now.date_naive());
                        self.requery()
                    }
                    _ => None,
                }
            }
            Action::PollerGone => {
                self.set_status(
                    Severity::Error,
                    "the data source stopped; numbers are frozen — restart awsdash (see the log)",
                );
                None
            }
        }
    }

    fn set_status(&mut self, severity: Severity, message: &str) {
        self.status = Some(Status {
            severity,
            message: crate::text::clean(message).into_owned(),
            at: self.now,
        });
    }

    /// The query changed: show what can be derived locally at once and ask the poller.
    fn requery(&mut self) -> Option<Command> {
        self.recompute();
        Some(Command::SetQuery(self.query.clone()))
    }

    fn select(&mut self) -> Option<Command> {
        if self.overlay == Overlay::ConfirmRefresh {
            return self.update(Action::ConfirmRefreshAll);
        }
        if self.edit_input(EditKey::Enter) {
            return None;
        }
        if let Overlay::Filter(picker) = &self.overlay {
            let (stage, choice) = (picker.stage.clone(), picker.current().cloned());
            return self.pick(stage, choice);
        }
        if self.overlay != Overlay::None {
            return None;
        }
        match self.tab {
            Tab::Overview => self.overview.select(self.view.as_ref()),
            Tab::Savings => {
                let report = self
                    .latest
                    .as_deref()
                    .and_then(|s| s.analysis.savings.as_ref());
                self.savings.select(report)
            }
            _ => {}
        }
        None
    }

    /// Adds a filter (AND-ed with the others of a different dimension).
    pub fn add_filter(&mut self, filter: Filter) -> Option<Command> {
        self.query.filters = self.query.filters.with(filter);
        self.requery()
    }

    fn step(&mut self, delta: isize) -> Option<Command> {
        if let Overlay::Filter(p) = &mut self.overlay {
            p.selected = overview::moved(p.selected, p.matches.len(), delta);
            return None;
        }
        if self.overlay != Overlay::None {
            return None;
        }
        super::views::step(self, delta);
        None
    }

    /// Shows `tab`, remembering the view it replaces for the way back from the alerts; each
    /// time a view is opened its section is asked of the poller (a fresh cached answer costs
    /// nothing there, a stale one is refreshed).
    fn show(&mut self, tab: Tab) -> Option<Command> {
        if tab != self.tab {
            self.previous_tab = self.tab;
            self.tab = tab;
            self.asked = None;
        }
        self.ask_for_shown()
    }

    /// The shown view's section, asked of the poller unless already asked for this query.
    /// The poller answers a new window or filter from what it has cached only (a view not on
    /// screen costs nothing), so a view that stays open through a query change asks again
    /// when the snapshot for the new query arrives without its section — once per query, so
    /// a section that cannot be fetched is not asked for in a loop.
    pub fn ask_for_shown(&mut self) -> Option<Command> {
        let section = self.tab.section()?;
        let asked = Some((section, self.query.clone()));
        if self.asked == asked {
            return None;
        }
        let answered = self.latest.as_ref().filter(|s| s.query == self.query);
        if self.asked.is_some() && answered.is_some_and(|s| s.analysis.has(section)) {
            // Opened before and the numbers for this query are here: nothing to ask.
            return None;
        }
        self.asked = asked;
        if !self.wanted.contains(&section) {
            self.wanted.push(section);
        }
        Some(Command::Want(section))
    }

    /// A `Want` that did not reach the poller (its queue was full): asked again next time.
    pub fn forget_asked(&mut self, section: Section) {
        if self.asked.as_ref().is_some_and(|(s, _)| *s == section) {
            self.asked = None;
        }
    }

    /// Derives the view for `self.query` from the newest snapshot that can answer it locally,
    /// else shows the newest snapshot as it is until the poller answers.
    fn recompute(&mut self) {
        let candidates = [self.latest.clone(), self.base.clone()];
        let planned = candidates
            .into_iter()
            .flatten()
            .find_map(|s| local_plan(&s, &self.query).map(|local| (s, local)));
        let view = match planned {
            Some((source, local)) => derive(
                source,
                local,
                self.query.window,
                true,
                self.overview.sort,
                self.view.as_ref(),
            ),
            None => self.latest.as_ref().and_then(|s| {
                derive(
                    s.clone(),
                    FilterSet::default(),
                    s.query.window,
                    false,
                    self.overview.sort,
                    self.view.as_ref(),
                )
            }),
        };
        // No Cost Explorer numbers yet (`None`): what the free sources said is still drawn.
        self.overview.refit(view.as_ref());
        self.view = view;
    }
}
