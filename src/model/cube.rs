//! The cost cube: daily cost by service and region over a range of days. It is exactly what one
//! Cost Explorer `GetCostAndUsage` query (DAILY, grouped by SERVICE and REGION) returns, and
//! everything on screen — totals, services, regions, the daily series, month to date, the
//! previous period, a drill-down into one service — is derived from it locally, without
//! another paid call.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::filter::{Dimension, FilterSet};
use super::money::Money;
use super::snapshot::MonthToDate;
use super::window::{self, Window};

/// Amounts are kept as integers of `10^-scale` dollars: sums of integers are exact (as exact
/// as decimals) and an order of magnitude faster, which is what keeps a keypress on a large
/// account under a frame. Cost Explorer sends at most ten decimals; more are rounded to this.
pub const MAX_SCALE: u32 = 12;

/// One (day, service, region) amount. Indices point into the cube's tables; the same triple
/// may appear more than once (a day split over two pages) — every consumer sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub day: u16,
    pub service: u32,
    pub region: u32,
    /// The amount in units of `10^-scale` of the cube's currency.
    pub units: i128,
}

/// Cells are kept in day order (the builder sorts, restriction keeps the order, and a cube
/// read from the cache is re-sorted if needed), so a question about some days only reads
/// those days' cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "StoredCube")]
pub struct CostCube {
    /// The days covered; every day in it is known (a day without cells cost nothing).
    pub range: Window,
    pub services: Vec<String>,
    pub regions: Vec<String>,
    /// Per day of `range`: Cost Explorer's `Estimated` flag (the figure may still change).
    pub estimated: Vec<bool>,
    /// Decimal places of [`Cell::units`].
    pub scale: u32,
    pub cells: Vec<Cell>,
}

/// A cube as stored (by the disk cache), before its day order is checked.
#[derive(Deserialize)]
struct StoredCube {
    range: Window,
    services: Vec<String>,
    regions: Vec<String>,
    estimated: Vec<bool>,
    scale: u32,
    cells: Vec<Cell>,
}

impl From<StoredCube> for CostCube {
    fn from(stored: StoredCube) -> Self {
        let mut cells = stored.cells;
        if !cells.is_sorted_by_key(|c| c.day) {
            cells.sort_by_key(|c| c.day);
        }
        CostCube {
            range: stored.range,
            services: stored.services,
            regions: stored.regions,
            estimated: stored.estimated,
            scale: stored.scale,
            cells,
        }
    }
}

/// A named amount with the amount of the period before, for "change" columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub name: String,
    pub cost: Money,
    /// Cost over the previous period of the same length; `None` when not covered.
    pub previous: Option<Money>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub cost: Money,
    pub estimated: bool,
}

/// A window of the cube summed every way the dashboard and the JSON contract need.
/// `services`, `regions` and `daily` each sum exactly to `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breakdown {
    pub window: Window,
    pub total: Money,
    pub previous_total: Option<Money>,
    /// Sorted by cost, highest first (ties by name).
    pub services: Vec<Row>,
    pub regions: Vec<Row>,
    /// One entry per day of the window, in date order.
    pub daily: Vec<Day>,
}

/// Collects amounts in any order (CE pages, demo lines).
pub struct CubeBuilder {
    range: Window,
    names: Interner,
    regions: Interner,
    estimated: Vec<bool>,
    /// Cells in units of 10^-MAX_SCALE; rescaled once at build to the most decimals seen.
    cells: Vec<Cell>,
    max_scale: u32,
}

/// Names to indices, with fast paths for what grouped answers do: the same name again
/// (a service's regions in a row) or the one after the last (regions cycling in order).
#[derive(Default)]
struct Interner {
    names: Vec<String>,
    index: HashMap<String, u32>,
    last: Option<u32>,
}

impl Interner {
    fn get(&mut self, name: &str) -> u32 {
        if let Some(last) = self.last
            && self.names[last as usize] == name
        {
            return last;
        }
        let next = self.last.map_or(0, |l| l + 1);
        let found = if self.names.get(next as usize).is_some_and(|n| n == name) {
            Some(next)
        } else {
            self.index.get(name).copied()
        };
        let i = match found {
            Some(i) => i,
            None => {
                let i = self.names.len() as u32;
                self.names.push(name.to_string());
                self.index.insert(name.to_string(), i);
                i
            }
        };
        self.last = Some(i);
        i
    }
}

impl CubeBuilder {
    pub fn new(range: Window) -> Self {
        CubeBuilder {
            range,
            names: Interner::default(),
            regions: Interner::default(),
            estimated: vec![false; range.days().max(0) as usize],
            cells: Vec::new(),
            max_scale: 0,
        }
    }

