//! Cost Explorer: the paid source. One DAILY query grouped by SERVICE and REGION yields the
//! whole cost cube (services, regions and the daily series at once); the forecast, account
//! names and tag values are separate calls. Every page is a request billed at $0.01, so each
//! one passes the meter first.

use aws_sdk_costexplorer::types::{
    DateInterval, Dimension as CeDimension, DimensionValues, Expression, Granularity,
    GroupDefinition, GroupDefinitionType, MatchOption, Metric as ForecastMetric, ResultByTime,
    TagValues,
};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::FetchError;
use super::client::Clients;
use super::error::AwsError;
use crate::config::Metric;
use crate::meter::{Meter, Refused};
use crate::model::{CostCube, CubeBuilder, Dimension, FilterSet, Money, Window};

/// A paginated answer that never ends is a bug somewhere; stop paying for it.
const MAX_PAGES: u64 = 1_000;

/// The Cost Explorer `Filter` for `filters` (same-dimension values OR-ed, dimensions AND-ed),
/// plus "no credits or refunds" when asked. `None` when nothing is filtered.
pub fn expression(filters: &FilterSet, exclude_credits: bool) -> Option<Expression> {
    let mut parts: Vec<Expression> = filters
        .groups()
        .into_iter()
        .map(|(dimension, values)| match dimension {
            Dimension::Region => dimension_values(CeDimension::Region, &values),
            Dimension::Service => dimension_values(CeDimension::Service, &values),
            Dimension::Account => dimension_values(CeDimension::LinkedAccount, &values),
            Dimension::Tag(key) => tag_values(key, &values),
        })
        .collect();
    if exclude_credits {
        parts.push(
            Expression::builder()
                .not(dimension_values(
                    CeDimension::RecordType,
                    &["Credit", "Refund"],
                ))
                .build(),
        );
    }
    all_of(parts)
}

fn all_of(mut parts: Vec<Expression>) -> Option<Expression> {
    match parts.len() {
        0 => None,
        // `And` needs at least two operands.
        1 => parts.pop(),
        _ => Some(Expression::builder().set_and(Some(parts)).build()),
    }
}

fn dimension_values(key: CeDimension, values: &[&str]) -> Expression {
    let mut d = DimensionValues::builder().key(key);
    for v in values {
        d = d.values(*v);
    }
    Expression::builder().dimensions(d.build()).build()
}

/// Tag values; an empty value means "untagged", which Cost Explorer spells `ABSENT`.
fn tag_values(key: &str, values: &[&str]) -> Expression {
    let tagged: Vec<&str> = values.iter().copied().filter(|v| !v.is_empty()).collect();
    let mut branches = Vec::new();
    if !tagged.is_empty() {
        let mut t = TagValues::builder()
            .key(key)
            .match_options(MatchOption::Equals);
        for v in tagged {
            t = t.values(v);
        }
        branches.push(Expression::builder().tags(t.build()).build());
    }
    if values.iter().any(|v| v.is_empty()) {
        let t = TagValues::builder()
            .key(key)
            .match_options(MatchOption::Absent)
            .build();
        branches.push(Expression::builder().tags(t).build());
    }
    if branches.len() == 1 {
        branches.remove(0)
    } else {
        Expression::builder().set_or(Some(branches)).build()
    }
}

pub fn period(window: &Window) -> DateInterval {
    DateInterval::builder()
        .start(window.start.to_string())
        .end(window.end.to_string())
        .build()
        .expect("start and end are both set")
}

fn parse_money(text: Option<&str>, what: &str) -> Result<Money, FetchError> {
    let text = text.ok_or_else(|| FetchError::Malformed(format!("{what}: no amount")))?;
    text.parse()
        .map_err(|e| FetchError::Malformed(format!("{what}: {e}")))
}

