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
    let super::Fetched { snapshot, failure } = super::fetch_once(settings, Utc::now()).await?;
    if let Some(failure) = &failure {
        let age = Utc::now()
            - snapshot
                .freshness
                .cost_explorer
                .unwrap_or(snapshot.generated_at);
        eprintln!(
            "awsdash: {failure}\nawsdash: printing the cached snapshot (STALE, Cost Explorer data from {} min ago)",
            age.num_minutes()
        );
    }
    if snapshot.is_demo() && format != output::Format::Json {
        eprintln!("awsdash: showing DEMO data (generated; not a real AWS account)");
    }
    let text = output::render(&snapshot, format);
    let mut lock = stdout.lock();
    let written = lock.write_all(text.as_bytes()).and_then(|_| lock.flush());
    match (written, failure) {
        (_, Some(failure)) => Err(failure),
        (Ok(()), None) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        (Err(e), None) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (Err(e), None) => Err(AppError::Other(format!("cannot write to stdout: {e}"))),
    }
}
