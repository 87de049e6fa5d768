//! The report's cost as a tidy CSV: one row per day × service × region, with column names
//! borrowed from FOCUS (the FinOps cost and usage specification) where the meaning matches —
//! FOCUS-aligned columns, not a FOCUS dataset: Cost Explorer has no list prices, charge
//! categories or SKUs. Our own columns carry FOCUS's `x_` prefix and come last.
//!
//! Numbers follow FOCUS's numeric format (`.` decimals, no grouping, no currency symbol) and
//! are written exactly, never rounded or altered: credits stay negative. Timestamps are UTC,
//! period ends exclusive. Text cells are neutralised against spreadsheet formulas by default
//! (see [`crate::output::csv::text_cell`]); `raw` leaves out the leading `'`. Control
//! characters are replaced either way: they mean nothing in a name, and a CSV gets `cat`-ed.

use std::borrow::Cow;

use chrono::{Duration, NaiveDate};

use super::RenderError;
use super::model::Report;

/// The header, FOCUS columns first.
pub const COLUMNS: [&str; 10] = [
    "ChargePeriodStart",
    "ChargePeriodEnd",
    "BilledCost",
    "BillingCurrency",
    "ServiceName",
    "RegionId",
    "SubAccountId",
    "x_CostMetric",
    "x_Estimated",
    "x_Source",
];

fn timestamp(day: NaiveDate) -> String {
    format!("{}T00:00:00Z", day.format("%Y-%m-%d"))
}

/// The CSV; `raw` does not mark formula-looking text (for tools that read CSV, not people
/// with spreadsheets).
pub fn render(report: &Report, raw: bool) -> Result<Vec<u8>, RenderError> {
    let text = |s: &str| -> String {
        if raw {
            crate::text::clean(s).into_owned()
        } else {
            crate::output::csv::text_cell(s).into_owned()
        }
    };
    let a = &report.about;
    let source = if a.demo { "demo" } else { "aws" };
    let account: Cow<'_, str> = a
        .sub_account_id
        .as_deref()
        .map_or(Cow::Borrowed(""), |id| Cow::Owned(text(id)));
    let fail = |e: csv::Error| RenderError::Encode {
        format: "csv",
        why: e.to_string(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(COLUMNS).map_err(fail)?;
    let currency = text(&a.currency);
    let metric = text(&a.metric);
    for cell in &report.cells {
        let estimated = a.estimated_days.contains(&cell.date);
        w.write_record([
            timestamp(cell.date).as_str(),
            &timestamp(cell.date + Duration::days(1)),
            &cell.cost.to_string(),
            &currency,
            &text(&cell.service),
            &text(&cell.region),
            &account,
            &metric,
            if estimated { "true" } else { "false" },
            source,
        ])
        .map_err(fail)?;
    }
    w.into_inner().map_err(|e| RenderError::Encode {
        format: "csv",
        why: e.to_string(),
    })
}
