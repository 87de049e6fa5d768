//! The cost cube: daily cost by service and region over a range of days. It is exactly what one
//! Cost Explorer `GetCostAndUsage` query (DAILY, grouped by SERVICE and REGION) returns, and
//! everything on screen — totals, services, regions, the daily series, month to date, the
//! previous period, a drill-down into one service — is derived from it locally, without
//! another paid call.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use super::filter::{Dimension, FilterSet};
use super::money::Money;
use super::window::Window;

/// One non-empty (day, service, region) amount. Indices point into the cube's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub day: u16,
    pub service: u32,
    pub region: u32,
    pub cost: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostCube {
    /// The days covered; every day in it is known (a day without cells cost nothing).
    pub range: Window,
    pub services: Vec<String>,
    pub regions: Vec<String>,
    /// Per day of `range`: Cost Explorer's `Estimated` flag (the figure may still change).
    pub estimated: Vec<bool>,
    pub cells: Vec<Cell>,
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

/// Collects amounts in any order (CE pages, demo lines) and merges equal cells.
pub struct CubeBuilder {
    range: Window,
    services: Vec<String>,
    service_index: HashMap<String, u32>,
    regions: Vec<String>,
    region_index: HashMap<String, u32>,
    estimated: Vec<bool>,
    cells: HashMap<(u16, u32, u32), Money>,
}

impl CubeBuilder {
    pub fn new(range: Window) -> Self {
        CubeBuilder {
            range,
            services: Vec::new(),
            service_index: HashMap::new(),
            regions: Vec::new(),
            region_index: HashMap::new(),
            estimated: vec![false; range.days().max(0) as usize],
            cells: HashMap::new(),
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
        let service = intern(&mut self.services, &mut self.service_index, service);
        let region = intern(&mut self.regions, &mut self.region_index, region);
        *self.cells.entry((day, service, region)).or_default() += cost;
        true
    }

    pub fn mark_estimated(&mut self, date: NaiveDate) {
        if let Some(day) = self.day_index(date) {
            self.estimated[day as usize] = true;
        }
    }

    pub fn build(self) -> CostCube {
        let mut cells: Vec<Cell> = self
            .cells
            .into_iter()
            .map(|((day, service, region), cost)| Cell {
                day,
                service,
                region,
                cost,
            })
            .collect();
        cells.sort_unstable_by_key(|c| (c.day, c.service, c.region));
        CostCube {
            range: self.range,
            services: self.services,
            regions: self.regions,
            estimated: self.estimated,
            cells,
        }
    }
}

fn intern(names: &mut Vec<String>, index: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(&i) = index.get(name) {
        return i;
    }
    let i = names.len() as u32;
    names.push(name.to_string());
    index.insert(name.to_string(), i);
    i
}

impl CostCube {
    pub fn empty(range: Window) -> Self {
        CubeBuilder::new(range).build()
    }

    fn day_offset(&self, date: NaiveDate) -> i64 {
        (date - self.range.start).num_days()
    }

    /// Whether every day of `window` is inside the cube.
    pub fn covers(&self, window: &Window) -> bool {
        self.range.start <= window.start && window.end <= self.range.end
    }

    /// The cube restricted to the region and service filters of `filters` (other dimensions
    /// are ignored: they cannot be applied to a cube and must be applied by the source).
    pub fn restricted(&self, filters: &FilterSet) -> CostCube {
        let keep_service = mask(&self.services, filters, &Dimension::Service);
        let keep_region = mask(&self.regions, filters, &Dimension::Region);
        CostCube {
            range: self.range,
            services: self.services.clone(),
            regions: self.regions.clone(),
            estimated: self.estimated.clone(),
            cells: self
                .cells
                .iter()
                .filter(|c| keep_service[c.service as usize] && keep_region[c.region as usize])
                .copied()
                .collect(),
        }
    }

    /// Total over `window` (days outside the cube count as nothing).
    pub fn total(&self, window: &Window) -> Money {
        let (lo, hi) = (self.day_offset(window.start), self.day_offset(window.end));
        self.cells
            .iter()
            .filter(|c| (lo..hi).contains(&i64::from(c.day)))
            .map(|c| c.cost)
            .sum()
    }

    pub fn breakdown(&self, window: Window) -> Breakdown {
        let prev = window.previous();
        let has_previous = self.covers(&prev);
        let (lo, hi) = (self.day_offset(window.start), self.day_offset(window.end));
        let (plo, phi) = (self.day_offset(prev.start), self.day_offset(prev.end));

        let mut services = vec![(Money::ZERO, Money::ZERO); self.services.len()];
        let mut regions = vec![(Money::ZERO, Money::ZERO); self.regions.len()];
        let mut daily = vec![Money::ZERO; window.days().max(0) as usize];
        for c in &self.cells {
            let day = i64::from(c.day);
            if (lo..hi).contains(&day) {
                services[c.service as usize].0 += c.cost;
                regions[c.region as usize].0 += c.cost;
                daily[(day - lo) as usize] += c.cost;
            } else if has_previous && (plo..phi).contains(&day) {
                services[c.service as usize].1 += c.cost;
                regions[c.region as usize].1 += c.cost;
            }
        }

        let total: Money = daily.iter().sum();
        let previous_total = has_previous.then(|| services.iter().map(|s| s.1).sum());
        Breakdown {
            window,
            total,
            previous_total,
            services: rows(&self.services, services, has_previous),
            regions: rows(&self.regions, regions, has_previous),
            daily: daily
                .into_iter()
                .enumerate()
                .map(|(i, cost)| {
                    let offset = lo + i as i64;
                    Day {
                        date: window.start + Duration::days(i as i64),
                        cost,
                        estimated: usize::try_from(offset)
                            .ok()
                            .and_then(|o| self.estimated.get(o).copied())
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

/// Names with their sums, dropping names that had nothing in either period, sorted by cost.
fn rows(names: &[String], sums: Vec<(Money, Money)>, has_previous: bool) -> Vec<Row> {
    let mut rows: Vec<Row> = names
        .iter()
        .zip(sums)
        .filter(|(_, (cost, prev))| !cost.is_zero() || !prev.is_zero())
        .map(|(name, (cost, prev))| Row {
            name: name.clone(),
            cost,
            previous: has_previous.then_some(prev),
        })
        .collect();
    rows.sort_by(|a, b| b.cost.cmp(&a.cost).then_with(|| a.name.cmp(&b.name)));
    rows
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
    fn restriction_applies_region_and_service_filters() {
        let cube = sample();
        let filters = FilterSet::new([
            Filter::new(Dimension::Region, "us-east-1"),
            Filter::new(Dimension::Tag("team".into()), "web"),
        ]);
        let only = cube.restricted(&filters);
        assert_eq!(only.total(&cube.range), m("33.01"));
        let ec2 = only.restricted(&FilterSet::new([Filter::new(Dimension::Service, "EC2")]));
        assert_eq!(ec2.total(&cube.range), m("30.01"));
    }
}
