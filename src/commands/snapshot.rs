//! `awsdash snapshot`: fetch once, print to stdout, exit.

use std::io::{IsTerminal, Write};

use chrono::Utc;

use crate::cli::SnapshotArgs;
use crate::error::AppError;
use crate::output;
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: &SnapshotArgs) -> Result<(), AppError> {
    let stdout = std::io::stdout();
    let format = args.format(stdout.is_terminal());
    let snapshot = super::fetch_once(settings, Utc::now()).await?;
    if snapshot.is_demo() && format != output::Format::Json {
        eprintln!("awsdash: showing DEMO data (generated; not a real AWS account)");
    }
    let text = output::render(&snapshot, format);
    let mut lock = stdout.lock();
    lock.write_all(text.as_bytes())
        .and_then(|_| lock.flush())
        .or_else(|e| {
            // A closed pipe (`| head`) is the reader's choice, not our failure.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(AppError::Other(format!("cannot write to stdout: {e}")))
            }
        })
}
