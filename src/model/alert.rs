//! Alerts as data: what fires, how bad, since when — the domain type that snapshots carry and
//! that `crate::alerts` finds and delivers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A budget's own ACTUAL notification threshold.
    BudgetActual,
    /// A budget's own FORECASTED notification threshold.
    BudgetForecasted,
    /// The month-end forecast is over a monthly budget's limit.
    ForecastOverBudget,
    Anomaly,
    /// A `[[alerts.rule]]` of the config.
    Rule,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlertSeverity {
    Info,
    Warning,
    Critical,
}

impl AlertSeverity {
    pub fn name(self) -> &'static str {
        match self {
            AlertSeverity::Info => "info",
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// Stable: derived from what fires and the period it fires in, never from amounts that
    /// move (a budget at 82 % and later at 85 % of the same threshold is the same alert).
    pub id: String,
    pub kind: AlertKind,
    pub severity: AlertSeverity,
    /// One line, e.g. "Budget Monthly AWS total: 80% of $32,000 reached".
    pub title: String,
    /// The numbers behind it, in words.
    pub detail: String,
    /// The day the condition's period began (the budget period, the anomaly's first day, the
    /// rule's day or month).
    pub since: NaiveDate,
}
