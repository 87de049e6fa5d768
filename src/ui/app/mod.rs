//! Dashboard state and the one [`Action`] type that changes it. Drawing lives in
//! `panels/`; key bindings in `keys.rs`. `App::update` is pure apart from the clock it is
//! given, so every key can be tested without a terminal. The filter picker's state is in
//! `picker`, what is derived from a snapshot for the screen in `view`.

mod picker;
mod view;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Dimension, Filter, FilterSet, Preset, Query, Snapshot};
use crate::poller::{Command, Severity, Status};
use crate::settings::Settings;

use super::theme::Theme;

pub use picker::{Choice, FilterPicker, Pick, PickerStage};
pub use view::{Drill, SortBy, View, local_plan};
use view::{derive, sorted};

/// Everything that can happen to the dashboard: keys (via the keymap), data from the poller,
/// the clock.
#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    /// Ctrl-Z or SIGTSTP: hand the terminal back to the shell until continued.
    Suspend,
    ToggleHelp,
    /// `a`: the list of what fires and the anomalies behind it.
    ToggleAlerts,
    /// `r`: re-read the cheap sources (Budgets, CloudWatch).
    Refresh,
    /// `R`: ask before refreshing everything (Cost Explorer costs money).
    AskRefreshAll,
    /// Confirms the paid refresh.
    ConfirmRefreshAll,
    /// `Esc`: close the overlay (the picker from either stage), leave the drill-down.
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
    /// `Enter`: pick in the filter picker, or drill into the selected service.
    Select,
    CycleSort,
    /// A character typed into the filter picker's search.
    Input(char),
    /// Deletes from the picker's search; with nothing to delete, steps back from the value
    /// list to the dimension list.
    Backspace,
    Snapshot(Arc<Snapshot>),
    Status(Status),
    Tick(DateTime<Utc>),
    /// The poller's channel closed.
    PollerGone,
}

/// The panels that take focus, in `Tab` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Panel {
    Services,
    Regions,
    Daily,
    Budgets,
}

impl Panel {
    pub const ALL: [Panel; 4] = [
        Panel::Services,
        Panel::Regions,
        Panel::Daily,
        Panel::Budgets,
    ];

    fn index(self) -> usize {
        Panel::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }

    pub fn next(self) -> Panel {
        Panel::ALL[(self.index() + 1) % Panel::ALL.len()]
    }

