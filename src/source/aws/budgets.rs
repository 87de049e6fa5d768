//! AWS Budgets: limits, actual and forecasted spend, and the alert thresholds. No per-call
//! fee, so it is polled on the cheap cadence.

use aws_sdk_budgets::types::{Budget as AwsBudget, Notification, ThresholdType, TimeUnit};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::FetchError;
use super::client::Clients;
use super::error::AwsError;
use crate::meter::{Api, Meter};
use crate::model::window::{first_of_month, next_month};
use crate::model::{Budget, Money, Threshold, Window};

pub async fn fetch(
    clients: &Clients,
    meter: &Meter,
    account_id: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Vec<Budget>, FetchError> {
    let mut pages = clients
        .budgets
        .describe_budgets()
        .account_id(account_id)
        .into_paginator()
        .send();
    let mut raw = Vec::new();
    while let Some(page) = pages.next().await {
        meter.record(Api::Budgets, now);
        match page {
            Ok(page) => raw.extend(page.budgets().iter().cloned()),
            Err(e) => {
                let code = aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&e);
                // Older accounts answer "no budgets" with NotFoundException.
                if code == Some("NotFoundException") {
                    break;
                }
                return Err(AwsError::classify("budgets:ViewBudget", &e).into());
            }
        }
    }
    let mut out = Vec::with_capacity(raw.len());
    for budget in &raw {
        let notifications = notifications(clients, meter, account_id, budget, now).await?;
        out.push(convert(budget, &notifications, today)?);
    }
    Ok(out)
}

async fn notifications(
    clients: &Clients,
    meter: &Meter,
    account_id: &str,
    budget: &AwsBudget,
    now: DateTime<Utc>,
) -> Result<Vec<Notification>, FetchError> {
    let mut pages = clients
        .budgets
        .describe_notifications_for_budget()
        .account_id(account_id)
        .budget_name(budget.budget_name())
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        meter.record(Api::Budgets, now);
        let page = page.map_err(|e| AwsError::classify("budgets:ViewBudget", &e))?;
        out.extend(page.notifications().iter().cloned());
    }
    Ok(out)
}

fn convert(b: &AwsBudget, notes: &[Notification], today: NaiveDate) -> Result<Budget, FetchError> {
    let amount = |text: &str, what: &str| {
        text.parse::<Money>()
            .map_err(|e| FetchError::Malformed(format!("budget {}: {what}: {e}", b.budget_name())))
    };
    let limit = match b.budget_limit() {
        Some(s) => amount(s.amount(), "limit")?,
        None => Money::ZERO,
    };
    let spend = b.calculated_spend();
    let actual = match spend.and_then(|s| s.actual_spend()) {
        Some(s) => amount(s.amount(), "actual spend")?,
        None => Money::ZERO,
    };
    let forecasted = match spend.and_then(|s| s.forecasted_spend()) {
        Some(s) => Some(amount(s.amount(), "forecasted spend")?),
        None => None,
    };
    let thresholds = notes
        .iter()
        .filter_map(|n| {
            let value = Decimal::from_f64_retain(n.threshold())?
                .round_dp(4)
                .normalize();
            let percent = match n.threshold_type() {
                Some(ThresholdType::AbsoluteValue) => {
                    Money::new(value).percent_of(limit)?.round_dp(1).normalize()
                }
                _ => value,
            };
            Some(Threshold {
                kind: n.notification_type().as_str().to_string(),
                percent,
            })
        })
        .collect();
    Ok(Budget {
        name: b.budget_name().to_string(),
        time_unit: b.time_unit().as_str().to_string(),
        limit,
        actual,
        forecasted,
        thresholds,
        period: period(b, today),
    })
}

/// The budget period that contains `today`.
fn period(b: &AwsBudget, today: NaiveDate) -> Option<Window> {
    let month = first_of_month(today);
    let window = |start: NaiveDate, end: NaiveDate| Some(Window { start, end });
    match b.time_unit() {
        TimeUnit::Daily => window(today, today + Duration::days(1)),
        TimeUnit::Monthly => window(month, next_month(today)),
        TimeUnit::Quarterly => {
            let q_month = (today.month() - 1) / 3 * 3 + 1;
            let start = NaiveDate::from_ymd_opt(today.year(), q_month, 1)?;
            let end = next_month(next_month(next_month(start)));
            window(start, end)
        }
        TimeUnit::Annually => window(
            NaiveDate::from_ymd_opt(today.year(), 1, 1)?,
            NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?,
        ),
        _ => {
            let tp = b.time_period()?;
            let day = |t: &aws_smithy_types::DateTime| {
                DateTime::<Utc>::from_timestamp(t.secs(), 0).map(|d| d.date_naive())
            };
            window(day(tp.start()?)?, day(tp.end()?)?)
        }
    }
}
