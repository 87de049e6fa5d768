//! Local anomaly detection over the cost cube: a robust, explainable baseline that survives
//! weekly seasonality and the monthly charges posted on the 1st.
//!
//! Each service's daily series (all regions summed), and the account's total, is scored day by
//! day against what its own history says to expect:
//!
//! - an ordinary day against the median of the same weekday in the four weeks before it, of
//!   which at least two must be known (so a series needs 14 days of history to be scored);
//! - a 1st of the month against its weekday level plus the month-start charge (Tax, Support,
//!   upfront fees) that earlier 1sts had over theirs — a 1st is never compared with its
//!   weekday peers alone, and 1sts are no reference for other days;
//! - estimated days are neither scored nor used as references.
//!
//! The spread is 1.4826 × the MAD of the same references, floored at 5 % of the baseline and at
//! $1, so that a flat history does not turn every cent into an outlier. A day is anomalous when
//! its robust z-score is above 3.5 (Iglewicz–Hoaglin) and it is at least `min_impact` and
//! `min_percent` above what was expected; consecutive anomalous days are one anomaly. Only
//! upward moves count as spikes.
//!
//! The series are spend: negative amounts (credits, refunds) are left out, so a credit starting
//! or ending is no anomaly, and an anomaly's amounts are what was spent before credits.
//!
//! Besides spikes: a service with no spend for at least 14 days that starts spending is new; a
//! service with steady spend that has nothing for two settled days has stopped. The total
//! speaks only when the services do not: a total anomaly that would not be one without what
//! service anomalies account for is left out, so one runaway service is one anomaly.
//!
//! Amounts stay integers (the cube's units, times 16 so that a median of medians divides
//! exactly) and become exact [`Money`] at the end; there is no float anywhere.

use std::cmp::Reverse;

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Anomaly, AnomalyKind, AnomalySource, CostCube, Money, Window};

/// The floors an anomaly must clear (`[alerts] anomaly_min_impact` and `anomaly_min_percent`).
#[derive(Debug, Clone, PartialEq)]
pub struct DetectOptions {
    /// Dollars each day of a spike must be above what was expected, and a new or stopped
    /// service must move spend by over its days.
    pub min_impact: Money,
    /// Percent above what was expected each of those must be (when anything was expected).
    pub min_percent: Decimal,
}

/// Reference values for a day: four recent weeks, or four earlier 1sts.
const REFS: usize = 4;
/// Same-weekday values a day needs to be scored: two earlier weeks, 14 days of history.
const MIN_WEEKS: usize = 2;
/// Days without spend before a service counts as new, days of steady spend before one counts
/// as stopped, and the longest either stays one anomaly: after two weeks a new service has
/// the history to be scored like any other, and a stop is the new normal.
const SETTLE: usize = 14;
/// How long a new service's spend weighs on the total's references (four weeks).
const INFLUENCE: usize = 28;
/// Values are kept in sixteenths of a cube unit: a 1st's baseline is a median of differences
/// from medians, its MAD a median of differences from that, and each median of an even count
/// halves the unit — 16 keeps all of them whole.
const FINE: i128 = 16;
/// The spread's terms, in ten-thousandths: 1.4826 × MAD (σ for normal data)…
const MAD_TO_SIGMA: i128 = 14_826;
/// …at least 5 % of the baseline…
const FLOOR_SHARE: i128 = 500;
/// …and at least one dollar.
const FLOOR_DOLLAR: i128 = 10_000;

/// Anomalies whose last day falls in `report` (usually the query window), found over the whole
/// cube. Sorted by the size of their impact, largest first (a stopped service's impact is
/// negative: it is its size that says how much it matters).
pub fn detect(cube: &CostCube, report: Window, opts: &DetectOptions) -> Vec<Anomaly> {
    let cal = Calendar::new(cube);
    let matrix = Matrix::new(cube, cal.days());
    let services: Vec<Finding> = (0..cube.services.len())
        .flat_map(|i| service_findings(&Series::new(matrix.service(i)), i, &cal, opts))
        .collect();
    let total: Vec<Finding> = spikes(&Series::new(&matrix.total), &cal, opts)
        .into_iter()
        .filter(|t| !explained(t, &services, &matrix, &cal, opts))
        .collect();
    let reported: Vec<&Finding> = services
        .iter()
        .chain(&total)
        .filter(|f| report.contains(cal.date(f.last())))
        .collect();
    let mut found: Vec<Anomaly> = reported
        .iter()
        .zip(region_series(cube, &reported))
        .map(|(f, regions)| anomaly(cube, &cal, f, &regions))
        .collect();
    found.sort_by(|a, b| {
        let size = |x: &Anomaly| x.impact.amount().abs();
        size(b)
            .cmp(&size(a))
            .then_with(|| a.service.cmp(&b.service))
            .then(a.start.cmp(&b.start))
    });
    found
}

fn service_findings(
    s: &Series,
    service: usize,
    cal: &Calendar,
    opts: &DetectOptions,
) -> Vec<Finding> {
    let mut found = spikes(s, cal, opts);
    found.extend(new_service(s, cal, opts));
    found.extend(stops(s, cal, opts));
    for f in &mut found {
        f.service = Some(service);
    }
    found
}

/// What detection needs to know about the cube's days.
struct Calendar {
    start: NaiveDate,
    scale: u32,
    /// Per day: not estimated, so it may be scored and used as a reference.
    settled: Vec<bool>,
    month_start: Vec<bool>,
    /// The days that are 1sts, in order.
    firsts: Vec<usize>,
}

impl Calendar {
    fn new(cube: &CostCube) -> Self {
        let days = usize::try_from(cube.range.days()).unwrap_or(0);
        let start = cube.range.start;
        let month_start: Vec<bool> = (0..days)
            .map(|i| (start + Duration::days(i as i64)).day() == 1)
            .collect();
        Calendar {
            start,
            scale: cube.scale,
            settled: (0..days)
                .map(|i| !cube.estimated.get(i).copied().unwrap_or(false))
                .collect(),
            firsts: (0..days).filter(|&i| month_start[i]).collect(),
            month_start,
        }
    }

    fn days(&self) -> usize {
        self.settled.len()
    }

    fn date(&self, day: usize) -> NaiveDate {
        self.start + Duration::days(day as i64)
    }

    /// Whether `day` may stand for its weekday: settled, and not a 1st with its monthly charges.
    fn is_weekday_reference(&self, day: usize) -> bool {
        self.settled[day] && !self.month_start[day]
    }

    /// One dollar, in sixteenths of a unit.
    fn dollar(&self) -> i128 {
        FINE * 10i128.pow(self.scale)
    }

