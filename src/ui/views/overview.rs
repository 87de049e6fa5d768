//! View 1, Overview: services, regions, the daily chart and budgets, with a drill-down into
//! one service. Its state is which panel has focus, the sort, the selected rows and the
//! drill-down; the numbers are the [`View`] the app derives for every view's header.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};

use crate::ui::app::{App, Drill, SortBy, View, drill, sorted};
use crate::ui::panels;

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

#[derive(Debug, Clone)]
pub struct State {
    pub focus: Panel,
    pub sort: SortBy,
    /// Selected row in the services table (an index into `view.order`).
    pub service_row: usize,
    pub region_row: usize,
    /// Selected day in the daily chart; `None` = the latest day.
    pub day: Option<usize>,
    pub budget_row: usize,
    pub drill: Option<Drill>,
}

impl Default for State {
    fn default() -> Self {
        State {
            focus: Panel::Services,
            sort: SortBy::Cost,
            service_row: 0,
            region_row: 0,
            day: None,
            budget_row: 0,
            drill: None,
        }
    }
}

impl State {
    /// Moves the selection of the focused panel by `delta`, within what `view` (or the
    /// drill-down) shows and the `budgets` there are.
    pub fn step(&mut self, view: Option<&View>, budgets: usize, delta: isize) {
        let breakdown = match (&self.drill, view) {
            (Some(d), _) => &d.breakdown,
            (None, Some(v)) => &v.breakdown,
            (None, None) => return,
        };
        let days = breakdown.daily.len();
        let regions = breakdown.regions.len();
        let services = breakdown.services.len();
        match self.focus {
            Panel::Services if self.drill.is_none() => {
                self.service_row = moved(self.service_row, services, delta)
            }
            Panel::Regions | Panel::Services => {
                self.region_row = moved(self.region_row, regions, delta)
            }
            Panel::Daily => {
                let at = self.day.unwrap_or(days.saturating_sub(1));
                self.day = Some(moved(at, days, delta));
            }
            Panel::Budgets => self.budget_row = moved(self.budget_row, budgets, delta),
        }
    }

    /// `Enter`: drills into the selected service.
    pub fn select(&mut self, view: Option<&View>) {
        if self.focus != Panel::Services || self.drill.is_some() {
            return;
        }
        let Some(view) = view else {
            return;
        };
        let Some(&i) = view.order.get(self.service_row) else {
            return;
        };
        self.drill = drill(view, &view.breakdown.services[i].name);
        self.day = None;
        self.region_row = 0;
    }

    /// `Esc`: leaves the drill-down; false when there was none to leave.
    pub fn back(&mut self) -> bool {
        self.drill.take().is_some()
    }

    /// `s`: the next sort, re-ordering `view`.
    pub fn cycle_sort(&mut self, view: Option<&mut View>) {
        self.sort = self.sort.next();
        self.service_row = 0;
        if let Some(view) = view {
            view.order = sorted(&view.breakdown, self.sort);
        }
    }

    /// Keeps the selections inside a new `view` (`None`: no Cost Explorer numbers, so no
    /// drill-down either) and the drill-down on the same service.
    pub fn refit(&mut self, view: Option<&View>) {
        let Some(view) = view else {
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
        if let Some(d) = &self.drill {
            let service = d.service.clone();
            self.drill = drill(view, &service);
        }
    }
}

/// `at` moved by `delta` within `0..len` (0 when empty).
pub fn moved(at: usize, len: usize, delta: isize) -> usize {
    if len == 0 {
        return 0;
    }
    at.saturating_add_signed(delta).min(len - 1)
}

/// The four panels (or, on a small terminal, the focused one), the drill-down, or what the
/// free sources said while Cost Explorer has not answered.
pub fn draw(frame: &mut Frame, body: Rect, app: &App, compact: bool) {
    let state = &app.overview;
    if app.view.is_none() {
        if compact {
            match state.focus {
                Panel::Budgets => panels::budgets::draw(frame, body, app),
                _ => panels::no_costs(frame, body, app),
            }
            return;
        }
        let [costs, budgets] =
            Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
        panels::no_costs(frame, costs, app);
        panels::budgets::draw(frame, budgets, app);
        return;
    }
    if state.drill.is_some() {
        panels::drilldown::draw(frame, body, app);
        return;
    }
    if compact {
        match state.focus {
            Panel::Services => panels::services::draw(frame, body, app),
            Panel::Regions => panels::regions::draw(frame, body, app),
            Panel::Daily => panels::daily::draw(frame, body, app),
            Panel::Budgets => panels::budgets::draw(frame, body, app),
        }
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
