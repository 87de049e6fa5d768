//! What is on screen, derived from a snapshot: the breakdown for the current query, its sort
//! order, the drill-down — computed once per snapshot, query or sort change, never per frame.

use std::sync::Arc;

use rust_decimal::Decimal;

use crate::model::{Breakdown, Dimension, Filter, FilterSet, MonthToDate, Query, Snapshot, Window};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Cost,
    Name,
    Change,
}

impl SortBy {
    pub fn next(self) -> SortBy {
        match self {
            SortBy::Cost => SortBy::Name,
            SortBy::Name => SortBy::Change,
            SortBy::Change => SortBy::Cost,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SortBy::Cost => "cost",
            SortBy::Name => "name",
            SortBy::Change => "change",
        }
    }
}

/// What is on screen: the breakdown for the current query, computed once per snapshot or
/// query change (never per frame).
#[derive(Debug, Clone)]
pub struct View {
    pub breakdown: Breakdown,
    pub month_to_date: MonthToDate,
    /// Order of `breakdown.services` under the current sort.
    pub order: Vec<usize>,
    /// The snapshot the numbers come from.
    pub source: Arc<Snapshot>,
    /// Region/service filters applied here on the source's cube (not by the source).
    pub local: FilterSet,
    /// False while the numbers are still those of another query (waiting for the poller).
    pub exact: bool,
}

/// The drill-down into one service: its daily series and its regions.
#[derive(Debug, Clone)]
pub struct Drill {
    pub service: String,
    pub breakdown: Breakdown,
}

/// The region/service filters to apply on `snapshot`'s cube so that it answers `want`
/// exactly, or `None` when only the source can answer (other dimensions, fewer filters, a
/// window the cube does not cover).
pub fn local_plan(snapshot: &Snapshot, want: &Query) -> Option<FilterSet> {
    if !snapshot.cube.as_ref()?.covers(&want.window) {
        return None;
    }
    let have = &snapshot.query.filters;
    if !have.iter().all(|f| want.filters.iter().any(|g| g == f)) {
        return None;
    }
    let extra: Vec<Filter> = want
        .filters
        .iter()
        .filter(|f| !have.iter().any(|g| g == *f))
        .cloned()
        .collect();
    for f in &extra {
        let cube_dimension = matches!(f.dimension, Dimension::Region | Dimension::Service);
        // The cube already holds only the source's values of a filtered dimension: another
        // value of it (OR-ed) is not in the cube.
        if !cube_dimension || have.iter().any(|g| g.dimension == f.dimension) {
            return None;
        }
    }
    Some(FilterSet::new(extra))
}

/// The view of `source`'s cube with `local` filters over `window`; `None` when the snapshot
/// has no cube (Cost Explorer has not answered yet).
pub fn derive(
    source: Arc<Snapshot>,
    local: FilterSet,
    window: Window,
    exact: bool,
    sort: SortBy,
    previous: Option<&View>,
) -> Option<View> {
    let (breakdown, month_to_date) = {
        let cube = source.cube.as_ref()?.select(&local);
        let breakdown = cube.breakdown(window);
        // Month to date does not depend on the window: a window change reuses it.
        let reuse = previous
            .filter(|p| Arc::ptr_eq(&p.source, &source) && p.local == local)
            .map(|p| p.month_to_date);
        let month_to_date = reuse.unwrap_or_else(|| cube.month_to_date(source.today));
        (breakdown, month_to_date)
    };
    let order = sorted(&breakdown, sort);
    Some(View {
        breakdown,
        month_to_date,
        order,
        source,
        local,
        exact,
    })
}

/// The drill-down into `service` within `view`.
pub fn drill(view: &View, service: &str) -> Option<Drill> {
    let filters = view.local.with(Filter::new(Dimension::Service, service));
    let breakdown = view
        .source
        .cube
        .as_ref()?
        .select(&filters)
        .breakdown(view.breakdown.window);
    Some(Drill {
        service: service.to_string(),
        breakdown,
    })
}

pub fn sorted(breakdown: &Breakdown, sort: SortBy) -> Vec<usize> {
    let rows = &breakdown.services;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    match sort {
        // `Breakdown` is already by cost, highest first.
        SortBy::Cost => {}
        SortBy::Name => order.sort_by(|&a, &b| rows[a].name.cmp(&rows[b].name)),
        SortBy::Change => {
            // A percentage only against a positive amount, as the column shows it.
            let change = |i: usize| -> Option<Decimal> {
                let r = &rows[i];
                r.previous
                    .filter(|p| p.amount() > Decimal::ZERO)
                    .and_then(|p| (r.cost - p).percent_of(p))
            };
            // Biggest increase first; rows without a previous amount last.
            order.sort_by(|&a, &b| match (change(a), change(b)) {
                (Some(x), Some(y)) => y.cmp(&x),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => rows[a].name.cmp(&rows[b].name),
            });
        }
    }
    order
}
