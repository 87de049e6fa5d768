//! What `awsdash collect` serves on `/metrics`: the last snapshot and this process's AWS
//! requests in the Prometheus text format, through the official `prometheus-client` crate
//! (which writes the format and escapes label values).
//!
//! A scrape renders the snapshot the poller last made and never calls AWS: Cost Explorer bills
//! every request, and its numbers change a few times a day. Each HELP says so, as Prometheus's
//! guide for exporters asks of cached values. The series are built anew at every scrape, so a
//! service or budget that is gone from the snapshot is gone from `/metrics` too.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeGaugeValue, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Money, Snapshot, window};

/// The `Content-Type` of what [`render`] writes.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// Services with a label of their own; the rest are summed under [`OTHER`], which keeps the
/// series count bounded however many services an account has, and the sum still the total.
pub const TOP_SERVICES: usize = 50;
pub const OTHER: &str = "__other__";

const CACHED: &str = "Cached from the last snapshot: a scrape never calls AWS.";

/// One scrape: the snapshot (none before the first) and the requests sent so far.
#[derive(Debug)]
struct Scrape {
    snapshot: Option<Arc<Snapshot>>,
    requests: Vec<((String, String), u64)>,
}

/// The whole `/metrics` text for `snapshot` and the `requests` this process sent (see
/// `source::aws::requests`).
pub fn render(
    snapshot: Option<Arc<Snapshot>>,
    requests: Vec<((String, String), u64)>,
) -> Result<String, fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(Scrape { snapshot, requests }));
    let mut out = String::new();
    prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?;
    Ok(out)
}

/// Money becomes a float here and nowhere else: Prometheus samples are f64, while awsdash
/// keeps every amount exact (`rust_decimal`) up to this boundary. An f64 holds about 15
/// significant digits, so cents survive for any bill below a trillion.
fn gauge_value(money: Money) -> f64 {
    money.amount().to_f64().unwrap_or(f64::NAN)
}

fn seconds(at: DateTime<Utc>) -> f64 {
    at.timestamp_millis() as f64 / 1_000.0
}

/// A name from AWS (a service, a budget) as a label value: control characters become U+FFFD
/// as everywhere awsdash shows outside text — a `curl` of `/metrics` reaches a terminal — and
/// the crate escapes quotes and backslashes.
fn label(name: &str) -> String {
    crate::text::clean(name).into_owned()
}

/// Month-to-date cost per service, highest first: the top [`TOP_SERVICES`] by name and the rest
/// summed as [`OTHER`]. Names that clean to the same label are one series (Prometheus refuses
/// a scrape with a series twice).
pub fn services_month_to_date(snapshot: &Snapshot) -> Vec<(String, Money)> {
    let Some(cube) = &snapshot.cube else {
        return Vec::new();
    };
    let rows = cube
        .breakdown(window::month_to_date(snapshot.today))
        .services;
    let mut merged: BTreeMap<String, Money> = BTreeMap::new();
    for row in rows {
        *merged.entry(label(&row.name)).or_default() += row.cost;
    }
    let mut rest = merged.remove(OTHER);
    let mut named: Vec<(String, Money)> = merged.into_iter().collect();
    named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    if named.len() > TOP_SERVICES {
        let tail: Money = named.drain(TOP_SERVICES..).map(|(_, cost)| cost).sum();
        rest = Some(rest.unwrap_or_default() + tail);
    }
    named.extend(rest.map(|cost| (OTHER.to_string(), cost)));
    named
}

/// Whether the last snapshot is whole and current: Cost Explorer numbers that are not the
/// cached ones of a failed refresh, and every source answering.
pub fn up(snapshot: Option<&Snapshot>) -> bool {
    snapshot.is_some_and(|s| s.cube.is_some() && !s.stale && s.problems.is_empty())
}

/// Writes one gauge family with its `(labels, value)` samples.
fn gauges<const N: usize, V: EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = ([(&'static str, String); N], V)>,
) -> fmt::Result {
    let help = format!("{help} {CACHED}");
    let mut family = encoder.encode_descriptor(name, &help, None, MetricType::Gauge)?;
    for (labels, value) in samples {
        ConstGauge::new(value).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for Scrape {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let snapshot = self.snapshot.as_deref();
        let currency = snapshot.map(|s| s.currency.clone()).unwrap_or_default();
        let cur = || ("currency", currency.clone());

        let up = encoder.encode_descriptor(
            "awsdash_up",
            &format!(
                "1 when the last snapshot has fresh Cost Explorer numbers and every source answered, else 0. {CACHED}"
            ),
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(i64::from(self::up(snapshot))).encode(up)?;

        let mtd = snapshot.and_then(Snapshot::month_to_date);
        gauges(
            &mut encoder,
            "awsdash_cost_month_to_date",
            "Cost of the UTC month so far, the snapshot's filters applied.",
            mtd.map(|m| ([cur()], gauge_value(m.cost))),
        )?;
        let services = snapshot.map(services_month_to_date).unwrap_or_default();
        gauges(
            &mut encoder,
            "awsdash_cost_month_to_date_by_service",
            &format!(
                "Cost of the UTC month so far per service: the top {TOP_SERVICES}, the rest summed as service=\"{OTHER}\"."
            ),
            services
                .into_iter()
                .map(|(service, cost)| ([("service", service), cur()], gauge_value(cost))),
        )?;
        let forecast = snapshot.and_then(|s| s.forecast.as_ref());
        gauges(
            &mut encoder,
            "awsdash_cost_forecast_month_end",
            "Cost Explorer's forecast of the month's total cost (month to date included).",
            forecast.map(|f| ([cur()], gauge_value(f.month_end))),
        )?;

        let mut budgets = BTreeMap::new();
        for b in snapshot.map_or(&[][..], |s| s.budgets.as_slice()) {
            budgets.entry(label(&b.name)).or_insert((b.actual, b.limit));
        }
        gauges(
            &mut encoder,
            "awsdash_budget_actual",
            "What AWS Budgets counts against each budget in its current period.",
            budgets.iter().map(|(name, (actual, _))| {
                ([("budget", name.clone()), cur()], gauge_value(*actual))
            }),
        )?;
        gauges(
            &mut encoder,
            "awsdash_budget_limit",
            "Each budget's limit for its current period.",
            budgets
                .iter()
                .map(|(name, (_, limit))| ([("budget", name.clone()), cur()], gauge_value(*limit))),
        )?;

        gauges(
            &mut encoder,
            "awsdash_alerts_firing",
            "Alerts that fire on the last snapshot (budgets, forecasts, anomalies, rules).",
            snapshot.map(|s| ([], s.alerts.len() as u64)),
        )?;

        let freshness = snapshot.map(|s| s.freshness.clone()).unwrap_or_default();
        let sources = [
            ("cost_explorer", freshness.cost_explorer),
            ("budgets", freshness.budgets),
            ("cloudwatch", freshness.cloudwatch),
        ];
        gauges(
            &mut encoder,
            "awsdash_last_success_timestamp_seconds",
            "When each source's numbers in the last snapshot were fetched from AWS (Unix time; a cached answer keeps its fetch time).",
            sources
                .into_iter()
                .filter_map(|(source, at)| Some(([("source", source.to_string())], seconds(at?)))),
        )?;

        let mut requests = encoder.encode_descriptor(
            "awsdash_aws_requests",
            "AWS requests this process has sent since it started, retries included, per service and operation.",
            None,
            MetricType::Counter,
        )?;
        for ((service, operation), count) in &self.requests {
            let labels = [
                ("service", service.as_str()),
                ("operation", operation.as_str()),
            ];
            ConstCounter::new(*count).encode(requests.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
