//! AWS Cost Anomaly Detection (`ce:GetAnomalies`): AWS's own findings, shown beside the local
//! ones and marked as AWS's. Paid like every Cost Explorer call, so fetched on the Cost
//! Explorer cadence (with the cube, cached for its TTL), never per poll. An account without a
//! monitor, or an identity without the permission, is a quiet "not set up", never an error.

use aws_sdk_costexplorer::types::{Anomaly as AwsAnomaly, AnomalyDateInterval};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::FetchError;
use super::ce::{Page, each_page, money_from_f64};
use super::client::Clients;
use super::error::AwsErrorKind;
use crate::meter::Meter;
use crate::model::{Anomaly, AnomalyKind, AnomalySource, Money, Window};

/// What AWS Cost Anomaly Detection said about a window.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum AwsFindings {
    /// Not asked (demo, or not yet).
    #[default]
    Unknown,
    Found(Vec<Anomaly>),
    /// No permission, or not available to this account: why, in a person's words.
    NotSetUp(String),
}

impl AwsFindings {
    pub fn anomalies(&self) -> &[Anomaly] {
        match self {
            AwsFindings::Found(found) => found,
            _ => &[],
        }
    }
}

/// The anomalies AWS reports whose last day is in `window` (GetAnomalies's EndDate is
/// inclusive, hence the window's last day), all pages.
pub async fn fetch(
    clients: &Clients,
    meter: &Meter,
    window: Window,
    now: DateTime<Utc>,
) -> Result<AwsFindings, FetchError> {
    let last = window.end - Duration::days(1);
    let interval = AnomalyDateInterval::builder()
        .start_date(window.start.to_string())
        .end_date(last.to_string())
        .build()
        .map_err(|e| FetchError::Malformed(format!("anomaly date interval: {e}")))?;
    let mut found = Vec::new();
    let request = |token| {
        clients
            .ce
            .get_anomalies()
            .date_interval(interval.clone())
            .set_next_page_token(token)
            .send()
    };
    let answer = each_page(meter, now, "ce:GetAnomalies", None, request, |page, _| {
        found.extend(page.anomalies().iter().filter_map(convert));
        Ok(Page::last_or_next(page.next_page_token()))
    })
    .await;
    match answer {
        Ok(_) => {
            found.sort_by_key(|a| std::cmp::Reverse(a.impact));
            Ok(AwsFindings::Found(found))
        }
        Err(FetchError::Aws(e)) if e.kind == AwsErrorKind::AccessDenied => {
            Ok(AwsFindings::NotSetUp(
                "AWS Cost Anomaly Detection is not readable here: your identity may not call ce:GetAnomalies (add it to the policy in assets/iam-policy.json to see AWS's findings)".into(),
            ))
        }
        Err(e) => Err(e),
    }
}

/// One AWS finding as an [`Anomaly`]: the root cause that contributed most names the service
/// and region. AWS sends amounts and scores as doubles; they are rounded to cents (amounts)
/// and hundredths (scores) once, here.
fn convert(a: &AwsAnomaly) -> Option<Anomaly> {
    let day = |text: Option<&str>| text.and_then(|t| t.get(..10)?.parse::<NaiveDate>().ok());
    let start = day(a.anomaly_start_date())?;
    let end = day(a.anomaly_end_date()).unwrap_or(start);
    let impact = a.impact()?;
    let actual = impact.total_actual_spend().and_then(money_from_f64);
    let expected = impact.total_expected_spend().and_then(money_from_f64);
    let total = money_from_f64(impact.total_impact())?;
    let (actual, expected) = match (actual, expected) {
        (Some(a), Some(e)) => (a, e),
        (Some(a), None) => (a, a - total),
        (None, Some(e)) => (e + total, e),
        (None, None) => (total, Money::ZERO),
    };
    let cause = a.root_causes().iter().max_by(|x, y| {
        let c = |r: &aws_sdk_costexplorer::types::RootCause| {
            r.impact().map_or(0.0, |i| i.contribution())
        };
        c(x).total_cmp(&c(y))
    });
    let score = a
        .anomaly_score()
        .and_then(|s| Decimal::from_f64_retain(s.current_score()))
        .map_or(Decimal::ZERO, |s| s.round_dp(2));
    Some(Anomaly {
        source: AnomalySource::Aws,
        kind: if expected.is_zero() {
            AnomalyKind::NewService
        } else {
            AnomalyKind::Spike
        },
        service: cause
            .and_then(|c| c.service())
            .or(a.dimension_value().filter(|d| !d.is_empty()))
            .map(str::to_owned),
        region: cause.and_then(|c| c.region()).map(str::to_owned),
        start,
        end,
        actual,
        expected,
        impact: total,
        score,
    })
}