fn parse_day(text: &str) -> Result<NaiveDate, FetchError> {
    // DAILY periods are plain dates; be lenient about a time part.
    text.get(..10)
        .and_then(|d| d.parse().ok())
        .ok_or_else(|| FetchError::Malformed(format!("bad TimePeriod start {text:?}")))
}

/// What one page said: the token for the next, and — when the caller can tell — about how
/// many more pages the answer needs.
pub(super) struct Page {
    pub next: Option<String>,
    pub remaining: Option<u64>,
}

impl Page {
    pub(super) fn last_or_next(next: Option<&str>) -> Page {
        Page {
            next: next.map(str::to_owned),
            remaining: None,
        }
    }
}

/// Whether a failed request may have been billed: AWS bills the requests it answers, so an
/// error answer (or one never sent) is free; a timeout or a garbled answer may have been
/// processed and is kept on the meter.
pub(super) fn maybe_billed<E, R>(err: &SdkError<E, R>) -> bool {
    !matches!(
        err,
        SdkError::ServiceError(_) | SdkError::ConstructionFailure(_) | SdkError::DispatchFailure(_)
    )
}

/// The NextPageToken loop every Cost Explorer list call needs (the SDK has no paginator for
/// them). Each page is a paid request, reserved on the meter before it is sent and given back
/// if AWS answers with an error. Only the token changes between requests (AWS refuses changed
/// parameters). Knowing before paying: `known_pages` (what the same query took last time) and
/// each page's estimate of the pages still to come are checked against what the daily cap
/// leaves, and the loop stops before spending on an answer it could not finish. Returns the
/// number of pages paid.
pub(super) async fn each_page<P, E, Fut>(
    meter: &Meter,
    now: DateTime<Utc>,
    action: &'static str,
    known_pages: Option<u64>,
    mut request: impl FnMut(Option<String>) -> Fut,
    mut take: impl FnMut(P, u64) -> Result<Page, FetchError>,
) -> Result<u64, FetchError>
where
    Fut: std::future::Future<Output = Result<P, SdkError<E, Response>>>,
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let would_exceed = |needed: u64, spent: u64| {
        let left = meter.paid_left(now);
        (needed > left).then(|| {
            FetchError::Refused(Refused::WouldExceed {
                needed,
                left,
                cap: meter.cap(),
                spent,
            })
        })
    };
    if let Some(err) = known_pages.and_then(|n| would_exceed(n, 0)) {
        return Err(err);
    }
    let mut token = None;
    // Pages kept as paid, for the audit line written however the loop ends.
    let mut paid = 0;
    let mut outcome = Err(FetchError::Malformed(format!(
        "{action} kept paginating after {MAX_PAGES} pages"
    )));
    for pages in 1..=MAX_PAGES {
        let reservation = match meter.reserve_paid(now).await {
            Ok(r) => r,
            Err(refused) => {
                outcome = Err(refused.into());
                break;
            }
        };
        let page = match request(token.take()).await {
            Ok(page) => page,
            Err(e) => {
                match maybe_billed(&e) {
                    true => paid += 1,
                    false => meter.refund_paid(reservation).await,
                }
                outcome = Err(AwsError::classify(action, &e).into());
                break;
            }
        };
        paid += 1;
        let Page { next, remaining } = match take(page, pages) {
            Ok(p) => p,
            Err(e) => {
                outcome = Err(e);
                break;
            }
        };
        match next {
            None => {
                outcome = Ok(pages);
                break;
            }
            Some(next) => token = Some(next),
        }
        if let Some(err) = remaining.and_then(|n| would_exceed(n, pages)) {
            outcome = Err(err);
            break;
        }
    }
    meter.paid_done(action, paid, outcome.is_ok(), now).await;
    outcome
}

