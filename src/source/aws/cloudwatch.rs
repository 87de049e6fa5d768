//! CloudWatch `AWS/Billing` `EstimatedCharges`: the month-to-date bill AWS publishes a few
//! times a day. Nearly free, so it is the cheap signal that tells the poller whether the bill
//! moved and Cost Explorer is worth paying for.

use std::time::SystemTime;

use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
use chrono::{DateTime, Duration, Utc};

use super::FetchError;
use super::ce::money_from_f64;
use super::client::Clients;
use super::error::AwsError;
use crate::meter::{Api, Meter};
use crate::model::EstimatedCharges;

/// The latest total `EstimatedCharges` (USD) of the last two days; `None` when the account
/// publishes no billing metrics (billing alerts not enabled).
///
/// Asked in one-minute periods from a whole minute: CloudWatch stamps each value with the
/// start of its period, so with 6-hour periods `at` would be up to 6 hours before the
/// datapoint; with minutes it is the datapoint's own minute. Billing metrics have a few
/// datapoints a day, so the answer stays small.
pub async fn estimated_charges(
    clients: &Clients,
    meter: &Meter,
    now: DateTime<Utc>,
) -> Result<Option<EstimatedCharges>, FetchError> {
    let total = MetricDataQuery::builder()
        .id("total")
        .metric_stat(
            MetricStat::builder()
                .metric(
                    Metric::builder()
                        .namespace("AWS/Billing")
                        .metric_name("EstimatedCharges")
                        .dimensions(Dimension::builder().name("Currency").value("USD").build())
                        .build(),
                )
                .period(60)
                .stat("Maximum")
                .build(),
        )
        .build();
    let from = (now - Duration::days(2)).timestamp();
    let from = DateTime::<Utc>::from_timestamp(from - from.rem_euclid(60), 0).unwrap_or(now);
    let start: SystemTime = from.into();
    let end: SystemTime = (now + Duration::minutes(1)).into();
    let mut pages = clients
        .cloudwatch
        .get_metric_data()
        .metric_data_queries(total)
        .start_time(start.into())
        .end_time(end.into())
        .into_paginator()
        .send();
    let mut latest: Option<(i64, f64)> = None;
    while let Some(page) = pages.next().await {
        meter.record(Api::CloudWatch, now);
        let page = page.map_err(|e| AwsError::classify("cloudwatch:GetMetricData", &e))?;
        for result in page.metric_data_results() {
            for (t, v) in result.timestamps().iter().zip(result.values()) {
                if latest.is_none_or(|(lt, _)| t.secs() > lt) {
                    latest = Some((t.secs(), *v));
                }
            }
        }
    }
    Ok(latest.and_then(|(secs, value)| {
        Some(EstimatedCharges {
            cost: money_from_f64(value)?,
            at: DateTime::<Utc>::from_timestamp(secs, 0)?,
        })
    }))
}

/// Whether the account publishes the billing metric at all (ListMetrics; for `doctor`).
pub async fn billing_metric_present(
    clients: &Clients,
    meter: &Meter,
    now: DateTime<Utc>,
) -> Result<bool, FetchError> {
    let answer = clients
        .cloudwatch
        .list_metrics()
        .namespace("AWS/Billing")
        .metric_name("EstimatedCharges")
        .send()
        .await;
    meter.record(Api::CloudWatch, now);
    let answer = answer.map_err(|e| AwsError::classify("cloudwatch:ListMetrics", &e))?;
    Ok(!answer.metrics().is_empty())
}