    /// `money` in sixteenths of a unit, rounded up (what an amount must reach to be worth it).
    fn fine(&self, money: Money) -> i128 {
        Decimal::from(FINE)
            .checked_mul(Decimal::from(10i64.pow(self.scale)))
            .and_then(|per_dollar| money.amount().checked_mul(per_dollar))
            .and_then(|fine| fine.ceil().to_i128())
            .unwrap_or(i128::MAX)
    }

    /// Sixteenths of a unit as exact money (a sixteenth is 0.0625 of a unit).
    fn money(&self, fine: i128) -> Money {
        let exact = fine
            .checked_mul(625)
            .and_then(|n| Decimal::try_from_i128_with_scale(n, self.scale + 4).ok());
        Money::new(exact.unwrap_or(if fine < 0 { Decimal::MIN } else { Decimal::MAX }))
    }
}

/// Every service's daily spend, and the total's, from one pass over the cells.
struct Matrix {
    days: usize,
    /// Service-major: the days of service 0, then of service 1, …
    services: Vec<i128>,
    total: Vec<i128>,
}

impl Matrix {
    fn new(cube: &CostCube, days: usize) -> Self {
        let mut services = vec![0i128; cube.services.len() * days];
        let mut total = vec![0i128; days];
        for c in cube.cells.iter().filter(|c| c.units > 0) {
            let day = usize::from(c.day);
            if day < days
                && let Some(v) = services.get_mut(c.service as usize * days + day)
            {
                *v += c.units;
                total[day] += c.units;
            }
        }
        Matrix {
            days,
            services,
            total,
        }
    }

    fn service(&self, i: usize) -> &[i128] {
        &self.services[i * self.days..(i + 1) * self.days]
    }
}

/// A daily series in cube units, with the first day it had anything: the days before are no
/// reference (a new service's zeros are not what it normally spends).
struct Series<'a> {
    values: &'a [i128],
    first: usize,
}

impl<'a> Series<'a> {
    fn new(values: &'a [i128]) -> Self {
        let first = values.iter().position(|v| *v != 0).unwrap_or(values.len());
        Series { values, first }
    }

    fn fine(&self, day: usize) -> i128 {
        self.values[day] * FINE
    }
}

/// Up to [`REFS`] reference values, without allocating: this runs for every day of every
/// series.
#[derive(Default)]
struct Refs {
    values: [i128; REFS],
    len: usize,
}

impl Refs {
    fn push(&mut self, v: i128) {
        if self.len < REFS {
            self.values[self.len] = v;
            self.len += 1;
        }
    }

    fn is_full(&self) -> bool {
        self.len == REFS
    }

    fn values(&mut self) -> &mut [i128] {
        &mut self.values[..self.len]
    }
}

/// What history leads to expect on a day, in sixteenths of a unit.
#[derive(Debug, Clone, Copy)]
struct Expectation {
    base: i128,
    mad: i128,
}

impl Expectation {
    /// Nothing, exactly (a new service's history).
    const NOTHING: Expectation = Expectation { base: 0, mad: 0 };

    /// The robust z-score's denominator, in ten-thousandths of a sixteenth: 1.4826 × MAD,
    /// floored at 5 % of the baseline and at $1, so a flat history (MAD 0) cannot make a few
    /// cents an outlier.
    fn spread(&self, cal: &Calendar) -> i128 {
        (MAD_TO_SIGMA * self.mad)
            .max(FLOOR_SHARE * self.base)
            .max(FLOOR_DOLLAR * cal.dollar())
    }
}

/// Median and MAD of `values`; `None` when there are none. Reorders them.
fn robust(values: &mut [i128]) -> Option<Expectation> {
    let base = median(values)?;
    for v in values.iter_mut() {
        *v = (*v - base).abs();
    }
    Some(Expectation {
        base,
        mad: median(values)?,
    })
}

/// The median of `values` (of an even count, the mean of the middle two: exact, because every
/// value given to it is a multiple of four sixteenths — see [`FINE`]). Reorders them.
fn median(values: &mut [i128]) -> Option<i128> {
    values.sort_unstable();
    let mid = values.len() / 2;
    match values.len() {
        0 => None,
        n if n % 2 == 1 => Some(values[mid]),
        _ => Some((values[mid - 1] + values[mid]) / 2),
    }
}

/// What `s`'s history before `cutoff` says to expect on `day`: `cutoff` is `day` itself when
/// scoring it, and a stop's first day when asking what its days would have cost. `None` when
/// there is too little history to say.
fn expectation(s: &Series, cal: &Calendar, day: usize, cutoff: usize) -> Option<Expectation> {
    if cal.month_start[day] {
        month_start(s, cal, day, cutoff)
    } else {
        weekday(s, cal, day, cutoff)
    }
}

/// The same weekday as `day` in the four weeks before `cutoff`.
fn weekday(s: &Series, cal: &Calendar, day: usize, cutoff: usize) -> Option<Expectation> {
    let nearest = day.saturating_sub(cutoff) / 7 + 1;
    let before = (nearest..nearest + REFS).map_while(|weeks| day.checked_sub(7 * weeks));
    weekday_refs(s, cal, before)
}

/// The same weekday as `day` in the four weeks after it, up to `cutoff`: the level of a 1st
/// at the start of the cube, which has no weeks before it.
fn weekday_after(s: &Series, cal: &Calendar, day: usize, cutoff: usize) -> Option<Expectation> {
    let after = (1..=REFS)
        .map(|weeks| day + 7 * weeks)
        .take_while(|&r| r < cutoff);
    weekday_refs(s, cal, after)
}

/// Median and MAD of the `candidates` that may stand for their weekday (no 1sts, estimated
/// days or days before the series began); at least two of them.
fn weekday_refs(
    s: &Series,
    cal: &Calendar,
    candidates: impl Iterator<Item = usize>,
) -> Option<Expectation> {
    let mut refs = Refs::default();
    for r in candidates.filter(|&r| r >= s.first && cal.is_weekday_reference(r)) {
        refs.push(s.fine(r));
    }
    if refs.len < MIN_WEEKS {
        return None;
    }
    robust(refs.values())
}