/// Fetches the cost cube over `range`: daily cost by service and region, with `filters`
/// applied by Cost Explorer. Pages are merged (a day's groups may span two pages). Returns the
/// cube and the number of pages it took (to know the cost of the next refresh in advance).
#[allow(clippy::too_many_arguments)]
pub async fn cube(
    clients: &Clients,
    meter: &Meter,
    range: Window,
    filters: &FilterSet,
    metric: Metric,
    exclude_credits: bool,
    now: DateTime<Utc>,
    known_pages: Option<u64>,
) -> Result<(CostCube, u64), FetchError> {
    let filter = expression(filters, exclude_credits);
    let mut builder = CubeBuilder::new(range);
    let mut last_day: Option<NaiveDate> = None;
    let request = |token| {
        clients
            .ce
            .get_cost_and_usage()
            .time_period(period(&range))
            .granularity(Granularity::Daily)
            .metrics(metric.name())
            .group_by(group("SERVICE"))
            .group_by(group("REGION"))
            .set_filter(filter.clone())
            .set_next_page_token(token)
            .send()
    };
    let pages = each_page(
        meter,
        now,
        "ce:GetCostAndUsage",
        known_pages,
        request,
        |page, pages| {
            let results = page.results_by_time();
            absorb(&mut builder, results, metric)?;
            for r in results {
                if let Some(day) = r.time_period().and_then(|t| parse_day(t.start()).ok()) {
                    last_day = last_day.max(Some(day));
                }
            }
            Ok(Page {
                next: page.next_page_token().map(str::to_owned),
                remaining: last_day.map(|d| pages_to_go(range, d, pages)),
            })
        },
    )
    .await?;
    Ok((builder.build(), pages))
}

/// Pages still needed when `pages` pages reached `last_day` of `range`, assuming later days
/// take as much room as earlier ones (AWS sends days in order; the last one may be split, so
/// this errs on the high side).
fn pages_to_go(range: Window, last_day: NaiveDate, pages: u64) -> u64 {
    let covered = ((last_day - range.start).num_days() + 1).clamp(1, range.days().max(1)) as u64;
    let total = (pages * range.days().max(1) as u64).div_ceil(covered);
    total.saturating_sub(pages)
}

/// Adds one page of a SERVICE × REGION grouped answer to the cube. A day may arrive split
/// over two pages; every consumer of the cube sums its cells, so that needs no merging.
pub fn absorb(
    builder: &mut CubeBuilder,
    results: &[ResultByTime],
    metric: Metric,
) -> Result<(), FetchError> {
    for result in results {
        let Some(interval) = result.time_period() else {
            continue;
        };
        let day = parse_day(interval.start())?;
        if result.estimated() {
            builder.mark_estimated(day);
        }
        for g in result.groups() {
            let keys = g.keys();
            let service = keys.first().map(String::as_str).unwrap_or("(unknown)");
            let region = keys.get(1).map(String::as_str).unwrap_or("NoRegion");
            // One metric is asked for, so the map has one entry: skip hashing its name.
            let amount = g
                .metrics()
                .and_then(|m| match m.iter().next() {
                    Some((name, value)) if m.len() == 1 && name == metric.name() => Some(value),
                    _ => m.get(metric.name()),
                })
                .and_then(|v| v.amount());
            builder.add(day, service, region, parse_money(amount, service)?);
        }
    }
    Ok(())
}

fn group(key: &str) -> GroupDefinition {
    GroupDefinition::builder()
        .r#type(GroupDefinitionType::Dimension)
        .key(key)
        .build()
}

/// The forecast from today to the end of the month: mean and 80 % interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastRest {
    pub mean: Money,
    pub lower: Option<Money>,
    pub upper: Option<Money>,
}

fn forecast_metric(metric: Metric) -> ForecastMetric {
    match metric {
        Metric::UnblendedCost => ForecastMetric::UnblendedCost,
        Metric::NetUnblendedCost => ForecastMetric::NetUnblendedCost,
        Metric::AmortizedCost => ForecastMetric::AmortizedCost,
        Metric::NetAmortizedCost => ForecastMetric::NetAmortizedCost,
        Metric::BlendedCost => ForecastMetric::BlendedCost,
    }
}

