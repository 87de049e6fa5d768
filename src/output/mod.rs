//! Snapshot → what `awsdash snapshot` prints: the JSON contract for scripts, a table for
//! people, CSV for spreadsheets.

mod analysis_json;
pub mod csv;
pub mod json;
pub mod table;

use clap::ValueEnum;

use crate::model::Snapshot;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Table,
    Csv,
}

impl Format {
    /// The word `--format` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Table => "table",
            Format::Csv => "csv",
        }
    }
}

pub fn render(snapshot: &Snapshot, format: Format) -> String {
    match format {
        Format::Json => json::render(snapshot),
        Format::Table => table::render(snapshot),
        Format::Csv => csv::render(snapshot),
    }
}