    fn day_index(&self, date: NaiveDate) -> Option<u16> {
        if self.range.contains(date) {
            u16::try_from((date - self.range.start).num_days()).ok()
        } else {
            None
        }
    }

    /// Adds an amount; days outside the range are ignored (and reported as `false`).
    pub fn add(&mut self, date: NaiveDate, service: &str, region: &str, cost: Money) -> bool {
        let Some(day) = self.day_index(date) else {
            return false;
        };
        let service = self.names.get(service);
        let region = self.regions.get(region);
        let amount = cost.amount();
        self.max_scale = self.max_scale.max(amount.scale().min(MAX_SCALE));
        self.cells.push(Cell {
            day,
            service,
            region,
            units: to_units(amount, MAX_SCALE),
        });
        true
    }

    pub fn mark_estimated(&mut self, date: NaiveDate) {
        if let Some(day) = self.day_index(date) {
            self.estimated[day as usize] = true;
        }
    }

    pub fn build(self) -> CostCube {
        // Every amount had at most `scale` decimals, so this division is exact; it keeps
        // units small (and the common case, CE's 10 decimals, needs no i128 headroom).
        let scale = self.max_scale;
        let mut cells = self.cells;
        let divisor = 10i128.pow(MAX_SCALE - scale);
        if divisor > 1 {
            for c in &mut cells {
                c.units /= divisor;
            }
        }
        // AWS sends days in order: then there is nothing to sort (and no scratch to allocate).
        if !cells.is_sorted_by_key(|c| c.day) {
            cells.sort_by_key(|c| c.day);
        }
        CostCube {
            range: self.range,
            services: self.names.names,
            regions: self.regions.names,
            estimated: self.estimated,
            scale,
            cells,
        }
    }
}

/// `amount` as an integer of `10^-scale` (rounded half away from zero past `scale` decimals).
/// Saturates rather than wrapping for amounts beyond 10^26 — no bill comes near that.
fn to_units(amount: Decimal, scale: u32) -> i128 {
    let rounded = if amount.scale() > scale {
        amount.round_dp_with_strategy(scale, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    } else {
        amount
    };
    let shift = 10i128.pow(scale - rounded.scale().min(scale));
    rounded.mantissa().saturating_mul(shift)
}

impl CostCube {
    fn money(&self, units: i128) -> Money {
        Money::new(
            Decimal::try_from_i128_with_scale(units, self.scale).unwrap_or(if units < 0 {
                Decimal::MIN
            } else {
                Decimal::MAX
            }),
        )
    }

    fn day_offset(&self, date: NaiveDate) -> i64 {
        (date - self.range.start).num_days()
    }

    /// Every amount as (day, service, region, cost), in day order; a triple may repeat (every
    /// consumer sums). What the JSON contract's `cube` and the report's CSV rows list.
    pub fn amounts(&self) -> impl Iterator<Item = (NaiveDate, &str, &str, Money)> {
        self.cells.iter().filter_map(|c| {
            let service = self.services.get(c.service as usize)?;
            let region = self.regions.get(c.region as usize)?;
            let date = self.range.start + Duration::days(i64::from(c.day));
            Some((date, service.as_str(), region.as_str(), self.money(c.units)))
        })
    }

    /// Whether every day of `window` is inside the cube.
    pub fn covers(&self, window: &Window) -> bool {
        self.range.start <= window.start && window.end <= self.range.end
    }

    /// The cube restricted to the region and service filters of `filters` (other dimensions
    /// are ignored: they cannot be applied to a cube and must be applied by the source).
    pub fn restricted(&self, filters: &FilterSet) -> CostCube {
        let selection = self.select(filters);
        CostCube {
            range: self.range,
            services: self.services.clone(),
            regions: self.regions.clone(),
            estimated: self.estimated.clone(),
            scale: self.scale,
            cells: selection.cells().copied().collect(),
        }
    }

    /// The cells matching the region and service filters of `filters`, without copying: what
    /// a filter keypress needs, in one pass per question.
    pub fn select(&self, filters: &FilterSet) -> Selection<'_> {
        Selection {
            cube: self,
            services: mask(&self.services, filters, &Dimension::Service),
            regions: mask(&self.regions, filters, &Dimension::Region),
        }
    }

    /// Total over `window` (days outside the cube count as nothing).
    pub fn total(&self, window: &Window) -> Money {
        self.select(&FilterSet::default()).total(window)
    }

    pub fn breakdown(&self, window: Window) -> Breakdown {
        self.select(&FilterSet::default()).breakdown(window)
    }

    /// Names with their sums, dropping names that had nothing in either period, sorted by
    /// cost.
    fn rows(&self, names: &[String], sums: Vec<(i128, i128)>, has_previous: bool) -> Vec<Row> {
        let mut rows: Vec<Row> = names
            .iter()
            .zip(sums)
            .filter(|(_, (cost, prev))| *cost != 0 || *prev != 0)
            .map(|(name, (cost, prev))| Row {
                name: name.clone(),
                cost: self.money(cost),
                previous: has_previous.then(|| self.money(prev)),
            })
            .collect();
        rows.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.name.cmp(&b.name)));
        rows
    }
}