/// The days a month-end forecast covers: today (partial, so forecast) to the end of the
/// month. Cost Explorer refuses a start before today, and the end is exclusive.
pub fn forecast_period(today: NaiveDate) -> Window {
    Window {
        start: today,
        end: crate::model::window::next_month(today),
    }
}

/// GetCostForecast for `[today, first of next month)`. `Ok(None)` when Cost Explorer has not
/// enough history to forecast (DataUnavailableException) — "forecast unavailable", not a
/// failure.
pub async fn forecast(
    clients: &Clients,
    meter: &Meter,
    today: NaiveDate,
    filters: &FilterSet,
    metric: Metric,
    exclude_credits: bool,
    now: DateTime<Utc>,
) -> Result<Option<ForecastRest>, FetchError> {
    let rest = forecast_period(today);
    let reservation = meter.reserve_paid(now).await?;
    let answer = clients
        .ce
        .get_cost_forecast()
        .time_period(period(&rest))
        .metric(forecast_metric(metric))
        .granularity(Granularity::Monthly)
        .prediction_interval_level(80)
        .set_filter(expression(filters, exclude_credits))
        .send()
        .await;
    let answer = match answer {
        Ok(a) => {
            meter.paid_done("ce:GetCostForecast", 1, true, now).await;
            a
        }
        Err(e) => {
            match maybe_billed(&e) {
                true => meter.paid_done("ce:GetCostForecast", 1, false, now).await,
                false => meter.refund_paid(reservation).await,
            }
            let err = AwsError::classify("ce:GetCostForecast", &e);
            if err.kind == super::error::AwsErrorKind::DataUnavailable {
                return Ok(None);
            }
            return Err(err.into());
        }
    };
    let Some(total) = answer.total().and_then(|t| t.amount()) else {
        return Ok(None);
    };
    let sum_bound = |pick: fn(&aws_sdk_costexplorer::types::ForecastResult) -> Option<&str>| {
        let mut sum = Money::ZERO;
        for r in answer.forecast_results_by_time() {
            sum += pick(r)?.parse::<Money>().ok()?;
        }
        (!answer.forecast_results_by_time().is_empty()).then_some(sum)
    };
    Ok(Some(ForecastRest {
        mean: parse_money(Some(total), "forecast")?,
        lower: sum_bound(|r| r.prediction_interval_lower_bound()),
        upper: sum_bound(|r| r.prediction_interval_upper_bound()),
    }))
}