    pub fn prev(self) -> Panel {
        Panel::ALL[(self.index() + Panel::ALL.len() - 1) % Panel::ALL.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    None,
    Help,
    Filter(FilterPicker),
    ConfirmRefresh,
    /// The alerts and anomalies list, scrolled by `scroll` lines.
    Alerts {
        scroll: usize,
    },
}

/// Fixed facts about this run that the header shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub theme: Theme,
    pub demo: bool,
    pub profile: Option<String>,
    /// Tag keys to offer first in the filter picker.
    pub tag_keys: Vec<String>,
}

impl Options {
    pub fn from_settings(settings: &Settings, theme: Theme) -> Options {
        Options {
            theme,
            demo: settings.demo,
            profile: settings.aws.profile.clone(),
            tag_keys: settings.view.tag_keys.clone(),
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
    pub view: Option<View>,
    pub drill: Option<Drill>,
    pub focus: Panel,
    pub sort: SortBy,
    /// Selected row in the services table (an index into `view.order`).
    pub service_row: usize,
    pub region_row: usize,
    /// Selected day in the daily chart; `None` = the latest day.
    pub day: Option<usize>,
    pub budget_row: usize,
    pub overlay: Overlay,
    pub status: Option<Status>,
    pub now: DateTime<Utc>,
    pub quit: bool,
    /// A suspend was asked for: the event loop, which owns the terminal, does it and clears
    /// this, as it ends on `quit`.
    pub suspend: bool,
}

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
            drill: None,
            focus: Panel::Services,
            sort: SortBy::Cost,
            service_row: 0,
            region_row: 0,
            day: None,
            budget_row: 0,
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
                self.overlay = match self.overlay {
                    Overlay::Alerts { .. } => Overlay::None,
                    _ => Overlay::Alerts { scroll: 0 },
                };
                None
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
            Action::Back => {
                match &self.overlay {
                    Overlay::None => self.drill = None,
                    _ => self.overlay = Overlay::None,
                }
                None
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
                self.focus = self.focus.next();
                None
            }
            Action::FocusPrev => {
                self.focus = self.focus.prev();
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
                self.sort = self.sort.next();
                self.service_row = 0;
                if let Some(view) = &mut self.view {
                    view.order = sorted(&view.breakdown, self.sort);
                }
                None
            }
            Action::Input(c) => {
                if let Overlay::Filter(p) = &mut self.overlay {
                    p.search.push(c);
                    p.selected = 0;
                    p.rematch();
                }
                None
            }
            Action::Backspace => {
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
                None
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

    fn open_picker(&mut self) {
        let Some(snapshot) = &self.latest else {
            return;
        };
        let choices = picker::dimension_choices(&snapshot.filter_values, &self.options.tag_keys);
        self.overlay = Overlay::Filter(FilterPicker::new(PickerStage::Dimension, choices));
    }

    fn value_choices(&self, dimension: &Dimension) -> Vec<Choice> {
        match &self.latest {
            Some(snapshot) => picker::value_choices(&snapshot.filter_values, dimension),
            None => Vec::new(),
        }
    }

    fn select(&mut self) -> Option<Command> {
        if self.overlay == Overlay::ConfirmRefresh {
            return self.update(Action::ConfirmRefreshAll);
        }
        if let Overlay::Filter(picker) = &self.overlay {
            let (stage, choice) = (picker.stage.clone(), picker.current().cloned());
            return match (stage, choice) {
                (_, None) => None,
                (
                    _,
                    Some(Choice {
                        pick: Pick::Dimension(d),
                        ..
                    }),
                ) => {
                    let choices = self.value_choices(&d);
                    self.overlay =
                        Overlay::Filter(FilterPicker::new(PickerStage::Value(d), choices));
                    None
                }
                (
                    PickerStage::Value(d),
                    Some(Choice {
                        pick: Pick::Value(v),
                        ..
                    }),
                ) => {
                    self.overlay = Overlay::None;
                    self.add_filter(Filter::new(d, v))
                }
                (PickerStage::Dimension, Some(_)) => None,
            };
        }
        if self.overlay != Overlay::None {
            return None;
        }
        if self.focus == Panel::Services && self.drill.is_none() {
            let name = self.view.as_ref().and_then(|v| {
                v.order
                    .get(self.service_row)
                    .map(|&i| v.breakdown.services[i].name.clone())
            });
            if let Some(name) = name {
                self.drill = self.drill_for(&name);
                self.day = None;
                self.region_row = 0;
            }
        }
        None
    }

    /// Adds a filter (AND-ed with the others of a different dimension).
    pub fn add_filter(&mut self, filter: Filter) -> Option<Command> {
        self.query.filters = self.query.filters.with(filter);
        self.requery()
    }

    fn step(&mut self, delta: isize) -> Option<Command> {
        let moved = |at: usize, len: usize| -> usize {
            if len == 0 {
                return 0;
            }
            (at as isize)
                .saturating_add(delta)
                .clamp(0, len as isize - 1) as usize
        };
        if let Overlay::Filter(p) = &mut self.overlay {
            p.selected = moved(p.selected, p.matches.len());
            return None;
        }
        if let Overlay::Alerts { scroll } = &mut self.overlay {
            // The drawing clamps to what it has; here only "not below zero".
            *scroll = moved(*scroll, usize::MAX / 4);
            return None;
        }
        if self.overlay != Overlay::None {
            return None;
        }
        let breakdown = match (&self.drill, &self.view) {
            (Some(d), _) => Some(&d.breakdown),
            (None, Some(v)) => Some(&v.breakdown),
            _ => None,
        };
        let breakdown = breakdown?;
        let days = breakdown.daily.len();
        let regions = breakdown.regions.len();
        let services = breakdown.services.len();
        let budgets = self.latest.as_ref().map_or(0, |s| s.budgets.len());
        match self.focus {
            Panel::Services if self.drill.is_none() => {
                self.service_row = moved(self.service_row, services)
            }
            Panel::Regions | Panel::Services => self.region_row = moved(self.region_row, regions),
            Panel::Daily => {
                let at = self.day.unwrap_or(days.saturating_sub(1));
                self.day = Some(moved(at, days));
            }
            Panel::Budgets => self.budget_row = moved(self.budget_row, budgets),
        }
        None
    }

    fn drill_for(&self, service: &str) -> Option<Drill> {
        view::drill(self.view.as_ref()?, service)
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
                self.sort,
                self.view.as_ref(),
            ),
            None => self.latest.as_ref().and_then(|s| {
                derive(
                    s.clone(),
                    FilterSet::default(),
                    s.query.window,
                    false,
                    self.sort,
                    self.view.as_ref(),
                )
            }),
        };
        let Some(view) = view else {
            // No Cost Explorer numbers yet: what the free sources said is still drawn.
            self.view = None;
            self.drill = None;
            return;
        };
        self.service_row = self.service_row.min(view.order.len().saturating_sub(1));
        self.region_row = self
            .region_row
            .min(view.breakdown.regions.len().saturating_sub(1));
        if self.day.is_some_and(|d| d >= view.breakdown.daily.len()) {
            self.day = None;
        }
        self.view = Some(view);
        if let Some(drill) = &self.drill {
            let service = drill.service.clone();
            self.drill = self.drill_for(&service);
        }
    }
}