/// A view of a cube restricted to some regions and services (see [`CostCube::select`]).
pub struct Selection<'a> {
    cube: &'a CostCube,
    services: Vec<bool>,
    regions: Vec<bool>,
}

impl Selection<'_> {
    fn cells(&self) -> impl Iterator<Item = &Cell> {
        self.cells_between(0, i64::MAX)
    }

    /// The selected cells of days `lo..hi` (offsets into the cube's range), found by binary
    /// search in the day-ordered cells rather than by scanning them all.
    fn cells_between(&self, lo: i64, hi: i64) -> impl Iterator<Item = &Cell> {
        let cells = &self.cube.cells;
        let first = cells.partition_point(|c| i64::from(c.day) < lo);
        let end = cells.partition_point(|c| i64::from(c.day) < hi);
        cells[first..end.max(first)]
            .iter()
            .filter(|c| self.services[c.service as usize] && self.regions[c.region as usize])
    }

    /// Total over `window` (days outside the cube count as nothing).
    pub fn total(&self, window: &Window) -> Money {
        let cube = self.cube;
        let (lo, hi) = (cube.day_offset(window.start), cube.day_offset(window.end));
        let units = self.cells_between(lo, hi).map(|c| c.units).sum();
        cube.money(units)
    }

    /// Month to date against the same days of the previous month (UTC), as the header shows.
    pub fn month_to_date(&self, today: NaiveDate) -> MonthToDate {
        MonthToDate {
            cost: self.total(&window::month_to_date(today)),
            previous_month_same_days: self.total(&window::previous_month_same_days(today)),
        }
    }

    pub fn breakdown(&self, window: Window) -> Breakdown {
        let cube = self.cube;
        let prev = window.previous();
        let has_previous = cube.covers(&prev);
        let (lo, hi) = (cube.day_offset(window.start), cube.day_offset(window.end));
        let (plo, phi) = (cube.day_offset(prev.start), cube.day_offset(prev.end));

        let mut services = vec![(0i128, 0i128); cube.services.len()];
        let mut regions = vec![(0i128, 0i128); cube.regions.len()];
        let mut daily = vec![0i128; window.days().max(0) as usize];
        let from = if has_previous { plo.min(lo) } else { lo };
        for c in self.cells_between(from, hi) {
            let day = i64::from(c.day);
            if (lo..hi).contains(&day) {
                services[c.service as usize].0 += c.units;
                regions[c.region as usize].0 += c.units;
                daily[(day - lo) as usize] += c.units;
            } else if has_previous && (plo..phi).contains(&day) {
                services[c.service as usize].1 += c.units;
                regions[c.region as usize].1 += c.units;
            }
        }

        let total = cube.money(daily.iter().sum());
        let previous_total = has_previous.then(|| cube.money(services.iter().map(|s| s.1).sum()));
        Breakdown {
            window,
            total,
            previous_total,
            services: cube.rows(&cube.services, services, has_previous),
            regions: cube.rows(&cube.regions, regions, has_previous),
            daily: daily
                .into_iter()
                .enumerate()
                .map(|(i, units)| {
                    let offset = lo + i as i64;
                    Day {
                        date: window.start + Duration::days(i as i64),
                        cost: cube.money(units),
                        estimated: usize::try_from(offset)
                            .ok()
                            .and_then(|o| cube.estimated.get(o).copied())
                            .unwrap_or(false),
                    }
                })
                .collect(),
        }
    }
}

