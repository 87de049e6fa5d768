//! Reports people forward: one [`Report`] built from a snapshot (and the analysis sections it
//! carries), rendered to each format. Every renderer reads only the model, so a Markdown job
//! summary, a JSON export and a spreadsheet made from the same snapshot agree to the cent.

mod chart;
pub mod csv;
mod document;
mod html;
mod markdown;
pub mod model;
mod pdf;
pub mod saved;

pub use model::{Options, Report, build};

use clap::ValueEnum;

/// The formats `awsdash report --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum Format {
    /// GitHub-flavoured Markdown: a job summary, a ticket.
    Md,
    /// One self-contained page: inline CSS and SVG charts, no script, no URL.
    Html,
    /// A4 pages with an embedded font, the same charts, tables continued with their header.
    Pdf,
    /// The report model as JSON (documented in the README).
    Json,
    /// One row per day × service × region, FOCUS-aligned column names, formula-safe.
    Csv,
}

impl Format {
    /// The word `--format` takes, which is also the usual file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    /// The MIME type, for whoever attaches or serves the file.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Md => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot encode the report as {format}: {why}")]
    Encode { format: &'static str, why: String },
}

/// The report in `format`, as the bytes of a file (CSV with text cells neutralised; see
/// [`csv::render`] for the raw variant).
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Csv => csv::render(report, false),
        Format::Md => Ok(markdown::render(&document::layout(report)).into_bytes()),
        Format::Html => Ok(html::render(&document::layout(report)).into_bytes()),
        Format::Pdf => pdf::render(&document::layout(report)),
        Format::Json => {
            let mut bytes = serde_json::to_vec_pretty(report).map_err(|e| RenderError::Encode {
                format: "json",
                why: e.to_string(),
            })?;
            bytes.push(b'\n');
            Ok(bytes)
        }
    }
}