/// Account names for the filter picker (GetDimensionValues LINKED_ACCOUNT), paginated.
pub async fn accounts(
    clients: &Clients,
    meter: &Meter,
    window: Window,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>, FetchError> {
    let mut out = Vec::new();
    let request = |token| {
        clients
            .ce
            .get_dimension_values()
            .time_period(period(&window))
            .dimension(CeDimension::LinkedAccount)
            .set_next_page_token(token)
            .send()
    };
    each_page(
        meter,
        now,
        "ce:GetDimensionValues",
        None,
        request,
        |page, _| {
            for v in page.dimension_values() {
                let id = v.value().unwrap_or_default().to_string();
                let name = v
                    .attributes()
                    .and_then(|a| a.get("description"))
                    .cloned()
                    .unwrap_or_else(|| id.clone());
                out.push((id, name));
            }
            Ok(Page::last_or_next(page.next_page_token()))
        },
    )
    .await?;
    Ok(out)
}

/// Values of one cost-allocation tag key (GetTags with TagKey), paginated.
pub async fn tag_values_of(
    clients: &Clients,
    meter: &Meter,
    window: Window,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, FetchError> {
    let mut out = Vec::new();
    let request = |token| {
        clients
            .ce
            .get_tags()
            .time_period(period(&window))
            .tag_key(key)
            .set_next_page_token(token)
            .send()
    };
    each_page(meter, now, "ce:GetTags", None, request, |page, _| {
        out.extend(page.tags().iter().filter(|t| !t.is_empty()).cloned());
        Ok(Page::last_or_next(page.next_page_token()))
    })
    .await?;
    out.sort();
    out.dedup();
    Ok(out)
}

/// Exact decimal from a CloudWatch/Budgets double, for the few APIs that send floats.
pub fn money_from_f64(value: f64) -> Option<Money> {
    Decimal::from_f64_retain(value).map(|d| Money::new(d.round_dp(2)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Filter;

    fn set(exprs: &[&str]) -> FilterSet {
        FilterSet::new(exprs.iter().map(|e| e.parse::<Filter>().expect("filter")))
    }

    #[test]
    fn no_filter_means_no_expression() {
        assert!(expression(&FilterSet::default(), false).is_none());
    }

    #[test]
    fn one_dimension_is_a_single_root_with_ored_values() {
        let e = expression(&set(&["region=us-east-1", "region=eu-west-1"]), false).expect("e");
        let d = e.dimensions().expect("dimensions root");
        assert_eq!(d.key(), Some(&CeDimension::Region));
        assert_eq!(d.values(), ["eu-west-1", "us-east-1"]);
        assert!(e.and().is_empty());
    }

    #[test]
    fn several_dimensions_are_anded_and_untagged_is_absent() {
        let e = expression(
            &set(&["account=111111111111", "tag:team=web", "tag:team="]),
            true,
        )
        .expect("e");
        let parts = e.and();
        assert_eq!(parts.len(), 3);
        assert_eq!(
            parts[0].dimensions().and_then(|d| d.key()),
            Some(&CeDimension::LinkedAccount)
        );
        let or = parts[1].or();
        assert_eq!(or.len(), 2);
        assert_eq!(
            or[0].tags().map(|t| t.values()),
            Some(&["web".to_string()][..])
        );
        assert_eq!(
            or[1].tags().map(|t| t.match_options()),
            Some(&[MatchOption::Absent][..])
        );
        let not = parts[2]
            .not()
            .and_then(|n| n.dimensions())
            .expect("not record type");
        assert_eq!(not.values(), ["Credit", "Refund"]);
    }

    #[test]
    fn the_forecast_covers_today_to_month_end_on_edge_days() {
        let period = |s: &str| {
            let w = forecast_period(s.parse().expect("date"));
            (w.start.to_string(), w.end.to_string(), w.days())
        };
        assert_eq!(
            period("2026-11-01"),
            ("2026-11-01".into(), "2026-12-01".into(), 30)
        );
        assert_eq!(
            period("2026-11-30"),
            ("2026-11-30".into(), "2026-12-01".into(), 1)
        );
        assert_eq!(
            period("2026-12-31"),
            ("2026-12-31".into(), "2027-01-01".into(), 1)
        );
        assert_eq!(
            period("2028-02-29"),
            ("2028-02-29".into(), "2028-03-01".into(), 1)
        );
    }

    #[test]
    fn pages_to_go_extrapolates_from_the_days_covered() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let range = Window::new(d("2026-10-01"), d("2026-11-30")).expect("w"); // 60 days
        // One page reached day 15 of 60: about three more.
        assert_eq!(pages_to_go(range, d("2026-10-15"), 1), 3);
        // Two pages reached the last day: nothing more.
        assert_eq!(pages_to_go(range, d("2026-11-29"), 2), 0);
        // A first page that stopped on the first day: the worst case, a page a day.
        assert_eq!(pages_to_go(range, d("2026-10-01"), 1), 59);
        // Days beyond the range (a confused answer) do not make it negative.
        assert_eq!(pages_to_go(range, d("2027-01-01"), 3), 0);
    }

    #[test]
    fn floats_become_cents() {
        assert_eq!(
            money_from_f64(815.004).map(|m| m.to_string()),
            Some("815".into())
        );
        assert_eq!(
            money_from_f64(12.345678).map(|m| m.to_string()),
            Some("12.35".into())
        );
        assert_eq!(money_from_f64(f64::NAN), None);
    }
}