/// A 1st: its weekday level plus the month-start charge, the median of what up to four earlier
/// 1sts had over their own weekday level (from the weeks before them, or after them for a 1st
/// at the start of the cube). The charge is learnt only from 1sts, and the weekday level keeps
/// a 1st on a Monday from looking like a spike after 1sts on weekends. `None` without an
/// earlier 1st to learn the charge from.
fn month_start(s: &Series, cal: &Calendar, day: usize, cutoff: usize) -> Option<Expectation> {
    let level = weekday(s, cal, day, cutoff)?.base;
    let mut charges = Refs::default();
    let earlier = &cal.firsts[..cal.firsts.partition_point(|&f| f < cutoff)];
    for &first in earlier.iter().rev() {
        if charges.is_full() || first < s.first {
            break;
        }
        if !cal.settled[first] {
            continue;
        }
        let own = weekday(s, cal, first, first).or_else(|| weekday_after(s, cal, first, cutoff));
        if let Some(own) = own {
            charges.push(s.fine(first) - own.base);
        }
    }
    let charge = robust(charges.values())?;
    Some(Expectation {
        // 1sts below the weekday level (a job that skips them) expect nothing, not less.
        base: (level + charge.base).max(0),
        mad: charge.mad,
    })
}

/// One day of a finding.
#[derive(Debug, Clone, Copy)]
struct Scored {
    day: usize,
    /// Cube units.
    actual: i128,
    /// Sixteenths of a unit.
    expected: i128,
    /// Ten-thousandths of a sixteenth (see [`Expectation::spread`]).
    spread: i128,
    score: Decimal,
}

impl Scored {
    fn new(day: usize, actual: i128, e: Expectation, cal: &Calendar) -> Self {
        let spread = e.spread(cal);
        Scored {
            day,
            actual,
            expected: e.base,
            spread,
            score: z(actual * FINE - e.base, spread),
        }
    }

    fn excess(&self) -> i128 {
        self.actual * FINE - self.expected
    }
}

/// `excess / spread` (the spread is in ten-thousandths), to two decimals.
fn z(excess: i128, spread: i128) -> Decimal {
    let num = Decimal::try_from_i128_with_scale(excess.saturating_mul(10_000), 0).ok();
    let den = Decimal::try_from_i128_with_scale(spread, 0).ok();
    num.zip(den)
        .and_then(|(n, d)| n.checked_div(d))
        .unwrap_or_default()
        .round_dp(2)
}

/// The day rule of a spike: `excess` (over `expected`, both in sixteenths) is more than 3.5
/// spreads, at least `min_impact` and at least `min_percent` of what was expected.
fn is_spike(
    excess: i128,
    expected: i128,
    spread: i128,
    cal: &Calendar,
    opts: &DetectOptions,
) -> bool {
    // The integer test first: most days are nowhere near, and need no decimals.
    is_outlier(excess, spread) && {
        let dollars = cal.money(excess);
        dollars >= opts.min_impact && clears_percent(dollars, cal.money(expected), opts)
    }
}

/// Whether `excess / spread > 3.5` (Iglewicz–Hoaglin), without dividing.
fn is_outlier(excess: i128, spread: i128) -> bool {
    20_000 * excess > 7 * spread
}

/// Whether `excess` is at least `min_percent` of `expected`, when anything was expected.
fn clears_percent(excess: Money, expected: Money, opts: &DetectOptions) -> bool {
    expected <= Money::ZERO
        || excess
            .percent_of(expected)
            .is_some_and(|p| p >= opts.min_percent)
}

/// Against whose history a finding's days are measured (again, per region, to say which one
/// drove it).
#[derive(Debug, Clone, Copy)]
enum Reference {
    /// Each day against the history before it: a spike.
    OwnDay,
    /// Every day against the history before this day: a stop.
    Before(usize),
    /// Against nothing: a new service.
    Nothing,
}

/// An anomaly before it is dressed for people: its days in cube terms.
#[derive(Debug)]
struct Finding {
    kind: AnomalyKind,
    /// `None` for the total.
    service: Option<usize>,
    reference: Reference,
    /// Consecutive days, in order; never empty.
    days: Vec<Scored>,
}

impl Finding {
    fn new(kind: AnomalyKind, reference: Reference, days: Vec<Scored>) -> Self {
        Finding {
            kind,
            service: None,
            reference,
            days,
        }
    }

    fn first(&self) -> usize {
        self.days.first().map_or(0, |d| d.day)
    }

    fn last(&self) -> usize {
        self.days.last().map_or(0, |d| d.day)
    }

    fn impact(&self) -> i128 {
        self.days.iter().map(Scored::excess).sum()
    }

    fn expected(&self) -> i128 {
        self.days.iter().map(|d| d.expected).sum()
    }

    /// The day score furthest from zero: the highest for a spike, the lowest for a stop.
    fn score(&self) -> Decimal {
        self.days
            .iter()
            .map(|d| d.score)
            .max_by_key(|s| s.abs())
            .unwrap_or_default()
    }

    /// Whether it moved spend by at least `min_impact`, and by `min_percent` of what was
    /// expected when anything was.
    fn clears(&self, cal: &Calendar, opts: &DetectOptions) -> bool {
        let size = cal.money(self.impact().abs());
        !self.days.is_empty()
            && size >= opts.min_impact
            && clears_percent(size, cal.money(self.expected()), opts)
    }

    /// How much of the total's excess on `day` this service finding accounts for: a spike its
    /// own excess; a new service all it spent, in its first four weeks, while the total's
    /// references are still learning it; a stop nothing (the total only spikes).
    fn share_on(&self, day: usize, matrix: &Matrix) -> i128 {
        match (self.kind, self.service) {
            (AnomalyKind::Spike, _) => self
                .days
                .iter()
                .find(|d| d.day == day)
                .map_or(0, Scored::excess),
            (AnomalyKind::NewService, Some(service))
                if (self.first()..self.first() + INFLUENCE).contains(&day) =>
            {
                matrix.service(service)[day] * FINE
            }
            _ => 0,
        }
    }

    /// The impact of this finding's days measured on another series (a region's) by the same
    /// rule; a day that series has no history for counts whole.
    fn impact_on(&self, s: &Series, cal: &Calendar) -> i128 {
        let expected = |day: usize| {
            let cutoff = match self.reference {
                Reference::OwnDay => day,
                Reference::Before(cutoff) => cutoff,
                Reference::Nothing => return 0,
            };
            expectation(s, cal, day, cutoff).map_or(0, |e| e.base)
        };
        self.days
            .iter()
            .map(|d| s.fine(d.day) - expected(d.day))
            .sum()
    }
}

/// Runs of anomalous days, each settled and a spike by the day rule ([`is_spike`]).
fn spikes(s: &Series, cal: &Calendar, opts: &DetectOptions) -> Vec<Finding> {
    // A spike's excess is at least `min_impact` over a baseline of nothing or more: a day that
    // spent less needs no baseline. Most days of a long tail of small services never get one.
    let least = cal.fine(opts.min_impact);
    let days: Vec<Scored> = (0..cal.days())
        .filter(|&day| s.fine(day) >= least)
        .filter_map(|day| spike_day(s, cal, opts, day))
        .collect();
    days.chunk_by(|a, b| b.day == a.day + 1)
        .map(|run| Finding::new(AnomalyKind::Spike, Reference::OwnDay, run.to_vec()))
        .collect()
}

