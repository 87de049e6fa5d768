//! CSV for spreadsheets: one row per service, region and day, each tagged with its section and
//! the data source, so demo numbers can never pass for real ones.
//!
//! Written with the `csv` crate (RFC 4180 quoting). Names are outside input: control
//! characters are replaced, and a text cell a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, a tab or a line break) is neutralised with a leading `'` — the
//! same rule as `report --format csv`. Numbers are never touched —
//! credits are negative and must stay numbers.

use std::borrow::Cow;

use crate::model::{Money, Snapshot};

pub fn render(s: &Snapshot) -> String {
    let source = if s.is_demo() { "demo" } else { "aws" };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut rows: Vec<[String; 6]> = Vec::new();
    let mut row = |section: &str, name: &str, date: String, cost: Money, estimated: &str| {
        rows.push([
            source.to_string(),
            section.to_string(),
            text_cell(name).into_owned(),
            date,
            cost.to_string(),
            estimated.to_string(),
        ]);
    };
    if let Some(b) = s.breakdown() {
        row("total", "total", String::new(), b.total, "");
        for r in &b.services {
            row("service", &r.name, String::new(), r.cost, "");
        }
        for r in &b.regions {
            row("region", &r.name, String::new(), r.cost, "");
        }
        for d in &b.daily {
            let estimated = if d.estimated { "true" } else { "false" };
            row("daily", "", d.date.to_string(), d.cost, estimated);
        }
    }
    // Writing to memory cannot fail; the header and rows are plain strings.
    let written = w
        .write_record(["source", "section", "name", "date", "cost", "estimated"])
        .and_then(|()| rows.iter().try_for_each(|r| w.write_record(r)));
    match (written, w.into_inner()) {
        (Ok(()), Ok(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        _ => String::new(),
    }
}

/// A text cell as a spreadsheet may safely open it: control characters replaced, and a
/// leading `=`, `+`, `-`, `@`, tab, CR or LF (what Excel, LibreOffice and Google Sheets
/// evaluate, OWASP's list) escaped with `'`, which they show as text. Only for text: a
/// negative amount is a number and is never passed through here.
pub fn text_cell(text: &str) -> Cow<'_, str> {
    let clean = crate::text::clean(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        Cow::Owned(format!("'{clean}"))
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_controls_replaced() {
        assert_eq!(
            text_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(text_cell("+1"), "'+1");
        assert_eq!(text_cell("-2+3"), "'-2+3");
        assert_eq!(text_cell("@SUM(A1)"), "'@SUM(A1)");
        // A tab or CR in front is a formula trigger too: replaced, and the cell marked.
        assert_eq!(text_cell("\t=1"), "'\u{fffd}=1");
        assert_eq!(text_cell("\r@x"), "'\u{fffd}@x");
        assert!(!text_cell("a\rb").contains('\r'));
        assert_eq!(text_cell("AWS Lambda"), "AWS Lambda");
    }
}
