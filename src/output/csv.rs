//! CSV for spreadsheets: one row per service, region and day, each tagged with its section and
//! the data source, so demo numbers can never pass for real ones.

use crate::model::{Money, Snapshot};

pub fn render(s: &Snapshot) -> String {
    let b = s.breakdown();
    let source = if s.is_demo() { "demo" } else { "aws" };
    let mut out = String::from("source,section,name,date,cost,estimated\n");
    let mut row = |section: &str, name: &str, date: &str, cost: Money, estimated: &str| {
        out.push_str(&format!(
            "{source},{section},{},{date},{cost},{estimated}\n",
            quote(name)
        ));
    };
    row("total", "total", "", b.total, "");
    for r in &b.services {
        row("service", &r.name, "", r.cost, "");
    }
    for r in &b.regions {
        row("region", &r.name, "", r.cost, "");
    }
    for d in &b.daily {
        let date = d.date.to_string();
        row(
            "daily",
            "",
            &date,
            d.cost,
            if d.estimated { "true" } else { "false" },
        );
    }
    out
}

/// RFC 4180 quoting for names with commas, quotes or line breaks.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}
