//! AWS's own explanation of a month-over-month change (`ce:GetCostComparisonDrivers`, paid
//! per page): usage change, credits, savings plans, refunds… per service. The API takes whole
//! calendar months only, and an incomplete month is refused, so only the last two complete
//! months are ever asked about.

use chrono::{DateTime, Utc};

use super::FetchError;
use super::ce::{Page, each_page, expression};
use super::client::Clients;
use crate::config::Metric;
use crate::meter::Meter;
use crate::model::analysis::Driver;
use crate::model::{FilterSet, Money, Window};
use aws_sdk_costexplorer::types::{ComparisonMetricValue, DateInterval, Expression};

/// The API's page limit.
const PAGE: i32 = 10;

fn interval(w: &Window) -> Result<DateInterval, FetchError> {
    DateInterval::builder()
        .start(w.start.to_string())
        .end(w.end.to_string())
        .build()
        .map_err(|e| FetchError::Malformed(format!("date interval: {e}")))
}

/// `service: Amazon RDS` for a one-dimension selector, the dimension key otherwise.
fn describe(selector: Option<&Expression>) -> String {
    let Some(d) = selector.and_then(|s| s.dimensions()) else {
        return "total".into();
    };
    let key = d
        .key()
        .map(|k| k.as_str().to_lowercase())
        .unwrap_or_default();
    format!("{key}: {}", d.values().join(", "))
}

fn amounts(value: Option<&ComparisonMetricValue>) -> Result<(Money, Money, Money), FetchError> {
    let parse = |t: Option<&str>| -> Result<Money, FetchError> {
        t.unwrap_or("0")
            .parse()
            .map_err(|e| FetchError::Malformed(format!("driver amount: {e}")))
    };
    let v = value.ok_or_else(|| FetchError::Malformed("a driver without its metric".into()))?;
    Ok((
        parse(v.baseline_time_period_amount())?,
        parse(v.comparison_time_period_amount())?,
        parse(v.difference())?,
    ))
}

/// The drivers of the ten services that changed most between `baseline` and `comparison`
/// (whole months, both complete), largest absolute difference first: one paid page.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    clients: &Clients,
    meter: &Meter,
    baseline: Window,
    comparison: Window,
    filters: &FilterSet,
    metric: Metric,
    exclude_credits: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Driver>, FetchError> {
    let (base, comp) = (interval(&baseline)?, interval(&comparison)?);
    let filter = expression(filters, exclude_credits);
    let mut out = Vec::new();
    let request = |token| {
        clients
            .ce
            .get_cost_comparison_drivers()
            .baseline_time_period(base.clone())
            .comparison_time_period(comp.clone())
            .metric_for_comparison(metric.name())
            .set_filter(filter.clone())
            .max_results(PAGE)
            .set_next_page_token(token)
            .send()
    };
    each_page(
        meter,
        now,
        "ce:GetCostComparisonDrivers",
        None,
        request,
        |page, _| {
            for group in page.cost_comparison_drivers() {
                let selector = describe(group.cost_selector());
                for driver in group.cost_drivers() {
                    let (baseline, comparison, difference) =
                        amounts(driver.metrics().and_then(|m| m.get(metric.name())))?;
                    out.push(Driver {
                        selector: selector.clone(),
                        kind: driver.r#type().unwrap_or("UNKNOWN").to_string(),
                        name: driver.name().unwrap_or_default().to_string(),
                        baseline,
                        comparison,
                        difference,
                    });
                }
            }
            // AWS ranks the groups by absolute difference: the first page holds the ten
            // largest changes, what a "why" needs; each further page would cost a cent for
            // ever smaller ones.
            Ok(Page::last_or_next(None))
        },
    )
    .await?;
    out.sort_by_key(|d| std::cmp::Reverse(d.difference.amount().abs()));
    Ok(out)
}