/// `day` scored as part of a spike, or `None` when it is not one.
fn spike_day(s: &Series, cal: &Calendar, opts: &DetectOptions, day: usize) -> Option<Scored> {
    let actual = s.values[day];
    if !cal.settled[day] || actual == 0 {
        return None;
    }
    let e = expectation(s, cal, day, day)?;
    let excess = actual * FINE - e.base;
    is_spike(excess, e.base, e.spread(cal), cal, opts).then(|| Scored::new(day, actual, e, cal))
}

/// A service with at least 14 days without spend that starts spending: one anomaly over its
/// first settled days (two weeks at most, then its own history scores it), kept when they add
/// up to `min_impact`. A first charge on a 1st with no earlier 1st in the cube is not new: it
/// may be a monthly charge the cube is too short to have seen.
fn new_service(s: &Series, cal: &Calendar, opts: &DetectOptions) -> Option<Finding> {
    let first = s.first;
    if first < SETTLE || first >= cal.days() || cal.firsts.first() == Some(&first) {
        return None;
    }
    let mut days: Vec<Scored> = (first..cal.days().min(first + SETTLE))
        .take_while(|&d| cal.settled[d])
        .map(|d| Scored::new(d, s.values[d], Expectation::NOTHING, cal))
        .collect();
    while days.last().is_some_and(|d| d.actual == 0) {
        days.pop();
    }
    let found = Finding::new(AnomalyKind::NewService, Reference::Nothing, days);
    found.clears(cal, opts).then_some(found)
}

/// Stops: a settled day without spend right after one with, at least 14 days into the series.
fn stops(s: &Series, cal: &Calendar, opts: &DetectOptions) -> Vec<Finding> {
    (s.first + SETTLE..cal.days())
        .filter(|&d| s.values[d] == 0 && s.values[d - 1] > 0)
        .filter_map(|d| stop_at(s, cal, opts, d))
        .collect()
}

/// The stop beginning on `cutoff`, after 14 days of steady spend: its settled days without
/// spend against what the weeks before it expected — leading days when little was expected
/// anyway (a weekend off) left out, two weeks at most — kept when two days or more remain and
/// they clear the floors.
fn stop_at(s: &Series, cal: &Calendar, opts: &DetectOptions, cutoff: usize) -> Option<Finding> {
    if !steady(&s.values[cutoff - SETTLE..cutoff], cal, opts) {
        return None;
    }
    let mut days = Vec::new();
    for d in (cutoff..cal.days()).take_while(|&d| cal.settled[d] && s.values[d] == 0) {
        let e = expectation(s, cal, d, cutoff)?;
        if days.is_empty() && !worth_a_day(e.base, cal, opts) {
            continue;
        }
        days.push(Scored::new(d, 0, e, cal));
        if days.len() == SETTLE {
            break;
        }
    }
    let found = Finding::new(AnomalyKind::Stopped, Reference::Before(cutoff), days);
    (found.days.len() >= 2 && found.clears(cal, opts)).then_some(found)
}

/// Spend on most of `days`, with a daily median worth a day ([`worth_a_day`]): enough that a
/// few days without it are worth telling.
fn steady(days: &[i128], cal: &Calendar, opts: &DetectOptions) -> bool {
    let spent = days.iter().filter(|v| **v > 0).count();
    let mut fine: Vec<i128> = days.iter().map(|v| v * FINE).collect();
    let typical = median(&mut fine).unwrap_or(0);
    2 * spent > days.len() && worth_a_day(typical, cal, opts)
}

/// Whether a day's spend (in sixteenths) is at least a seventh of `min_impact`: a week of it
/// would clear the floor.
fn worth_a_day(fine: i128, cal: &Calendar, opts: &DetectOptions) -> bool {
    cal.money(7 * fine) >= opts.min_impact
}

/// Whether a finding of the total would be none without what service findings account for:
/// then the total says nothing they have not said.
fn explained(
    total: &Finding,
    services: &[Finding],
    matrix: &Matrix,
    cal: &Calendar,
    opts: &DetectOptions,
) -> bool {
    total.days.iter().all(|d| {
        let said: i128 = services.iter().map(|f| f.share_on(d.day, matrix)).sum();
        !is_spike(d.excess() - said, d.expected, d.spread, cal, opts)
    })
}

/// `f` for people; `regions` is its series split by region (see [`region_series`]).
fn anomaly(cube: &CostCube, cal: &Calendar, f: &Finding, regions: &[Vec<i128>]) -> Anomaly {
    let actual = cal.money(f.days.iter().map(|d| d.actual * FINE).sum());
    let expected = cal.money(f.expected());
    Anomaly {
        source: AnomalySource::Local,
        kind: f.kind,
        service: f.service.map(|i| cube.services[i].clone()),
        region: driving_region(cube, cal, f, regions),
        start: cal.date(f.first()),
        end: cal.date(f.last()),
        actual,
        expected,
        impact: actual - expected,
        score: f.score(),
    }
}

/// The region behind at least half of `f`'s impact, measured the same way on each region's
/// own series.
fn driving_region(
    cube: &CostCube,
    cal: &Calendar,
    f: &Finding,
    regions: &[Vec<i128>],
) -> Option<String> {
    let impact = f.impact();
    let sign = impact.signum();
    let (region, share) = regions
        .iter()
        .enumerate()
        .filter(|(_, values)| !values.is_empty())
        .map(|(r, values)| (r, f.impact_on(&Series::new(values), cal)))
        .max_by_key(|&(r, share)| (share * sign, Reverse(r)))?;
    (sign != 0 && 2 * share * sign >= impact * sign).then(|| cube.regions[region].clone())
}

