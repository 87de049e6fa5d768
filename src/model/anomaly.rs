//! Anomalies: spend that departs from what a service's own history says to expect — found
//! locally over the cost cube (see `analysis::anomaly`) or reported by AWS Cost Anomaly
//! Detection. Each says what, where, when, how much against how much, in words a person trusts.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::Money;

/// Who found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AnomalySource {
    /// awsdash, over the cached cube (free).
    Local,
    /// AWS Cost Anomaly Detection (`ce:GetAnomalies`).
    Aws,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// Spend well above the baseline for one or more days in a row.
    Spike,
    /// Real spend on a service that had none in its history.
    NewService,
    /// A service with steady spend that stopped.
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anomaly {
    pub source: AnomalySource,
    pub kind: AnomalyKind,
    /// The service; `None` for the account's total.
    pub service: Option<String>,
    /// The region that drove most of the impact, when one did.
    pub region: Option<String>,
    /// First and last anomalous day (both inclusive, UTC).
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Spend over `start..=end`, and what history led to expect.
    pub actual: Money,
    pub expected: Money,
    /// `actual - expected` (negative for a stopped service).
    pub impact: Money,
    /// How unusual: a robust z-score for local findings, AWS's current score for AWS's.
    pub score: Decimal,
}

impl Anomaly {
    /// "AWS Lambda $1,240 on Nov 27, expected about $410: +$830, mostly us-west-2".
    pub fn explain(&self) -> String {
        let what = self.service.as_deref().unwrap_or("Total spend");
        // Cost Explorer reports in USD whatever the invoice currency.
        let money = |m: Money| super::money::money_whole(m, "USD");
        let days = if self.start == self.end {
            format!("on {}", self.start.format("%b %d"))
        } else {
            format!(
                "from {} to {}",
                self.start.format("%b %d"),
                self.end.format("%b %d")
            )
        };
        let region = self
            .region
            .as_deref()
            .map(|r| format!(", mostly {r}"))
            .unwrap_or_default();
        let sign = if self.impact.amount().is_sign_negative() {
            ""
        } else {
            "+"
        };
        match self.kind {
            AnomalyKind::NewService => format!(
                "{what} is new: {} {days}, nothing before{region}",
                money(self.actual)
            ),
            AnomalyKind::Stopped => format!(
                "{what} stopped: {} {days}, expected about {}{region}",
                money(self.actual),
                money(self.expected)
            ),
            AnomalyKind::Spike => format!(
                "{what} {} {days}, expected about {}: {sign}{}{region}",
                money(self.actual),
                money(self.expected),
                money(self.impact)
            ),
        }
    }

    /// Whether `day` is one of the anomaly's days.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn spike() -> Anomaly {
        Anomaly {
            source: AnomalySource::Local,
            kind: AnomalyKind::Spike,
            service: Some("AWS Lambda".into()),
            region: Some("us-west-2".into()),
            start: d("2026-11-27"),
            end: d("2026-11-27"),
            actual: "1240.35".parse().expect("m"),
            expected: "410.2".parse().expect("m"),
            impact: "830.15".parse().expect("m"),
            score: Decimal::new(125, 1),
        }
    }

    #[test]
    fn explanations_read_like_a_person_wrote_them() {
        assert_eq!(
            spike().explain(),
            "AWS Lambda $1,240 on Nov 27, expected about $410: +$830, mostly us-west-2"
        );
        let step = Anomaly {
            end: d("2026-11-29"),
            region: None,
            service: None,
            ..spike()
        };
        assert_eq!(
            step.explain(),
            "Total spend $1,240 from Nov 27 to Nov 29, expected about $410: +$830"
        );
        let stopped = Anomaly {
            kind: AnomalyKind::Stopped,
            actual: Money::ZERO,
            impact: "-410.2".parse().expect("m"),
            region: None,
            ..spike()
        };
        assert_eq!(
            stopped.explain(),
            "AWS Lambda stopped: $0 on Nov 27, expected about $410"
        );
        assert!(spike().covers(d("2026-11-27")) && !spike().covers(d("2026-11-28")));
    }
}
