//! Reports people forward: one [`Report`] built from a snapshot (and the analysis sections it
//! carries), rendered to each format. Every renderer reads only the model, so a Markdown job
//! summary, a JSON export and a spreadsheet made from the same snapshot agree to the cent.

mod markdown;
pub mod model;

pub use model::{Options, Report, build};

use clap::ValueEnum;

/// The formats `awsdash report --format` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum Format {
    /// GitHub-flavoured Markdown: a job summary, a ticket.
    Md,
    /// The report model as JSON (documented in the README).
    Json,
}

impl Format {
    /// The word `--format` takes, which is also the usual file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
        }
    }

    /// The MIME type, for whoever attaches or serves the file.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Md => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// Why a report could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot encode the report as {format}: {why}")]
    Encode { format: &'static str, why: String },
}

/// The report in `format`, as the bytes of a file.
pub fn render(report: &Report, format: Format) -> Result<Vec<u8>, RenderError> {
    match format {
        Format::Md => Ok(markdown::render(report).into_bytes()),
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