/// Per finding, per region (empty when it had nothing), the daily spend of its service (or of
/// everything, for the total) up to its last day: one pass over the cells for all of them.
fn region_series(cube: &CostCube, findings: &[&Finding]) -> Vec<Vec<Vec<i128>>> {
    let mut of_service = vec![Vec::new(); cube.services.len()];
    let mut of_total = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        match f.service {
            Some(service) => of_service[service].push(i),
            None => of_total.push(i),
        }
    }
    let mut series = vec![vec![Vec::new(); cube.regions.len()]; findings.len()];
    let days = findings.iter().map(|f| f.last() + 1).max().unwrap_or(0);
    let end = cube.cells.partition_point(|c| usize::from(c.day) < days);
    for c in cube.cells[..end].iter().filter(|c| c.units > 0) {
        let day = usize::from(c.day);
        let mine = of_service.get(c.service as usize).into_iter().flatten();
        for &i in mine.chain(&of_total) {
            let len = findings[i].last() + 1;
            if day < len
                && let Some(values) = series[i].get_mut(c.region as usize)
            {
                if values.is_empty() {
                    *values = vec![0i128; len];
                }
                values[day] += c.units;
            }
        }
    }
    series
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, Utc, Weekday};

    use super::*;
    use crate::model::{CubeBuilder, FilterSet, Query};
    use crate::source::demo::{DemoSource, SPIKE_DAYS_AGO};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn m(s: &str) -> Money {
        s.parse().expect("amount")
    }

    fn days(n: i64) -> Duration {
        Duration::days(n)
    }

    /// The `[alerts]` defaults.
    fn opts() -> DetectOptions {
        DetectOptions {
            min_impact: m("50"),
            min_percent: Decimal::from(20),
        }
    }

    /// splitmix64: deterministic noise without a dependency.
    fn mix(mut x: u64) -> u64 {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    }

    /// How a generated line spends.
    #[derive(Clone, Copy)]
    enum Shape {
        /// Every day: `weekend` percent of a weekday's level on Saturdays and Sundays (0: off,
        /// a dev environment), Mondays 4 % busier, ±`noise` per mille.
        Daily { weekend: i64, noise: i64 },
        /// The 1st only, ±5 % month to month: Tax, Support, an upfront fee.
        MonthStart,
        /// A credit (a negative amount) on days 1–20, as promotional credits are applied.
        Credit,
    }

    struct Line {
        service: &'static str,
        region: &'static str,
        cents: i64,
        shape: Shape,
    }

    impl Line {
        /// Micro-dollars on day `n` of the history (`key` seeds its noise), or `None`.
        fn micros(
            &self,
            cents: i64,
            key: u64,
            day: NaiveDate,
            n: i64,
            growth_ppm: i64,
        ) -> Option<i64> {
            let r = mix(key ^ (n as u64).wrapping_mul(0x9E37_79B9));
            let base = cents * 10_000;
            match self.shape {
                Shape::Daily { weekend, noise } => {
                    let week = match day.weekday() {
                        Weekday::Sat | Weekday::Sun => weekend,
                        Weekday::Mon => 104,
                        _ => 100,
                    };
                    let grown = base * (1_000_000 + growth_ppm * n) / 1_000_000;
                    let jitter = 1_000 - noise + (r % (2 * noise as u64 + 1)) as i64;
                    let sub_cent = (r >> 40) as i64 % 100;
                    (week > 0).then(|| grown * week / 100 * jitter / 1_000 + sub_cent)
                }
                Shape::MonthStart => (day.day() == 1).then(|| base * (95 + (r % 11) as i64) / 100),
                Shape::Credit => (day.day() <= 20).then_some(-base),
            }
        }
    }

    /// The knobs of a generated account.
    #[derive(Clone, Copy)]
    struct Profile {
        /// Weekend level, percent of a weekday's.
        weekend: i64,
        /// Growth a day, in millionths of the starting level (5 000: +0.5 %/day).
        growth_ppm: i64,
        /// Credits, percent of the usual ones (about 9 % of the spend).
        credits: i64,
    }

    impl Profile {
        fn for_seed(seed: u64) -> Profile {
            Profile {
                weekend: 70 + (seed % 15) as i64,
                growth_ppm: (seed % 6) as i64 * 1_000,
                credits: 100,
            }
        }
    }

    fn lines(p: Profile) -> Vec<Line> {
        let daily = |noise| Shape::Daily {
            weekend: p.weekend,
            noise,
        };
        let line = |service, region, cents, shape| Line {
            service,
            region,
            cents,
            shape,
        };
        vec![
            line("Compute", "us-east-1", 18_000, daily(60)),
            line("Compute", "eu-west-1", 12_000, daily(60)),
            line("Compute", "us-west-2", 6_000, daily(60)),
            line("Compute", "us-east-1", 90_000, Shape::MonthStart),
            line("Compute", "us-east-1", 30 * p.credits, Shape::Credit),
            line("Database", "us-east-1", 9_000, daily(40)),
            line("Database", "eu-west-1", 4_500, daily(40)),
            line(
                "Storage",
                "us-east-1",
                4_000,
                Shape::Daily {
                    weekend: 100,
                    noise: 20,
                },
            ),
            line("Lambda", "us-east-1", 1_200, daily(150)),
            line("Lambda", "us-west-2", 600, daily(150)),
            line(
                "Dev",
                "eu-west-1",
                3_500,
                Shape::Daily {
                    weekend: 0,
                    noise: 60,
                },
            ),
            line("CloudWatch", "us-east-1", 300, daily(80)),
            line("KMS", "us-east-1", 100, daily(80)),
            line("SQS", "eu-west-1", 50, daily(200)),
            line("Tax", "NoRegion", 60_000, Shape::MonthStart),
            line("Support", "NoRegion", 50_000, Shape::MonthStart),
            line("Credits", "global", 25 * p.credits, Shape::Credit),
        ]
    }

    /// Days of generated history, today included.
    const HISTORY: i64 = 150;

    /// A generated account: 150 days up to `today`, the last two estimated and today half
    /// billed, as Cost Explorer shows them.
    struct Case {
        today: NaiveDate,
        range: Window,
        items: Vec<(NaiveDate, &'static str, &'static str, Money)>,
    }

    impl Case {
        fn generate(seed: u64, today: NaiveDate, p: Profile) -> Case {
            let range = Window::new(today - days(HISTORY - 1), today + days(1)).expect("range");
            let mut case = Case {
                today,
                range,
                items: Vec::new(),
            };
            for (i, line) in lines(p).iter().enumerate() {
                case.add_line(line, mix(seed << 8 | i as u64), range.start, p.growth_ppm);
            }
            case
        }

        /// The account of `seed`: its profile, and a today that moves the 1sts around the week.
        fn for_seed(seed: u64) -> Case {
            let today = d("2026-11-25") - days((seed % 63) as i64);
            Case::generate(seed, today, Profile::for_seed(seed))
        }

        /// Adds `line` from `from` on, its level scaled by 0.6–1.4 by `key`.
        fn add_line(&mut self, line: &Line, key: u64, from: NaiveDate, growth_ppm: i64) {
            let cents = line.cents * (60 + (key % 81) as i64) / 100;
            for day in Window::new(from, self.range.end).expect("days").iter_days() {
                let n = (day - self.range.start).num_days();
                if let Some(micros) = line.micros(cents, key, day, n, growth_ppm) {
                    let micros = if day == self.today {
                        micros * 9 / 20
                    } else {
                        micros
                    };
                    self.add(day, line.service, line.region, Money::from_units(micros, 6));
                }
            }
        }

        fn add(
            &mut self,
            day: NaiveDate,
            service: &'static str,
            region: &'static str,
            amount: Money,
        ) {
            self.items.push((day, service, region, amount));
        }

        /// `service` spends nothing from `from` on.
        fn stop(&mut self, service: &str, from: NaiveDate) {
            self.items
                .retain(|(day, s, _, _)| !(*s == service && *day >= from));
        }

        fn cube(&self) -> CostCube {
            let mut b = CubeBuilder::new(self.range);
            for (day, service, region, amount) in &self.items {
                b.add(*day, service, region, *amount);
            }
            b.mark_estimated(self.today - days(1));
            b.mark_estimated(self.today);
            b.build()
        }

        fn report(&self) -> Window {
            Window::last_days(self.today, 30).expect("report")
        }

        fn last_settled(&self) -> NaiveDate {
            self.today - days(2)
        }

        fn detect(&self) -> Vec<Anomaly> {
            detect(&self.cube(), self.report(), &opts())
        }

        /// `service`'s daily spend (credits left out, as detection does).
        fn spend(&self, service: &str) -> BTreeMap<NaiveDate, Money> {
            let mut daily = BTreeMap::new();
            for (day, s, _, amount) in &self.items {
                if *s == service && *amount > Money::ZERO {
                    *daily.entry(*day).or_insert(Money::ZERO) += *amount;
                }
            }
            daily
        }

        /// The weekday rule restated over the generated amounts, in decimals: the median of
        /// the same weekday in the four weeks before `cutoff`, 1sts and estimated days left out.
        fn expected(&self, service: &str, day: NaiveDate, cutoff: NaiveDate) -> Money {
            assert_ne!(day.day(), 1, "the restatement covers weekdays only");
            let spend = self.spend(service);
            let mut refs: Vec<Decimal> = (1..=8)
                .map(|k| day - Duration::weeks(k))
                .filter(|r| *r < cutoff && *r >= cutoff - days(28))
                .filter(|r| r.day() != 1 && *r >= self.range.start && *r < self.today - days(1))
                .map(|r| spend.get(&r).copied().unwrap_or_default().amount())
                .collect();
            refs.sort();
            let n = refs.len();
            assert!(n >= 2, "{service} on {day}: {n} references");
            Money::new(if n % 2 == 1 {
                refs[n / 2]
            } else {
                (refs[n / 2 - 1] + refs[n / 2]) / Decimal::TWO
            })
        }

        /// Mean daily spend of `service` over the week before `day`.
        fn level(&self, service: &str, day: NaiveDate) -> Money {
            let week: Money = self
                .spend(service)
                .range(day - days(7)..day)
                .map(|(_, m)| *m)
                .sum();
            Money::new(week.amount() / Decimal::from(7))
        }

        /// A settled day of the report chosen by `r`, with `room` settled days after it, that
        /// `ok` accepts.
        fn settled_day(&self, r: u64, room: i64, ok: impl Fn(NaiveDate) -> bool) -> NaiveDate {
            let candidates: Vec<NaiveDate> = self
                .report()
                .iter_days()
                .filter(|day| *day + days(room) <= self.last_settled() && ok(*day))
                .collect();
            candidates[(r % candidates.len() as u64) as usize]
        }
    }

    fn explain_all(found: &[Anomaly]) -> Vec<String> {
        found.iter().map(Anomaly::explain).collect()
    }

    /// Adds a three-day step of `amount` a day from `from`.
    fn step(
        case: &mut Case,
        service: &'static str,
        region: &'static str,
        from: NaiveDate,
        amount: Money,
    ) {
        for i in 0..3 {
            case.add(from + days(i), service, region, amount);
        }
    }

    /// A new service spending from `from` on, about `cents` a day with the weekly shape.
    fn new_service_from(case: &mut Case, from: NaiveDate, cents: i64, key: u64) {
        let line = Line {
            service: "Amazon SageMaker",
            region: "us-west-2",
            cents,
            shape: Shape::Daily {
                weekend: 80,
                noise: 60,
            },
        };
        case.add_line(&line, key, from, 0);
    }

    #[test]
    fn quiet_accounts_raise_nothing() {
        // Each profile stresses one thing the baseline must survive; every account also has
        // month-start Tax, Support and an upfront fee, credits in a service and on their own,
        // a dev environment off at weekends and two estimated days.
        let profiles = [
            (
                "weekly seasonality",
                Profile {
                    weekend: 35,
                    growth_ppm: 0,
                    credits: 100,
                },
            ),
            (
                "gradual growth",
                Profile {
                    weekend: 75,
                    growth_ppm: 5_000,
                    credits: 100,
                },
            ),
            (
                "heavy credits",
                Profile {
                    weekend: 75,
                    growth_ppm: 1_000,
                    credits: 400,
                },
            ),
        ];
        for (what, profile) in profiles {
            for seed in 0..63 {
                let today = d("2026-11-25") - days(seed as i64);
                let case = Case::generate(seed, today, profile);
                let found = case.detect();
                assert!(
                    found.is_empty(),
                    "{what}, seed {seed}: {:?}",
                    explain_all(&found)
                );
            }
        }
    }

    #[test]
    fn a_monday_first_after_first_on_sundays_is_not_a_spike() {
        // 1 March 2026 and 1 February were Sundays, 1 June a Monday: against the median of
        // earlier 1sts alone, a quiet Monday would look 50 % up at 35 % weekends.
        let profile = Profile {
            weekend: 35,
            growth_ppm: 0,
            credits: 100,
        };
        for seed in 0..10 {
            let case = Case::generate(seed, d("2026-06-03"), profile);
            let found = case.detect();
            assert!(found.is_empty(), "seed {seed}: {:?}", explain_all(&found));
        }
    }

    #[test]
    fn estimated_days_are_never_scored() {
        let mut case = Case::for_seed(4);
        for day in [case.today - days(1), case.today] {
            case.add(day, "Compute", "us-east-1", m("5000"));
        }
        case.add(case.today, "Brand New", "us-east-1", m("900"));
        case.stop("Database", case.today - days(1));
        assert_eq!(explain_all(&case.detect()), Vec::<String>::new());
    }

    #[test]
    fn a_short_history_is_not_scored() {
        let mut case = Case::for_seed(2);
        case.range = Window::new(case.today - days(13), case.today + days(1)).expect("range");
        case.add(case.today - days(3), "Compute", "us-east-1", m("5000"));
        assert_eq!(explain_all(&case.detect()), Vec::<String>::new());
    }

    /// The seeds of the exact tests: none puts a 1st on the days they look at.
    const EXACT_SEEDS: [u64; 3] = [0, 9, 30];

    #[test]
    fn a_one_day_spike_is_one_anomaly_to_the_cent() {
        for seed in EXACT_SEEDS {
            let mut case = Case::for_seed(seed);
            let day = case.today - days(6);
            case.add(day, "Compute", "us-east-1", m("700.123456"));
            let found = case.detect();
            assert_eq!(found.len(), 1, "seed {seed}: {:?}", explain_all(&found));
            let a = &found[0];
            let actual = case.spend("Compute")[&day];
            let expected = case.expected("Compute", day, day);
            assert_eq!(
                (
                    a.kind,
                    a.service.as_deref(),
                    a.region.as_deref(),
                    a.start,
                    a.end
                ),
                (
                    AnomalyKind::Spike,
                    Some("Compute"),
                    Some("us-east-1"),
                    day,
                    day
                )
            );
            assert_eq!(
                (a.actual, a.expected, a.impact),
                (actual, expected, actual - expected)
            );
            assert!(a.score > Decimal::new(35, 1), "{}", a.score);
            assert_eq!(a.source, AnomalySource::Local);
        }
    }

    #[test]
    fn a_three_day_step_is_one_anomaly_over_its_days() {
        for seed in EXACT_SEEDS {
            let mut case = Case::for_seed(seed);
            let from = case.today - days(10);
            step(&mut case, "Database", "eu-west-1", from, m("150"));
            let found = case.detect();
            assert_eq!(found.len(), 1, "seed {seed}: {:?}", explain_all(&found));
            let a = &found[0];
            let spend = case.spend("Database");
            let step_days = || (0..3).map(|i| from + days(i));
            let actual: Money = step_days().map(|day| spend[&day]).sum();
            let expected: Money = step_days()
                .map(|day| case.expected("Database", day, day))
                .sum();
            assert_eq!(
                (
                    a.kind,
                    a.service.as_deref(),
                    a.region.as_deref(),
                    a.start,
                    a.end
                ),
                (
                    AnomalyKind::Spike,
                    Some("Database"),
                    Some("eu-west-1"),
                    from,
                    from + days(2)
                )
            );
            assert_eq!(
                (a.actual, a.expected, a.impact),
                (actual, expected, actual - expected)
            );
        }
    }

    #[test]
    fn a_new_service_is_one_anomaly() {
        for seed in EXACT_SEEDS {
            let mut case = Case::for_seed(seed);
            let from = case.today - days(9);
            new_service_from(&mut case, from, 9_000, seed);
            let found = case.detect();
            assert_eq!(found.len(), 1, "seed {seed}: {:?}", explain_all(&found));
            let a = &found[0];
            let actual: Money = case
                .spend("Amazon SageMaker")
                .range(..=case.last_settled())
                .map(|(_, m)| *m)
                .sum();
            assert_eq!(
                (
                    a.kind,
                    a.service.as_deref(),
                    a.region.as_deref(),
                    a.start,
                    a.end
                ),
                (
                    AnomalyKind::NewService,
                    Some("Amazon SageMaker"),
                    Some("us-west-2"),
                    from,
                    case.last_settled()
                )
            );
            assert_eq!(
                (a.actual, a.expected, a.impact),
                (actual, Money::ZERO, actual)
            );
        }
    }

    #[test]
    fn a_stopped_service_is_one_anomaly() {
        for seed in EXACT_SEEDS {
            let mut case = Case::for_seed(seed);
            let from = case.today - days(7);
            let expected: Money = Window::new(from, case.last_settled() + days(1))
                .expect("stopped days")
                .iter_days()
                .map(|day| case.expected("Database", day, from))
                .sum();
            case.stop("Database", from);
            let found = case.detect();
            assert_eq!(found.len(), 1, "seed {seed}: {:?}", explain_all(&found));
            let a = &found[0];
            assert_eq!(
                (a.kind, a.service.as_deref(), a.start, a.end),
                (
                    AnomalyKind::Stopped,
                    Some("Database"),
                    from,
                    case.last_settled()
                )
            );
            assert_eq!(
                (a.actual, a.expected, a.impact),
                (Money::ZERO, expected, -expected)
            );
            assert!(a.score < Decimal::ZERO, "{}", a.score);
        }
    }

    #[test]
    fn the_total_speaks_when_no_service_does() {
        // Ten services each $40 up on one day: none clears $50 alone, together they do.
        let mut case = Case::for_seed(0);
        let day = case.today - days(5);
        let names = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"];
        for (i, name) in names.iter().enumerate() {
            let line = Line {
                service: name,
                region: "us-east-1",
                cents: 4_000,
                shape: Shape::Daily {
                    weekend: 100,
                    noise: 10,
                },
            };
            case.add_line(&line, 1000 + i as u64, case.range.start, 0);
            case.add(day, name, "us-east-1", m("40"));
        }
        let found = case.detect();
        assert_eq!(found.len(), 1, "{:?}", explain_all(&found));
        let a = &found[0];
        assert_eq!(
            (a.kind, a.service.as_deref(), a.start, a.end),
            (AnomalyKind::Spike, None, day, day)
        );
        assert_eq!(a.region.as_deref(), Some("us-east-1"));
        assert!(a.impact > m("300"), "{}", a.explain());
    }

    #[test]
    fn explanations_read_sensibly() {
        let mut case = Case::for_seed(0);
        let day = case.today - days(6);
        case.add(day, "Compute", "us-east-1", m("700"));
        let found = case.detect();
        let expected = case.expected("Compute", day, day);
        let actual = case.spend("Compute")[&day];
        let dollars = |m: Money| {
            Money::new(m.amount().round())
                .display_grouped()
                .replace(".00", "")
        };
        assert_eq!(
            found[0].explain(),
            format!(
                "Compute ${} on {}, expected about ${}: +${}, mostly us-east-1",
                dollars(actual),
                day.format("%b %d"),
                dollars(expected),
                dollars(actual - expected)
            )
        );
    }

    /// Generated cases, each with the one anomaly it must raise (none for the quiet ones).
    #[derive(Debug, Clone, Copy)]
    enum Scenario {
        Quiet,
        EstimatedSpike,
        Spike,
        Step,
        NewService,
        Stopped,
    }

    /// The anomaly a scenario injected.
    #[derive(Debug)]
    struct Truth {
        kind: AnomalyKind,
        service: &'static str,
        start: NaiveDate,
        end: NaiveDate,
    }

    impl Truth {
        fn matches(&self, a: &Anomaly) -> bool {
            (a.kind, a.service.as_deref(), a.start, a.end)
                == (self.kind, Some(self.service), self.start, self.end)
        }
    }

    impl Scenario {
        const ALL: [Scenario; 6] = [
            Scenario::Quiet,
            Scenario::EstimatedSpike,
            Scenario::Spike,
            Scenario::Step,
            Scenario::NewService,
            Scenario::Stopped,
        ];

        fn case(self, seed: u64) -> (Case, Option<Truth>) {
            let mut case = Case::for_seed(seed);
            let r = mix(seed ^ 0x5EED_0000 ^ self as u64);
            let pick = |options: &[(&'static str, &'static str)]| {
                options[(r >> 32) as usize % options.len()]
            };
            let usage = [
                ("Compute", "us-east-1"),
                ("Database", "eu-west-1"),
                ("Storage", "us-east-1"),
                ("Lambda", "us-west-2"),
                ("Dev", "eu-west-1"),
            ];
            let truth = |kind, service, start, end| {
                Some(Truth {
                    kind,
                    service,
                    start,
                    end,
                })
            };
            // Between 1 and 3 (spikes) or 0.8 and 2 (steps) times the recent daily level.
            let factor = |low: i64, span: u64| {
                Decimal::from(low + (r >> 16) as i64 % span as i64) / Decimal::ONE_HUNDRED
            };
            match self {
                Scenario::Quiet => (case, None),
                Scenario::EstimatedSpike => {
                    let (service, region) = pick(&usage);
                    case.add(case.today - days(1), service, region, m("3000"));
                    (case, None)
                }
                Scenario::Spike => {
                    let (service, region) = pick(&usage);
                    let day = case.settled_day(r, 0, |_| true);
                    let size = Money::new(case.level(service, day).amount() * factor(100, 200))
                        .max(m("120"));
                    case.add(day, service, region, size);
                    (case, truth(AnomalyKind::Spike, service, day, day))
                }
                Scenario::Step => {
                    let (service, region) = pick(&usage);
                    let from = case.settled_day(r, 2, |_| true);
                    let size = Money::new(case.level(service, from).amount() * factor(80, 120))
                        .max(m("60"));
                    step(&mut case, service, region, from, size);
                    (
                        case,
                        truth(AnomalyKind::Spike, service, from, from + days(2)),
                    )
                }
                Scenario::NewService => {
                    let from = case.settled_day(r, 2, |_| true);
                    new_service_from(&mut case, from, 4_000 + (r >> 20) as i64 % 11_000, r);
                    let end = (from + days(13)).min(case.last_settled());
                    (
                        case,
                        truth(AnomalyKind::NewService, "Amazon SageMaker", from, end),
                    )
                }
                Scenario::Stopped => {
                    let (service, _) = pick(&[
                        ("Database", ""),
                        ("Storage", ""),
                        ("Lambda", ""),
                        ("Dev", ""),
                    ]);
                    // A dev environment stopped on a Friday looks like its weekend until Monday.
                    let weekday = |day: NaiveDate| day.weekday().num_days_from_monday() < 4;
                    let from = case.settled_day(r, 4, |day| service != "Dev" || weekday(day));
                    case.stop(service, from);
                    let end = (from + days(13)).min(case.last_settled());
                    (case, truth(AnomalyKind::Stopped, service, from, end))
                }
            }
        }
    }

    /// Every scenario on 200 seeds (accounts that differ in levels, weekend depth, growth and
    /// where the 1sts fall). A hit is an anomaly of the injected kind, service and exact days;
    /// anything else found is a false alarm, an injected anomaly not hit a miss.
    #[test]
    fn precision_and_recall_over_generated_cases() {
        const SEEDS: u64 = 200;
        let (mut hits, mut false_alarms, mut misses) = (0u32, 0u32, 0u32);
        let mut report = Vec::new();
        for seed in 0..SEEDS {
            for scenario in Scenario::ALL {
                let (case, truth) = scenario.case(seed);
                let found = case.detect();
                let hit = truth
                    .as_ref()
                    .is_some_and(|t| found.iter().any(|a| t.matches(a)));
                hits += u32::from(hit);
                misses += u32::from(truth.is_some() && !hit);
                let wrong = found.len() - usize::from(hit);
                false_alarms += wrong as u32;
                if wrong > 0 || (truth.is_some() && !hit) {
                    report.push(format!(
                        "{scenario:?} seed {seed}: want {truth:?}, got {:?}",
                        explain_all(&found)
                    ));
                }
            }
        }
        let precision = f64::from(hits) / f64::from(hits + false_alarms);
        let recall = f64::from(hits) / f64::from(hits + misses);
        eprintln!(
            "anomaly detection over {} generated cases: precision {precision:.3} ({hits} of {} found), recall {recall:.3} ({hits} of {} injected)",
            SEEDS as usize * Scenario::ALL.len(),
            hits + false_alarms,
            hits + misses
        );
        for line in &report {
            eprintln!("  {line}");
        }
        // Measured: 0.9975 and 0.99875. The one miss is a step across a 1st with an upfront
        // fee: the 1st's expected spend includes the fee, so its +$190 is under 20 % and the
        // step is told as two anomalies — one extra, one missed.
        assert!(
            precision >= 0.997 && recall >= 0.998,
            "precision {precision}, recall {recall}"
        );
    }

    #[test]
    fn the_demo_account_shows_its_lambda_spike() {
        let today = d("2026-11-25");
        let now: DateTime<Utc> = "2026-11-25T12:00:00Z".parse().expect("now");
        let query = Query {
            window: Window::last_days(today, 30).expect("window"),
            filters: FilterSet::default(),
        };
        let snapshot = DemoSource {
            exclude_credits: false,
        }
        .snapshot(&query, today, now);
        let cube = snapshot.cube.expect("cube");
        let found = detect(&cube, query.window, &opts());
        let spike = today - days(SPIKE_DAYS_AGO);
        eprintln!("demo: {:?}", explain_all(&found));
        assert_eq!(found.len(), 1, "{:?}", explain_all(&found));
        let a = &found[0];
        assert_eq!(
            (
                a.kind,
                a.service.as_deref(),
                a.region.as_deref(),
                a.start,
                a.end
            ),
            (
                AnomalyKind::Spike,
                Some("AWS Lambda"),
                Some("us-east-1"),
                spike,
                spike
            )
        );
        assert!(a.impact > m("500"), "{}", a.explain());
    }
}