fn mask(names: &[String], filters: &FilterSet, dimension: &Dimension) -> Vec<bool> {
    let wanted: Vec<&str> = filters
        .iter()
        .filter(|f| &f.dimension == dimension)
        .map(|f| f.value.as_str())
        .collect();
    names
        .iter()
        .map(|n| wanted.is_empty() || wanted.contains(&n.as_str()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::filter::Filter;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }
    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    fn sample() -> CostCube {
        let range = Window::new(d("2026-11-01"), d("2026-11-07")).expect("range");
        let mut b = CubeBuilder::new(range);
        // previous period: 11-01..11-04, window: 11-04..11-07
        b.add(d("2026-11-01"), "EC2", "us-east-1", m("10"));
        b.add(d("2026-11-02"), "S3", "eu-west-1", m("1.5"));
        b.add(d("2026-11-04"), "EC2", "us-east-1", m("20.005"));
        b.add(d("2026-11-04"), "EC2", "us-east-1", m("0.005"));
        b.add(d("2026-11-05"), "S3", "us-east-1", m("3"));
        b.add(d("2026-11-06"), "Credits", "global", m("-2"));
        assert!(!b.add(d("2026-11-07"), "EC2", "us-east-1", m("99")));
        b.mark_estimated(d("2026-11-06"));
        b.build()
    }

    #[test]
    fn breakdown_sums_every_way_to_the_total() {
        let cube = sample();
        let w = Window::new(d("2026-11-04"), d("2026-11-07")).expect("w");
        let b = cube.breakdown(w);
        assert_eq!(b.total, m("21.01"));
        for part in [&b.services, &b.regions] {
            assert_eq!(part.iter().map(|r| r.cost).sum::<Money>(), b.total);
        }
        assert_eq!(b.daily.iter().map(|d| d.cost).sum::<Money>(), b.total);
        assert_eq!(b.daily.len(), 3);
        assert_eq!(
            b.daily.iter().map(|d| d.estimated).collect::<Vec<_>>(),
            [false, false, true]
        );
    }

    #[test]
    fn rows_are_sorted_and_carry_the_previous_period() {
        let cube = sample();
        let w = Window::new(d("2026-11-04"), d("2026-11-07")).expect("w");
        let b = cube.breakdown(w);
        let names: Vec<&str> = b.services.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["EC2", "S3", "Credits"]);
        assert_eq!(b.services[0].previous, Some(m("10")));
        assert_eq!(b.services[1].previous, Some(m("1.5")));
        assert_eq!(b.previous_total, Some(m("11.5")));
    }

    #[test]
    fn previous_is_unknown_when_the_cube_does_not_reach_back() {
        let cube = sample();
        let w = Window::new(d("2026-11-02"), d("2026-11-07")).expect("w");
        let b = cube.breakdown(w);
        assert_eq!(b.previous_total, None);
        assert!(b.services.iter().all(|r| r.previous.is_none()));
    }

    #[test]
    fn fixed_point_is_exact_and_rounds_only_past_twelve_decimals() {
        let range = Window::new(d("2026-11-01"), d("2026-11-02")).expect("range");
        let mut b = CubeBuilder::new(range);
        b.add(d("2026-11-01"), "A", "r", m("0.0101516483"));
        b.add(d("2026-11-01"), "A", "r", m("-0.0000000123"));
        b.add(d("2026-11-01"), "B", "r", m("7"));
        b.add(d("2026-11-01"), "B", "r", m("0.00000000000049"));
        let cube = b.build();
        assert_eq!(cube.scale, MAX_SCALE);
        assert_eq!(cube.total(&range), m("7.010151636"));
        let b = cube.breakdown(range);
        assert_eq!(b.services[0].cost, m("7"));
        assert_eq!(b.services[1].cost, m("0.010151636"));
    }

    #[test]
    fn day_order_is_restored_whatever_the_input_order() {
        let cube = sample();
        assert!(cube.cells.is_sorted_by_key(|c| c.day));
        let w = Window::new(d("2026-11-04"), d("2026-11-07")).expect("w");
        // A cache file written by hand, or by an older version, in another order.
        let mut scrambled = cube.clone();
        scrambled.cells.reverse();
        let json = serde_json::to_string(&scrambled).expect("serialise");
        let back: CostCube = serde_json::from_str(&json).expect("deserialise");
        assert!(back.cells.is_sorted_by_key(|c| c.day));
        assert_eq!(back.breakdown(w), cube.breakdown(w));
        assert_eq!(back.total(&w), m("21.01"));
        // Days before the window only count as "previous", and only when fully covered.
        assert_eq!(
            cube.total(&Window::new(d("2026-11-01"), d("2026-11-02")).expect("w")),
            m("10")
        );
    }

    #[test]
    fn restriction_applies_region_and_service_filters() {
        let cube = sample();
        let filters = FilterSet::new([
            Filter::new(Dimension::Region, "us-east-1"),
            Filter::new(Dimension::Tag("team".into()), "web"),
        ]);
        let only = cube.restricted(&filters);
        assert_eq!(only.total(&cube.range), m("33.01"));
        let ec2 = FilterSet::new([Filter::new(Dimension::Service, "EC2")]);
        assert_eq!(only.restricted(&ec2).total(&cube.range), m("30.01"));
        // Selecting without copying gives exactly what restricting does.
        let both = filters.with(Filter::new(Dimension::Service, "EC2"));
        let w = Window::new(d("2026-11-04"), d("2026-11-07")).expect("w");
        assert_eq!(
            cube.select(&both).breakdown(w),
            cube.restricted(&both).breakdown(w)
        );
        assert_eq!(cube.select(&both).total(&cube.range), m("30.01"));
    }
}
